"""Scoring the towns: indicator → dimension → total, ranked within town type, with lights.

Pure functions over polars frames:

* `values`  — town_id, indicator, quarter, value (the value that counts: imported where the
  indicator comes from another system, the office's correction where a value was corrected);
  cumulative indicators carry year-to-date totals;
* `targets` — town_id, indicator, target (the year's 绩效责任书);
* `towns`   — town_id, town_type.

An indicator scores 0–100 (attainment above target up to the plan's cap, so up to 100·cap):
attainment = value ÷ pro-rata target (target ÷ value where lower is better), capped; bands
give the score of the band the value falls in; rank gives 100·(n − rank)/(n − 1) among towns
of the same type; deduction takes points off 100 per event. A value due but missing scores 0
and lights red. A dimension is the weighted mean of the town's indicators in it (weights
renormalised over what that town type has and what is due); the total is the weighted mean of
the dimensions. Lights compare attainment with the pro-rata target (other methods: the score)
and say which rule lit them.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from evaluation.organisation.vocabulary import TOWN_TYPE_LABELS
from evaluation.scorecard.plan import ALL, Method, Plan


@dataclass(frozen=True)
class Scores:
    indicators: pl.DataFrame  # town_id, quarter, indicator, dimension, value, target, …, light
    dimensions: pl.DataFrame  # town_id, quarter, dimension, score
    totals: pl.DataFrame  # town_id, quarter, town_type, total, rank, of, red, yellow


def indicator_frame(plan: Plan) -> pl.DataFrame:
    """One row per (town type, indicator, due quarter) with the indicator's rule."""
    rows = []
    for i in plan.indicators:
        types = list(TOWN_TYPE_LABELS) if ALL in i.applies_to else i.applies_to
        for town_type in types:
            for quarter in i.quarters:
                rows.append(
                    {
                        "town_type": town_type,
                        "indicator": i.code,
                        "quarter": quarter,
                        "dimension": str(i.dimension),
                        "weight": i.weight,
                        "method": str(i.method),
                        "higher": i.higher_is_better,
                        "cumulative": i.cumulative,
                        "cap": i.cap,
                        "points": i.points_per_event,
                    }
                )
    return pl.DataFrame(
        rows,
        schema={
            "town_type": pl.String,
            "indicator": pl.String,
            "quarter": pl.Int32,
            "dimension": pl.String,
            "weight": pl.Float64,
            "method": pl.String,
            "higher": pl.Boolean,
            "cumulative": pl.Boolean,
            "cap": pl.Float64,
            "points": pl.Float64,
        },
    )


def band_frame(plan: Plan) -> pl.DataFrame:
    rows = [
        {"indicator": i.code, "from_value": b.from_value, "band_score": b.score}
        for i in plan.indicators
        for b in i.bands
    ]
    return pl.DataFrame(
        rows,
        schema={"indicator": pl.String, "from_value": pl.Float64, "band_score": pl.Float64},
    )


def score(
    plan: Plan,
    values: pl.DataFrame,
    targets: pl.DataFrame,
    towns: pl.DataFrame,
    quarters: list[int],
) -> Scores:
    """Scores of every town for each of `quarters` (each quarter on its own data)."""
    due = (
        towns.select(pl.col("town_id").cast(pl.Int64), pl.col("town_type").cast(pl.String))
        .join(indicator_frame(plan), on="town_type")
        .filter(pl.col("quarter").is_in(quarters))
    )
    frame = (
        due.join(
            values.select(
                pl.col("town_id").cast(pl.Int64),
                pl.col("indicator").cast(pl.String),
                pl.col("quarter").cast(pl.Int32),
                pl.col("value").cast(pl.Float64),
            ),
            on=["town_id", "indicator", "quarter"],
            how="left",
        )
        .join(
            targets.select(
                pl.col("town_id").cast(pl.Int64),
                pl.col("indicator").cast(pl.String),
                pl.col("target").cast(pl.Float64),
            ),
            on=["town_id", "indicator"],
            how="left",
        )
        .with_columns(
            pro_rata=pl.when(pl.col("cumulative"))
            .then(pl.col("target") * pl.col("quarter") / 4)
            .otherwise(pl.col("target"))
        )
    )
    frame = _attainment(frame)
    frame = _with_bands(frame, band_frame(plan))
    frame = _with_ranks(frame)
    raw = (
        pl.when(pl.col("value").is_null())
        .then(0.0)
        .when(pl.col("method") == Method.attainment)
        .then(
            100
            * pl.when(pl.col("attainment") > pl.col("cap"))
            .then(pl.col("cap"))
            .otherwise(pl.col("attainment"))
        )
        .when(pl.col("method") == Method.bands)
        .then(pl.col("band_score").fill_null(0.0))
        .when(pl.col("method") == Method.rank)
        .then(pl.col("rank_score"))
        .otherwise(pl.max_horizontal(pl.lit(0.0), 100 - pl.col("points") * pl.col("value")))
    )
    frame = frame.with_columns(score=pl.when(no_target()).then(None).otherwise(raw.fill_null(0.0)))
    frame = _lights(frame, plan)
    indicators = frame.select(
        "town_id",
        "quarter",
        "indicator",
        "dimension",
        "method",
        "weight",
        "value",
        "target",
        "pro_rata",
        "attainment",
        "score",
        "light",
        "reason",
    ).sort("town_id", "quarter", "indicator")
    scored = pl.col("score").is_not_null()
    dimensions = (  # an indicator without a target leaves its dimension: weights renormalised
        frame.group_by("town_id", "quarter", "dimension")
        .agg(  # a dimension with no indicator scored has no score (not 0/0)
            score=pl.when(scored.any()).then(
                (pl.col("score") * pl.col("weight")).sum() / pl.col("weight").filter(scored).sum()
            )
        )
        .sort("town_id", "quarter", "dimension")
    )
    totals = _totals(plan, dimensions, frame, towns)
    return Scores(indicators, dimensions, totals)


NO_TARGET = "未下达目标：本项不计分，权重分给本维度其他指标；请考核办在绩效责任书中下达目标"


def no_target() -> pl.Expr:
    """An attainment indicator reported against no target (no row, or 0) in the contract:
    the town is not scored 0 for the office's omission — the indicator leaves the total and a
    red light with its reason asks the office to set one (issue 30)."""
    return (
        (pl.col("method") == Method.attainment)
        & pl.col("value").is_not_null()
        & (pl.col("pro_rata").is_null() | (pl.col("pro_rata") <= 0))
    )


def _attainment(frame: pl.DataFrame) -> pl.DataFrame:
    higher = pl.col("value") / pl.col("pro_rata")
    lower = (
        pl.when(pl.col("value") <= 0)
        .then(pl.col("cap"))
        .otherwise(pl.col("pro_rata") / pl.col("value"))
    )
    ratio = pl.when(pl.col("higher")).then(higher).otherwise(lower)
    return frame.with_columns(
        attainment=pl.when((pl.col("method") == Method.attainment) & (pl.col("pro_rata") > 0)).then(
            pl.max_horizontal(pl.lit(0.0), ratio)
        )
    )


def _with_bands(frame: pl.DataFrame, bands: pl.DataFrame) -> pl.DataFrame:
    """The best band each value reaches (at or above `from_value` where higher is better, at
    or below it where lower is better)."""
    keys = ["town_id", "indicator", "quarter"]
    reached = (
        frame.filter(pl.col("method") == Method.bands, pl.col("value").is_not_null())
        .select(*keys, "value", "higher")
        .join(bands, on="indicator")
        .filter(
            pl.when(pl.col("higher"))
            .then(pl.col("value") >= pl.col("from_value"))
            .otherwise(pl.col("value") <= pl.col("from_value"))
        )
        .group_by(keys)
        .agg(pl.col("band_score").max())
    )
    return frame.join(reached, on=keys, how="left")


def _with_ranks(frame: pl.DataFrame) -> pl.DataFrame:
    """Rank among towns of the same type that have a value: best = 1, ties share a rank."""
    keyed = pl.when(pl.col("higher")).then(-pl.col("value")).otherwise(pl.col("value"))
    group = ["town_type", "indicator", "quarter"]
    ranked = frame.with_columns(
        _rank=keyed.rank("min").over(group),
        _n=pl.col("value").count().over(group),
    )
    return ranked.with_columns(
        rank_score=pl.when(pl.col("method") != Method.rank)
        .then(None)
        .when(pl.col("_n") <= 1)
        .then(100.0)
        .otherwise(100 * (pl.col("_n") - pl.col("_rank")) / (pl.col("_n") - 1))
    ).drop("_rank", "_n")


def _lights(frame: pl.DataFrame, plan: Plan) -> pl.DataFrame:
    rule = plan.lights
    # whole percent, rounded down (past float noise): 89.6% reads "89%" beside "低于 90%",
    # never "90%" on a yellow light
    percent = (pl.col("attainment") * 100 + 1e-9).floor().cast(pl.Int64).cast(pl.String)
    by_attainment = pl.col("method") == Method.attainment
    light = (
        pl.when(pl.col("value").is_null() | no_target())
        .then(pl.lit("red"))
        .when(by_attainment & (pl.col("attainment") < rule.red_below))
        .then(pl.lit("red"))
        .when(by_attainment & (pl.col("attainment") < rule.yellow_below))
        .then(pl.lit("yellow"))
        .when(by_attainment)
        .then(pl.lit("green"))
        .when(pl.col("score") < rule.red_score)
        .then(pl.lit("red"))
        .when(pl.col("score") < rule.yellow_score)
        .then(pl.lit("yellow"))
        .otherwise(pl.lit("green"))
    )
    red_line, yellow_line = f"{rule.red_below:.0%}", f"{rule.yellow_below:.0%}"
    score_text = pl.col("score").round(1).cast(pl.String)
    reason = (
        pl.when(pl.col("value").is_null())
        .then(pl.lit("本季度应报未报，按 0 分计，亮红灯"))
        .when(no_target())
        .then(pl.lit(NO_TARGET))
        .when(by_attainment & (pl.col("attainment") < rule.red_below))
        .then(pl.format("完成应达进度的 {}%，低于 {} 亮红灯（问责）", percent, pl.lit(red_line)))
        .when(by_attainment & (pl.col("attainment") < rule.yellow_below))
        .then(pl.format("完成应达进度的 {}%，低于 {} 亮黄灯（预警）", percent, pl.lit(yellow_line)))
        .when(by_attainment)
        .then(pl.format("完成应达进度的 {}%", percent))
        .when(pl.col("score") < rule.red_score)
        .then(pl.format("得分 {}，低于 {} 分亮红灯", score_text, pl.lit(f"{rule.red_score:g}")))
        .when(pl.col("score") < rule.yellow_score)
        .then(pl.format("得分 {}，低于 {} 分亮黄灯", score_text, pl.lit(f"{rule.yellow_score:g}")))
        .otherwise(pl.format("得分 {}", score_text))
    )
    return frame.with_columns(light=light, reason=reason)


def _totals(
    plan: Plan, dimensions: pl.DataFrame, frame: pl.DataFrame, towns: pl.DataFrame
) -> pl.DataFrame:
    weights = pl.DataFrame(
        {"dimension": list(plan.dimensions), "dim_weight": list(plan.dimensions.values())},
        schema={"dimension": pl.String, "dim_weight": pl.Float64},
    )
    scored = pl.col("score").is_not_null()
    lights = frame.group_by("town_id", "quarter").agg(
        red=(pl.col("light") == "red").sum().cast(pl.Int64),
        yellow=(pl.col("light") == "yellow").sum().cast(pl.Int64),
    )
    totals = (
        dimensions.join(weights, on="dimension")
        .group_by("town_id", "quarter")
        .agg(  # over the dimensions scored; none scored: no total (not 0/0)
            total=pl.when(scored.any()).then(
                (pl.col("score") * pl.col("dim_weight")).sum()
                / pl.col("dim_weight").filter(scored).sum()
            )
        )
        .join(towns.select(pl.col("town_id").cast(pl.Int64), "town_type"), on="town_id")
        .join(lights, on=["town_id", "quarter"], how="left")
    )
    return with_class_rank(totals, "total").sort("quarter", "town_type", "rank", "town_id")


SHOWN_DECIMALS = 1  # totals and composites are shown to one decimal on every page


def as_shown(column: str) -> pl.Expr:
    """A score as the pages show it: ranks compare these, so equal shown totals share a rank
    (…508 and …507 ranked 1 and 2 before). As printed ('%.1f': the stored double's exact
    value, correctly rounded), not polars' `round`, which rounds the value times ten: a
    total of 27.15 is stored as 27.1499…, printed 27.1, and `round` made it 27.2 — ranked
    above a town also printed 27.1. Per town, never per rating; not inside a window (it
    needs the whole column)."""
    return pl.col(column).map_batches(printed, return_dtype=pl.Float64)


def printed(values: pl.Series) -> pl.Series:
    """Each value as the pages print it, to SHOWN_DECIMALS."""
    return pl.Series(
        values.name,
        [None if v is None else float(f"{v:.{SHOWN_DECIMALS}f}") for v in values.to_list()],
        dtype=pl.Float64,
    )


def with_class_rank(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """分类排名: rank by `column` as shown (highest first) among towns of the same type and
    quarter; equal shown values share a rank."""
    group = ["quarter", "town_type"] if "quarter" in frame.columns else ["town_type"]
    return (
        frame.with_columns(_shown=as_shown(column))
        .with_columns(
            rank=(-pl.col("_shown")).rank("min").over(group).cast(pl.Int64),
            of=pl.len().over(group).cast(pl.Int64),
        )
        .drop("_shown")
    )


def composite(
    plan: Plan,
    year_totals: pl.DataFrame,
    adjustments: pl.DataFrame,
    satisfaction: pl.DataFrame,
) -> pl.DataFrame:
    """Year-end composite: the indicator total (Q4), 实地核查 and 第三方评估 scores (0–100,
    entered by the office) and 群众满意度 (0–100, from residents), by the plan's shares; a
    component with no data is left out and the others' shares renormalised (`missing` names
    it). Ranked within town type."""
    shares = plan.composite
    frame = (
        year_totals.select("town_id", "town_type", pl.col("total").alias("indicators"))
        .join(adjustments.select("town_id", "field_check", "third_party"), on="town_id", how="left")
        .join(satisfaction.select("town_id", "satisfaction"), on="town_id", how="left")
    )
    parts = {
        "indicators": shares.indicators,
        "field_check": shares.field_check,
        "satisfaction": shares.satisfaction,
        "third_party": shares.third_party,
    }
    weighted = pl.sum_horizontal(
        [pl.col(name).fill_null(0) * share for name, share in parts.items()]
    )
    present = pl.sum_horizontal(
        [pl.col(name).is_not_null().cast(pl.Float64) * share for name, share in parts.items()]
    )
    missing = pl.concat_list(
        [pl.when(pl.col(name).is_null()).then(pl.lit(name)) for name in parts]
    ).list.drop_nulls()
    frame = frame.with_columns(
        composite=pl.when(present > 0).then(weighted / present), missing=missing
    )
    return with_class_rank(frame, "composite").sort(
        "town_type", "rank", "town_id", nulls_last=True
    )  # a town with no composite at all is listed last of its type
