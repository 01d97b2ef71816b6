"""A rater's to-dos, as notices their home page leads with: evaluations still to finish in
each open cycle (drafts counted), red once the reminder date has passed, and the office's
latest reminder to them. (The office's to-dos read appeals too: `reports/office_todos.py`.)"""

from __future__ import annotations

from typing import Any

from evaluation import clock
from evaluation.clock import today
from evaluation.cycles.calendar import reminders_due
from evaluation.notices import Notice
from evaluation.outbox import store as outbox
from evaluation.tables import Assignment, Draft


async def rating_todos(cadre_id: int) -> list[Notice]:
    rows = await Assignment.select(
        Assignment.id,
        Assignment.cycle.as_alias("cycle_id"),
        Assignment.cycle.name.as_alias("cycle_name"),
        Assignment.cycle.closes_on.as_alias("closes_on"),
        Assignment.cycle.remind_on.as_alias("remind_on"),
    ).where(
        (Assignment.rater == cadre_id)
        & (Assignment.status == "open")
        & (Assignment.cycle.state == "open")
    )
    if not rows:
        return []
    drafted = {
        d["assignment"]
        for d in await Draft.select(Draft.assignment).where(
            Draft.assignment.is_in([r["id"] for r in rows])
        )
    }
    day = today()
    cycles: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        cycles.setdefault(row["cycle_id"], []).append(row)
    found = []
    for cycle_rows in cycles.values():
        first = cycle_rows[0]
        drafts = sum(r["id"] in drafted for r in cycle_rows)
        late = reminders_due(first["remind_on"], first["closes_on"], day)
        found.append(
            Notice(
                kind="todo",
                title=f"“{first['cycle_name']}”还有 {len(cycle_rows)} 份评价待完成"
                + (f"（{drafts} 份已存草稿）" if drafts else ""),
                detail=f"{first['closes_on']} 截止"
                + ("，已过催办日期，请尽快完成" if late else ""),
                on=None,  # the deadline is in the detail; a to-do is not dated news
                link="/rate",
                tone="red" if late else "yellow",
            )
        )
    reminder = await outbox.latest_for(cadre_id)
    if reminder:
        body, created_at = reminder
        found.append(
            Notice(
                kind="reminder",
                title="考核办催办",
                detail=body,
                on=clock.local_day(created_at),
                link="/rate",
                tone="yellow",
            )
        )
    return found
