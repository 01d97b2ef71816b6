"""Rater-level quality flags, from the cycle's long frame and the calibration's rater table.

* straight_lining: every one of the rater's forms (≥ 3) gives the same level to all items.
* extreme: severity more than 3 robust standard deviations (1.4826·MAD) from the median —
  "lenient" below, "strict" above.
* identical_cluster: for one cadre, at least 3 raters gave exactly the same answers on at
  least 4 items (possible collusion or copied forms).
* misfit: infit or outfit outside 0.5–1.5 (from the calibration).
Flags are for the assessment office to look at, never applied automatically."""

from __future__ import annotations

import polars as pl

MIN_FORMS = 3
EXTREME_MADS = 3.0
CLUSTER_SIZE = 3
CLUSTER_ITEMS = 4


def rater_flags(responses: pl.DataFrame, raters: pl.DataFrame) -> pl.DataFrame:
    rated = responses.filter(pl.col("level").is_not_null() & pl.col("rater_id").is_not_null())
    forms = rated.group_by("rater_id", "ratee_id").agg(
        flat=pl.col("level").n_unique() == 1,
        items=pl.len(),
        pattern=pl.concat_str(
            pl.col("competency").sort(), pl.col("level").sort_by("competency").cast(pl.String)
        ).str.join(";"),
    )
    straight = forms.group_by("rater_id").agg(
        straight_lining=(pl.len() >= MIN_FORMS) & pl.col("flat").all()
    )
    clusters = (
        forms.filter(pl.col("items") >= CLUSTER_ITEMS)
        .with_columns(size=pl.len().over("ratee_id", "pattern"))
        .group_by("rater_id")
        .agg(identical_cluster=(pl.col("size") >= CLUSTER_SIZE).any())
    )
    median = float(raters.select(pl.col("severity").median()).item() or 0.0)
    mad = float(raters.select((pl.col("severity") - median).abs().median()).item() or 0.0)
    limit = EXTREME_MADS * 1.4826 * mad
    extreme = (
        pl.when(pl.lit(limit > 0) & (pl.col("severity") - median > limit))
        .then(pl.lit("strict"))
        .when(pl.lit(limit > 0) & (median - pl.col("severity") > limit))
        .then(pl.lit("lenient"))
    )
    return (
        raters.select("rater_id", "severity", "misfit", extreme=extreme)
        .join(straight, on="rater_id", how="left")
        .join(clusters, on="rater_id", how="left")
        .with_columns(pl.col("straight_lining", "identical_cluster").fill_null(False))
        .sort("rater_id")
    )
