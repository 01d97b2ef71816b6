"""Reading result snapshots: which cycles are published, a cycle's snapshot, and its rows.

Everything here reads a *snapshot* — the frozen one of a published cycle for cadres,
leaders, the training office and the public; for the assessment office, the published one
or else the latest preview of a closed cycle. What a snapshot holds was released by the
analytics (`analytics.release`); the people are read as they were then (`snapshot_cadre`).
Individual responses are never read here."""

from __future__ import annotations

import msgspec
import polars as pl

from evaluation.cycles import service as cycle_service
from evaluation.cycles.schemas import CycleRecord
from evaluation.errors import NotReady
from evaluation.organisation import directory
from evaluation.results import published
from evaluation.rubrics.schema import Rubric


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
    return [PublishedCycle(**row) for row in await published.published_cycle_rows()]


async def snapshot_for(cycle_id: int, *, preview: bool = False) -> Snapshot:
    """The cycle's frozen snapshot; with `preview` (the office), the latest one otherwise —
    which exists only for a closed cycle: while a cycle collects, nobody sees scores."""
    cycle = await cycle_service.get_cycle(cycle_id)
    row = await published.latest_snapshot(
        cycle_id, frozen_only=not preview or cycle.state == "published"
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
    return await published.read(published.CELLS, snapshot_id, ratee_ids)


async def groups(snapshot_id: int, ratee_ids: list[int] | None = None) -> pl.DataFrame:
    """The released rater-group rows (per cadre, competency and group)."""
    return await published.read(published.GROUPS, snapshot_id, ratee_ids)


async def people(snapshot_id: int, ratee_ids: list[int] | None = None) -> pl.DataFrame:
    """The cadres as they were when the snapshot was taken."""
    return await published.read(published.PEOPLE, snapshot_id, ratee_ids)


async def summaries(snapshot_id: int, ratee_ids: list[int] | None = None) -> pl.DataFrame:
    """Per cadre: overall (released scores by the rubric's weights), its sd, how many
    competencies it combines, the general level, rank and peers within the position class."""
    return await published.read(published.SUMMARIES, snapshot_id, ratee_ids)


async def agreement(snapshot_id: int) -> pl.DataFrame:
    return await published.read(published.AGREEMENT, snapshot_id)


async def rater_review(snapshot_id: int) -> pl.DataFrame:
    """Raters whose severity, fit or patterns the office should look at (cadres only), named
    as they were when the snapshot was taken (today's roster for snapshots from before)."""
    raters = await published.read(published.RATERS, snapshot_id)
    missing = raters.filter(pl.col("name").is_null())["rater_id"].to_list()
    if missing:  # snapshots from before the names were kept: today's roster
        today = await directory.cadre_frame()
        raters = raters.join(
            today.select(
                rater_id="cadre_id", now_name="name", now_position="position", now_town="town"
            ),
            on="rater_id",
            how="left",
        ).select(
            *[c for c in raters.columns if c not in ("name", "position", "town")],
            name=pl.coalesce("name", "now_name"),
            position=pl.coalesce("position", "now_position"),
            town=pl.coalesce("town", "now_town"),
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
