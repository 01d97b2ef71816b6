"""The appeals table's one owner."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from evaluation import clock
from evaluation.appeals.tables import AppealCase
from evaluation.errors import NotFound

CADRE_RESULT = "cadre_result"  # a cadre's 360 result: period = cycle id, subject = cadre id
TOWN_YEAR = "town_year"  # a town's scorecard year: period = plan id, subject = town id

ROW_COLUMNS = (
    AppealCase.id,
    AppealCase.kind,
    AppealCase.period,
    AppealCase.subject,
    AppealCase.item,
    AppealCase.reason,
    AppealCase.lodged_by,
    AppealCase.lodged_on,
    AppealCase.state,
    AppealCase.correction,
    AppealCase.decision_reason,
    AppealCase.decided_by,
    AppealCase.decided_on,
)


class AppealRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    kind: str
    period: int
    subject: int
    item: str
    reason: str
    lodged_by: str
    lodged_on: dt.date
    state: str
    correction: str
    decision_reason: str
    decided_by: str
    decided_on: dt.date | None


def transaction() -> Any:
    return AppealCase._meta.db.transaction()


async def insert(
    kind: str, period: int, subject: int, item: str, reason: str, by: str, on: dt.date
) -> int | None:
    """The new appeal's id; None when the subject already has one pending in the period (the
    one-pending index refuses the second, also when two are sent at once)."""
    created = (
        await AppealCase.insert(
            AppealCase(
                kind=kind,
                period=period,
                subject=subject,
                item=item,
                reason=reason,
                lodged_by=by,
                lodged_on=on,
            )
        )
        .on_conflict(action="DO NOTHING")
        .returning(AppealCase.id)
    )
    return int(created[0]["id"]) if created else None


async def rows(
    kind: str, period: int | None = None, subject: int | None = None, appeal_id: int | None = None
) -> list[AppealRow]:
    """Newest first."""
    query = AppealCase.select(*ROW_COLUMNS).where(AppealCase.kind == kind)
    if period is not None:
        query = query.where(AppealCase.period == period)
    if subject is not None:
        query = query.where(AppealCase.subject == subject)
    if appeal_id is not None:
        query = query.where(AppealCase.id == appeal_id)
    found = await query.order_by(AppealCase.id, ascending=False)
    return [msgspec.convert(r, AppealRow) for r in found]


async def row(kind: str, appeal_id: int) -> AppealRow:
    found = await rows(kind, appeal_id=appeal_id)
    if not found:
        raise NotFound("没有这件申诉")
    return found[0]


async def pending(kind: str, period: int) -> int:
    return await AppealCase.count().where(
        (AppealCase.kind == kind) & (AppealCase.period == period) & (AppealCase.state == "pending")
    )


async def pending_by_period(kind: str) -> dict[int, int]:
    """Periods with appeals of this kind waiting for a decision: period → how many."""
    waiting = await AppealCase.select(AppealCase.period).where(
        (AppealCase.kind == kind) & (AppealCase.state == "pending")
    )
    counts: dict[int, int] = {}
    for r in waiting:
        counts[r["period"]] = counts.get(r["period"], 0) + 1
    return counts


async def upheld(kind: str, period: int) -> list[AppealRow]:
    return [r for r in await rows(kind, period) if r.state == "upheld"]


async def decide(
    appeal_id: int, state: str, correction: str, reason: str, by: str, on: dt.date
) -> bool:
    """Record the decision on a pending appeal (False when it was decided already)."""
    moved = (
        await AppealCase.update(
            {
                AppealCase.state: state,
                AppealCase.correction: correction,
                AppealCase.decision_reason: reason,
                AppealCase.decided_by: by,
                AppealCase.decided_on: on,
                AppealCase.decided_at: clock.now(),
            }
        )
        .where((AppealCase.id == appeal_id) & (AppealCase.state == "pending"))
        .returning(AppealCase.id)
    )
    return bool(moved)
