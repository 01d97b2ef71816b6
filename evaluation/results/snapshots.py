"""Reading result snapshots: which cycles are published, a cycle's snapshot, its score and
group rows (feedback_service and county_results build the pages from these).

Everything here reads a *snapshot* — the frozen one of a published cycle for cadres,
leaders and the public; for the office, the published one or else the latest computed
preview. Group means below their anonymity threshold were nulled by the analytics before
they were stored, so nothing read here can reveal them. Individual raters are never read
(comments come pooled, shuffled and without any attribute)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from evaluation.cycles import service as cycle_service
from evaluation.errors import NotFound
from evaluation.rubrics.schema import Rubric
from evaluation.tables import (
    Cycle,
    GroupScore,
    Leadership,
    ProfileSnapshot,
    ScoreRow,
    Town,
)

SCORE_SCHEMA = {
    "ratee_id": pl.Int64,
    "competency": pl.String,
    "raw_mean": pl.Float64,
    "score": pl.Float64,
    "score_100": pl.Float64,
    "lo": pl.Float64,
    "hi": pl.Float64,
    "n": pl.Int64,
    "weighted_score": pl.Float64,
    "light": pl.String,
    "finding": pl.String,
    "percentile": pl.Float64,
    "rank": pl.Int64,
    "norm": pl.Float64,
    "reliability": pl.Float64,
    "self_mean": pl.Float64,
    "gap_kind": pl.String,
    "corrected": pl.Float64,
}


@dataclass(frozen=True)
class Snapshot:
    id: int
    cycle: dict[str, Any]
    published: bool
    rubric: Rubric


async def published_cycles() -> list[dict[str, Any]]:
    """Published cycles with their frozen snapshot, newest first."""
    return (
        await Cycle.select(Cycle.id, Cycle.name, Cycle.year, Cycle.published_at, Cycle.rubric)
        .where(Cycle.state == "published")
        .order_by(Cycle.year, ascending=False)
        .order_by(Cycle.id, ascending=False)
    )


async def snapshot_for(cycle_id: int, *, preview: bool = False) -> Snapshot:
    """The cycle's frozen snapshot; with `preview` (the office), the latest one otherwise."""
    cycle = await cycle_service.get_cycle(cycle_id)
    query = ProfileSnapshot.select(ProfileSnapshot.id, ProfileSnapshot.frozen).where(
        ProfileSnapshot.cycle == cycle_id
    )
    if not preview:
        query = query.where(ProfileSnapshot.frozen.eq(True))
    row = (
        await query.order_by(ProfileSnapshot.frozen, ascending=False)
        .order_by(ProfileSnapshot.id, ascending=False)
        .first()
    )
    if row is None and preview:
        raise NotFound("该周期还没有计算结果：请在周期页面点“重新计算预览”")
    if row is None or (not preview and cycle["state"] != "published"):
        raise NotFound("该周期的结果尚未发布")
    return Snapshot(
        id=int(row["id"]),
        cycle=cycle,
        published=bool(row["frozen"]),
        rubric=await cycle_service.rubric_for_cycle(cycle_id),
    )


async def scores(snapshot_id: int, ratee_id: int | None = None) -> pl.DataFrame:
    query = ScoreRow.select(
        ScoreRow.ratee.as_alias("ratee_id"),
        *[ScoreRow._meta.get_column_by_name(c) for c in list(SCORE_SCHEMA)[1:]],
    ).where(ScoreRow.snapshot == snapshot_id)
    if ratee_id is not None:
        query = query.where(ScoreRow.ratee == ratee_id)
    return pl.DataFrame(await query, schema=SCORE_SCHEMA).with_columns(
        severity=pl.when(pl.col("finding") == "weakness").then(pl.col("norm") - pl.col("score"))
    )


async def group_scores(snapshot_id: int, ratee_id: int) -> pl.DataFrame:
    return pl.DataFrame(
        await GroupScore.select(
            GroupScore.competency,
            GroupScore.rater_group,
            GroupScore.n,
            GroupScore.raw_mean,
            GroupScore.reason,
        ).where((GroupScore.snapshot == snapshot_id) & (GroupScore.ratee == ratee_id)),
        schema={
            "competency": pl.String,
            "rater_group": pl.String,
            "n": pl.Int64,
            "raw_mean": pl.Float64,
            "reason": pl.String,
        },
    )


async def leads(leader_id: int, member_id: int) -> bool:
    return await Leadership.exists().where(
        (Leadership.leader == leader_id) & (Leadership.member == member_id)
    )


async def town_names() -> dict[int, str]:
    return {int(r["id"]): r["name"] for r in await Town.select(Town.id, Town.name)}
