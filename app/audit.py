"""The audit log: every change made by a signed-in user (office, training office and admin
pages; password changes; that a rater submitted an evaluation), every export, and account
lockouts — who, when, what. Recorded from the app-level `before_send` hook, so a new route
is audited without anyone remembering to. Draft saves are not changes; residents are
anonymous by design and their submissions are not logged here.

A rater's submission is recorded as "submitted an evaluation" on that day — never which
assignment or cadre, never the second: the office, who reads this log, also reads results,
and an exact time beside a result would say who answered what."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

import msgspec
from litestar.types import Scope

from app.accounts.tables import AuditEntry
from evaluation import clock

log = logging.getLogger("cadre360.audit")
CHANGE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EXPORT_SUFFIXES = (".xlsx", ".pdf", ".csv", ".toml")
EXPORT_PATHS = ("/scorecard/attachments/",)  # evidence files a town uploaded
NOT_CHANGES = frozenset({"/login", "/logout"})
NOISE_WINDOW = timedelta(minutes=15)  # as long as a sign-in lock
SUBMISSIONS = re.compile(r"^/(rate|visit)/\d+$|^/api/assignments/\d+/response$")


def auditable(scope: Scope, status: int) -> str | None:
    """The action to record for a finished request, or None."""
    if scope.get("api_token"):
        return "api"  # every use of a read token, refused ones included
    if status >= 400:
        return None
    method, path = str(scope.get("method", "")), str(scope.get("path", ""))
    user = scope.get("user")
    role = getattr(user, "role", None)
    if (
        (path.endswith(EXPORT_SUFFIXES) or path.startswith(EXPORT_PATHS))
        and method == "GET"
        and role
    ):
        return "export"
    if method in CHANGE_METHODS and role and SUBMISSIONS.match(path):
        return "submit"
    if (
        method in CHANGE_METHODS
        and role
        and path not in NOT_CHANGES
        and not path.endswith("/draft")
    ):
        return "change"  # staff changes and password changes
    return None


async def record(scope: Scope, status: int) -> None:
    action = auditable(scope, status)
    if action is None:
        return
    user = scope.get("user")
    query = bytes(scope.get("query_string", b"")).decode(errors="replace")
    path = str(scope.get("path", "")) + (f"?{query}" if query else "")
    at = None
    if action == "submit":
        path = SUBMISSIONS.sub(
            lambda m: "/" + (m.group(1) or "api/assignments") + "/…", path.split("?")[0]
        )
        at = clock.day_start(clock.today())
    username = getattr(user, "username", "")
    if action == "api":
        username = f"api:{scope.get('api_token')}"
    await record_event(user, username, action, str(scope.get("method", "")), path, status, at)


async def record_event(
    user: object,
    username: str,
    action: str,
    method: str,
    path: str,
    status: int,
    at: datetime | None = None,
) -> None:
    try:
        await AuditEntry.insert(
            AuditEntry(
                at=at or clock.now(),
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


async def record_once(
    user: object, username: str, action: str, method: str, path: str, status: int
) -> None:
    """Noise aggregated: one row per name and action in NOISE_WINDOW — a guessing run
    hammering a locked account leaves one entry, not one per attempt (issue 29, #6)."""
    seen = await AuditEntry.exists().where(
        (AuditEntry.action == action)
        & (AuditEntry.username == username[:64])
        & (AuditEntry.at >= clock.now() - NOISE_WINDOW)
    )
    if not seen:
        await record_event(user, username, action, method, path, status)


class AuditRow(msgspec.Struct, frozen=True, kw_only=True):
    at: datetime
    username: str
    role: str
    action: str
    method: str
    path: str
    status: int


async def recent(action: str | None, limit: int = 500) -> list[AuditRow]:
    """The newest entries, optionally of one action, for the office's audit page."""
    query = AuditEntry.select(
        AuditEntry.at,
        AuditEntry.username,
        AuditEntry.role,
        AuditEntry.action,
        AuditEntry.method,
        AuditEntry.path,
        AuditEntry.status,
    )
    if action:
        query = query.where(AuditEntry.action == action)
    # newest first by time, not by insertion: a submission is recorded at the start of its day,
    # and its place among exactly-timed rows would otherwise tell its second (issue 29, #10)
    rows = (
        await query.order_by(AuditEntry.at, ascending=False)
        .order_by(AuditEntry.id, ascending=False)
        .limit(limit)
    )
    return [AuditRow(**row) for row in rows]
