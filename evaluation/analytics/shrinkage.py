"""Shrinkage and intervals for the released headlines (Kelley's empirical Bayes).

Within each competency the weighted, calibrated means h (variance V from `weighting`) are
pulled toward the competency's norm m by B = τ²/(τ² + V), where τ² is the between-cadre
variance (method of moments, floored) and m the precision-weighted mean. The score is
m + B·(h − m) with a 90% interval ± 1.645·√(B·V); B is the score's reliability — the
Spearman–Brown reliability of that cadre's mix of raters, with the single-rater reliability
taken from this cycle's own variance components.

* Only released headlines enter m and τ²: a norm read from the released scores must not be
  a function of a withheld one.
* Cadres outside the anchored piece of the rating graph carry the extra variance of their
  piece's unknown average severity (`extra_variance`), so their intervals widen.
* Limits: the interval ignores the uncertainty in m, τ² and the rater effects; and, as every
  empirical-Bayes interval, it covers well on average but under-covers the most extreme
  cadres (their scores are pulled toward the norm, and the 1–5 ceiling clips them).
"""

from __future__ import annotations

import numpy as np
import polars as pl

Z90 = 1.6448536269514722
TAU2_FLOOR = 0.05**2


def shrink(cells: pl.DataFrame, extra_variance: np.ndarray) -> pl.DataFrame:
    """cells: competency, corrected, variance — released headlines only. Adds prior (the
    competency norm), tau2, reliability, sd, score, lo, hi, score_100 (rows keep order)."""
    frame = cells.with_columns(v=pl.col("variance") + pl.Series(extra_variance, dtype=pl.Float64))
    by = "competency"
    centre = pl.col("corrected").mean().over(by)
    spread = pl.col("corrected").var().over(by).fill_null(0.0)
    tau2 = pl.max_horizontal(spread - pl.col("v").mean().over(by), pl.lit(TAU2_FLOOR))
    frame = frame.with_columns(tau2=tau2, first_norm=centre)
    weight = 1 / (pl.col("tau2") + pl.col("v"))
    frame = frame.with_columns(
        prior=(weight * pl.col("corrected")).sum().over(by) / weight.sum().over(by)
    )
    reliability = pl.col("tau2") / (pl.col("tau2") + pl.col("v"))
    frame = frame.with_columns(reliability=reliability)
    posterior = pl.col("prior") + pl.col("reliability") * (pl.col("corrected") - pl.col("prior"))
    sd = (pl.col("reliability") * pl.col("v")).sqrt()
    return (
        frame.with_columns(
            sd=sd,
            score=posterior.clip(1, 5),
            lo=(posterior - Z90 * sd).clip(1, 5),
            hi=(posterior + Z90 * sd).clip(1, 5),
        )
        .with_columns(score_100=((pl.col("score") - 1) * 25).round(1))
        .drop("v", "first_norm")
    )
