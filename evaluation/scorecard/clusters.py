"""组团式考核 as pure rules over frames: a group's result, its lagging members, and how the
result enters each member's total.

* `indicators` — town_id, quarter, indicator, score, light (the scored indicators);
* `members` — group (the plan group's code), town_id;
* `totals` — town_id, town_type, quarter, total (ranked within type afterwards).
"""

from __future__ import annotations

import msgspec
import polars as pl

from evaluation.scorecard.plan import Plan
from evaluation.scorecard.scoring import with_class_rank

LAG_POINTS = 5.0  # a member this far below the group's result on the shared indicators lags

MEMBER_SCHEMA = {
    "group": pl.String,
    "town_id": pl.Int64,
    "quarter": pl.Int64,
    "member_score": pl.Float64,
    "red": pl.Boolean,
    "result": pl.Float64,
    "share": pl.Float64,
    "lagging": pl.Boolean,
}


def member_rows(plan: Plan, indicators: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Per group, member and quarter: the member's mean score on the shared indicators (and
    whether any of them is red), the group's result (the mean over its members) and whether
    the member lags (more than `LAG_POINTS` below the result, or red on a shared indicator)."""
    shared = pl.DataFrame(
        [(g.code, code, g.share) for g in plan.groups for code in g.indicators],
        schema={"group": pl.String, "indicator": pl.String, "share": pl.Float64},
        orient="row",
    )
    if shared.is_empty() or members.is_empty():
        return pl.DataFrame(schema=MEMBER_SCHEMA)
    rows = (
        members.join(shared, on="group")
        .join(
            indicators.select("town_id", "quarter", "indicator", "score", "light"),
            on=["town_id", "indicator"],
        )
        .group_by("group", "town_id", "quarter")
        .agg(
            member_score=pl.col("score").mean(),
            red=(pl.col("light") == "red").any(),
            share=pl.col("share").first(),
        )
    )
    return (
        rows.with_columns(result=pl.col("member_score").mean().over("group", "quarter"))
        .with_columns(
            lagging=(pl.col("member_score") < pl.col("result") - LAG_POINTS) | pl.col("red")
        )
        .select(list(MEMBER_SCHEMA))
        .cast(MEMBER_SCHEMA)  # type: ignore[arg-type]
        .sort("group", "quarter", "town_id")
    )


def blend(totals: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Each member's total becomes (1 − share) × its own total + share × its group's result,
    then towns are ranked again within their type; `group` and `group_result` say which
    group and what result went in (null for towns in no group)."""
    if members.is_empty():
        return totals.with_columns(
            group=pl.lit(None, pl.String), group_result=pl.lit(None, pl.Float64)
        )
    joined = totals.join(
        members.select("town_id", "quarter", "group", group_result="result", share="share"),
        on=["town_id", "quarter"],
        how="left",
    )
    blended = joined.with_columns(
        total=pl.when(pl.col("group").is_not_null())
        .then((1 - pl.col("share")) * pl.col("total") + pl.col("share") * pl.col("group_result"))
        .otherwise(pl.col("total"))
    ).drop("share")
    return with_class_rank(blended, "total")


class MemberLine(msgspec.Struct, frozen=True):
    town_id: int
    name: str
    score: float | None  # mean score on the shared indicators, latest scored quarter
    lagging: bool


class GroupBoard(msgspec.Struct, frozen=True):
    code: str
    name: str
    goal: str
    indicators: list[str]  # names
    share: float
    quarter: int | None
    result: float | None
    trend: list[float | None]  # Q1..Q4
    members: list[MemberLine]
    lag_points: float = LAG_POINTS


def _best_first(line: MemberLine) -> tuple[bool, float]:
    """Members by their latest score, best first; a member not scored yet last."""
    return (line.score is None, -(line.score or 0.0))


def boards(
    plan: Plan,
    rows: pl.DataFrame,
    members: pl.DataFrame,
    names: dict[int, str],
    latest: int | None,
) -> list[GroupBoard]:
    """One board per plan group from `member_rows` (`rows`) and the memberships."""
    found = []
    for group in plan.groups:
        mine = rows.filter(pl.col("group") == group.code)
        now = mine.filter(pl.col("quarter") == (latest or 0))
        by_town = {r["town_id"]: r for r in now.iter_rows(named=True)}
        trend: list[float | None] = [None] * 4
        for quarter, result in mine.select("quarter", "result").unique().iter_rows():
            trend[quarter - 1] = result
        lines = [
            MemberLine(
                town_id=town_id,
                name=names.get(town_id, ""),
                score=by_town[town_id]["member_score"] if town_id in by_town else None,
                lagging=bool(by_town[town_id]["lagging"]) if town_id in by_town else False,
            )
            for town_id in members.filter(pl.col("group") == group.code)["town_id"]
        ]
        found.append(
            GroupBoard(
                code=group.code,
                name=group.name,
                goal=group.goal,
                indicators=[plan.indicator(c).name for c in group.indicators],
                share=group.share,
                quarter=latest,
                result=now["result"][0] if now.height else None,
                trend=trend,
                members=sorted(lines, key=_best_first),
            )
        )
    return found
