"""数据造假 guards: checks on a quarter's values before they count.

Pure over frames. `values` holds every value of the year so far — town_id, indicator,
quarter, source ("town" for what the town reported, a system's name for imported values),
value — and `specs` one row per indicator (indicator, cumulative, jump). A flagged value still
counts provisionally; the office confirms it or corrects it with a reason (核查).

The checks, each with its message:
* jump — the quarter's change is beyond the indicator's bound (for year-to-date totals, the
  quarter's increment against the previous quarter's increment; a total that falls is flagged);
* mismatch — a town's reported value differs by more than 5% from the value imported from
  another system for the same indicator and quarter;
* identical — three or more towns report exactly the same non-round value for an indicator
  in a quarter.
(Values outside an indicator's possible range are refused before they are stored.)
"""

from __future__ import annotations

import polars as pl

from evaluation.scorecard.plan import Plan

MISMATCH_SHARE = 0.05
IDENTICAL_TOWNS = 3
FLAG_SCHEMA = {
    "town_id": pl.Int64,
    "indicator": pl.String,
    "quarter": pl.Int32,
    "check": pl.String,
    "message": pl.String,
}


def spec_frame(plan: Plan) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "indicator": [i.code for i in plan.indicators],
            "cumulative": [i.cumulative for i in plan.indicators],
            "jump": [i.jump for i in plan.indicators],
        },
        schema={"indicator": pl.String, "cumulative": pl.Boolean, "jump": pl.Float64},
    )


def check_values(plan: Plan, values: pl.DataFrame, quarter: int) -> pl.DataFrame:
    """Flags on the town-reported values of `quarter` (one row per value and failed check)."""
    frame = values.select(
        pl.col("town_id").cast(pl.Int64),
        pl.col("indicator").cast(pl.String),
        pl.col("quarter").cast(pl.Int32),
        pl.col("source").cast(pl.String),
        pl.col("value").cast(pl.Float64),
    )
    flags = pl.concat(
        [
            jumps(frame, spec_frame(plan), quarter),
            mismatches(frame, quarter),
            identical(frame, quarter),
        ]
    )
    return flags.sort("town_id", "indicator", "check")


def _reported(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("source") == "town").drop("source")


def jumps(frame: pl.DataFrame, specs: pl.DataFrame, quarter: int) -> pl.DataFrame:
    reported = _reported(frame).join(specs, on="indicator")
    keys = ["town_id", "indicator"]
    this = reported.filter(pl.col("quarter") == quarter)
    before = reported.filter(pl.col("quarter") == quarter - 1).select(*keys, prev=pl.col("value"))
    earlier = reported.filter(pl.col("quarter") == quarter - 2).select(*keys, prev2=pl.col("value"))
    joined = this.join(before, on=keys).join(earlier, on=keys, how="left")
    # the quarter's own increment for year-to-date totals; the level otherwise
    now = (
        pl.when(pl.col("cumulative"))
        .then(pl.col("value") - pl.col("prev"))
        .otherwise(pl.col("value"))
    )
    then = (
        pl.when(pl.col("cumulative"))
        .then(pl.col("prev") - pl.col("prev2").fill_null(0.0))
        .otherwise(pl.col("prev"))
    )
    change = (now - then).abs() / pl.max_horizontal(then.abs(), pl.lit(1e-9))
    joined = joined.with_columns(change=change, falling=pl.col("cumulative") & (now < 0))
    flagged = joined.filter(
        pl.col("falling") | ((pl.col("change") > pl.col("jump")) & (then.abs() > 0))
    )
    message = (
        pl.when(pl.col("falling"))
        .then(pl.lit("累计值比上季度减少"))
        .otherwise(
            pl.format(
                "比上季度变化 {}%，超过 {}% 的合理范围",
                (pl.col("change") * 100).round(0).cast(pl.Int64),
                (pl.col("jump") * 100).round(0).cast(pl.Int64),
            )
        )
    )
    return flagged.select(
        "town_id", "indicator", "quarter", check=pl.lit("jump"), message=message
    ).cast(FLAG_SCHEMA)  # type: ignore[arg-type]


def mismatches(frame: pl.DataFrame, quarter: int) -> pl.DataFrame:
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
    flagged = joined.filter(gap > MISMATCH_SHARE)
    return flagged.select(
        *keys,
        check=pl.lit("mismatch"),
        message=pl.format(
            "填报值 {} 与系统导入值 {} 相差超过 5%",
            pl.col("value").round(2),
            pl.col("imported").round(2),
        ),
    ).cast(FLAG_SCHEMA)  # type: ignore[arg-type]


def identical(frame: pl.DataFrame, quarter: int) -> pl.DataFrame:
    reported = _reported(frame).filter(pl.col("quarter") == quarter)
    non_round = (pl.col("value") != pl.col("value").round(0)) | (pl.col("value").abs() >= 1000)
    counted = reported.filter(non_round).with_columns(same=pl.len().over("indicator", "value"))
    flagged = counted.filter(pl.col("same") >= IDENTICAL_TOWNS)
    return flagged.select(
        "town_id",
        "indicator",
        "quarter",
        check=pl.lit("identical"),
        message=pl.format("与另外 {} 个乡镇的填报值完全相同", pl.col("same") - 1),
    ).cast(FLAG_SCHEMA)  # type: ignore[arg-type]
