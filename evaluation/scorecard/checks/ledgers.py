"""The two checks that need no statistics: a year-to-date total that falls, and a town's
figure away from another system's measure of the same indicator."""

from __future__ import annotations

import polars as pl

from evaluation.scorecard.checks.frames import as_flags, reported


def falling(frame: pl.DataFrame, specs: pl.DataFrame, quarter: int) -> pl.DataFrame:
    keys = ["town_id", "indicator"]
    totals = reported(frame).join(specs.filter("cumulative", "reported"), on="indicator")
    this = totals.filter(pl.col("quarter") == quarter)
    before = totals.filter(pl.col("quarter") == quarter - 1).select(*keys, prev=pl.col("value"))
    flagged = this.join(before, on=keys).filter(pl.col("value") < pl.col("prev"))
    return as_flags(
        flagged,
        "falling",
        pl.format("累计值比上季度减少（{} → {}）", pl.col("prev"), pl.col("value")),
    )


def mismatches(frame: pl.DataFrame, quarter: int, gap_limit: float) -> pl.DataFrame:
    keys = ["town_id", "indicator", "quarter"]
    this = frame.filter(pl.col("quarter") == quarter)
    towns_said = reported(this)
    imported = (
        this.filter(pl.col("source") != "town").group_by(keys).agg(imported=pl.col("value").first())
    )
    joined = towns_said.join(imported, on=keys)
    gap = (pl.col("value") - pl.col("imported")).abs() / pl.max_horizontal(
        pl.col("imported").abs(), pl.lit(1e-9)
    )
    return as_flags(
        joined.filter(gap > gap_limit),
        "mismatch",
        pl.format(
            "填报值 {} 与其他系统统计的 {} 相差超过 {}%",
            pl.col("value").round(2),
            pl.col("imported").round(2),
            pl.lit(round(gap_limit * 100)),
        ),
    )
