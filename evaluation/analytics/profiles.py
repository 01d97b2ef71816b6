"""Cadre profiles from released scores: evidence, specific weaknesses and strengths, the
general level, self-vs-others gaps, lights, and rank among comparable cadres. Pure.

* Norm: the mean released score of comparable cadres (same competency, same position
  class); percentile and rank are within that class.
* Enough evidence: the shown 90% interval is at most EVIDENCE_WIDTH wide on the 1–5 scale
  (one anchor level is 1.0). Otherwise the finding is "insufficient evidence".
* A specific weakness (短板) — the finding that feeds training — is a competency clearly
  below both the class norm and the cadre's own other competencies: the score is below the
  norm, *and* the within-form contrast with the cadre's other competencies (`specific`,
  relative to comparable cadres; see `analytics.specific`) is below 0 beyond a Bonferroni
  bound over the cadre's competencies (family-wise error FAMILY_ALPHA for a flat profile)
  and by more than MIN_SPECIFIC. A cadre
  whose every competency sits low has a low general level, not a weakness: those cells read
  "below the norm" (`below_norm`), and the cadre's overall result carries the level finding
  for the leader's conversation (`overall`). Strengths mirror this.
* Gaps: self minus the calibrated score; more than a third of the scale range (4/3) is a
  blind spot (self higher) or a hidden strength (self lower).
* Lights: the rubric's thresholds on the score (green at or above `green_from`, red below
  `red_below`, yellow between), so every light can be explained.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.stats import norm as normal

from evaluation.analytics.composite import overall_variance

norm_ppf = normal.ppf

Z90 = 1.6448536269514722
EVIDENCE_WIDTH = 1.0
FAMILY_ALPHA = 0.02  # chance that a cadre with a flat profile gets any false 短板
MIN_SPECIFIC = 0.3  # a third of an anchor level: smaller contrasts are real but not a 短板
GAP_THRESHOLD = 4 / 3
MIN_OTHERS = 2  # other released competencies needed to tell a weakness from a low level
FINDINGS = (
    "weakness",
    "strength",
    "below_norm",
    "above_norm",
    "as_expected",
    "insufficient_evidence",
)


RANK_DIGITS = 9


def ranked(column: str) -> pl.Expr:
    """A score as ranks read it: rounded far below any shown digit, so two cadres whose
    scores are equal up to floating-point rounding tie, whatever order a computation
    summed in (a faster solver must not reorder identical cadres)."""
    return pl.col(column).round(RANK_DIGITS)


def profile_rows(
    scores: pl.DataFrame,
    self_means: pl.DataFrame,
    ratees: pl.DataFrame,
    green_from: float,
    red_below: float,
) -> pl.DataFrame:
    """scores: released rows (cell, ratee_id, competency, score, lo, hi, sd, specific,
    specific_se, …). self_means: cell, self_mean. ratees: ratee_id, position_class. One row
    per released cell, sorted."""
    keys = ["competency", "position_class"]
    # the class and the self-rating joined on the keys alone, then set beside the scores: a
    # join of the whole frame would copy every column of a province's million cells
    joined = (
        scores.select("cell", "ratee_id")
        .join(
            ratees.select("ratee_id", "position_class"),
            on="ratee_id",
            how="left",
            maintain_order="left",
        )
        .join(self_means, on="cell", how="left", maintain_order="left")
    )
    rows = scores.with_columns(joined["position_class"], joined["self_mean"]).with_columns(
        norm=pl.col("score").mean().over(keys),
        percentile=(ranked("score").rank("average").over(keys) - 0.5) / pl.len().over(keys) * 100,
        rank=ranked("score").rank("min", descending=True).over(keys).cast(pl.Int64),
    )
    others = pl.len().over("ratee_id") - 1
    specific = pl.col("specific")
    specific_se = pl.col("specific_se")
    # Bonferroni over the cadre's released competencies: each is one more chance to err
    released = rows.select(pl.len().over("ratee_id"))["len"].to_numpy()
    z = pl.lit(pl.Series(norm_ppf(1 - FAMILY_ALPHA / np.maximum(released, 1))))
    enough = (pl.col("hi") - pl.col("lo")) <= EVIDENCE_WIDTH
    comparable = others >= MIN_OTHERS
    below = pl.col("hi") < pl.col("norm")
    above = pl.col("lo") > pl.col("norm")
    lower = pl.col("score") < pl.col("norm")
    higher = pl.col("score") > pl.col("norm")
    clearly_low = (specific + z * specific_se < 0) & (specific < -MIN_SPECIFIC)
    clearly_high = (specific - z * specific_se > 0) & (specific > MIN_SPECIFIC)
    weak = (enough & comparable & lower & clearly_low).fill_null(False)
    strong = (enough & comparable & higher & clearly_high).fill_null(False)
    gap = pl.col("self_mean") - pl.col("score")
    rows = rows.with_columns(
        enough_evidence=enough,
        finding=pl.when(~enough)
        .then(pl.lit("insufficient_evidence"))
        .when(weak)
        .then(pl.lit("weakness"))
        .when(strong)
        .then(pl.lit("strength"))
        .when(below)
        .then(pl.lit("below_norm"))
        .when(above)
        .then(pl.lit("above_norm"))
        .otherwise(pl.lit("as_expected")),
        severity=pl.when(weak).then(pl.col("norm") - pl.col("score")),
        gap=gap,
        gap_kind=pl.when(gap > GAP_THRESHOLD)
        .then(pl.lit("blind_spot"))
        .when(gap < -GAP_THRESHOLD)
        .then(pl.lit("hidden_strength")),
        light=pl.when(pl.col("score") >= green_from)
        .then(pl.lit("green"))
        .when(pl.col("score") < red_below)
        .then(pl.lit("red"))
        .otherwise(pl.lit("yellow")),
    ).drop("specific", "specific_se")
    return rows if rows["cell"].is_sorted() else rows.sort("cell")


def overall(
    rows: pl.DataFrame, weights: dict[str, float], classes: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Per cadre, from released rows (ratee_id, competency, score, sd, finding, severity):
    the competency scores combined by the rubric's weights, renormalised over the
    competencies released for the cadre (共性 + the 个性 that apply), its 90% interval (with
    the errors the competencies share, `composite`, when the rows carry their loadings), the
    specific weaknesses by severity, and — with `classes` (ratee_id, position_class) — the
    general-level finding against comparable cadres: `overall_low` / `overall_high` when the
    interval lies wholly below / above their mean."""
    weight = pl.col("competency").replace_strict(weights, default=0.0, return_dtype=pl.Float64)
    share = pl.col("weight") / pl.col("weight").sum()
    missing = [
        pl.lit(None, pl.Float64).alias(c)
        for c in ("halo_loading", "level_loading")
        if c not in rows.columns
    ]
    summary = (
        rows.with_columns(*missing, weight=weight)
        .filter(pl.col("weight") > 0)
        .group_by("ratee_id")
        .agg(
            overall=(pl.col("score") * share).sum(),
            overall_sd=overall_variance(share).sqrt(),
            competencies=pl.len(),
            weaknesses=pl.col("competency")
            .filter(pl.col("finding") == "weakness")
            .sort_by(pl.col("severity").filter(pl.col("finding") == "weakness"), descending=True),
        )
        .sort("ratee_id")
    )
    if classes is None:
        return summary
    norm = pl.col("overall").mean().over("position_class")
    half = Z90 * pl.col("overall_sd")
    return (
        summary.join(classes.select("ratee_id", "position_class"), on="ratee_id", how="left")
        .with_columns(overall_norm=norm)
        .with_columns(
            level=pl.when(pl.col("overall") + half < pl.col("overall_norm"))
            .then(pl.lit("overall_low"))
            .when(pl.col("overall") - half > pl.col("overall_norm"))
            .then(pl.lit("overall_high"))
            .otherwise(pl.lit("overall_typical"))
        )
        .drop("position_class")
    )
