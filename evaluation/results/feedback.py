"""A cadre's feedback from published snapshots (their own, or a team member's for the
leader): scores, group breakdowns as stored (hidden groups have no means), anchors, trend and
pooled comments. Individual raters are never read."""

from __future__ import annotations

from typing import Any

import polars as pl

from evaluation.analytics.anonymity import pooled_comments
from evaluation.analytics.profiles import overall
from evaluation.analytics.town_results import trend
from evaluation.errors import NotFound
from evaluation.results.snapshots import group_scores, published_cycles, scores, snapshot_for
from evaluation.rubrics.schema import Rubric
from evaluation.tables import (
    Cadre,
    Leadership,
    Response,
    ScoreRow,
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
                    g
                    for g in groups.filter(pl.col("competency") == row["competency"]).iter_rows(
                        named=True
                    )
                    if g["rater_group"] != "self"
                ],
                "change": changes.get(row["competency"]),
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
