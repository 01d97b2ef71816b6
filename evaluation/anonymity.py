"""Anonymity in the analytics output itself, so no later layer can leak what the frames do
not hold.

* A group's breakdown is null, with a reason, below its minimum responses (3 for peers and
  residents; superiors, self and mystery visitors as the rubric sets, from 1).
* Complementary suppression: when exactly one group of a cadre's competency is hidden while
  the others and the pooled result are shown, the hidden one could be subtracted back; the
  smallest shown sibling is hidden too.
* Comments come pooled and shuffled, stripped of every attribute, and only from groups with
  at least 5 responses.
"""

from __future__ import annotations

import random

import polars as pl

MIN_COMMENT_GROUP = 5
BELOW_THRESHOLD = "人数不足，为保护匿名不单独显示"
COMPLEMENT = "为防止推算出其他分组，一并隐藏"


def suppress(groups: pl.DataFrame, min_responses: dict[str, int]) -> pl.DataFrame:
    """`groups` from weighting.group_scores; adds `shown` and `reason`, nulls hidden means."""
    minimum = pl.col("rater_group").replace_strict(min_responses, default=3, return_dtype=pl.Int64)
    marked = groups.with_columns(below=pl.col("n") < minimum)
    pooled = marked.filter(pl.col("rater_group") != "self")
    hidden_count = pooled.group_by("ratee_id", "competency").agg(hidden=pl.col("below").sum())
    complement = (
        pooled.join(hidden_count, on=["ratee_id", "competency"])
        .filter((pl.col("hidden") == 1) & ~pl.col("below"))
        .sort("n", "rater_group")
        .group_by("ratee_id", "competency", maintain_order=True)
        .first()
        .select("ratee_id", "competency", "rater_group", complement=pl.lit(True))
    )
    hide = pl.col("below") | pl.col("complement")
    return (
        marked.join(complement, on=["ratee_id", "competency", "rater_group"], how="left")
        .with_columns(pl.col("complement").fill_null(False))
        .with_columns(
            shown=~hide,
            reason=pl.when(pl.col("below"))
            .then(pl.lit(BELOW_THRESHOLD))
            .when(pl.col("complement"))
            .then(pl.lit(COMPLEMENT)),
            raw_mean=pl.when(hide).then(None).otherwise(pl.col("raw_mean")),
            corrected_mean=pl.when(hide).then(None).otherwise(pl.col("corrected_mean")),
        )
        .drop("below", "complement")
    )


def pooled_comments(comments: pl.DataFrame, group_sizes: pl.DataFrame, seed: int) -> list[str]:
    """comments: ratee_id, rater_group, comment. group_sizes: rater_group, n (the cadre's
    responses per group). Returns the comment texts only, shuffled."""
    allowed = group_sizes.filter(pl.col("n") >= MIN_COMMENT_GROUP)["rater_group"].implode()
    texts = comments.filter(
        pl.col("rater_group").is_in(allowed) & (pl.col("comment").str.strip_chars() != "")
    )["comment"].to_list()
    random.Random(seed).shuffle(texts)
    return texts


def suppress_combined(combined: pl.DataFrame, suppressed_groups: pl.DataFrame) -> pl.DataFrame:
    """Null the combined score where it would equal a hidden group's mean: every group that
    counts toward it is below its threshold (e.g. a cadre rated by two residents only)."""
    counted = suppressed_groups.filter(pl.col("rater_group") != "self")
    exposure = counted.group_by("ratee_id", "competency").agg(
        all_below=(pl.col("reason") == BELOW_THRESHOLD).all()
    )
    hide = pl.col("all_below").fill_null(False)
    return (
        combined.join(exposure, on=["ratee_id", "competency"], how="left")
        .with_columns(
            weighted_score=pl.when(hide).then(None).otherwise(pl.col("weighted_score")),
            weighted_raw=pl.when(hide).then(None).otherwise(pl.col("weighted_raw")),
            suppressed_reason=pl.when(hide).then(pl.lit(BELOW_THRESHOLD)),
        )
        .drop("all_below")
    )
