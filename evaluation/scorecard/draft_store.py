"""The reporters' saved drafts (`scorecard_report_draft`): one per plan, town and quarter."""

from __future__ import annotations

import json
from typing import Any

from evaluation import clock
from evaluation.scorecard.tables import ReportDraft


def _draft(plan_id: int, town_id: int, quarter: int) -> Any:
    """The draft of one plan, town and quarter, as a condition."""
    return (
        (ReportDraft.plan == plan_id)
        & (ReportDraft.town == town_id)
        & (ReportDraft.quarter == quarter)
    )


async def load(plan_id: int, town_id: int, quarter: int) -> dict[str, str]:
    row = (
        await ReportDraft.select(ReportDraft.fields)
        .where(_draft(plan_id, town_id, quarter))
        .first()
    )
    if row is None:
        return {}
    found = json.loads(row["fields"] or "{}")
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


async def save(plan_id: int, town_id: int, quarter: int, fields: dict[str, str], by: str) -> None:
    text = json.dumps(fields, ensure_ascii=False)
    async with ReportDraft._meta.db.transaction():
        updated = (
            await ReportDraft.update(
                {
                    ReportDraft.fields: text,
                    ReportDraft.saved_by: by,
                    ReportDraft.saved_at: clock.now(),
                }
            )
            .where(_draft(plan_id, town_id, quarter))
            .returning(ReportDraft.id)
        )
        if not updated:
            await ReportDraft.insert(
                ReportDraft(plan=plan_id, town=town_id, quarter=quarter, fields=text, saved_by=by)
            )


async def drop(plan_id: int, town_id: int, quarter: int) -> None:
    await ReportDraft.delete().where(_draft(plan_id, town_id, quarter))
