"""Reading result snapshots: which cycles are published, a cycle's snapshot, and its rows.

Everything here reads a *snapshot* — the frozen one of a published cycle for cadres,
leaders, the training office and the public; for the assessment office, the published one
or else the latest preview of a closed cycle. What a snapshot holds was released by the
analytics (`analytics.release`); the people are read as they were then (`snapshot_cadre`).
Individual responses are never read here."""

from __future__ import annotations

import msgspec
import polars as pl
from piccolo.query.functions import Coalesce

from evaluation.cycles import service as cycle_service
from evaluation.cycles.schemas import CycleRecord
from evaluation.errors import NotReady
from evaluation.rubrics.schema import Rubric
from evaluation.tables import (
    AgreementRow,
    CadreSummary,
    CellResult,
    Cycle,
    GroupResult,
    ProfileSnapshot,
    RaterResult,
    SnapshotCadre,
)

CELL_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "ratee_id": pl.Int64,
    "competency": pl.String,
    "n": pl.Int64,
    "raw_mean": pl.Float64,
    "corrected": pl.Float64,
    "score": pl.Float64,
    "score_100": pl.Float64,
    "lo": pl.Float64,
    "hi": pl.Float64,
    "sd": pl.Float64,
    "reliability": pl.Float64,
    "percentile": pl.Float64,
    "rank": pl.Int64,
    "norm": pl.Float64,
    "light": pl.String,
    "finding": pl.String,
    "severity": pl.Float64,
    "self_mean": pl.Float64,
    "gap_kind": pl.String,
    "redistributed": pl.Boolean,
    "missing_groups": pl.String,
    "withheld": pl.String,
    "component": pl.Int64,
    "halo_loading": pl.Float64,
    "level_loading": pl.Float64,
}
GROUP_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "ratee_id": pl.Int64,
    "competency": pl.String,
    "rater_group": pl.String,
    "n": pl.Int64,
    "raw_mean": pl.Float64,
    "corrected_mean": pl.Float64,
    "reason": pl.String,
    "weight": pl.Float64,
}
PEOPLE_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "ratee_id": pl.Int64,
    "external_id": pl.String,
    "name": pl.String,
    "position": pl.String,
    "position_class": pl.String,
    "town_id": pl.Int64,
    "town_external_id": pl.String,
    "town": pl.String,
    "town_type": pl.String,
}


class PublishedCycle(msgspec.Struct, frozen=True):
    id: int
    name: str
    year: int


class Snapshot(msgspec.Struct, frozen=True):
    id: int
    cycle: CycleRecord
    published: bool
    rubric: Rubric
    components: int


async def published_cycles() -> list[PublishedCycle]:
    """Published cycles, newest first."""
    rows = (
        await Cycle.select(Cycle.id, Cycle.name, Cycle.year)
        .where(Cycle.state == "published")
        .order_by(Cycle.year, ascending=False)
        .order_by(Cycle.id, ascending=False)
    )
    return [PublishedCycle(**row) for row in rows]


async def snapshot_for(cycle_id: int, *, preview: bool = False) -> Snapshot:
    """The cycle's frozen snapshot; with `preview` (the office), the latest one otherwise —
    which exists only for a closed cycle: while a cycle collects, nobody sees scores."""
    cycle = await cycle_service.get_cycle(cycle_id)
    query = ProfileSnapshot.select(
        ProfileSnapshot.id, ProfileSnapshot.frozen, ProfileSnapshot.components
    ).where(ProfileSnapshot.cycle == cycle_id)
    if not preview or cycle.state == "published":
        query = query.where(ProfileSnapshot.frozen.eq(True))
    row = (
        await query.order_by(ProfileSnapshot.frozen, ascending=False)
        .order_by(ProfileSnapshot.id, ascending=False)
        .first()
    )
    if preview and cycle.state in ("draft", "open"):
        raise NotReady("评价进行中：为保护匿名，截止前只看进度，不看分数", cycle_id=cycle_id)
    if row is None and preview and cycle.state == "closed":
        raise NotReady("该周期还没有计算结果：请在周期页面点“计算结果预览”", cycle_id=cycle_id)
    if row is None or (not preview and cycle.state != "published"):
        raise NotReady("该周期的结果尚未发布", cycle_id=cycle_id)
    return Snapshot(
        id=int(row["id"]),
        cycle=cycle,
        published=bool(row["frozen"]),
        rubric=await cycle_service.rubric_for_cycle(cycle_id),
        components=int(row["components"] or 1),
    )


async def latest_published(year: int | None = None) -> Snapshot | None:
    """The newest published cycle's frozen snapshot — of `year`, when one is given."""
    cycles = await published_cycles()
    for cycle in cycles:
        if year is not None and cycle.year != year:
            continue
        try:
            return await snapshot_for(cycle.id)
        except NotReady:
            continue
    return None


async def cells(snapshot_id: int, ratee_ids: list[int] | None = None) -> pl.DataFrame:
    """The released cell rows (one per cadre and competency)."""
    query = CellResult.select(
        CellResult.ratee.as_alias("ratee_id"),
        *[CellResult._meta.get_column_by_name(c) for c in list(CELL_SCHEMA)[1:]],
    ).where(CellResult.snapshot == snapshot_id)
    if ratee_ids is not None:
        query = query.where(CellResult.ratee.is_in(ratee_ids or [0]))
    return pl.DataFrame(await query, schema=CELL_SCHEMA)


async def groups(snapshot_id: int, ratee_ids: list[int] | None = None) -> pl.DataFrame:
    query = GroupResult.select(
        GroupResult.ratee.as_alias("ratee_id"),
        *[GroupResult._meta.get_column_by_name(c) for c in list(GROUP_SCHEMA)[1:]],
    ).where(GroupResult.snapshot == snapshot_id)
    if ratee_ids is not None:
        query = query.where(GroupResult.ratee.is_in(ratee_ids or [0]))
    return pl.DataFrame(await query, schema=GROUP_SCHEMA)


async def people(snapshot_id: int, ratee_ids: list[int] | None = None) -> pl.DataFrame:
    """The cadres as they were when the snapshot was taken."""
    query = SnapshotCadre.select(
        SnapshotCadre.cadre.as_alias("ratee_id"),
        SnapshotCadre.external_id,
        SnapshotCadre.name,
        SnapshotCadre.position,
        SnapshotCadre.position_class,
        SnapshotCadre.town.as_alias("town_id"),
        SnapshotCadre.town_external_id,
        SnapshotCadre.town_name.as_alias("town"),
        SnapshotCadre.town_type,
    ).where(SnapshotCadre.snapshot == snapshot_id)
    if ratee_ids is not None:
        query = query.where(SnapshotCadre.cadre.is_in(ratee_ids or [0]))
    return pl.DataFrame(await query, schema=PEOPLE_SCHEMA)


async def summaries(snapshot_id: int, ratee_ids: list[int] | None = None) -> pl.DataFrame:
    """Per cadre: overall (released scores by the rubric's weights), its sd, how many
    competencies it combines, the general level, rank and peers within the position class."""
    query = CadreSummary.select(
        CadreSummary.ratee.as_alias("ratee_id"),
        CadreSummary.overall,
        CadreSummary.overall_sd,
        CadreSummary.competencies,
        CadreSummary.level,
        CadreSummary.rank,
        CadreSummary.peers,
    ).where(CadreSummary.snapshot == snapshot_id)
    if ratee_ids is not None:
        query = query.where(CadreSummary.ratee.is_in(ratee_ids or [0]))
    return pl.DataFrame(
        await query,
        schema={
            "ratee_id": pl.Int64,
            "overall": pl.Float64,
            "overall_sd": pl.Float64,
            "competencies": pl.Int64,
            "level": pl.String,
            "rank": pl.Int64,
            "peers": pl.Int64,
        },
    )


async def agreement(snapshot_id: int) -> pl.DataFrame:
    return pl.DataFrame(
        await AgreementRow.select(
            AgreementRow.rater_group,
            AgreementRow.competency,
            AgreementRow.cadres,
            AgreementRow.raters_per_cadre,
            AgreementRow.icc1,
            AgreementRow.icc1k,
            AgreementRow.alpha,
        ).where(AgreementRow.snapshot == snapshot_id),
        schema={
            "rater_group": pl.String,
            "competency": pl.String,
            "cadres": pl.Int64,
            "raters_per_cadre": pl.Float64,
            "icc1": pl.Float64,
            "icc1k": pl.Float64,
            "alpha": pl.Float64,
        },
    )


async def rater_review(snapshot_id: int) -> pl.DataFrame:
    """Raters whose severity, fit or patterns the office should look at (cadres only), named
    as they were when the snapshot was taken (today's roster for snapshots from before)."""
    raters = pl.DataFrame(
        await RaterResult.select(
            RaterResult.rater.as_alias("rater_id"),
            Coalesce(RaterResult.name, RaterResult.rater.name, alias="name"),
            Coalesce(RaterResult.position, RaterResult.rater.position, alias="position"),
            Coalesce(
                RaterResult.town_name,
                RaterResult.rater.town.name,  # type: ignore[union-attr]
                alias="town",
            ),
            RaterResult.severity,
            RaterResult.misfit,
            RaterResult.extreme,
            RaterResult.straight_lining,
            RaterResult.identical_cluster,
        ).where(RaterResult.snapshot == snapshot_id),
        schema={
            "rater_id": pl.Int64,
            "name": pl.String,
            "position": pl.String,
            "town": pl.String,
            "severity": pl.Float64,
            "misfit": pl.Boolean,
            "extreme": pl.String,
            "straight_lining": pl.Boolean,
            "identical_cluster": pl.Boolean,
        },
    )
    return raters.filter(
        pl.col("extreme").is_not_null()
        | pl.col("straight_lining")
        | pl.col("identical_cluster")
        | pl.col("misfit")
    ).sort("severity", descending=True)


class Census(msgspec.Struct, frozen=True, kw_only=True):
    """What a snapshot holds, in counts (the CLI's one line after computing)."""

    cadres: int
    scores: int
    withheld: int
    findings: dict[str, int]


async def census(snapshot_id: int) -> Census:
    found = await cells(snapshot_id)
    return Census(
        cadres=found["ratee_id"].n_unique(),
        scores=found.height,
        withheld=int(found["withheld"].is_not_null().sum()),
        findings=dict(
            found.drop_nulls("finding").group_by("finding").len().sort("finding").iter_rows()
        ),
    )
