"""A rater's side of a cycle: their assignments, drafts, the top-rating quota they see on the
form (it is enforced inside the write: `submit`), work reports."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime

import msgspec

from evaluation import clock
from evaluation.errors import Invalid, NotFound
from evaluation.responses.context import prefetch_contexts, ratee_context
from evaluation.rubrics.schema import Rubric
from evaluation.tables import Assignment, Cycle, Draft, Response, ResponseItem, WorkReport

TOP_LEVEL = 5
REPORT_TYPES = {
    "pdf": "application/pdf",
    "txt": "text/plain; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
MAX_REPORT_BYTES = 5 * 1024 * 1024


class RaterTask(msgspec.Struct, frozen=True, kw_only=True):
    """One assignment as its rater sees it."""

    id: int
    cycle_id: int
    cycle_name: str
    cycle_state: str
    closes_on: date
    ratee_id: int
    ratee_name: str
    ratee_position: str
    ratee_town: str
    rater_group: str
    status: str  # open | submitted
    draft: bool = False  # a draft is saved


class RaterCycle(msgspec.Struct, kw_only=True):
    id: int
    name: str
    closes_on: date
    tasks: list[RaterTask]
    report: WorkReportMeta | None = None

    @property
    def total(self) -> int:
        return len(self.tasks)

    @property
    def done(self) -> int:
        return sum(1 for t in self.tasks if t.status == "submitted")

    @property
    def open_by_group(self) -> list[tuple[str, int]]:
        """Open forms per rater group (self aside): what the matrix can take together."""
        counts: dict[str, int] = {}
        for t in self.tasks:
            if t.status == "open" and t.rater_group != "self":
                counts[t.rater_group] = counts.get(t.rater_group, 0) + 1
        return list(counts.items())

    def next_open(self, after: int) -> RaterTask | None:
        """The next form still to fill after assignment `after` (下一位), self last."""
        waiting = [t for t in self.tasks if t.status == "open" and t.id != after]
        return next(
            (t for t in waiting if t.rater_group != "self"), waiting[0] if waiting else None
        )


class WorkReportFile(msgspec.Struct, frozen=True, kw_only=True):
    filename: str
    media_type: str
    content: bytes


class WorkReportMeta(msgspec.Struct, frozen=True):
    filename: str
    uploaded_at: datetime


TASK_COLUMNS = (
    Assignment.id,
    Assignment.cycle.as_alias("cycle_id"),
    Assignment.cycle.name.as_alias("cycle_name"),
    Assignment.cycle.state.as_alias("cycle_state"),
    Assignment.cycle.closes_on.as_alias("closes_on"),
    Assignment.ratee.as_alias("ratee_id"),
    Assignment.ratee.name.as_alias("ratee_name"),
    Assignment.ratee.position.as_alias("ratee_position"),
    Assignment.ratee._.town._.name.as_alias("ratee_town"),
    Assignment.rater_group,
    Assignment.status,
)


async def open_cycles_for(cadre_id: int) -> list[RaterCycle]:
    """Open cycles in which this cadre has assignments: self first, then open ones, then
    the rest — each marked when a draft is saved."""
    rows = (
        await Assignment.select(*TASK_COLUMNS)
        .where(
            (Assignment.rater == cadre_id)
            & (Assignment.status != "removed")
            & (Assignment.cycle.state == "open")
        )
        .order_by(Assignment.cycle)
        .order_by(Assignment.ratee.external_id)
    )
    drafts = set(
        await Draft.select(Draft.assignment)
        .where(Draft.assignment.is_in([r["id"] for r in rows] or [0]))
        .output(as_list=True)
    )
    cycles: dict[int, RaterCycle] = {}
    for row in rows:
        task = RaterTask(**row, draft=row["id"] in drafts)
        cycle = cycles.setdefault(
            task.cycle_id,
            RaterCycle(id=task.cycle_id, name=task.cycle_name, closes_on=task.closes_on, tasks=[]),
        )
        cycle.tasks.append(task)
    for cycle in cycles.values():
        cycle.tasks.sort(key=lambda t: (t.rater_group != "self", t.status != "open"))
        cycle.report = await work_report_meta(cycle.id, cadre_id)
    return list(cycles.values())


async def open_cycle_for(cadre_id: int, cycle_id: int) -> RaterCycle | None:
    """The rater's tasks in one open cycle (None when it is not open or has none of theirs)."""
    return next((c for c in await open_cycles_for(cadre_id) if c.id == cycle_id), None)


async def next_open_task(cadre_id: int, cycle_id: int, after: int) -> RaterTask | None:
    """下一位: the rater's next open form in the cycle after `after`."""
    cycle = await open_cycle_for(cadre_id, cycle_id)
    return cycle.next_open(after) if cycle else None


async def rater_assignment(assignment_id: int, rater_id: int) -> RaterTask:
    """The assignment if it belongs to this rater (otherwise NotFound: never reveal others')."""
    row = (
        await Assignment.select(*TASK_COLUMNS)
        .where((Assignment.id == assignment_id) & (Assignment.rater == rater_id))
        .first()
    )
    if row is None or row["status"] == "removed":
        raise NotFound("评价任务不存在")
    has_draft = await Draft.exists().where(Draft.assignment == assignment_id)
    return RaterTask(**row, draft=has_draft)


class SubmittedAnswer(msgspec.Struct, frozen=True, kw_only=True):
    competency: str
    level: int | None  # None: 无法观察
    note: str


class Submitted(msgspec.Struct, frozen=True, kw_only=True):
    answers: dict[str, SubmittedAnswer]  # by competency id
    comment: str


async def submitted_answers(assignment_id: int, rater_id: int) -> Submitted:
    """What this rater submitted for this assignment, read back to them alone (the
    assignment must be theirs: `rater_assignment` checks it first)."""
    response = (
        await Response.select(Response.id, Response.comment)
        .where((Response.assignment == assignment_id) & (Response.rater == rater_id))
        .first()
    )
    if response is None:
        raise NotFound("没有找到这份评价")
    items = await ResponseItem.select(
        ResponseItem.competency, ResponseItem.level, ResponseItem.note
    ).where(ResponseItem.response == response["id"])
    return Submitted(
        answers={i["competency"]: SubmittedAnswer(**i) for i in items},
        comment=response["comment"],
    )


async def load_draft(assignment_id: int) -> dict[str, str]:
    row = await Draft.select(Draft.fields).where(Draft.assignment == assignment_id).first()
    if row is None:
        return {}
    fields = row["fields"]
    return json.loads(fields) if isinstance(fields, str) else dict(fields)


async def save_draft(assignment_id: int, fields: dict[str, str]) -> None:
    kept = {
        k: v[:1000]
        for k, v in fields.items()
        if k.startswith(("level_", "note_")) or k == "comment"
    }
    now = clock.now()
    updated = (
        await Draft.update({Draft.fields: kept, Draft.updated_at: now})
        .where(Draft.assignment == assignment_id)
        .returning(Draft.id)
    )
    if not updated:
        await Draft.insert(Draft(assignment=assignment_id, fields=kept, updated_at=now))


@dataclass(frozen=True)
class QuotaStatus:
    share: float
    allowed: int
    used: int

    @property
    def left(self) -> int:
        return max(0, self.allowed - self.used)


async def top_level_allowance(cycle_id: int, rater_id: int, share: float) -> int:
    """How many top ratings a rater may give in a cycle: the share of every item they rate
    (self-assessments aside)."""
    return (await top_level_allowances(cycle_id, share, [rater_id])).get(rater_id, 0)


async def top_level_allowances(
    cycle_id: int, share: float, rater_ids: list[int] | None = None
) -> dict[int, int]:
    """`top_level_allowance` of many raters (every rater of the cycle by default), from one
    query of their assignments and the forms' contexts fetched together."""
    query = Assignment.select(Assignment.rater, Assignment.ratee, Assignment.rater_group).where(
        (Assignment.cycle == cycle_id)
        & (Assignment.status != "removed")
        & (Assignment.rater_group != "self")
    )
    if rater_ids is not None:
        query = query.where(Assignment.rater.is_in(rater_ids or [0]))
    assignments = await query
    await prefetch_contexts(
        cycle_id, {a["ratee"] for a in assignments}, {a["rater_group"] for a in assignments}
    )
    totals: dict[int, int] = dict.fromkeys(rater_ids or [], 0)
    for a in assignments:
        items = (await ratee_context(cycle_id, a["ratee"], a["rater_group"])).items
        totals[a["rater"]] = totals.get(a["rater"], 0) + len(items)
    return {rater: math.floor(share * total) for rater, total in totals.items()}


async def quota_status(cycle_id: int, rater_id: int, share: float | None) -> QuotaStatus | None:
    """Top-level ratings this rater may still give (shown on the form)."""
    if share is None:
        return None
    used = await ResponseItem.count().where(
        (ResponseItem.response.cycle == cycle_id)
        & (ResponseItem.response.rater == rater_id)
        & (ResponseItem.response.rater_group != "self")
        & (ResponseItem.level == TOP_LEVEL)
    )
    allowed = await top_level_allowance(cycle_id, rater_id, share)
    return QuotaStatus(share=share, allowed=allowed, used=used)


async def store_work_report(cycle_id: int, cadre_id: int, filename: str, content: bytes) -> None:
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if suffix not in REPORT_TYPES:
        raise Invalid("述职报告格式不支持", {"report": "请上传 PDF、Word（.docx）或文本文件"})
    if not content or len(content) > MAX_REPORT_BYTES:
        raise Invalid("述职报告大小不符", {"report": "文件不能为空，且不超过 5 MB"})
    state = await Cycle.select(Cycle.state).where(Cycle.id == cycle_id).first()
    if state is None or state["state"] != "open":
        raise Invalid("周期不在进行中", {"report": "只能在评价期内上传述职报告"})
    async with WorkReport._meta.db.transaction():
        await WorkReport.delete().where(
            (WorkReport.cycle == cycle_id) & (WorkReport.cadre == cadre_id)
        )
        await WorkReport.insert(
            WorkReport(
                cycle=cycle_id,
                cadre=cadre_id,
                filename=filename[-128:],
                media_type=REPORT_TYPES[suffix],
                content=content,
            )
        )


async def work_report_meta(cycle_id: int, cadre_id: int) -> WorkReportMeta | None:
    row = (
        await WorkReport.select(WorkReport.filename, WorkReport.uploaded_at)
        .where((WorkReport.cycle == cycle_id) & (WorkReport.cadre == cadre_id))
        .first()
    )
    return WorkReportMeta(**row) if row else None


async def work_report_for(cycle_id: int, cadre_id: int, viewer_id: int) -> WorkReportFile:
    """The report, for the cadre or for someone assigned to rate them in this cycle."""
    allowed = viewer_id == cadre_id or await Assignment.exists().where(
        (Assignment.cycle == cycle_id)
        & (Assignment.ratee == cadre_id)
        & (Assignment.rater == viewer_id)
        & (Assignment.status != "removed")
    )
    row = (
        await WorkReport.select(WorkReport.filename, WorkReport.media_type, WorkReport.content)
        .where((WorkReport.cycle == cycle_id) & (WorkReport.cadre == cadre_id))
        .first()
    )
    if not allowed or row is None:
        raise NotFound("述职报告不存在")
    return WorkReportFile(
        filename=row["filename"], media_type=row["media_type"], content=bytes(row["content"])
    )


async def rubric_quota(
    cycle_id: int, rater_id: int, rubric: Rubric, group: str
) -> QuotaStatus | None:
    """The quota status where the rubric sets one (self-assessment is never capped)."""
    if rubric.quota is None or group == "self":
        return None
    return await quota_status(cycle_id, rater_id, rubric.quota.top_level_share)
