"""Reading published results for the people who look at them: a cadre's own feedback, a
leader's team, the assessment office's county view and the public town-level page.

Everything here reads a *snapshot* — the frozen one of a published cycle for cadres,
leaders and the public; for the office, the published one or else the latest computed
preview. Group means below their anonymity threshold were nulled by the analytics before
they were stored, so nothing read here can reveal them. Individual raters are never read
(comments come pooled, shuffled and without any attribute)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from evaluation import cycle_service
from evaluation.anonymity import pooled_comments
from evaluation.errors import NotFound
from evaluation.organisation import POSITION_CLASS_LABELS, POSITIONS, STAFF
from evaluation.profiles import overall
from evaluation.rubric_schema import GROUP_LABELS, Rubric
from evaluation.tables import (
    Cadre,
    Cycle,
    GroupScore,
    Leadership,
    ProfileSnapshot,
    RaterResult,
    Response,
    ScoreRow,
    Town,
)
from evaluation.town_results import bottlenecks, town_competency, trend

FINDING_LABELS = {
    "weakness": "短板",
    "strength": "优势",
    "as_expected": "符合常模",
    "insufficient_evidence": "证据不足",
}
LIGHT_LABELS = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
GAP_LABELS = {
    "blind_spot": "盲点（自评明显高于他评）",
    "hidden_strength": "潜在优势（自评明显低于他评）",
}
PUBLIC_MIN_CADRES = 3  # a town cell on the public page averages at least this many cadres
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


async def cadre_feedback(cadre_id: int, cycle_id: int | None = None) -> dict[str, Any]:
    """A cadre's feedback for a published cycle (the latest when none is named)."""
    cycles = await published_cycles()
    if cycle_id is None:
        if not cycles:
            raise NotFound("还没有已发布的考核结果")
        cycle_id = int(cycles[0]["id"])
    snapshot = await snapshot_for(cycle_id)
    person = (
        await Cadre.select(
            Cadre.id, Cadre.name, Cadre.position, Cadre.town.name.as_alias("town_name")
        )
        .where(Cadre.id == cadre_id)
        .first()
    )
    if person is None:
        raise NotFound("干部不存在")
    rows = await scores(snapshot.id, cadre_id)
    if rows.is_empty():
        raise NotFound("本周期没有您的评价结果")
    rubric = snapshot.rubric
    names = {c.id: c for c in rubric.competencies}
    groups = await group_scores(snapshot.id, cadre_id)
    history = await _history(cadre_id, cycles, rubric)
    earlier = [h for h in history if h["year"] < snapshot.cycle["year"]]
    change = (
        trend(rows, earlier[-1]["rows"])
        if earlier
        else pl.DataFrame(schema={"competency": pl.String})
    )
    changes = {r["competency"]: r for r in change.iter_rows(named=True)}
    competencies = []
    for row in rows.sort("competency").iter_rows(named=True):
        item = names.get(row["competency"])
        if item is None:
            continue
        level = min(max(round(row["score"]), 1), 5)
        competencies.append(
            {
                **row,
                "name": item.name,
                "dimension": item.dimension,
                "definition": item.definition,
                "level": level,
                "anchor": item.anchor(level),
                "next_anchor": item.anchor(level + 1) if level < 5 else None,
                "groups": [
                    {**g, "label": GROUP_LABELS.get(g["rater_group"], g["rater_group"])}
                    for g in groups.filter(pl.col("competency") == row["competency"]).iter_rows(
                        named=True
                    )
                    if g["rater_group"] != "self"
                ],
                "change": changes.get(row["competency"]),
                "finding_label": FINDING_LABELS.get(row["finding"], row["finding"]),
                "light_label": LIGHT_LABELS.get(row["light"], row["light"]),
                "gap_label": GAP_LABELS.get(row["gap_kind"] or "", ""),
            }
        )
    order = {c.id: i for i, c in enumerate(rubric.competencies)}
    competencies.sort(key=lambda c: order.get(c["competency"], 99))
    weights = {c.id: c.weight for c in rubric.competencies}
    total = overall(rows, weights).row(0, named=True)
    weaknesses = sorted(
        (c for c in competencies if c["finding"] == "weakness"),
        key=lambda c: c["score"] - c["norm"],
    )
    return {
        "person": person,
        "cycle": snapshot.cycle,
        "cycles": cycles,
        "competencies": competencies,
        "overall": total["overall"],
        "overall_100": (total["overall"] - 1) * 25,
        "weaknesses": weaknesses,
        "strengths": [c for c in competencies if c["finding"] == "strength"],
        "gaps": [c for c in competencies if c["gap_kind"]],
        "history": [{"label": str(h["year"]), "overall": h["overall"]} for h in history],
        "comments": await comments(cycle_id, cadre_id, seed=snapshot.id * 100_003 + cadre_id),
        "lights": rubric.lights,
        "training": [],  # recommended sessions: filled in once the training office schedules
    }


async def _history(
    cadre_id: int, cycles: list[dict[str, Any]], rubric: Rubric
) -> list[dict[str, Any]]:
    weights = {c.id: c.weight for c in rubric.competencies}
    history = []
    for cycle in sorted(cycles, key=lambda c: (c["year"], c["id"])):
        try:
            snapshot = await snapshot_for(int(cycle["id"]))
        except NotFound:
            continue
        rows = await scores(snapshot.id, cadre_id)
        if rows.is_empty():
            continue
        history.append(
            {
                "year": cycle["year"],
                "rows": rows,
                "overall": overall(rows, weights).row(0, named=True)["overall"],
            }
        )
    return history


async def comments(cycle_id: int, cadre_id: int, seed: int) -> list[str]:
    """Pooled, shuffled comment texts from groups of five or more responses."""
    rows = pl.DataFrame(
        await Response.select(Response.rater_group, Response.comment).where(
            (Response.cycle == cycle_id) & (Response.ratee == cadre_id)
        ),
        schema={"rater_group": pl.String, "comment": pl.String},
    ).with_columns(ratee_id=pl.lit(cadre_id))
    sizes = rows.group_by("rater_group").agg(n=pl.len())
    return pooled_comments(rows.filter(pl.col("rater_group") != "self"), sizes, seed)


async def team_results(leader_id: int, snapshot_id: int) -> list[dict[str, Any]]:
    """The leader's team with each member's overall score and lights in the snapshot."""
    members = (
        await Leadership.select(
            Leadership.member.id.as_alias("id"),
            Leadership.member.name.as_alias("name"),
            Leadership.member.position.as_alias("position"),
        )
        .where(Leadership.leader == leader_id)
        .order_by(Leadership.member.external_id)
    )
    ids = [m["id"] for m in members]
    rows = pl.DataFrame(
        await ScoreRow.select(
            ScoreRow.ratee.as_alias("ratee_id"),
            ScoreRow.competency,
            ScoreRow.score,
            ScoreRow.light,
            ScoreRow.finding,
        ).where((ScoreRow.snapshot == snapshot_id) & ScoreRow.ratee.is_in(ids or [0])),
        schema={
            "ratee_id": pl.Int64,
            "competency": pl.String,
            "score": pl.Float64,
            "light": pl.String,
            "finding": pl.String,
        },
    )
    summary = {
        r["ratee_id"]: r
        for r in rows.group_by("ratee_id")
        .agg(
            mean=pl.col("score").mean(),
            red=(pl.col("light") == "red").sum(),
            weaknesses=(pl.col("finding") == "weakness").sum(),
        )
        .iter_rows(named=True)
    }
    return [{**m, **summary.get(m["id"], {})} for m in members]


async def county_frames(snapshot: Snapshot) -> dict[str, pl.DataFrame]:
    """The office's tables for a snapshot, each a polars frame (pages and Excel read these)."""
    rows = await scores(snapshot.id)
    people = pl.DataFrame(
        await Cadre.select(
            Cadre.id.as_alias("ratee_id"),
            Cadre.name,
            Cadre.position,
            Cadre.town.as_alias("town_id"),
            Cadre.town.name.as_alias("town"),
        ),
        schema={
            "ratee_id": pl.Int64,
            "name": pl.String,
            "position": pl.String,
            "town_id": pl.Int64,
            "town": pl.String,
        },
    ).with_columns(position_class=pl.col("position").replace_strict(POSITIONS, default=STAFF))
    lights = snapshot.rubric.lights
    names = {c.id: c.name for c in snapshot.rubric.competencies}
    towns = (
        town_competency(rows, people, lights.green_from, lights.red_below)
        .join(people.select("town_id", "town").unique("town_id"), on="town_id")
        .with_columns(competency_name=pl.col("competency").replace_strict(names, default=None))
    )
    weights = {c.id: c.weight for c in snapshot.rubric.competencies}
    per_cadre = (
        overall(rows, weights)
        .join(
            rows.group_by("ratee_id").agg(
                red=(pl.col("light") == "red").sum(),
                green=(pl.col("light") == "green").sum(),
                competencies=pl.len(),
                weak=(pl.col("finding") == "weakness").sum(),
            ),
            on="ratee_id",
        )
        .join(people, on="ratee_id")
        .with_columns(
            rank=pl.col("overall")
            .rank("min", descending=True)
            .over("position_class")
            .cast(pl.Int64),
            peers=pl.len().over("position_class"),
            position_class_label=pl.col("position_class").replace_strict(
                POSITION_CLASS_LABELS, default=None
            ),
            weaknesses=pl.col("weaknesses")
            .list.eval(pl.element().replace_strict(names, default=None))
            .list.join("、"),
        )
        .sort("position_class", "rank")
    )
    groups = pl.DataFrame(
        await GroupScore.select(
            GroupScore.ratee.as_alias("ratee_id"),
            GroupScore.competency,
            GroupScore.rater_group,
            GroupScore.n,
            GroupScore.raw_mean,
            GroupScore.corrected_mean,
            GroupScore.reason,
        ).where(GroupScore.snapshot == snapshot.id),
        schema={
            "ratee_id": pl.Int64,
            "competency": pl.String,
            "rater_group": pl.String,
            "n": pl.Int64,
            "raw_mean": pl.Float64,
            "corrected_mean": pl.Float64,
            "reason": pl.String,
        },
    )
    raters = pl.DataFrame(
        await RaterResult.select(
            RaterResult.rater.as_alias("rater_id"),
            RaterResult.rater.name.as_alias("name"),
            RaterResult.rater.position.as_alias("position"),
            RaterResult.rater.town.name.as_alias("town"),  # type: ignore[union-attr]
            RaterResult.severity,
            RaterResult.misfit,
            RaterResult.extreme,
            RaterResult.straight_lining,
            RaterResult.identical_cluster,
        ).where(RaterResult.snapshot == snapshot.id),
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
    flagged = raters.filter(
        pl.col("extreme").is_not_null()
        | pl.col("straight_lining")
        | pl.col("identical_cluster")
        | pl.col("misfit")
    ).sort("severity", descending=True)
    return {
        "scores": rows.join(people, on="ratee_id").with_columns(
            competency_name=pl.col("competency").replace_strict(names, default=None)
        ),
        "towns": towns,
        "bottlenecks": bottlenecks(towns).with_columns(
            competency_name=pl.col("competency").replace_strict(names, default=None)
        ),
        "cadres": per_cadre,
        "groups": groups.join(people.select("ratee_id", "name", "town"), on="ratee_id"),
        "raters": flagged,
    }


def results_use(
    frames: dict[str, pl.DataFrame], green_from: float, red_below: float
) -> dict[str, pl.DataFrame]:
    """The lists results feed (结果运用), each entry with the evidence behind it.
    Excellent cadres: overall at or above the green line, no red light, no weakness.
    Lagging cadres: two or more red lights, or overall below the red line.
    Excellent towns: every competency green, none lagging. Lagging towns: three or more
    lagging competencies or any red light."""
    cadres = frames["cadres"]
    excellent = (
        cadres.filter(
            (pl.col("overall") >= green_from) & (pl.col("red") == 0) & (pl.col("weak") == 0)
        )
        .with_columns(
            evidence=pl.format(
                "综合 {}，{} 项中 {} 项绿灯，无短板",
                pl.col("overall").round(2),
                "competencies",
                "green",
            )
        )
        .sort("overall", descending=True)
    )
    lagging = (
        cadres.filter((pl.col("red") >= 2) | (pl.col("overall") < red_below))
        .with_columns(
            evidence=pl.format(
                "综合 {}，红灯 {} 项，短板：{}",
                pl.col("overall").round(2),
                "red",
                pl.col("weaknesses").fill_null("—"),
            )
        )
        .sort("overall")
    )
    town_summary = (
        frames["towns"]
        .group_by("town_id", "town")
        .agg(
            mean=(pl.col("mean") * pl.col("cadres")).sum() / pl.col("cadres").sum(),
            green=(pl.col("light") == "green").sum(),
            red=(pl.col("light") == "red").sum(),
            lagging=pl.col("lagging").sum(),
            competencies=pl.len(),
            lagging_names=pl.col("competency_name").filter(pl.col("lagging")).str.join("、"),
        )
    )
    return {
        "excellent_cadres": excellent,
        "lagging_cadres": lagging,
        "excellent_towns": town_summary.filter(
            (pl.col("green") == pl.col("competencies")) & (pl.col("lagging") == 0)
        )
        .with_columns(evidence=pl.format("{} 项能力全部绿灯，无落后项", "competencies"))
        .sort("mean", descending=True),
        "lagging_towns": town_summary.filter((pl.col("lagging") >= 3) | (pl.col("red") > 0))
        .with_columns(
            evidence=pl.format(
                "{} 项低于全县常模（{}），红灯 {} 项", "lagging", "lagging_names", "red"
            )
        )
        .sort("lagging", descending=True),
    }


def public_towns(towns: pl.DataFrame) -> pl.DataFrame:
    """Town-level results fit for the public: cells averaging fewer than three cadres are
    left out, so no published number is one person's score."""
    return towns.filter(pl.col("cadres") >= PUBLIC_MIN_CADRES).select(
        "town_id",
        "town",
        "competency",
        "competency_name",
        "cadres",
        "mean",
        "lo",
        "hi",
        "light",
        "lagging",
    )


async def town_names() -> dict[int, str]:
    return {int(r["id"]): r["name"] for r in await Town.select(Town.id, Town.name)}
