"""The assessment office's to-dos, as notices its home page leads with: each open cycle's
progress, each closed cycle waiting for its results, flagged responses and appeals to decide.
Above results (it reads their appeals), so the cycles below never reach up for them."""

from __future__ import annotations

from evaluation.clock import today
from evaluation.cycles.calendar import reminders_due
from evaluation.cycles.progress_repository import cycle_progress
from evaluation.cycles.service import list_cycles
from evaluation.notices import Notice
from evaluation.responses import review
from evaluation.results import appeals


async def office_todos() -> list[Notice]:
    """What the assessment office has to do next, cycle by cycle: chase an open cycle's
    raters, decide flagged responses and appeals, compute and publish a closed cycle."""
    day = today()
    found: list[Notice] = []
    every = await list_cycles()
    cycles = [c for c in every if c.state in ("open", "closed")]
    for cycle in cycles:
        base = f"/office/cycles/{cycle.id}"
        if cycle.state == "open":
            progress = await cycle_progress(cycle.id)
            overall = progress.overall
            late = reminders_due(cycle.remind_on, cycle.closes_on, day)
            found.append(
                Notice(
                    kind="todo",
                    title=f"“{cycle.name}”进行中：已完成 {overall['rate']:.0%}",
                    detail=f"{overall['submitted']} / {overall['assigned']} 项，"
                    f"{cycle.closes_on} 截止" + ("，已过催办日期，可发出催办" if late else ""),
                    on=None,
                    link=f"{base}/progress",
                    tone="red" if late else "yellow",
                )
            )
        else:
            found.append(
                Notice(
                    kind="todo",
                    title=f"“{cycle.name}”已截止：待计算并发布结果",
                    detail="复核可疑评价后计算结果预览，确认后发布",
                    on=None,
                    link=base,
                    tone="yellow",
                )
            )
        flagged = await review.undecided(cycle.id)
        if flagged:
            found.append(
                Notice(
                    kind="todo",
                    title=f"“{cycle.name}”有 {flagged} 份可疑评价待复核",
                    detail="保留或排除，决定后才能计算结果",
                    on=None,
                    link=f"{base}/flags",
                    tone="red",
                )
            )
    names = {c.id: c.name for c in every}
    for cycle_id, count in (await appeals.pending_by_cycle()).items():
        name = names.get(cycle_id, "")
        found.append(
            Notice(
                kind="todo",
                title=f"“{name}”有 {count} 件申诉待处理",
                detail="公示期内逐件决定，理由会告知干部本人",
                on=None,
                link=f"/office/cycles/{cycle_id}/appeals",
                tone="red",
            )
        )
    return found
