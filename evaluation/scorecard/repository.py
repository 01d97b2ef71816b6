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
from evaluation.scorecard.standings import store as standings
from evaluation.scorecard.tables import (
    ContractAcceptance,
    Target,
    TownPlan,
)
from evaluation.tables import Town


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
        results_on=row["results_on"],
        publicity_ends_on=row["publicity_ends_on"],
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
    TownPlan.results_on,
    TownPlan.publicity_ends_on,
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


@standings.invalidates
async def update_plan(plan_id: int, title: str, document: str, note: str) -> None:
    await TownPlan.update(
        {TownPlan.title: title, TownPlan.document: document, TownPlan.note: note}
    ).where(TownPlan.id == plan_id, TownPlan.state == "draft")


@standings.invalidates
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


@standings.invalidates
async def insert_targets(plan_id: int, rows: list[tuple[int, str, float]]) -> None:
    from evaluation.infra.bulk import insert_values

    await insert_values(
        Target,
        ["plan", "town", "indicator", "target", "default_target", "reason"],
        [(plan_id, town, code, value, value, "") for town, code, value in rows],
    )


@standings.invalidates
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


@standings.invalidates
async def insert_acceptance(plan_id: int, town_id: int, by: str, digest: str) -> None:
    await ContractAcceptance(
        plan=plan_id, town=town_id, confirmed_by=by, targets_digest=digest
    ).save()


@standings.invalidates
async def delete_acceptance(plan_id: int, town_id: int) -> None:
    await ContractAcceptance.delete().where(
        ContractAcceptance.plan == plan_id, ContractAcceptance.town == town_id
    )


async def publish_results(plan_id: int, on: dt.date, ends_on: dt.date) -> bool:
    moved = (
        await TownPlan.update({TownPlan.results_on: on, TownPlan.publicity_ends_on: ends_on})
        .where(TownPlan.id == plan_id, TownPlan.results_on.is_null())
        .returning(TownPlan.id)
    )
    return bool(moved)
