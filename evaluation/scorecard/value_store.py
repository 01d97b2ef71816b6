"""The towns' values in the tables: reported and imported values, their flags and the
office's reviews, attachments, imports, and the year-end scores the office enters."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import polars as pl

from evaluation import clock
from evaluation.infra.lookups import one
from evaluation.scorecard.standings import store as standings
from evaluation.scorecard.tables import (
    IndicatorValue,
    ValueAttachment,
    ValueReview,
    YearAdjustment,
)

VALUE_SCHEMA: dict[str, Any] = {
    "id": pl.Int64,
    "town_id": pl.Int64,
    "indicator": pl.String,
    "quarter": pl.Int32,
    "source": pl.String,
    "value": pl.Float64,
    "corrected": pl.Float64,
    "status": pl.String,
    "flags": pl.String,
    "note": pl.String,
    "reported_at": pl.Datetime("us", "UTC"),
}


async def values(plan_id: int, town_id: int | None = None) -> pl.DataFrame:
    query = IndicatorValue.select(
        IndicatorValue.id,
        IndicatorValue.town.as_alias("town_id"),
        IndicatorValue.indicator,
        IndicatorValue.quarter,
        IndicatorValue.source,
        IndicatorValue.value,
        IndicatorValue.corrected,
        IndicatorValue.status,
        IndicatorValue.flags,
        IndicatorValue.note,
        IndicatorValue.reported_at,
    ).where(IndicatorValue.plan == plan_id)
    if town_id is not None:
        query = query.where(IndicatorValue.town == town_id)
    return pl.DataFrame(await query, schema=VALUE_SCHEMA)


async def value_row(value_id: int) -> dict[str, Any]:
    return await one(
        IndicatorValue,
        value_id,
        [
            IndicatorValue.id,
            IndicatorValue.plan,
            IndicatorValue.town,
            IndicatorValue.indicator,
            IndicatorValue.quarter,
            IndicatorValue.source,
            IndicatorValue.value,
            IndicatorValue.corrected,
            IndicatorValue.status,
        ],
        "没有这个填报值",
    )


DECIDED = ("confirmed", "corrected")
REOPENED = "已核查的数值被重新报送（核查后的数值 {decided:g}），待考核办重新核查；在此之前仍按核查后的数值计"


def after_decision(existing: dict[str, Any], reported: float) -> dict[Any, Any]:
    """A town reports again a value the office decided under 核查 (issue 29, #4): the same
    figure changes nothing; another one opens a new review — the decided value keeps
    counting (`corrected`) until the office decides again, and the earlier decision stays
    in the review history."""
    decided = existing["corrected"] if existing["corrected"] is not None else existing["value"]
    if math.isclose(reported, float(decided), rel_tol=1e-9, abs_tol=1e-9):
        return {}
    return {
        IndicatorValue.value: reported,
        IndicatorValue.corrected: decided,
        IndicatorValue.status: "flagged",
        IndicatorValue.flags: REOPENED.format(decided=float(decided)),
    }


@standings.invalidates
async def upsert_town_values(
    plan_id: int,
    town_id: int,
    quarter: int,
    rows: list[tuple[str, float, str]],
    by: str,
    at: dt.datetime | None = None,
) -> dict[str, int]:
    """The town's values for a quarter (indicator, value, note): new rows, or the old ones
    replaced with their review reset, stamped `at` (now by default). Returns indicator →
    value id."""
    ids = {}
    now = at or clock.now()
    for code, value, note in rows:
        existing = (
            await IndicatorValue.select(
                IndicatorValue.id,
                IndicatorValue.value,
                IndicatorValue.corrected,
                IndicatorValue.status,
            )
            .where(
                IndicatorValue.plan == plan_id,
                IndicatorValue.town == town_id,
                IndicatorValue.indicator == code,
                IndicatorValue.quarter == quarter,
                IndicatorValue.source == "town",
            )
            .first()
        )
        if existing and existing["status"] in DECIDED:
            await IndicatorValue.update(
                after_decision(existing, value)
                | {
                    IndicatorValue.note: note,
                    IndicatorValue.reported_by: by,
                    IndicatorValue.reported_at: now,
                }
            ).where(IndicatorValue.id == existing["id"])
            ids[code] = int(existing["id"])
        elif existing:
            await IndicatorValue.update(
                {
                    IndicatorValue.value: value,
                    IndicatorValue.note: note,
                    IndicatorValue.corrected: None,
                    IndicatorValue.status: "ok",
                    IndicatorValue.flags: "",
                    IndicatorValue.reported_by: by,
                    IndicatorValue.reported_at: now,
                }
            ).where(IndicatorValue.id == existing["id"])
            ids[code] = int(existing["id"])
        else:
            row = IndicatorValue(
                plan=plan_id,
                town=town_id,
                indicator=code,
                quarter=quarter,
                source="town",
                value=value,
                note=note,
                reported_by=by,
                reported_at=now,
            )
            await row.save()
            ids[code] = int(row.id)
    return ids


@standings.invalidates
async def insert_imported(plan_id: int, source: str, frame: pl.DataFrame, by: str) -> None:
    from evaluation.infra.bulk import insert_values

    now = clock.now()
    await insert_values(
        IndicatorValue,
        [
            "plan",
            "town",
            "indicator",
            "quarter",
            "source",
            "value",
            "status",
            "flags",
            "note",
            "reported_by",
            "reported_at",
        ],
        [
            (plan_id, town, code, quarter, source, value, "ok", "", "", by, now)
            for town, code, quarter, value in frame.select(
                "town_id", "indicator", "quarter", "value"
            ).iter_rows()
        ],
    )


@standings.invalidates
async def set_flags(updates: list[tuple[int, str]]) -> None:
    """(value id, flag messages) for town values not yet reviewed: flagged or ok again."""
    for value_id, flags in updates:
        await IndicatorValue.update(
            {IndicatorValue.flags: flags, IndicatorValue.status: "flagged" if flags else "ok"}
        ).where(
            IndicatorValue.id == value_id,
            IndicatorValue.status.is_in(["ok", "flagged"]),
            IndicatorValue.corrected.is_null(),  # a reopened decision waits for the office
        )


@standings.invalidates
async def review(
    value_id: int, decision: str, before: float, after: float, reason: str, by: str
) -> None:
    await ValueReview(
        value=value_id,
        decision=decision,
        before=before,
        after=after,
        reason=reason,
        decided_by=by,
    ).save()
    await IndicatorValue.update(
        {
            IndicatorValue.status: "confirmed" if decision == "confirm" else "corrected",
            IndicatorValue.corrected: None if decision == "confirm" else after,
        }
    ).where(IndicatorValue.id == value_id)


async def reviews(value_ids: list[int]) -> list[dict[str, Any]]:
    return (
        await ValueReview.select(
            ValueReview.value,
            ValueReview.decision,
            ValueReview.before,
            ValueReview.after,
            ValueReview.reason,
            ValueReview.decided_by,
            ValueReview.decided_at,
        )
        .where(ValueReview.value.is_in(value_ids or [0]))
        .order_by(ValueReview.id)
    )


async def add_attachment(value_id: int, filename: str, content_type: str, content: bytes) -> None:
    await ValueAttachment(
        value=value_id, filename=filename[:128], content_type=content_type[:64], content=content
    ).save()


async def attachment_bytes(plan_id: int, town_id: int) -> int:
    """How much a town has attached this year (the quota counts it)."""
    rows = await ValueAttachment.raw(
        "SELECT COALESCE(SUM(LENGTH(a.content)), 0) AS used FROM scorecard_attachment a"
        " JOIN scorecard_value v ON a.value = v.id WHERE v.plan = {} AND v.town = {}",
        plan_id,
        town_id,
    )
    return int(rows[0]["used"])


async def attachments(value_ids: list[int]) -> list[dict[str, Any]]:
    return await ValueAttachment.select(
        ValueAttachment.id, ValueAttachment.value, ValueAttachment.filename
    ).where(ValueAttachment.value.is_in(value_ids or [0]))


async def attachment(attachment_id: int) -> dict[str, Any]:
    return await one(
        ValueAttachment,
        attachment_id,
        [
            ValueAttachment.id,
            ValueAttachment.filename,
            ValueAttachment.content_type,
            ValueAttachment.content,
            ValueAttachment.value.town.as_alias("town_id"),
        ],
        "没有这个附件",
    )


async def adjustments(plan_id: int) -> pl.DataFrame:
    rows = await YearAdjustment.select(
        YearAdjustment.town.as_alias("town_id"),
        YearAdjustment.field_check,
        YearAdjustment.third_party,
    ).where(YearAdjustment.plan == plan_id)
    return pl.DataFrame(
        rows,
        schema={"town_id": pl.Int64, "field_check": pl.Float64, "third_party": pl.Float64},
    )


@standings.invalidates
async def set_adjustment(
    plan_id: int, town_id: int, field_check: float | None, third_party: float | None, by: str
) -> None:
    await YearAdjustment.delete().where(
        YearAdjustment.plan == plan_id, YearAdjustment.town == town_id
    )
    await YearAdjustment(
        plan=plan_id,
        town=town_id,
        field_check=field_check,
        third_party=third_party,
        entered_by=by,
    ).save()
