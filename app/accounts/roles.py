from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    assessment_office = "assessment_office"
    training_office = "training_office"
    leader = "leader"
    cadre = "cadre"
    mystery = "mystery"
    reporter = "reporter"
    field_checker = "field_checker"


ROLE_LABELS: dict[str, str] = {
    Role.admin: "系统管理员",
    Role.assessment_office: "考核办",
    Role.training_office: "培训办",
    Role.leader: "领导干部",
    Role.cadre: "干部",
    Role.mystery: "暗访员",
    Role.reporter: "乡镇填报员",
    Role.field_checker: "核查组",
}

# Roles whose account must point at a cadre of the roster.
ROLES_WITH_CADRE = frozenset({Role.leader, Role.cadre, Role.reporter})

HOME_PATHS: dict[str, str] = {
    Role.admin: "/admin/users",
    Role.assessment_office: "/office",
    Role.training_office: "/training",
    Role.leader: "/team",
    Role.cadre: "/me",
    Role.mystery: "/visit",
    Role.reporter: "/town",
    Role.field_checker: "/check",
}
