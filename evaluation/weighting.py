"""Combining rater groups with the cycle's weights.

Per cadre and competency, each group's mean is corrected for its raters' severities (from
the calibration); the groups are combined with the cycle's weights. A group with no ratings
has its weight redistributed over the others in proportion, and the output says so
(`redistributed`, `missing_groups`). Self-assessment never counts (weight 0 by design)."""

from __future__ import annotations

import polars as pl

COMBINED_GROUPS = ("superior", "peer", "resident", "mystery")


def group_scores(responses: pl.DataFrame, raters: pl.DataFrame) -> pl.DataFrame:
    """ratee_id, competency, rater_group, n, raw_mean, corrected_mean (self included, uncorrected)."""
    severity = raters.select("rater_id", "severity")
    return (
        responses.filter(pl.col("level").is_not_null())
        .join(severity, on="rater_id", how="left")
        .with_columns(corrected=pl.col("level") + pl.col("severity").fill_null(0.0))
        .group_by("ratee_id", "competency", "rater_group")
        .agg(n=pl.len(), raw_mean=pl.col("level").mean(), corrected_mean=pl.col("corrected").mean())
        .sort("ratee_id", "competency", "rater_group")
    )


def combine_groups(groups: pl.DataFrame, weights: dict[str, float]) -> pl.DataFrame:
    """ratee_id, competency, weighted_score, weighted_raw, one `w_<group>` column per weighted
    group (effective weights, summing to 1), redistributed, missing_groups."""
    wanted = {g: w for g, w in weights.items() if g in COMBINED_GROUPS and w > 0}
    present = (
        groups.filter(pl.col("rater_group").is_in(list(wanted)))
        .with_columns(share=pl.col("rater_group").replace_strict(wanted, return_dtype=pl.Float64))
        .with_columns(share=pl.col("share") / pl.col("share").sum().over("ratee_id", "competency"))
    )
    groups_sorted = sorted(wanted)
    scores = present.group_by("ratee_id", "competency").agg(
        *[
            pl.col("share").filter(pl.col("rater_group") == g).sum().alias(f"w_{g}")
            for g in groups_sorted
        ],
        weighted_score=(pl.col("share") * pl.col("corrected_mean")).sum().clip(1, 5),
        weighted_raw=(pl.col("share") * pl.col("raw_mean")).sum(),
    )
    shares = scores.select(
        "ratee_id",
        "competency",
        missing_groups=pl.concat_list(
            [pl.when(pl.col(f"w_{g}") == 0).then(pl.lit(g)) for g in groups_sorted]
        ).list.drop_nulls(),
    )
    return (
        scores.join(shares, on=["ratee_id", "competency"])
        .with_columns(redistributed=pl.col("missing_groups").list.len() > 0)
        .sort("ratee_id", "competency")
    )
