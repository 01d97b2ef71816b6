"""Who rates: the one list of rater groups, and the subsets each rule uses (as plain
strings, the values stored and handed to polars).

Stored as their string values (`rater_group` columns, rubric files, cycle weights); the
order of `RaterGroup` is the order analytics code groups by (`analytics.coding.GROUPS`)."""

from __future__ import annotations

from enum import StrEnum


class RaterGroup(StrEnum):
    superior = "superior"  # 上级: the cadre's leaders
    peer = "peer"  # 同事
    resident = "resident"  # 群众 (QR at a service window, no account)
    mystery = "mystery"  # 暗访: the office's mystery visitors
    self = "self"  # 本人: self-assessment, shown beside the result, never counted in it


GROUPS: tuple[str, ...] = tuple(g.value for g in RaterGroup)
# Groups whose ratings make up a cadre's result (self never does).
COUNTED: tuple[str, ...] = ("superior", "peer", "resident", "mystery")
# Groups an assignment (or a paper form keyed in by the office) can name.
ASSIGNABLE: tuple[str, ...] = ("superior", "peer", "self", "mystery")
# Groups whose members must stay anonymous to the cadre, their leaders and the office.
ANONYMOUS: tuple[str, ...] = ("peer", "resident")
