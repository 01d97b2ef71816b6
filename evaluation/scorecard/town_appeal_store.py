"""Towns' appeals in the table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from evaluation.errors import NotFound
from evaluation.scorecard.tables import TownAppeal


async def pending(plan_id: int) -> int:
    return await TownAppeal.count().where(
        (TownAppeal.plan == plan_id) & (TownAppeal.state == "pending")
    )


async def rows(plan_id: int, town_id: int | None = None) -> list[dict[str, Any]]:
    query = TownAppeal.select(
        TownAppeal.id,
        TownAppeal.town,
        TownAppeal.town.name.as_alias("town_name"),
        TownAppeal.indicator,
        TownAppeal.reason,
        TownAppeal.lodged_by,
        TownAppeal.lodged_on,
        TownAppeal.state,
        TownAppeal.corrected,
        TownAppeal.decision_reason,
        TownAppeal.decided_on,
    ).where(TownAppeal.plan == plan_id)
    if town_id is not None:
        query = query.where(TownAppeal.town == town_id)
    return await query.order_by(TownAppeal.id, ascending=False)


async def row(appeal_id: int) -> dict[str, Any]:
    found = (
        await TownAppeal.select(
            TownAppeal.id, TownAppeal.plan, TownAppeal.town, TownAppeal.indicator
        )
        .where(TownAppeal.id == appeal_id)
        .first()
    )
    if found is None:
        raise NotFound("没有这件申诉")
    return found


async def insert(
    plan_id: int, town_id: int, indicator: str, reason: str, by: str, on: dt.date
) -> int | None:
    """The new appeal's id; None when the town has one pending for the year (the
    one-pending index refuses the second, also when two are sent at once)."""
    created = (
        await TownAppeal.insert(
            TownAppeal(
                plan=plan_id,
                town=town_id,
                indicator=indicator,
                reason=reason,
                lodged_by=by,
                lodged_on=on,
            )
        )
        .on_conflict(action="DO NOTHING")
        .returning(TownAppeal.id)
    )
    return int(created[0]["id"]) if created else None


async def decide(
    appeal_id: int, state: str, corrected: float | None, reason: str, by: str, on: dt.date
) -> bool:
    moved = (
        await TownAppeal.update(
            {
                TownAppeal.state: state,
                TownAppeal.corrected: corrected,
                TownAppeal.decision_reason: reason,
                TownAppeal.decided_by: by,
                TownAppeal.decided_on: on,
            }
        )
        .where((TownAppeal.id == appeal_id) & (TownAppeal.state == "pending"))
        .returning(TownAppeal.id)
    )
    return bool(moved)
