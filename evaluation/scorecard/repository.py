"""The scorecard's tables as values and frames: plans decoded once, values as frames, and the
writes each use case makes in one transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from evaluation.errors import NotFound
from evaluation.organisation.schemas import TownRecord
from evaluation.scorecard.plan import plan_from_json
from evaluation.scorecard.schemas import PlanRecord
from evaluation.scorecard.tables import (
    ContractAcceptance,
    IndicatorValue,
    SourceImport,
    Target,
    TownPlan,
    ValueAttachment,
    ValueReview,
    YearAdjustment,
)
from evaluation.tables import Town

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
}


def transaction() -> Any:
    return TownPlan._meta.db.transaction()


def _record(row: dict[str, Any]) -> PlanRecord:
    return PlanRecord(
        id=int(row["id"]),
        year=int(row["year"]),
        version=int(row["version"]),
        state=str(row["state"]),
        note=str(row["note"] or ""),
        published_at=row["published_at"],
        published_by=str(row["published_by"] or ""),
        plan=plan_from_json(row["document"]),
    )


PLAN_COLUMNS = (
    TownPlan.id,
    TownPlan.year,
    TownPlan.version,
    TownPlan.state,
    TownPlan.note,
    TownPlan.published_at,
    TownPlan.published_by,
    TownPlan.document,
)


async def plan(plan_id: int) -> PlanRecord:
    row = await TownPlan.select(*PLAN_COLUMNS).where(TownPlan.id == plan_id).first()
    if row is None:
        raise NotFound("没有这个考核方案")
    return _record(row)


async def plans(year: int | None = None) -> list[PlanRecord]:
    query = TownPlan.select(*PLAN_COLUMNS).order_by(TownPlan.year).order_by(TownPlan.version)
    if year is not None:
        query = query.where(TownPlan.year == year)
    return [_record(row) for row in await query]


async def published(year: int) -> PlanRecord | None:
    row = (
        await TownPlan.select(*PLAN_COLUMNS)
        .where(TownPlan.year == year, TownPlan.state == "published")
        .first()
    )
    return _record(row) if row else None


async def published_years() -> list[int]:
    rows = await TownPlan.select(TownPlan.year).where(TownPlan.state == "published")
    return sorted({int(r["year"]) for r in rows})


async def insert_plan(
    year: int, version: int, title: str, document: str, note: str, by: str
) -> int:
    row = TownPlan(
        year=year, version=version, title=title, document=document, note=note, created_by=by
    )
    await row.save()
    return int(row.id)


async def update_plan(plan_id: int, title: str, document: str, note: str) -> None:
    await TownPlan.update(
        {TownPlan.title: title, TownPlan.document: document, TownPlan.note: note}
    ).where(TownPlan.id == plan_id, TownPlan.state == "draft")


async def mark_published(plan_id: int, by: str, at: dt.datetime) -> None:
    await TownPlan.update(
        {TownPlan.state: "published", TownPlan.published_by: by, TownPlan.published_at: at}
    ).where(TownPlan.id == plan_id, TownPlan.state == "draft")


async def towns() -> list[TownRecord]:
    rows = await Town.select(Town.id, Town.external_id, Town.name, Town.town_type).order_by(Town.id)
    return [
        TownRecord(
            id=int(r["id"]),
            external_id=str(r["external_id"]),
            name=str(r["name"]),
            town_type=str(r["town_type"]),
        )
        for r in rows
    ]


async def targets(plan_id: int, town_id: int | None = None) -> pl.DataFrame:
    query = Target.select(
        Target.town.as_alias("town_id"),
        Target.indicator,
        Target.target,
        Target.default_target,
        Target.reason,
    ).where(Target.plan == plan_id)
    if town_id is not None:
        query = query.where(Target.town == town_id)
    return pl.DataFrame(
        await query,
        schema={
            "town_id": pl.Int64,
            "indicator": pl.String,
            "target": pl.Float64,
            "default_target": pl.Float64,
            "reason": pl.String,
        },
    )


async def insert_targets(plan_id: int, rows: list[tuple[int, str, float]]) -> None:
    from evaluation.infra.bulk import insert_values

    await insert_values(
        Target,
        ["plan", "town", "indicator", "target", "default_target", "reason"],
        [(plan_id, town, code, value, value, "") for town, code, value in rows],
    )


async def set_target(plan_id: int, town_id: int, indicator: str, value: float, reason: str) -> int:
    updated = (
        await Target.update({Target.target: value, Target.reason: reason})
        .where(Target.plan == plan_id, Target.town == town_id, Target.indicator == indicator)
        .returning(Target.id)
    )
    return len(updated)


async def acceptances(plan_id: int) -> dict[int, dict[str, Any]]:
    rows = await ContractAcceptance.select(
        ContractAcceptance.town,
        ContractAcceptance.confirmed_by,
        ContractAcceptance.confirmed_at,
        ContractAcceptance.targets_digest,
    ).where(ContractAcceptance.plan == plan_id)
    return {int(r["town"]): r for r in rows}


async def insert_acceptance(plan_id: int, town_id: int, by: str, digest: str) -> None:
    await ContractAcceptance(
        plan=plan_id, town=town_id, confirmed_by=by, targets_digest=digest
    ).save()


async def delete_acceptance(plan_id: int, town_id: int) -> None:
    await ContractAcceptance.delete().where(
        ContractAcceptance.plan == plan_id, ContractAcceptance.town == town_id
    )


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
    ).where(IndicatorValue.plan == plan_id)
    if town_id is not None:
        query = query.where(IndicatorValue.town == town_id)
    return pl.DataFrame(await query, schema=VALUE_SCHEMA)


async def value_row(value_id: int) -> dict[str, Any]:
    row = (
        await IndicatorValue.select(
            IndicatorValue.id,
            IndicatorValue.plan,
            IndicatorValue.town,
            IndicatorValue.indicator,
            IndicatorValue.quarter,
            IndicatorValue.source,
            IndicatorValue.value,
            IndicatorValue.corrected,
            IndicatorValue.status,
        )
        .where(IndicatorValue.id == value_id)
        .first()
    )
    if row is None:
        raise NotFound("没有这个填报值")
    return row


async def upsert_town_values(
    plan_id: int,
    town_id: int,
    quarter: int,
    rows: list[tuple[str, float, str]],
    by: str,
) -> dict[str, int]:
    """The town's values for a quarter (indicator, value, note): new rows, or the old ones
    replaced with their review reset. Returns indicator → value id."""
    ids = {}
    now = dt.datetime.now(dt.UTC)
    for code, value, note in rows:
        existing = (
            await IndicatorValue.select(IndicatorValue.id)
            .where(
                IndicatorValue.plan == plan_id,
                IndicatorValue.town == town_id,
                IndicatorValue.indicator == code,
                IndicatorValue.quarter == quarter,
                IndicatorValue.source == "town",
            )
            .first()
        )
        if existing:
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
            )
            await row.save()
            ids[code] = int(row.id)
    return ids


async def insert_imported(plan_id: int, source: str, frame: pl.DataFrame, by: str) -> None:
    from evaluation.infra.bulk import insert_values

    now = dt.datetime.now(dt.UTC)
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


async def imported_quarters(plan_id: int, source: str) -> set[int]:
    rows = await SourceImport.select(SourceImport.quarter).where(
        SourceImport.plan == plan_id, SourceImport.source == source
    )
    return {int(r["quarter"]) for r in rows}


async def insert_import(
    plan_id: int, source: str, quarter: int, filename: str, records: int, by: str
) -> None:
    await SourceImport(
        plan=plan_id,
        source=source,
        quarter=quarter,
        filename=filename[:128],
        records=records,
        imported_by=by,
    ).save()


async def imports(plan_id: int) -> list[dict[str, Any]]:
    return (
        await SourceImport.select(
            SourceImport.source,
            SourceImport.quarter,
            SourceImport.filename,
            SourceImport.records,
            SourceImport.imported_by,
            SourceImport.imported_at,
        )
        .where(SourceImport.plan == plan_id)
        .order_by(SourceImport.id, ascending=False)
    )


async def set_flags(updates: list[tuple[int, str]]) -> None:
    """(value id, flag messages) for town values not yet reviewed: flagged or ok again."""
    for value_id, flags in updates:
        await IndicatorValue.update(
            {IndicatorValue.flags: flags, IndicatorValue.status: "flagged" if flags else "ok"}
        ).where(IndicatorValue.id == value_id, IndicatorValue.status.is_in(["ok", "flagged"]))


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


async def attachments(value_ids: list[int]) -> list[dict[str, Any]]:
    return await ValueAttachment.select(
        ValueAttachment.id, ValueAttachment.value, ValueAttachment.filename
    ).where(ValueAttachment.value.is_in(value_ids or [0]))


async def attachment(attachment_id: int) -> dict[str, Any]:
    row = (
        await ValueAttachment.select(
            ValueAttachment.id,
            ValueAttachment.filename,
            ValueAttachment.content_type,
            ValueAttachment.content,
            ValueAttachment.value.town.as_alias("town_id"),
        )
        .where(ValueAttachment.id == attachment_id)
        .first()
    )
    if row is None:
        raise NotFound("没有这个附件")
    return row


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
