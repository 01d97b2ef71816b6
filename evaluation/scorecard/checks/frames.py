"""What every plausibility check reads: the flag frame's shape, the values in one form, and
each town's figure per quarter (a total's increment, a level otherwise)."""

from __future__ import annotations

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
MIN_TOWNS = 5  # towns needed to tell the county's usual spread of a comparison
OWN_SPREAD_TOWNS = 30  # towns from which an indicator's spread is its own, not its kind's
MIN_SPREAD = 0.1  # floor of the spread: in log units for totals (~10%), a share of the level else
MIN_EVENTS = 10  # a total growing by fewer a quarter (at the median town) is not judged


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


def normal(values: pl.DataFrame) -> pl.DataFrame:
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


def reported(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("source") == "town").drop("source")


def flows(reported: pl.DataFrame, specs: pl.DataFrame) -> pl.DataFrame:
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


def as_flags(flagged: pl.DataFrame, check: str, message: pl.Expr) -> pl.DataFrame:
    """The flags of one check: a row per flagged value (town_id, indicator, quarter) with the
    check's name and its message in words."""
    if flagged.is_empty():
        return pl.DataFrame(schema=FLAG_SCHEMA)
    return (
        flagged.rechunk()  # pl.format panics on some chunked frames (polars 2.1)
        .select("town_id", "indicator", "quarter", check=pl.lit(check), message=message)
        .cast(FLAG_SCHEMA)
    )
