"""A cadre's feedback from published snapshots — for the cadre, or for a leader of theirs:
scores with intervals, the group breakdown as released, the behaviour anchor now and next,
the trend, objective evidence and pooled comments. Individual raters are never read.

A leader who rated the cadre knows their own ratings, so their view is released again for
them (`analytics.release.restrict_for_rater`): never more than the cadre sees, sometimes
less. The overall score, the lists and the trend are built from what the reader is shown.
"""

from __future__ import annotations

import msgspec
import polars as pl

from evaluation.analytics.pipeline import minimum_responses
from evaluation.analytics.profiles import overall
from evaluation.analytics.release import restrict_for_rater
from evaluation.analytics.town_results import Change, cadre_trend
from evaluation.cycles.schemas import CycleRecord
from evaluation.errors import NotFound, NotReady
from evaluation.groups import RaterGroup
from evaluation.results import published, snapshots
from evaluation.results.compute import counted_in_overall, excluded_cells
from evaluation.rubrics.schema import Anchor, Lights, Rubric
from evaluation.tables import Evidence

Z90 = 1.6448536269514722


class Person(msgspec.Struct, frozen=True):
    id: int
    name: str
    position: str
    town: str


class GroupView(msgspec.Struct, frozen=True):
    rater_group: str
    n: int
    raw_mean: float | None
    corrected_mean: float | None
    reason: str | None
    weight: float | None


class EvidenceView(msgspec.Struct, frozen=True):
    indicator: str
    name: str
    unit: str
    period: str
    value: float
    level: int
    anchor_label: str


class CompetencyView(msgspec.Struct, frozen=True, kw_only=True):
    competency: str
    name: str
    dimension: str
    definition: str
    n: int
    raw_mean: float | None
    corrected: float | None
    score: float | None
    score_100: float | None
    lo: float | None
    hi: float | None
    reliability: float | None
    percentile: float | None
    rank: int | None
    norm: float | None
    light: str | None
    finding: str | None
    severity: float | None
    self_mean: float | None
    gap_kind: str | None
    missing_groups: list[str]
    redistributed: bool
    withheld: str | None
    level: int | None
    anchor: Anchor | None
    next_anchor: Anchor | None
    groups: list[GroupView]
    change: Change | None
    evidence: list[EvidenceView]
    unlinked: bool


class HistoryPoint(msgspec.Struct, frozen=True):
    label: str
    overall: float


class Feedback(msgspec.Struct, frozen=True, kw_only=True):
    person: Person
    cycle: CycleRecord
    cycles: list[snapshots.PublishedCycle]
    competencies: list[CompetencyView]
    overall: float | None
    overall_lo: float | None
    overall_hi: float | None
    overall_100: float | None
    level: str | None  # overall_low | overall_typical | overall_high
    weaknesses: list[CompetencyView]
    strengths: list[CompetencyView]
    gaps: list[CompetencyView]
    history: list[HistoryPoint]
    comments: list[str]
    lights: Lights
    weights: dict[str, float]
    withheld: int  # competencies whose numbers are not shown to this reader


async def cadre_feedback(
    cadre_id: int, cycle_id: int | None = None, *, reader: int | None = None
) -> Feedback:
    """A cadre's feedback for a published cycle (the latest when none is named). `reader`:
    the leader reading it (None: the cadre themself)."""
    cycles = await snapshots.published_cycles()
    if cycle_id is None:
        if not cycles:
            raise NotReady("还没有已发布的考核结果")
        cycle_id = cycles[0].id
    snapshot = await snapshots.snapshot_for(cycle_id)
    rows, groups, person = await released(snapshot, cadre_id, reader)
    rubric = snapshot.rubric
    previous = [c for c in cycles if c.year < snapshot.cycle.year]
    # the cadre's own view: their overall in every published cycle, as stored — which also
    # names the previous cycle's frozen snapshot (one query instead of three)
    latest = await own_latest(cadre_id, cycles) if reader is None else {}
    changes: dict[str, Change] = {}
    if previous:
        try:
            if reader is None:  # only the scores are compared: the cells alone
                before_id = (
                    latest[previous[0].id][0]
                    if previous[0].id in latest
                    else (await snapshots.snapshot_for(previous[0].id)).id
                )
                earlier = await snapshots.cells(before_id, [cadre_id])
            else:
                before = await snapshots.snapshot_for(previous[0].id)
                earlier, _, _ = await released(before, cadre_id, reader)
            changes = cadre_trend(rows.iter_rows(named=True), earlier.iter_rows(named=True))
        except (NotReady, NotFound):
            pass
    evidence = await evidence_for(cycle_id, cadre_id, rubric)
    by_competency: dict[str, list[GroupView]] = {}
    for g in groups.iter_rows(named=True):
        if g["rater_group"] != RaterGroup.self.value:
            view = GroupView(**{k: g[k] for k in GroupView.__struct_fields__})
            by_competency.setdefault(g["competency"], []).append(view)
    known = {c.id for c in rubric.competencies}
    competencies = [
        competency_view(
            row,
            rubric,
            by_competency.get(str(row["competency"]), []),
            changes.get(row["competency"]),
            evidence,
        )
        for row in rows.iter_rows(named=True)
        if row["competency"] in known
    ]
    order = {c.id: i for i, c in enumerate(rubric.competencies)}
    competencies.sort(key=lambda c: order.get(c.competency, 99))
    weights = {c.id: c.weight for c in rubric.competencies}
    mine = await snapshots.summaries(snapshot.id, [cadre_id])
    if reader is None:  # the cadre's own view: the overall stored at publication is theirs
        summary = mine.row(0, named=True) if mine.height else None
        history = own_history(latest, cycles)
    else:  # a leader may see less (restrict_for_rater): combine what they see
        total = overall(counted_in_overall(rows, await excluded_cells(cycle_id)), weights)
        summary = total.row(0, named=True) if total.height else None
        history = await _history(cadre_id, cycles, reader, weights)
    return Feedback(
        person=person,
        cycle=snapshot.cycle,
        cycles=cycles,
        competencies=competencies,
        overall=summary["overall"] if summary else None,
        overall_lo=summary["overall"] - Z90 * summary["overall_sd"] if summary else None,
        overall_hi=summary["overall"] + Z90 * summary["overall_sd"] if summary else None,
        overall_100=(summary["overall"] - 1) * 25 if summary else None,
        level=str(mine["level"][0]) if mine.height else None,
        weaknesses=sorted(
            (c for c in competencies if c.finding == "weakness"),
            key=lambda c: -(c.severity or 0.0),
        ),
        strengths=[c for c in competencies if c.finding == "strength"],
        gaps=[c for c in competencies if c.gap_kind],
        history=history,
        comments=await published.comments(snapshot.id, cadre_id),
        lights=rubric.lights,
        weights=snapshot.cycle.weights,
        withheld=sum(1 for c in competencies if c.withheld),
    )


async def released(
    snapshot: snapshots.Snapshot, cadre_id: int, reader: int | None
) -> tuple[pl.DataFrame, pl.DataFrame, Person]:
    """One cadre's cell and group rows as this reader may see them, and who they were."""
    rows = await snapshots.cells(snapshot.id, [cadre_id])
    groups = await snapshots.groups(snapshot.id, [cadre_id])
    people = await snapshots.people(snapshot.id, [cadre_id])
    if rows.is_empty() or people.is_empty():
        raise NotFound("本周期没有该干部的评价结果")
    if reader is not None:
        rated = await published.readings(snapshot.id, reader, cadre_id)
        if rated:
            rows, groups = restrict_for_rater(
                rows, groups, rated, minimum_responses(snapshot.rubric)
            )
    who = people.row(0, named=True)
    return (
        rows,
        groups,
        Person(id=cadre_id, name=who["name"], position=who["position"], town=who["town"]),
    )


def competency_view(
    row: dict[str, object],
    rubric: Rubric,
    groups: list[GroupView],
    change: Change | None,
    evidence: list[tuple[str, EvidenceView]],
) -> CompetencyView:
    """`groups`: this competency's rater groups as released (self excluded)."""
    item = rubric.competency(str(row["competency"]))
    score = row["score"]
    level = min(max(round(float(score)), 1), 5) if isinstance(score, float) else None
    return CompetencyView(
        competency=item.id,
        name=item.name,
        dimension=item.dimension,
        definition=item.definition,
        n=int(row["n"]),  # type: ignore[call-overload]
        raw_mean=row["raw_mean"],  # type: ignore[arg-type]
        corrected=row["corrected"],  # type: ignore[arg-type]
        score=row["score"],  # type: ignore[arg-type]
        score_100=row["score_100"],  # type: ignore[arg-type]
        lo=row["lo"],  # type: ignore[arg-type]
        hi=row["hi"],  # type: ignore[arg-type]
        reliability=row["reliability"],  # type: ignore[arg-type]
        percentile=row["percentile"],  # type: ignore[arg-type]
        rank=row["rank"],  # type: ignore[arg-type]
        norm=row["norm"],  # type: ignore[arg-type]
        light=row["light"],  # type: ignore[arg-type]
        finding=row["finding"],  # type: ignore[arg-type]
        severity=row["severity"],  # type: ignore[arg-type]
        self_mean=row["self_mean"],  # type: ignore[arg-type]
        gap_kind=row["gap_kind"],  # type: ignore[arg-type]
        missing_groups=list(row["missing_groups"] or []),  # type: ignore[call-overload]
        redistributed=bool(row["redistributed"]),
        withheld=row["withheld"],  # type: ignore[arg-type]
        level=level,
        anchor=item.anchor(level) if level else None,
        next_anchor=item.anchor(level + 1) if level and level < 5 else None,
        groups=groups,
        change=change,
        evidence=[view for competency, view in evidence if competency == item.id],
        unlinked=bool(row["component"]),
    )


async def own_latest(
    cadre_id: int, cycles: list[snapshots.PublishedCycle]
) -> dict[int, tuple[int, float]]:
    """Per published cycle: the newest frozen snapshot holding the cadre's overall (an
    upheld appeal freezes a new one) and that overall — one query."""
    latest: dict[int, tuple[int, float]] = {}
    for cycle, snapshot, value in await published.frozen_overalls(cadre_id, [c.id for c in cycles]):
        if cycle not in latest or snapshot > latest[cycle][0]:
            latest[cycle] = (snapshot, value)
    return latest


def own_history(
    latest: dict[int, tuple[int, float]], cycles: list[snapshots.PublishedCycle]
) -> list[HistoryPoint]:
    """The cadre's overall in every published cycle, as stored at publication."""
    years = {c.id: c.year for c in cycles}
    ordered = sorted((c for c in latest if c in years), key=lambda c: (years[c], c))
    return [HistoryPoint(label=str(years[c]), overall=float(latest[c][1])) for c in ordered]


async def _history(
    cadre_id: int,
    cycles: list[snapshots.PublishedCycle],
    reader: int | None,
    weights: dict[str, float],
) -> list[HistoryPoint]:
    points = []
    for cycle in sorted(cycles, key=lambda c: (c.year, c.id)):
        try:
            snapshot = await snapshots.snapshot_for(cycle.id)
            rows, _, _ = await released(snapshot, cadre_id, reader)
        except (NotReady, NotFound):
            continue
        summary = overall(counted_in_overall(rows, await excluded_cells(cycle.id)), weights)
        if summary.height:
            points.append(HistoryPoint(label=str(cycle.year), overall=float(summary["overall"][0])))
    return points


async def evidence_for(
    cycle_id: int, cadre_id: int, rubric: Rubric
) -> list[tuple[str, EvidenceView]]:
    rows = await Evidence.select(
        Evidence.competency, Evidence.indicator, Evidence.period, Evidence.value, Evidence.level
    ).where((Evidence.cycle == cycle_id) & (Evidence.cadre == cadre_id))
    views = []
    for row in rows:
        try:
            competency = rubric.competency(row["competency"])
            indicator = next(i for i in competency.indicators if i.id == row["indicator"])
        except StopIteration:
            continue
        views.append(
            (
                competency.id,
                EvidenceView(
                    indicator=indicator.id,
                    name=indicator.name,
                    unit=indicator.unit,
                    period=row["period"],
                    value=float(row["value"]),
                    level=int(row["level"]),
                    anchor_label=competency.anchor(int(row["level"])).label,
                ),
            )
        )
    return views
