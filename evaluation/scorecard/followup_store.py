"""约谈 records and 专项督导 tasks in the tables."""

from __future__ import annotations

from typing import Any

from evaluation import clock
from evaluation.infra.lookups import insert_one, one
from evaluation.scorecard.tables import Interview, Supervision


async def insert_interview(values: dict[str, Any]) -> int:
    return await insert_one(Interview, **values)


async def interviews(plan_ids: list[int], town_id: int | None = None) -> list[dict[str, Any]]:
    query = Interview.select(
        Interview.id,
        Interview.plan,
        Interview.plan.year.as_alias("year"),
        Interview.town,
        Interview.town.name.as_alias("town_name"),
        Interview.held_on,
        Interview.held_by,
        Interview.issues,
        Interview.commitments,
        Interview.outcome,
        Interview.outcome_note,
        Interview.reviewed_by,
    ).where(Interview.plan.is_in(plan_ids or [0]))
    if town_id is not None:
        query = query.where(Interview.town == town_id)
    return await query.order_by(Interview.held_on, ascending=False).order_by(Interview.id)


async def interview(interview_id: int) -> dict[str, Any]:
    return await one(
        Interview, interview_id, [Interview.id, Interview.plan, Interview.town], "没有这条约谈记录"
    )


async def review_interview(interview_id: int, outcome: str, note: str, by: str) -> None:
    await Interview.update(
        {
            Interview.outcome: outcome,
            Interview.outcome_note: note,
            Interview.reviewed_by: by,
            Interview.reviewed_at: clock.now(),
        }
    ).where(Interview.id == interview_id)


async def insert_supervision(values: dict[str, Any]) -> int:
    return await insert_one(Supervision, **values)


async def supervisions(plan_ids: list[int], town_id: int | None = None) -> list[dict[str, Any]]:
    query = Supervision.select(
        Supervision.id,
        Supervision.plan,
        Supervision.town,
        Supervision.town.name.as_alias("town_name"),
        Supervision.title,
        Supervision.due_on,
        Supervision.state,
        Supervision.closing_note,
        Supervision.closed_by,
    ).where(Supervision.plan.is_in(plan_ids or [0]))
    if town_id is not None:
        query = query.where(Supervision.town == town_id)
    return await query.order_by(Supervision.state, ascending=False).order_by(Supervision.due_on)


async def supervision(task_id: int) -> dict[str, Any]:
    return await one(
        Supervision,
        task_id,
        [Supervision.id, Supervision.plan, Supervision.state],
        "没有这项督导任务",
    )


async def close_supervision(task_id: int, note: str, by: str) -> int:
    """Closes an open task; returns how many rows moved (0: it was closed already)."""
    moved = (
        await Supervision.update(
            {
                Supervision.state: "closed",
                Supervision.closing_note: note,
                Supervision.closed_by: by,
                Supervision.closed_at: clock.now(),
            }
        )
        .where(Supervision.id == task_id, Supervision.state == "open")
        .returning(Supervision.id)
    )
    return len(moved)
