"""How a cadre's competency errors move together, so the overall's interval covers.

A competency score's error has two parts (`shrinkage`): the measurement error of its
calibrated mean, weighted by the reliability B, and the pull toward the norm, weighted by
1 − B. Summing the competencies' variances as if independent (as the overall once did)
states an overall SD near 0.07 where the real error is 0.12–0.14, because both parts are
shared across a cadre's competencies:

* **Halo.** One rater's errors on one cadre's form correlate across its items: an overall
  impression lifts or lowers every answer. The share ρ of a rating's error that its form
  shares is estimated from the cycle's own forms (the within-form correlation of each
  rating's leave-one-out residual in its cell and group).
* **General level.** A cadre good at one competency tends to be good at the others, so the
  pull toward each norm errs the same way on every competency. The shared share r̄ is the
  mean correlation of true levels between competencies (the between-cadre covariance of
  the calibrated means less their error covariance).

Each released cell carries the two common factors' loadings — `halo_loading` = B·√(ρ·V)
and `level_loading` = (1 − B)·√(r̄·τ²) — so the overall's variance is computable from the
released cells alone (the cadre's own view, a leader's restricted view and an appeal's
correction all recompute it). The loadings are functions of released figures and two
cycle-wide constants: they reveal nothing about any group's answers.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from evaluation.analytics.coding import Coded
from evaluation.groups import COUNTED


def form_correlation(coded: Coded, corrected: np.ndarray) -> float:
    """ρ: the correlation between two items' errors on the same form, from the counted
    groups' calibrated ratings (0 when no form has two items in cells rated twice)."""
    counted = coded.in_groups(COUNTED)
    key = coded.cell_group_keys(counted)
    y = corrected[counted].astype(float, copy=False)
    # the key is dense (cell × group): counted without sorting. The arrays below are as long
    # as the cycle, so each step works in place (a province's peak memory is set here).
    n = np.bincount(key)[key]
    residual = np.bincount(key, y)[key].astype(float, copy=False)  # (int when empty)
    del key
    several = n >= 2
    # the rating's distance from the others' mean in its cell and group: not pulled toward
    # itself, so it carries no negative bias from the rating's own weight in the mean:
    # y − (total − y) / max(n − 1, 1), 0 where the rating is alone
    residual -= y
    n -= 1
    np.maximum(n, 1, out=n)
    residual /= n
    del n
    np.subtract(y, residual, out=residual)
    del y
    residual[~several] = 0.0
    form = coded.form[counted]
    items = np.bincount(form, several.astype(float))
    sums = np.bincount(form, residual)
    residual *= residual
    squares = np.bincount(form, residual)
    pairs = (items * (items - 1)).sum()
    if pairs == 0 or squares.sum() == 0:
        return 0.0
    cross = (sums**2 - squares).sum() / pairs
    variance = squares.sum() / several.sum()
    return float(np.clip(cross / variance, 0.0, 1.0))


def level_correlation(cells: pl.DataFrame, rho: float) -> float:
    """r̄: the mean correlation between cadres' true levels on two competencies, from the
    released cells (ratee_id, competency, corrected, variance, tau2); 0 with fewer than two
    competencies or too few cadres to tell."""
    wide = cells.pivot(on="competency", index="ratee_id", values="corrected")
    names = [c for c in wide.columns if c != "ratee_id"]
    if len(names) < 2:
        return 0.0
    values = wide.select(names).to_numpy()
    noise = (
        cells.pivot(on="competency", index="ratee_id", values="variance").select(names).to_numpy()
    )
    tau2 = dict(cells.group_by("competency").agg(pl.col("tau2").first()).iter_rows())
    ratios = []
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            both = ~np.isnan(values[:, a]) & ~np.isnan(values[:, b])
            if both.sum() < 10:
                continue
            x, y = values[both, a], values[both, b]
            covariance = np.cov(x, y)[0, 1] - rho * np.sqrt(noise[both, a] * noise[both, b]).mean()
            ratios.append(covariance / np.sqrt(tau2[names[a]] * tau2[names[b]]))
    return float(np.clip(np.mean(ratios), 0.0, 1.0)) if ratios else 0.0


def loadings(rho: float, r_bar: float) -> list[pl.Expr]:
    """The two common-factor loadings of each released cell's error (see the module's
    docstring), from its reliability, variance and tau2."""
    b = pl.col("reliability")
    return [
        (b * (rho * pl.col("variance")).sqrt()).alias("halo_loading"),
        ((1 - b) * (r_bar * pl.col("tau2")).sqrt()).alias("level_loading"),
    ]


def overall_variance(share: pl.Expr) -> pl.Expr:
    """The variance of Σ share·error over a cadre's cells (an aggregation, inside a
    group_by on the cadre): each cell's own variance sd², plus the covariance the two
    common factors add between different cells. Cells without loadings (snapshots from
    before the loadings were stored) count as independent, as they were computed."""
    halo = pl.col("halo_loading").fill_null(0.0) * share
    level = pl.col("level_loading").fill_null(0.0) * share
    own = ((pl.col("sd") * share) ** 2).sum()
    return own + halo.sum() ** 2 - (halo**2).sum() + level.sum() ** 2 - (level**2).sum()
