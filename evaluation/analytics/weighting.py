"""Rater groups per cadre and competency, and their combination with the cycle's weights.

* `group_scores`: each group's raw mean and its mean of calibrated ratings (rater severity
  and group leniency removed, see `calibration`).
* `combine`: the headline — the calibrated group means combined with the cycle's rater-group
  weights. A group with no ratings on a competency has its weight redistributed over the
  groups that have some, in proportion ("群众无评价，其权重按比例分配给上级和同事"), and the
  output says which were missing. Its sampling variance is σ²·Σ w_g²/n_g. Self-assessment
  never counts (weight 0 by design). The pooled raw mean (all counted ratings alike) comes
  beside it.
Which of these numbers may be shown, to whom, is `release`'s business."""

from __future__ import annotations

import numpy as np
import polars as pl

from evaluation.analytics.calibration import Calibration
from evaluation.analytics.coding import Coded, encode, widen
from evaluation.groups import COUNTED, GROUPS


def group_scores(responses: pl.DataFrame | Coded, calibration: Calibration) -> pl.DataFrame:
    """cell, ratee_id, competency, rater_group, n, raw_mean, corrected_mean — one row per
    rater group present, ordered by cadre, competency and `GROUPS`. Self-assessments are
    included as given."""
    coded = responses if isinstance(responses, Coded) else encode(responses)
    slots = len(GROUPS)
    slot = coded.cell * slots + coded.group
    size = coded.cells * slots
    n = np.bincount(slot, minlength=size)
    present = np.flatnonzero(n)
    count = n[present]
    return coded.cell_keys(present // slots).with_columns(
        pl.col("cell").set_sorted(),
        rater_group=pl.Series(GROUPS, dtype=pl.Enum(GROUPS)).gather(present % slots),
        n=pl.Series(count.astype(np.int64)),
        raw_mean=pl.Series(np.bincount(slot, coded.level, minlength=size)[present] / count),
        corrected_mean=pl.Series(
            np.bincount(slot, calibration.corrected, minlength=size)[present] / count
        ),
    )


def effective_weights(n: np.ndarray, weights: dict[str, float]) -> np.ndarray:
    """cell × group shares that sum to 1 over the weighted groups a cell has ratings from
    (0 everywhere when it has none). `n`: cell × group counts in `GROUPS` order."""
    wanted = np.array([weights.get(g, 0.0) if g in COUNTED else 0.0 for g in GROUPS])
    weight = (n > 0) * np.clip(wanted, 0.0, None)
    total = weight.sum(axis=1, keepdims=True)
    return np.divide(weight, total, out=np.zeros_like(weight, dtype=float), where=total > 0)


def view_coefficients(
    share: np.ndarray, n: np.ndarray, means: np.ndarray, sigma2: float
) -> np.ndarray:
    """cell × group coefficients of the headline on each group's calibrated mean.

    Each group's *view* of a cadre is estimated before the weights combine them: its mean,
    pulled toward the cell's pooled mean by λ_g = τ²/(τ² + σ²/n_g), where τ² is how much
    groups genuinely see a cadre differently (method of moments over every cell rated by
    two or more groups). Two superiors' mean then does not carry a third of the headline's
    noise when groups agree, and the weights still decide how much each view counts when
    they differ. `n` holds only the weighted groups' counts: a group the cycle weights at 0
    counts neither in its own right nor through the pool. Linear in the group means, so the
    release rule applies unchanged."""
    total = n.sum(axis=1, keepdims=True)
    pooled = np.divide(
        (n * means).sum(axis=1, keepdims=True),
        total,
        out=np.zeros_like(total, dtype=float),
        where=total > 0,
    )
    groups = (n > 0).sum(axis=1)
    several = groups >= 2
    spread = (n * (means - pooled) ** 2).sum(axis=1)[several].sum()
    expected_noise = sigma2 * (groups[several] - 1).sum()
    effective = (total[several, 0] - (n[several] ** 2).sum(axis=1) / total[several, 0]).sum()
    tau2 = max(spread - expected_noise, 0.0) / effective if effective > 0 else 0.0
    keep = np.divide(tau2, tau2 + np.divide(sigma2, n, out=np.full(n.shape, np.inf), where=n > 0))
    keep = np.where(n > 0, keep, 0.0)
    toward_pool = (share * (1 - keep)).sum(axis=1, keepdims=True)
    return share * keep + toward_pool * np.divide(
        n, total, out=np.zeros_like(n, dtype=float), where=total > 0
    )


def combine(groups: pl.DataFrame, weights: dict[str, float], sigma: float) -> pl.DataFrame:
    """One row per cell with counted ratings: cell, ratee_id, competency, n (counted
    ratings), raw_mean (pooled), corrected (the weighted headline, null when no weighted
    group rated), variance (its sampling variance), missing_groups (weighted groups without
    ratings), redistributed, `w_<group>` shares (the weights as set, redistributed over the
    groups present) and `c_<group>` coefficients (each group mean's part in the headline)."""
    groups = groups.sort("cell")  # free when already sorted, as group_scores returns it
    wide = widen(groups)
    n = wide.matrix(groups["n"].to_numpy(), 0)
    counted = np.array([g in COUNTED for g in GROUPS])
    n_counted = np.where(counted, n, 0)
    share = effective_weights(n, weights)
    corrected = wide.matrix(groups["corrected_mean"].to_numpy(), 0.0)
    raw = wide.matrix(groups["raw_mean"].to_numpy(), 0.0)
    total = n_counted.sum(axis=1)
    weighted = share.sum(axis=1) > 0
    weighted_n = np.where(share > 0, n_counted, 0)  # a group weighted 0 does not count at all
    coefficient = view_coefficients(share, weighted_n, corrected, sigma**2)
    headline = (coefficient * corrected).sum(axis=1)
    variance = sigma**2 * np.divide(
        coefficient**2, n, out=np.zeros_like(coefficient), where=n > 0
    ).sum(axis=1)
    pooled = np.divide(
        (n_counted * raw).sum(axis=1), total, out=np.zeros(len(total)), where=total > 0
    )
    wanted = [g for g in GROUPS if g in COUNTED and weights.get(g, 0.0) > 0]
    absent = (n == 0)[:, [GROUPS.index(g) for g in wanted]]
    bits = (absent << np.arange(len(wanted))).sum(axis=1) if wanted else np.zeros(len(n), int)
    patterns = [
        [g for i, g in enumerate(wanted) if pattern >> i & 1] for pattern in range(2 ** len(wanted))
    ]
    keep = total > 0
    first = wide.first[keep]
    return (
        groups[first]
        .select("cell", "ratee_id", "competency")
        .with_columns(
            *[pl.Series(f"w_{g}", share[keep, GROUPS.index(g)]) for g in wanted],
            *[pl.Series(f"c_{g}", coefficient[keep, GROUPS.index(g)]) for g in COUNTED],
            n=pl.Series(total[keep].astype(np.int64)),
            raw_mean=pl.Series(pooled[keep]),
            corrected=pl.Series(np.where(weighted, headline, np.nan)[keep], nan_to_null=True),
            variance=pl.Series(np.where(weighted, variance, np.nan)[keep], nan_to_null=True),
            missing_groups=pl.Series(patterns, dtype=pl.List(pl.String)).gather(bits[keep]),
            redistributed=pl.Series((bits > 0)[keep] & weighted[keep]),
        )
    )
