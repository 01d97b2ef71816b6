"""copied: two towns' figures that coincide more often than chance allows, the chance judged
from each figure's precision against the spread of towns of its type."""

from __future__ import annotations

import math

import polars as pl

from evaluation.scorecard.checks.frames import FLAG_SCHEMA, MIN_TOWNS, as_flags, reported


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


def comparison_spread() -> pl.Expr:
    """Per reported value: the spread of towns like this one — its type's, when at least
    MIN_TOWNS towns of its type report the indicator, else the county's (0 where a single
    value has none)."""
    by_type = pl.col("value").std().over("indicator", "town_type")
    spread = (
        pl.when(pl.len().over("indicator", "town_type") >= MIN_TOWNS)
        .then(by_type)
        .otherwise(pl.col("value").std().over("indicator"))
    )
    return spread.fill_null(0.0)


def copied(
    frame: pl.DataFrame, specs: pl.DataFrame, towns: pl.DataFrame, quarter: int, chance: float
) -> pl.DataFrame:
    kinds = towns.select(pl.col("town_id").cast(pl.Int64), "name", "town_type")
    this = (
        reported(frame)
        .filter(pl.col("quarter") == quarter)
        .join(specs.filter("reported").select("indicator"), on="indicator")
        .join(kinds, on="town_id")
    )
    if this.is_empty():
        return pl.DataFrame(schema=FLAG_SCHEMA)
    this = this.with_columns(spread=comparison_spread())
    ties = (
        this.join(this, on=["indicator", "value"], suffix="_other")
        .filter(pl.col("town_id") < pl.col("town_id_other"))
        .with_columns(
            # chance that two towns independently write the same figure: the step against
            # the density of the difference of two draws (normal, spread s: 1/(2·s·√π))
            # (a spread of 0 gives an infinite ratio: a chance of 1, no evidence)
            p=(_step(pl.col("value")) / (2 * math.sqrt(math.pi) * pl.col("spread"))).clip(
                upper_bound=1.0
            )
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
            ),
            suspicious.filter(earlier | unknown).select(
                town_id="town_id_other",
                other="name",
                indicators="indicators",
                same="same",
            ),
        ]
    )
    return as_flags(
        sides.explode("indicators").with_columns(
            indicator=pl.col("indicators"), quarter=pl.lit(quarter)
        ),
        "copied",
        pl.format(
            "与{}的 {} 项填报值完全相同（偶然如此的可能不到 1/{}）",
            pl.col("other"),
            pl.col("same"),
            pl.lit(f"{round(1 / chance):,}"),
        ),
    )
