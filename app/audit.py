"""The audit log: every change made through the office, training-office and admin pages,
every export, and account lockouts — who, when, what. Recorded from the app-level
`before_send` hook, so a new route is audited without anyone remembering to; raters' and
residents' own submissions are the responses themselves and are not duplicated here."""

from __future__ import annotations

import logging

from litestar.types import Scope

from app.accounts.tables import AuditEntry

log = logging.getLogger("cadre360.audit")
CHANGE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
STAFF_ROLES = frozenset({"admin", "assessment_office", "training_office"})
EXPORT_SUFFIXES = (".xlsx", ".pdf", ".csv")
NOT_CHANGES = frozenset({"/login", "/logout"})


def auditable(scope: Scope, status: int) -> str | None:
    """The action to record for a finished request, or None."""
    if status >= 400:
        return None
    method, path = str(scope.get("method", "")), str(scope.get("path", ""))
    user = scope.get("user")
    role = getattr(user, "role", None)
    if path.endswith(EXPORT_SUFFIXES) and method == "GET" and role:
        return "export"
    if method in CHANGE_METHODS and role in STAFF_ROLES and path not in NOT_CHANGES:
        return "change"
    return None


async def record(scope: Scope, status: int) -> None:
    action = auditable(scope, status)
    if action is None:
        return
    user = scope.get("user")
    query = bytes(scope.get("query_string", b"")).decode(errors="replace")
    path = str(scope.get("path", "")) + (f"?{query}" if query else "")
    await record_event(
        user, getattr(user, "username", ""), action, str(scope.get("method", "")), path, status
    )


async def record_event(
    user: object, username: str, action: str, method: str, path: str, status: int
) -> None:
    try:
        await AuditEntry.insert(
            AuditEntry(
                user=getattr(user, "id", None),
                username=username[:64],
                role=getattr(user, "role", "") or "",
                action=action,
                method=method,
                path=path[:2000],
                status=status,
            )
        )
    except Exception:  # the change itself is done; say loudly that its record is missing
        log.exception("audit entry not written: %s %s by %s", method, path, username)
