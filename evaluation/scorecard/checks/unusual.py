"""unusual: a quarter's figure far above what the town's own history and the county's season
predict (see `plausibility` for the rule in words)."""

from __future__ import annotations

import polars as pl

from evaluation.scorecard.checks.frames import (
    FLAG_SCHEMA,
    MIN_EVENTS,
    MIN_SPREAD,
    MIN_TOWNS,
    OWN_SPREAD_TOWNS,
    as_flags,
    flows,
    reported,
)


def unusual(
    frame: pl.DataFrame, past: pl.DataFrame, specs: pl.DataFrame, quarter: int, limit: float
) -> pl.DataFrame:
    now = flows(reported(frame), specs)
    before = flows(reported(past), specs).with_columns(pl.col("quarter") - 4)
    series = pl.concat([before, now]).filter(pl.col("quarter") <= quarter)
    # totals compare on a log scale (a town twice the size has twice the flow); a small
    # floor keeps a quarter with nothing delivered finite
    typical = pl.col("flow").abs().median().over("indicator")
    series = series.with_columns(
        x=pl.when(pl.col("cumulative"))
        .then(pl.max_horizontal(pl.col("flow"), 0.02 * typical, pl.lit(1e-9)).log())
        .otherwise(pl.col("flow"))
        * pl.col("direction"),
        typical=typical,
    )
    quarters = sorted(set(series["quarter"].to_list()))
    county = _county_pattern(series, quarters)
    parts = [_residuals(series, county, q) for q in quarters if q > quarters[0]]
    judged = pl.concat(parts, how="vertical_relaxed") if parts else pl.DataFrame()
    if judged.is_empty():
        return pl.DataFrame(schema=FLAG_SCHEMA)
    judged = _standardised(judged)
    # too few events a quarter to tell a jump (two 改革创新案例 instead of one is not one)
    enough = ~pl.col("cumulative") | (pl.col("typical") >= MIN_EVENTS)
    flagged = judged.filter(pl.col("quarter") == quarter, enough, pl.col("z") > limit)
    return as_flags(
        flagged,
        "unusual",
        pl.format(
            "本季度{}远高于本乡镇往期和全县同期走势的预期（偏离 {} 个标准差，超过 {} 的核查线）",
            pl.when(pl.col("cumulative")).then(pl.lit("增量")).otherwise(pl.lit("数值")),
            pl.col("z").round(1),
            pl.lit(limit),
        ),
    )


def _county_pattern(series: pl.DataFrame, quarters: list[int]) -> pl.DataFrame:
    """Per indicator and quarter, the county's level (`pattern`: the median town's x) and
    its change on the same quarter a year before (`growth`), each where enough towns
    reported it; a quarter only a few towns have reported yet takes last year's pattern
    moved by the latest growth the county showed (else the latest quarter's), so the first
    town to report is judged at once rather than after the others."""
    keys = ["town_id", "indicator"]
    last = series.select(*keys, pl.col("quarter") + 4, last=pl.col("x"))
    table = (
        series.join(last, on=[*keys, "quarter"], how="left")
        .group_by("indicator", "quarter")
        .agg(
            pattern=pl.col("x").median(),
            any_towns=pl.col("x").median(),
            towns=pl.len(),
            growth=(pl.col("x") - pl.col("last")).median(),
            pairs=pl.col("last").is_not_null().sum(),
        )
        .with_columns(
            pattern=pl.when(pl.col("towns") >= MIN_TOWNS).then("pattern"),
            growth=pl.when(pl.col("pairs") >= MIN_TOWNS).then("growth"),
        )
        .sort("indicator", "quarter")
    )
    # growth carried forward to quarters that cannot tell it yet (0 before any is known)
    table = table.with_columns(
        growth=pl.col("growth").forward_fill().over("indicator").fill_null(0.0)
    )
    shifted = table.select("indicator", pl.col("quarter") + 4, year_before=pl.col("pattern"))
    for _ in quarters:  # fill forward one year at a time (a pattern four quarters back)
        table = (
            table.drop("year_before", strict=False)
            .join(shifted, on=["indicator", "quarter"], how="left")
            .with_columns(pattern=pl.coalesce("pattern", pl.col("year_before") + pl.col("growth")))
        )
        shifted = table.select("indicator", pl.col("quarter") + 4, year_before=pl.col("pattern"))
    # no year before either: the latest quarter the county showed (pro-rata quarters), and in
    # a county too small for any of that, the median of the towns there are
    table = table.with_columns(
        pattern=pl.coalesce(
            "pattern", pl.col("pattern").forward_fill().over("indicator"), "any_towns"
        )
    )
    return table.select("indicator", "quarter", "pattern", "growth")


def _residuals(series: pl.DataFrame, county: pl.DataFrame, q: int) -> pl.DataFrame:
    """Each town's figure of quarter `q` against two expectations from what came before,
    averaged where both exist: (a) its own same quarter a year before moved by the county's
    growth (the town's own season); (b) the county's pattern for the quarter plus the town's
    own level over its earlier quarters (their median, so one earlier lump does not move
    it)."""
    keys = ["town_id", "indicator"]
    known = series.join(county, on=["indicator", "quarter"])
    level = (
        known.filter(pl.col("quarter") < q, pl.col("pattern").is_not_null())
        .group_by(keys)
        .agg(level=(pl.col("x") - pl.col("pattern")).median())
    )
    last_year = series.filter(pl.col("quarter") == q - 4).select(*keys, last=pl.col("x"))
    return (
        known.filter(pl.col("quarter") == q)
        .join(level, on=keys, how="left")
        .join(last_year, on=keys, how="left")
        .with_columns(
            expected=pl.mean_horizontal(
                pl.col("last") + pl.col("growth"), pl.col("pattern") + pl.col("level")
            )
        )
        .filter(pl.col("expected").is_not_null())
        .select(
            *keys, "quarter", "cumulative", "typical", residual=pl.col("x") - pl.col("expected")
        )
    )


def _standardised(judged: pl.DataFrame) -> pl.DataFrame:
    """z of each residual: against the county's spread of the same comparison in that quarter
    — the indicator's own when many towns report it, else its kind's (log totals are
    comparable, and so are percentages); a quarter too few towns have reported yet borrows
    the spread of the latest quarter that had enough."""
    by = ["indicator", "quarter"]
    judged = judged.with_columns(towns=pl.len().over(by)).with_columns(
        centred=pl.when(pl.col("towns") >= MIN_TOWNS)
        .then(pl.col("residual") - pl.col("residual").median().over(by))
        .otherwise(pl.col("residual"))
    )
    own = 1.4826 * pl.col("centred").abs().median().over(by)
    kind = ["cumulative", "quarter"]
    pooled = (
        judged.filter(pl.col("towns") < OWN_SPREAD_TOWNS)
        .group_by(kind)
        .agg(pooled=1.4826 * pl.col("centred").abs().median(), figures=pl.len())
        .with_columns(pooled=pl.when(pl.col("figures") >= 2 * MIN_TOWNS).then("pooled"))
        .sort(kind)
        .with_columns(pl.col("pooled").forward_fill().over("cumulative"))
    )
    floor = (
        pl.when(pl.col("cumulative"))
        .then(pl.lit(MIN_SPREAD))
        .otherwise(MIN_SPREAD * pl.col("typical"))
    )
    return (
        judged.join(pooled.select(*kind, "pooled"), on=kind, how="left")
        .with_columns(
            spread=pl.max_horizontal(
                pl.when(pl.col("towns") >= OWN_SPREAD_TOWNS).then(own).otherwise("pooled"),
                floor,
            )
        )
        .filter(pl.col("spread").is_not_null())
        .with_columns(z=pl.col("centred") / pl.col("spread"))
    )
