"""Cadre profiles from calibrated scores: evidence sufficiency, weaknesses and strengths,
self-vs-others gaps, lights, and rank within comparable cadres. Pure over polars frames.

* Enough evidence: the reliability of a mean of n raters by Spearman–Brown,
  ρ_n = nρ / (1 + (n − 1)ρ), with single-rater reliabilities from the literature
  (superiors ≈ .50, peers ≈ .37, subordinates ≈ .30; residents are treated like
  subordinates). A score is reliable at ρ_n ≥ .70 — about 3 superiors, 4 peers or 6
  residents. Weaknesses and strengths are declared only on enough evidence; otherwise the
  profile says "insufficient evidence".
* Weakness: the 90% interval lies wholly below the comparable norm (same competency and
  position class), or the score is below the rubric's red line. Strength: the interval lies
  wholly above the norm. Ranked by severity (distance below the norm).
* Gaps: self minus others on the 1–5 scale; more than a third of the scale range (4/3) is a
  blind spot (self higher) or a hidden strength (self lower).
* Lights: green at or above the rubric's `green_from`, red below `red_below`, else yellow.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from evaluation.analytics.coding import GROUPS, widen

SINGLE_RATER_RELIABILITY = {"superior": 0.50, "peer": 0.37, "resident": 0.30, "mystery": 0.30}
RELIABLE = 0.70
GAP_THRESHOLD = 4 / 3


def spearman_brown(single: float, raters: int) -> float:
    return raters * single / (1 + (raters - 1) * single) if raters > 0 else 0.0


def group_evidence(groups: pl.DataFrame, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For the given cells: the best group reliability reached (self ignored) and the self
    mean (NaN without a self-assessment). `groups`: weighting.group_scores output."""
    groups = groups.sort("cell")  # free when already sorted, as group_scores returns it
    wide = widen(groups)
    single = np.array([SINGLE_RATER_RELIABILITY.get(g, 0.0) for g in GROUPS])
    n = wide.matrix(groups["n"].to_numpy().astype(float), 0.0)
    reliability = (n * single / (1 + (n - 1) * single)).max(axis=1, initial=0.0)
    self_mean = wide.matrix(groups["raw_mean"].to_numpy(), np.nan)[:, GROUPS.index("self")]
    at = wide.find(cells)
    found = at >= 0
    return (
        np.where(found, reliability[at], 0.0),
        np.where(found, self_mean[at], np.nan),
    )


def profile_rows(
    scores: pl.DataFrame,
    groups: pl.DataFrame,
    ratees: pl.DataFrame,
    green_from: float,
    red_below: float,
) -> pl.DataFrame:
    """scores: calibration scores (cell, ratee_id, competency, score, lo, hi, n, raw_mean).
    groups: weighting.group_scores output (before suppression: group sizes and self means).
    ratees: ratee_id, position_class. Returns one row per cadre and competency."""
    reliability, self_mean = group_evidence(groups, scores["cell"].to_numpy())
    norm_keys = ["competency", "position_class"]
    rows = scores.join(
        ratees.select("ratee_id", "position_class"),
        on="ratee_id",
        how="left",
        maintain_order="left",  # the evidence arrays below follow the scores' order
    ).with_columns(
        reliability=pl.Series(reliability),
        enough_evidence=pl.Series(reliability >= RELIABLE),
        self_mean=pl.Series(self_mean, nan_to_null=True),
        norm=pl.col("score").mean().over(norm_keys),
        percentile=(pl.col("score").rank("average").over(norm_keys) - 0.5)
        / pl.len().over(norm_keys)
        * 100,
        rank=pl.col("score").rank("min", descending=True).over(norm_keys).cast(pl.Int64),
    )
    below = (pl.col("hi") < pl.col("norm")) | (pl.col("score") < red_below)
    above = pl.col("lo") > pl.col("norm")
    gap = pl.col("self_mean") - pl.col("score")
    return rows.with_columns(
        finding=pl.when(~pl.col("enough_evidence"))
        .then(pl.lit("insufficient_evidence"))
        .when(below)
        .then(pl.lit("weakness"))
        .when(above)
        .then(pl.lit("strength"))
        .otherwise(pl.lit("as_expected")),
        severity=pl.when(below & pl.col("enough_evidence")).then(pl.col("norm") - pl.col("score")),
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
    ).sort("cell")


def overall(rows: pl.DataFrame, weights: dict[str, float]) -> pl.DataFrame:
    """Per cadre: the competency scores combined by the rubric's competency weights,
    renormalised over the competencies that apply to the cadre (共性 + the 个性 that apply)."""
    weight = pl.col("competency").replace_strict(weights, default=0.0, return_dtype=pl.Float64)
    return (
        rows.with_columns(weight=weight)
        .group_by("ratee_id")
        .agg(
            overall=(pl.col("score") * pl.col("weight")).sum() / pl.col("weight").sum(),
            weaknesses=pl.col("competency")
            .filter(pl.col("finding") == "weakness")
            .sort_by(pl.col("severity").filter(pl.col("finding") == "weakness"), descending=True),
        )
        .sort("ratee_id")
    )
