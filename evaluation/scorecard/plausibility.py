"""数据造假 guards: checks on a quarter's values before they count, each with a known
false-alarm rate.

Pure over frames. `values` holds every value of the year so far — town_id, indicator,
quarter, source ("town" for what the town reported, a system's name for imported values),
value, and when known reported_at — `history` last year's (same columns), `towns` the towns
(town_id, name, town_type). A flagged value still counts provisionally; the office confirms
it or corrects it with a reason (核查). The plan's `[plausibility]` table sets the thresholds
and states the false-alarm rate each gave on the simulator of honest and fabricating towns
(bench/plausibility_bench.py; tests/scorecard/test_plausibility_rates.py holds the rates to
what the plan states).

The checks:
* unusual — the quarter's figure is far above what the town's own history predicts. For a
  year-to-date total the quarter's increment is compared; the prediction is the town's own
  level (from its other quarters this year and last year's four) times the county's pattern
  for the quarter (the median town's, so a season or a good year lifts every town alike);
  "far" is `unusual_z` robust SDs of the same comparison across the county's towns. Without
  any earlier quarter of the town (its first report in the system) there is no prediction
  and no check. Counts that deliver in lumps (a project is one 件) are compared the same way.
* falling — a year-to-date total smaller than last quarter's.
* copied — two towns' figures that coincide more often than chance allows: each identical
  figure is as likely by chance as its precision (the step it is written to: 0.01 万元, a
  whole 场, 0.1%) is small against the spread of towns of its type; a pair of towns is
  flagged when the chance of all their coincidences, over every pair of towns, falls below
  `copied_chance`. The town that reported later is flagged (both when the order is unknown).
  Three towns writing 92.5% is common; two towns writing 4,512.37 万元 is not.
* mismatch — a town's figure differs from another system's measure of the same indicator
  and quarter (budget execution from the treasury system) by more than `counterpart_gap` of
  that measure.
(Values outside an indicator's possible range are refused before they are stored.)
"""

from __future__ import annotations

import math

import msgspec
import polars as pl

from evaluation.scorecard.plan import Plan, Source

FLAG_SCHEMA = pl.Schema(
    {
        "town_id": pl.Int64,
        "indicator": pl.String,
        "quarter": pl.Int32,
        "check": pl.String,
        "message": pl.String,
    }
)
CHECKS = {
    "unusual": "本季度数值远高于本乡镇往期和全县同期走势的预期",
    "falling": "累计值比上季度减少",
    "copied": "与另一乡镇的多项填报值完全相同，偶然如此的可能很小",
    "mismatch": "填报值与其他系统对同一指标的统计相差较大",
}
MIN_TOWNS = 5  # towns needed to tell the county's usual spread of a comparison
OWN_SPREAD_TOWNS = 30  # towns from which an indicator's spread is its own, not its kind's
MIN_SPREAD = 0.1  # floor of the spread: in log units for totals (~10%), a share of the level else
MIN_EVENTS = 10  # a total growing by fewer a quarter (at the median town) is not judged


class CheckRule(msgspec.Struct, frozen=True):
    """One check as the office reads it: what it looks for, its threshold in words, and the
    share of honest towns' quarterly reports it flags (the plan's stated rate)."""

    check: str
    name: str
    rule: str
    false_alarm: float | None


def rules(plan: Plan) -> list[CheckRule]:
    limits = plan.plausibility
    rates = limits.false_alarms
    return [
        CheckRule(
            "unusual",
            "异常增量",
            f"本季度的增量（时点值指标为数值）比按本乡镇往期和全县同期走势推算的预期高出 "
            f"{limits.unusual_z:g} 个标准差以上",
            rates.get("unusual"),
        ),
        CheckRule("falling", "累计值减少", "年度累计值比上季度少", rates.get("falling")),
        CheckRule(
            "copied",
            "数值雷同",
            f"两个乡镇多项填报值完全相同，按数值的精度和同类乡镇的差异，偶然如此的可能不到 "
            f"1/{round(1 / limits.copied_chance):,}；标记后报的一方",
            rates.get("copied"),
        ),
        CheckRule(
            "mismatch",
            "与其他系统不一致",
            f"填报值与其他系统对同一指标的统计（如财政一体化系统的预算执行进度）相差超过 "
            f"{limits.counterpart_gap:.0%}",
            rates.get("mismatch"),
        ),
    ]


def check_values(
    plan: Plan,
    values: pl.DataFrame,
    quarter: int,
    towns: pl.DataFrame,
    history: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Flags on the town-reported values of `quarter` (one row per value and failed check)."""
    frame = _normal(values)
    past = _normal(history) if history is not None and history.height else frame.clear()
    specs = spec_frame(plan)
    flags = pl.concat(
        [
            unusual(frame, past, specs, quarter, plan.plausibility.unusual_z),
            falling(frame, specs, quarter),
            copied(frame, specs, towns, quarter, plan.plausibility.copied_chance),
            mismatches(frame, quarter, plan.plausibility.counterpart_gap),
        ]
    )
    return flags.sort("town_id", "indicator", "check")


def spec_frame(plan: Plan) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "indicator": [i.code for i in plan.indicators],
            "cumulative": [i.cumulative for i in plan.indicators],
            "direction": [1.0 if i.higher_is_better else -1.0 for i in plan.indicators],
            "reported": [i.source == Source.town for i in plan.indicators],
        },
        schema={
            "indicator": pl.String,
            "cumulative": pl.Boolean,
            "direction": pl.Float64,
            "reported": pl.Boolean,
        },
    )


def _normal(values: pl.DataFrame) -> pl.DataFrame:
    at = pl.col("reported_at") if "reported_at" in values.columns else pl.lit(None)
    if values.schema.get("reported_at", pl.Null).is_temporal():
        at = at.dt.epoch("us")
    return values.select(
        pl.col("town_id").cast(pl.Int64),
        pl.col("indicator").cast(pl.String),
        pl.col("quarter").cast(pl.Int32),
        pl.col("source").cast(pl.String),
        pl.col("value").cast(pl.Float64),
        reported_at=at.cast(pl.Int64),
    )


def _reported(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("source") == "town").drop("source")


def _flows(reported: pl.DataFrame, specs: pl.DataFrame) -> pl.DataFrame:
    """One figure per town, indicator and quarter to compare: the quarter's increment for a
    year-to-date total, the value otherwise; in the indicator's good direction."""
    keys = ["town_id", "indicator"]
    return (
        reported.join(specs.filter("reported"), on="indicator")
        .sort(*keys, "quarter")
        .with_columns(
            before=pl.col("value").shift(1).over(keys),
        )
        .with_columns(
            flow=pl.when(pl.col("cumulative") & (pl.col("quarter") > 1))
            .then(pl.col("value") - pl.col("before"))
            .otherwise(pl.col("value"))
        )
        .filter(~pl.col("cumulative") | (pl.col("quarter") == 1) | pl.col("before").is_not_null())
        .select(*keys, "quarter", "cumulative", "direction", "flow")
    )


def unusual(
    frame: pl.DataFrame, past: pl.DataFrame, specs: pl.DataFrame, quarter: int, limit: float
) -> pl.DataFrame:
    keys = ["town_id", "indicator"]
    now = _flows(_reported(frame), specs)
    before = _flows(_reported(past), specs).with_columns(pl.col("quarter") - 4)
    series = pl.concat([before, now]).filter(pl.col("quarter") <= quarter)
    # totals compare on a log scale (a town twice the size has twice the flow); a small
    # floor keeps a quarter with nothing delivered finite
    typical = pl.col("flow").abs().median().over("indicator", "quarter")
    series = series.with_columns(
        x=pl.when(pl.col("cumulative"))
        .then(pl.max_horizontal(pl.col("flow"), 0.02 * typical, pl.lit(1e-9)).log())
        .otherwise(pl.col("flow"))
        * pl.col("direction"),
        typical=typical,
    )
    # two expectations, averaged where both exist: (a) the town's own same quarter last
    # year, moved by the county's growth since (the town's own season); (b) the county's
    # pattern for the quarter plus the town's own level from its earlier quarters (their
    # median, so one earlier lump does not move it)
    series = series.with_columns(pattern=pl.col("x").median().over("indicator", "quarter"))
    level = (
        series.filter(pl.col("quarter") < quarter)
        .group_by(keys)
        .agg(level=(pl.col("x") - pl.col("pattern")).median())
    )
    last_year = series.filter(pl.col("quarter") == quarter - 4).select(*keys, last=pl.col("x"))
    judged = (
        series.filter(pl.col("quarter") == quarter)
        .join(level, on=keys)
        .join(last_year, on=keys, how="left")
        .with_columns(growth=(pl.col("x") - pl.col("last")).median().over("indicator"))
        .with_columns(
            expected=pl.mean_horizontal(
                pl.col("last") + pl.col("growth"), pl.col("pattern") + pl.col("level")
            )
        )
        .with_columns(residual=pl.col("x") - pl.col("expected"))
        .with_columns(
            towns=pl.len().over("indicator"),
            centred=pl.col("residual") - pl.col("residual").median().over("indicator"),
        )
        .with_columns(
            # the spread of the comparison over the county's towns; an indicator few towns
            # report (a small county, a town type's own) borrows the spread of all the
            # indicators of its kind (log totals are comparable, and so are percentages)
            own=1.4826 * pl.col("centred").abs().median().over("indicator"),
            pooled=1.4826
            * pl.col("centred")
            .abs()
            .median()
            .over("cumulative", pl.col("towns") >= OWN_SPREAD_TOWNS),
        )
        .with_columns(
            spread=pl.max_horizontal(
                pl.when(pl.col("towns") >= OWN_SPREAD_TOWNS).then("own").otherwise("pooled"),
                pl.when(pl.col("cumulative"))
                .then(pl.lit(MIN_SPREAD))
                .otherwise(MIN_SPREAD * pl.col("typical")),
            ),
        )
        .with_columns(z=pl.col("centred") / pl.col("spread"))
    )
    # too few events a quarter to tell a jump (two 改革创新案例 instead of one is not one)
    enough = ~pl.col("cumulative") | (pl.col("typical") >= MIN_EVENTS)
    pooled_towns = pl.len().over("cumulative")
    flagged = judged.filter(
        (pl.col("towns") >= MIN_TOWNS) | (pooled_towns >= 2 * MIN_TOWNS),
        enough,
        pl.col("z") > limit,
    )
    if flagged.is_empty():
        return pl.DataFrame(schema=FLAG_SCHEMA)
    return (
        flagged.rechunk()
        .select(  # pl.format panics on some chunked frames (polars 2.1)
            *keys,
            "quarter",
            check=pl.lit("unusual"),
            message=pl.format(
                "本季度{}远高于本乡镇往期和全县同期走势的预期（偏离 {} 个标准差，超过 {} 的核查线）",
                pl.when(pl.col("cumulative")).then(pl.lit("增量")).otherwise(pl.lit("数值")),
                pl.col("z").round(1),
                pl.lit(limit),
            ),
        )
        .cast(FLAG_SCHEMA)
    )


def falling(frame: pl.DataFrame, specs: pl.DataFrame, quarter: int) -> pl.DataFrame:
    keys = ["town_id", "indicator"]
    totals = _reported(frame).join(specs.filter("cumulative", "reported"), on="indicator")
    this = totals.filter(pl.col("quarter") == quarter)
    before = totals.filter(pl.col("quarter") == quarter - 1).select(*keys, prev=pl.col("value"))
    flagged = this.join(before, on=keys).filter(pl.col("value") < pl.col("prev"))
    if flagged.is_empty():
        return pl.DataFrame(schema=FLAG_SCHEMA)
    return (
        flagged.rechunk()
        .select(  # pl.format panics on some chunked frames (polars 2.1)
            *keys,
            "quarter",
            check=pl.lit("falling"),
            message=pl.format("累计值比上季度减少（{} → {}）", pl.col("prev"), pl.col("value")),
        )
        .cast(FLAG_SCHEMA)
    )


def _step(value: pl.Expr) -> pl.Expr:
    """The precision a figure is written to: 0.01 for 4512.37, 1 for 4512, 100 for 4500."""
    decimals = pl.lit(0)
    for places in (4, 3, 2, 1):
        scaled = value * 10**places
        written = (scaled - scaled.round(0)).abs() < 1e-6
        finer = (value * 10 ** (places - 1) - (value * 10 ** (places - 1)).round(0)).abs() > 1e-6
        decimals = pl.when(written & finer).then(pl.lit(places)).otherwise(decimals)
    whole = value.abs().round(0)
    zeros = pl.lit(0)
    for places in (1, 2, 3):
        zeros = (
            pl.when((whole > 0) & ((whole % 10**places) == 0)).then(pl.lit(places)).otherwise(zeros)
        )
    return pl.when(decimals > 0).then(10.0 ** (-decimals)).otherwise(10.0**zeros)


def copied(
    frame: pl.DataFrame, specs: pl.DataFrame, towns: pl.DataFrame, quarter: int, chance: float
) -> pl.DataFrame:
    kinds = towns.select(pl.col("town_id").cast(pl.Int64), "name", "town_type")
    this = (
        _reported(frame)
        .filter(pl.col("quarter") == quarter)
        .join(specs.filter("reported").select("indicator"), on="indicator")
        .join(kinds, on="town_id")
    )
    if this.is_empty():
        return pl.DataFrame(schema=FLAG_SCHEMA)
    # the spread of towns like this one (their type, or the county when the type is small)
    by_type = pl.col("value").std().over("indicator", "town_type")
    spread = (
        pl.when(pl.len().over("indicator", "town_type") >= MIN_TOWNS)
        .then(by_type)
        .otherwise(pl.col("value").std().over("indicator"))
    )
    this = this.with_columns(spread=spread.fill_null(0.0))
    ties = (
        this.join(this, on=["indicator", "value"], suffix="_other")
        .filter(pl.col("town_id") < pl.col("town_id_other"))
        .with_columns(
            # chance that two towns independently write the same figure: the step against
            # the density of the difference of two draws (normal, spread s: 1/(2·s·√π))
            p=(_step(pl.col("value")) / (2 * math.sqrt(math.pi) * pl.col("spread")))
            .clip(upper_bound=1.0)
            .fill_nan(1.0)
        )
    )
    pairs = this.select(pl.col("town_id").n_unique()).item()
    pairs = max(pairs * (pairs - 1) // 2, 1)
    suspicious = (
        ties.group_by("town_id", "town_id_other")
        .agg(
            log_p=pl.col("p").log10().sum(),
            same=pl.len(),
            indicators=pl.col("indicator"),
            at=pl.col("reported_at").max(),
            at_other=pl.col("reported_at_other").max(),
            name=pl.col("name").first(),
            name_other=pl.col("name_other").first(),
        )
        .filter(pl.col("log_p") + math.log10(pairs) < math.log10(chance))
    )
    later = pl.col("at") > pl.col("at_other")
    earlier = pl.col("at") < pl.col("at_other")
    unknown = ~later.fill_null(False) & ~earlier.fill_null(False)
    sides = pl.concat(
        [
            suspicious.filter(later | unknown).select(
                town_id="town_id",
                other="name_other",
                indicators="indicators",
                same="same",
                log_p="log_p",
            ),
            suspicious.filter(earlier | unknown).select(
                town_id="town_id_other",
                other="name",
                indicators="indicators",
                same="same",
                log_p="log_p",
            ),
        ]
    )
    if sides.is_empty():
        return pl.DataFrame(schema=FLAG_SCHEMA)
    return (
        sides.explode("indicators")
        .rechunk()
        .select(
            "town_id",
            indicator="indicators",
            quarter=pl.lit(quarter),
            check=pl.lit("copied"),
            message=pl.format(
                "与{}的 {} 项填报值完全相同（偶然如此的可能不到 1/{}）",
                pl.col("other"),
                pl.col("same"),
                pl.lit(f"{round(1 / chance):,}"),
            ),
        )
        .cast(FLAG_SCHEMA)
    )


def mismatches(frame: pl.DataFrame, quarter: int, gap_limit: float) -> pl.DataFrame:
    keys = ["town_id", "indicator", "quarter"]
    this = frame.filter(pl.col("quarter") == quarter)
    reported = _reported(this)
    imported = (
        this.filter(pl.col("source") != "town")
        .group_by(keys)
        .agg(imported=pl.col("value").first(), system=pl.col("source").first())
    )
    joined = reported.join(imported, on=keys)
    gap = (pl.col("value") - pl.col("imported")).abs() / pl.max_horizontal(
        pl.col("imported").abs(), pl.lit(1e-9)
    )
    flagged = joined.filter(gap > gap_limit)
    if flagged.is_empty():
        return pl.DataFrame(schema=FLAG_SCHEMA)
    return (
        flagged.rechunk()
        .select(  # pl.format panics on some chunked frames (polars 2.1)
            *keys,
            check=pl.lit("mismatch"),
            message=pl.format(
                "填报值 {} 与其他系统统计的 {} 相差超过 {}%",
                pl.col("value").round(2),
                pl.col("imported").round(2),
                pl.lit(round(gap_limit * 100)),
            ),
        )
        .cast(FLAG_SCHEMA)
    )
