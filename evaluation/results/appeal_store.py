"""Appeals in the table."""

from __future__ import annotations

from typing import Any

from evaluation import clock
from evaluation.clock import today
from evaluation.errors import NotFound
from evaluation.results.appeal_tables import Appeal


def transaction() -> Any:
    return Appeal._meta.db.transaction()


async def insert(
    cycle_id: int, cadre_id: int, account: str, competency: str, reason: str
) -> int | None:
    """The new appeal's id; None when the cadre already has one pending in the cycle (the
    database's one-pending index refuses the second, also when two are sent at once)."""
    rows = (
        await Appeal.insert(
            Appeal(
                cycle=cycle_id,
                cadre=cadre_id,
                account=account,
                competency=competency,
                reason=reason,
                lodged_on=today(),
            )
        )
        .on_conflict(action="DO NOTHING")
        .returning(Appeal.id)
    )
    return int(rows[0]["id"]) if rows else None


async def appeals(
    cycle_id: int | None = None, cadre_id: int | None = None, appeal_id: int | None = None
) -> list[dict[str, Any]]:
    query = Appeal.select(
        Appeal.id,
        Appeal.cycle,
        Appeal.cycle.name.as_alias("cycle_name"),
        Appeal.cadre,
        Appeal.cadre.name.as_alias("cadre_name"),
        Appeal.competency,
        Appeal.reason,
        Appeal.state,
        Appeal.correction,
        Appeal.decision_reason,
        Appeal.lodged_on,
        Appeal.decided_on,
    )
    if cycle_id is not None:
        query = query.where(Appeal.cycle == cycle_id)
    if cadre_id is not None:
        query = query.where(Appeal.cadre == cadre_id)
    if appeal_id is not None:
        query = query.where(Appeal.id == appeal_id)
    return await query.order_by(Appeal.id, ascending=False)


async def appeal(appeal_id: int) -> dict[str, Any]:
    row = (
        await Appeal.select(Appeal.id, Appeal.cycle, Appeal.cadre, Appeal.competency, Appeal.state)
        .where(Appeal.id == appeal_id)
        .first()
    )
    if row is None:
        raise NotFound("没有这件申诉")
    return row


async def pending_count(cycle_id: int) -> int:
    return await Appeal.count().where((Appeal.cycle == cycle_id) & (Appeal.state == "pending"))


async def pending_by_cycle() -> dict[int, tuple[str, int]]:
    """Cycles with appeals waiting for a decision: cycle id → (cycle name, how many)."""
    waiting = await Appeal.select(Appeal.cycle, Appeal.cycle._.name).where(
        Appeal.state == "pending"
    )
    found: dict[int, tuple[str, int]] = {}
    for row in waiting:
        name, count = found.get(row["cycle"], (row["cycle.name"], 0))
        found[row["cycle"]] = (name, count + 1)
    return found


async def decide(appeal_id: int, state: str, correction: str, reason: str, by: str) -> bool:
    moved = (
        await Appeal.update(
            {
                Appeal.state: state,
                Appeal.correction: correction,
                Appeal.decision_reason: reason,
                Appeal.decided_by: by,
                Appeal.decided_at: clock.now(),
                Appeal.decided_on: today(),
            }
        )
        .where((Appeal.id == appeal_id) & (Appeal.state == "pending"))
        .returning(Appeal.id)
    )
    return bool(moved)
