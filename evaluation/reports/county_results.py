"""What the county results page, its Excel export and the public results page show, as rows
the templates read: the domain shapes the released frames (`county.county_frames`) into
words and names once, and the web layer only renders (ARCHITECTURE.md, "Controllers")."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
import polars as pl

from evaluation.groups import COUNTED
from evaluation.results import county, snapshots
from evaluation.results.county_view import (
    export_frames,
    indicator_names,
    list_evidence,
    named,
    personnel_sheets,
    worded,
)
from evaluation.rows import rows_of
from evaluation.rubrics.schema import Rubric
from evaluation.scorecard import followup
from evaluation.scorecard.tiers import personnel
from evaluation.words import GROUP_LABELS

RATER_ROWS = 50  # the review queue on the page; the export has all
RANKED_PER_CLASS = 5
LIST_ROWS = 20


class TownCell(msgspec.Struct, frozen=True, kw_only=True):
    """A town's calibrated mean on one competency, released (at least the public minimum of
    cadres on the public page)."""

    town_id: int
    town: str
    competency: str
    competency_name: str
    cadres: int
    mean: float
    lo: float
    hi: float
    norm: float
    light: str
    lagging: bool


class Bottleneck(msgspec.Struct, frozen=True, kw_only=True):
    competency_name: str
    towns: int
    lagging_towns: int
    county_mean: float
    systemic: bool


class RaterToReview(msgspec.Struct, frozen=True, kw_only=True):
    name: str | None
    position: str | None
    town: str | None
    severity: float
    extreme: str | None
    straight_lining: bool
    identical_cluster: bool
    misfit: bool


class Ranked(msgspec.Struct, frozen=True, kw_only=True):
    ratee_id: int
    name: str
    town: str
    position_class_label: str
    rank: int
    peers: int
    overall: float


class ListEntry(msgspec.Struct, frozen=True, kw_only=True):
    """A town or cadre on a results-use list, with the sentence that put it there."""

    town: str
    evidence: str
    name: str | None = None  # a cadre's; none for a town


class TownStanding(msgspec.Struct, frozen=True, kw_only=True):
    town: str
    standing: str


class Agreement(msgspec.Struct, frozen=True, kw_only=True):
    rater_group_label: str
    competency_name: str
    cadres: int
    raters_per_cadre: float
    icc1: float | None
    icc1k: float | None
    alpha: float | None


class UnlinkedTown(msgspec.Struct, frozen=True, kw_only=True):
    town: str
    cadres: int


class EvidenceByTown(msgspec.Struct, frozen=True, kw_only=True):
    town: str
    indicator_name: str
    unit: str
    cadres: int
    mean_value: float
    mean_level: float


@dataclass(frozen=True)
class Heatmap:
    """Towns × competencies, in the rubric's order: (town, competency name) → (mean, norm,
    light, lagging), what `app.charts.heatmap` draws."""

    rows: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], tuple[float, float, str, bool]]


@dataclass(frozen=True)
class CountyPage:
    snapshot: snapshots.Snapshot
    heatmap: Heatmap
    towns: list[TownCell]
    bottlenecks: list[Bottleneck]
    town_spread: list[tuple[str, list[float]]]  # each town's cadres' overall scores
    group_spread: list[tuple[str, list[float]]]  # each rater group's calibrated means
    raters: list[RaterToReview]
    rater_count: int
    rankings: list[Ranked]
    lists: dict[str, list[ListEntry]]
    list_counts: dict[str, int]
    standing: list[TownStanding]
    agreement: list[Agreement]
    unlinked: list[UnlinkedTown]
    evidence: list[EvidenceByTown]


@dataclass(frozen=True)
class PublicPage:
    snapshot: snapshots.Snapshot
    heatmap: Heatmap
    towns: list[TownCell]
    town_choices: list[tuple[int, str]]
    bottlenecks: list[Bottleneck]


def heatmap_of(towns: pl.DataFrame, rubric: Rubric) -> Heatmap:
    names = {c.id: c.name for c in rubric.competencies}
    present = [c.id for c in rubric.competencies if c.id in set(towns["competency"])]
    rows = towns.select("town_id", "town").unique("town_id").sort("town_id")["town"].to_list()
    cells = {
        (r["town"], names[r["competency"]]): (r["mean"], r["norm"], r["light"], r["lagging"])
        for r in towns.iter_rows(named=True)
    }
    return Heatmap(rows, [names[c] for c in present], cells)


async def county_tables(
    cycle_id: int,
) -> tuple[snapshots.Snapshot, dict[str, pl.DataFrame], dict[str, pl.DataFrame]]:
    """The released frames of a cycle (its preview before publication) and the results-use
    lists with their evidence — the county page, its export and the personnel lists."""
    snapshot = await snapshots.snapshot_for(cycle_id, preview=True)
    frames = await county.county_frames(snapshot)
    lights = snapshot.rubric.lights
    lists = {
        **list_evidence(
            county.results_use(frames, lights.green_from, lights.red_below), snapshot.rubric
        ),
        # which towns are 先进 / 后进: the year's scorecard decides, on every page
        **await followup.town_lists(snapshot.cycle.year),
    }
    return snapshot, frames, lists


async def county_page(cycle_id: int) -> CountyPage:
    snapshot, frames, lists = await county_tables(cycle_id)
    rubric = snapshot.rubric
    cadres = frames["cadres"]
    by_town = [
        (town, cadres.filter(pl.col("town") == town)["overall"].to_list())
        for town in cadres.select("town_id", "town").unique("town_id").sort("town_id")["town"]
    ]
    shown = frames["groups"].filter(pl.col("corrected_mean").is_not_null())
    by_group = [
        (GROUP_LABELS[g], shown.filter(pl.col("rater_group") == g)["corrected_mean"].to_list())
        for g in COUNTED
        if shown.filter(pl.col("rater_group") == g).height
    ]
    return CountyPage(
        snapshot=snapshot,
        heatmap=heatmap_of(frames["towns"], rubric),
        towns=rows_of(named(frames["towns"], rubric), TownCell),
        bottlenecks=rows_of(named(frames["bottlenecks"], rubric), Bottleneck),
        town_spread=by_town,
        group_spread=by_group,
        raters=rows_of(frames["raters"].head(RATER_ROWS), RaterToReview),
        rater_count=frames["raters"].height,
        rankings=rows_of(
            worded(cadres, position_class="position_class")
            .group_by("position_class", maintain_order=True)
            .head(RANKED_PER_CLASS),
            Ranked,
        ),
        lists={k: rows_of(v.head(LIST_ROWS), ListEntry) for k, v in lists.items()},
        list_counts={k: v.height for k, v in lists.items()},
        standing=rows_of(frames["town_standing"], TownStanding),
        agreement=rows_of(
            named(worded(frames["agreement"], rater_group="group"), rubric), Agreement
        ),
        unlinked=rows_of(frames["unlinked"], UnlinkedTown),
        evidence=rows_of(indicator_names(frames["evidence"], rubric), EvidenceByTown),
    )


async def county_sheets(cycle_id: int) -> list[tuple[str, pl.DataFrame]]:
    """Every table of the county view, one sheet each, exactly as released: a withheld
    number is an empty cell, never a value."""
    snapshot, frames, lists = await county_tables(cycle_id)
    return export_frames(frames, lists, snapshot.rubric)


async def personnel_workbook(cycle_id: int) -> list[tuple[str, pl.DataFrame]]:
    """The personnel office's sheets: promotion recommendations and 绩效奖金 coefficients from
    the cycle's results and the town's year, each entry with its evidence and exemptions."""
    snapshot, frames, lists = await county_tables(cycle_id)
    towns = await followup.town_tiers(snapshot.cycle.year)
    people = personnel(
        frames["cadres"],
        lists["excellent_cadres"]["ratee_id"].to_list(),
        lists["lagging_cadres"]["ratee_id"].to_list(),
        towns.frame,
        towns.rule,
    )
    return personnel_sheets(people, lists, towns.exemptions, towns.basis)


async def public_page(cycle_id: int) -> PublicPage:
    """The public's town-level page of a published cycle (never a draft, never a person)."""
    snapshot = await snapshots.snapshot_for(cycle_id)
    frames = await county.county_frames(snapshot)
    towns = county.public_towns(frames["towns"])
    return PublicPage(
        snapshot=snapshot,
        heatmap=heatmap_of(towns, snapshot.rubric),
        towns=rows_of(named(towns, snapshot.rubric), TownCell),
        town_choices=towns.select("town_id", "town").unique("town_id").sort("town").rows(),
        bottlenecks=rows_of(named(frames["bottlenecks"], snapshot.rubric), Bottleneck),
    )


class Weakness(msgspec.Struct, frozen=True, kw_only=True):
    competency_name: str
    cadres: int  # cadres with it as a 短板 (a specific weakness)


@dataclass(frozen=True)
class CountyGlance:
    """The county at a glance on the office's landing page, from the newest published cycle
    and the scorecard's year: the same lists the results page shows, the first few of each."""

    cycle: snapshots.PublishedCycle
    weaker_towns: list[str]  # the 360's 较弱 town teams
    weaknesses: list[Weakness]  # the commonest 短板, most cadres first
    lagging_towns: list[ListEntry]  # the scorecard's 后进 (proposed for 约谈)


GLANCE_WEAKNESSES = 3


async def county_glance() -> CountyGlance | None:
    """None before any cycle is published."""
    published = await snapshots.published_cycles()
    if not published:
        return None
    cycle = published[0]
    snapshot, frames, lists = await county_tables(cycle.id)
    cells = frames["scores"]
    names = {c.id: c.name for c in snapshot.rubric.competencies}
    common = (
        cells.filter(pl.col("finding") == "weakness")
        .group_by("competency")
        .agg(cadres=pl.col("ratee_id").n_unique())
        .sort(["cadres", "competency"], descending=[True, False])
        .head(GLANCE_WEAKNESSES)
        .with_columns(competency_name=pl.col("competency").replace_strict(names, default=None))
    )
    standing = frames["town_standing"]
    return CountyGlance(
        cycle=cycle,
        weaker_towns=standing.filter(pl.col("standing") == "weaker")["town"].to_list(),
        weaknesses=rows_of(common, Weakness),
        lagging_towns=rows_of(lists["lagging_towns"], ListEntry),
    )
