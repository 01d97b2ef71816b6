"""A rater's side of a cycle: their assignments, drafts, the top-rating quota, work reports."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from evaluation.errors import Invalid, NotFound
from evaluation.responses.service import ratee_context
from evaluation.rubrics.schema import Rubric
from evaluation.tables import Assignment, Cycle, Draft, ResponseItem, WorkReport

TOP_LEVEL = 5
REPORT_TYPES = {
    "pdf": "application/pdf",
    "txt": "text/plain; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
MAX_REPORT_BYTES = 5 * 1024 * 1024


async def open_cycles_for(cadre_id: int) -> list[dict[str, Any]]:
    """Open cycles in which this cadre has assignments, each with its assignments by ratee."""
    rows = (
        await Assignment.select(
            Assignment.id,
            Assignment.rater_group,
            Assignment.status,
            Assignment.cycle,
            Assignment.cycle.name,
            Assignment.cycle.closes_on,
            Assignment.ratee,
            Assignment.ratee.name,
            Assignment.ratee.position,
            Assignment.ratee._.town._.name,
        )
        .where(
            (Assignment.rater == cadre_id)
            & (Assignment.status != "removed")
            & (Assignment.cycle.state == "open")
        )
        .order_by(Assignment.cycle)
        .order_by(Assignment.ratee.external_id)
    )
    cycles: dict[int, dict[str, Any]] = {}
    for row in rows:
        cycle = cycles.setdefault(
            row["cycle"],
            {
                "id": row["cycle"],
                "name": row["cycle.name"],
                "closes_on": row["cycle.closes_on"],
                "assignments": [],
                "done": 0,
                "total": 0,
            },
        )
        cycle["assignments"].append(row)
        cycle["total"] += 1
        cycle["done"] += row["status"] == "submitted"
    for cycle in cycles.values():  # self first, then open ones, then the rest
        cycle["assignments"].sort(key=lambda a: (a["rater_group"] != "self", a["status"] != "open"))
    return list(cycles.values())


async def rater_assignment(assignment_id: int, rater_id: int) -> dict[str, Any]:
    """The assignment if it belongs to this rater (otherwise NotFound: never reveal others')."""
    row = (
        await Assignment.select(
            Assignment.id,
            Assignment.cycle,
            Assignment.ratee,
            Assignment.rater_group,
            Assignment.status,
            Assignment.cycle.state,
            Assignment.cycle.name,
            Assignment.cycle.closes_on,
        )
        .where((Assignment.id == assignment_id) & (Assignment.rater == rater_id))
        .first()
    )
    if row is None or row["status"] == "removed":
        raise NotFound("评价任务不存在")
    return row


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
    now = datetime.now(UTC)
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


async def quota_status(cycle_id: int, rater_id: int, share: float | None) -> QuotaStatus | None:
    """Top-level ratings this rater may still give: share × all items they rate this cycle."""
    if share is None:
        return None
    assignments = await Assignment.select(Assignment.ratee, Assignment.rater_group).where(
        (Assignment.cycle == cycle_id)
        & (Assignment.rater == rater_id)
        & (Assignment.status != "removed")
        & (Assignment.rater_group != "self")
    )
    total = 0
    for a in assignments:
        total += len((await ratee_context(cycle_id, a["ratee"], a["rater_group"]))["items"])
    used = await ResponseItem.count().where(
        (ResponseItem.response.cycle == cycle_id)
        & (ResponseItem.response.rater == rater_id)
        & (ResponseItem.response.rater_group != "self")
        & (ResponseItem.level == TOP_LEVEL)
    )
    return QuotaStatus(share=share, allowed=math.floor(share * total), used=used)


def check_quota(quota: QuotaStatus | None, fields: dict[str, str]) -> None:
    """Refuse a form that would exceed the quota (None: no quota applies, e.g. self)."""
    if quota is None:
        return
    chosen = sum(1 for k, v in fields.items() if k.startswith("level_") and v == str(TOP_LEVEL))
    if chosen > quota.left:
        raise Invalid(
            "最高等级配额不足",
            {
                "quota": f"本周期您最多可给出 {quota.allowed} 个 5 级评价，已用 {quota.used} 个，"
                f"本表选了 {chosen} 个，请调整后再提交"
            },
        )


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


async def work_report_meta(cycle_id: int, cadre_id: int) -> dict[str, Any] | None:
    return (
        await WorkReport.select(WorkReport.filename, WorkReport.uploaded_at)
        .where((WorkReport.cycle == cycle_id) & (WorkReport.cadre == cadre_id))
        .first()
    )


async def work_report_for(cycle_id: int, cadre_id: int, viewer_id: int) -> dict[str, Any]:
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
    return row


async def rubric_quota(
    cycle_id: int, rater_id: int, rubric: Rubric, group: str
) -> QuotaStatus | None:
    """The quota status where the rubric sets one (self-assessment is never capped)."""
    if rubric.quota is None or group == "self":
        return None
    return await quota_status(cycle_id, rater_id, rubric.quota.top_level_share)
