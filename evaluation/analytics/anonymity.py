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

import numpy as np
import polars as pl

from evaluation.analytics.coding import GROUPS, widen

MIN_COMMENT_GROUP = 5
BELOW_THRESHOLD = "人数不足，为保护匿名不单独显示"
COMPLEMENT = "为防止推算出其他分组，一并隐藏"


def suppress(groups: pl.DataFrame, min_responses: dict[str, int]) -> pl.DataFrame:
    """`groups` from weighting.group_scores; adds `shown` and `reason`, nulls hidden means."""
    groups = groups.sort("cell")
    wide = widen(groups)
    present = wide.matrix(np.ones(groups.height, dtype=bool), False)
    n = wide.matrix(groups["n"].to_numpy(), 0)
    minimum = np.array([min_responses.get(g, 3) for g in GROUPS])
    counted = present & (np.array(GROUPS) != "self")
    below = present & (n < minimum)
    # exactly one counted group hidden: the smallest shown sibling (ties: GROUPS order) goes too
    candidate = counted & ~below & ((below & counted).sum(axis=1) == 1)[:, None]
    key = np.where(candidate, n * len(GROUPS) + np.arange(len(GROUPS)), np.iinfo(np.int64).max)
    complement = np.zeros_like(candidate)
    rows = np.flatnonzero(candidate.any(axis=1))
    complement[rows, key[rows].argmin(axis=1)] = True
    below_row = pl.Series(wide.long(below))
    complement_row = pl.Series(wide.long(complement))
    hide = below_row | complement_row
    return groups.with_columns(
        shown=~hide,
        reason=pl.when(below_row)
        .then(pl.lit(BELOW_THRESHOLD))
        .when(complement_row)
        .then(pl.lit(COMPLEMENT)),
        raw_mean=pl.when(hide).then(None).otherwise(pl.col("raw_mean")),
        corrected_mean=pl.when(hide).then(None).otherwise(pl.col("corrected_mean")),
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
    groups = suppressed_groups.sort("cell")
    wide = widen(groups)
    counted = wide.matrix(np.ones(groups.height, dtype=bool), False) & (np.array(GROUPS) != "self")
    below = wide.matrix((groups["reason"] == BELOW_THRESHOLD).fill_null(False).to_numpy(), False)
    exposed = wide.cells[counted.any(axis=1) & ~(counted & ~below).any(axis=1)]
    hide = pl.col("cell").is_in(pl.Series(exposed).implode())
    return combined.with_columns(
        weighted_score=pl.when(hide).then(None).otherwise(pl.col("weighted_score")),
        weighted_raw=pl.when(hide).then(None).otherwise(pl.col("weighted_raw")),
        suppressed_reason=pl.when(hide).then(pl.lit(BELOW_THRESHOLD)),
    )
