"""To-dos, as notices a home page leads with. A rater's: evaluations still to finish in each
open cycle (drafts counted), red once the reminder date has passed, and the office's latest
reminder to them. The assessment office's: each open cycle's progress, each closed cycle
waiting for its results, flagged responses and appeals to decide."""

from __future__ import annotations

from typing import Any

from evaluation import clock
from evaluation.clock import today
from evaluation.cycles.calendar import reminders_due
from evaluation.cycles.progress_repository import cycle_progress
from evaluation.notices import Notice
from evaluation.results.appeal_tables import Appeal
from evaluation.tables import Assignment, Cycle, Draft, OutboxMessage, ResponseFlag


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
    reminder = (
        await OutboxMessage.select(OutboxMessage.body, OutboxMessage.created_at)
        .where(
            (OutboxMessage.recipient == cadre_id) & (OutboxMessage.round._.cycle._.state == "open")
        )
        .order_by(OutboxMessage.id, ascending=False)
        .first()
    )
    if reminder:
        found.append(
            Notice(
                kind="reminder",
                title="考核办催办",
                detail=reminder["body"],
                on=clock.local_day(reminder["created_at"]),
                link="/rate",
                tone="yellow",
            )
        )
    return found


async def office_todos() -> list[Notice]:
    """What the assessment office has to do next, cycle by cycle: chase an open cycle's
    raters, decide flagged responses and appeals, compute and publish a closed cycle."""
    day = today()
    found: list[Notice] = []
    cycles = (
        await Cycle.select(Cycle.id, Cycle.name, Cycle.state, Cycle.closes_on, Cycle.remind_on)
        .where(Cycle.state.is_in(["open", "closed"]))
        .order_by(Cycle.id, ascending=False)
    )
    for cycle in cycles:
        base = f"/office/cycles/{cycle['id']}"
        if cycle["state"] == "open":
            progress = await cycle_progress(cycle["id"])
            overall = progress.overall
            late = reminders_due(cycle["remind_on"], cycle["closes_on"], day)
            found.append(
                Notice(
                    kind="todo",
                    title=f"“{cycle['name']}”进行中：已完成 {overall['rate']:.0%}",
                    detail=f"{overall['submitted']} / {overall['assigned']} 项，"
                    f"{cycle['closes_on']} 截止" + ("，已过催办日期，可发出催办" if late else ""),
                    on=None,
                    link=f"{base}/progress",
                    tone="red" if late else "yellow",
                )
            )
        else:
            found.append(
                Notice(
                    kind="todo",
                    title=f"“{cycle['name']}”已截止：待计算并发布结果",
                    detail="复核可疑评价后计算结果预览，确认后发布",
                    on=None,
                    link=base,
                    tone="yellow",
                )
            )
        flagged = await ResponseFlag.count().where(
            (ResponseFlag.decision == "") & (ResponseFlag.response._.cycle == cycle["id"])
        )
        if flagged:
            found.append(
                Notice(
                    kind="todo",
                    title=f"“{cycle['name']}”有 {flagged} 份可疑评价待复核",
                    detail="保留或排除，决定后才能计算结果",
                    on=None,
                    link=f"{base}/flags",
                    tone="red",
                )
            )
    waiting = await Appeal.select(Appeal.cycle, Appeal.cycle._.name).where(
        Appeal.state == "pending"
    )
    by_cycle: dict[int, list[dict[str, Any]]] = {}
    for row in waiting:
        by_cycle.setdefault(row["cycle"], []).append(row)
    for cycle_id, rows in by_cycle.items():
        found.append(
            Notice(
                kind="todo",
                title=f"“{rows[0]['cycle.name']}”有 {len(rows)} 件申诉待处理",
                detail="公示期内逐件决定，理由会告知干部本人",
                on=None,
                link=f"/office/cycles/{cycle_id}/appeals",
                tone="red",
            )
        )
    return found
