"""The audit log, read-only: office and admin users see who changed or exported what."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.params import FromQuery
from litestar.response import Template

from app import audit
from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import Role
from app.templating import render

ACTIONS = {"change": "修改", "submit": "提交评价", "export": "导出", "lockout": "账号锁定"}


@get("/office/audit", guards=[requires(Role.assessment_office, Role.admin)])
async def audit_page(
    request: Request[CurrentUser, str, Any], action: FromQuery[str | None] = None
) -> Template:
    entries = await audit.recent(action if action in ACTIONS else None)
    return render(request, "office/audit.html", entries=entries, ACTIONS=ACTIONS, action=action)


routes = [audit_page]
