"""Calibration (正态分布校准): scores corrected for rater severity on a common scale.

Model, fitted on a whole cycle:  level = μ + a[ratee, competency] + r[rater] + ε,
ε ~ N(0, σ²), levels 1–5 treated as interval data.

* Fitting: least squares with a ridge of RIDGE pseudo-ratings at 0 on rater effects (a
  rater with few ratings is shrunk toward the average rater), solved exactly by eliminating
  the abilities and running conjugate gradients on the rater effects (see `_fit`); all
  over dense integer codes with numpy `bincount`. Rater effects are reported relative to the
  rating-weighted average rater.
* Severity = −r: positive means the rater scores below what the model expects (strict).
* One-off raters — residents, and any rating without a rater id — get no effect of their own
  (fixed at 0): one answer cannot separate a resident's leniency from the cadre's ability,
  and the group's overall leniency is what the cycle's rater-group weights are for.
  Self-assessments are left out: they are shown beside the calibrated score, for gaps only.
* Shrinkage (Kelley's empirical Bayes): within each competency the severity-corrected
  means â are pulled toward the competency norm m by B = τ²/(τ² + σ²/n), where τ² is the
  between-cadre variance (method of moments) and n the cadre's ratings. Thin evidence
  therefore cannot produce an extreme score. Interval: posterior ± 1.645·√(B·σ²/n) (90%),
  which ignores the uncertainty in μ, the norms and the rater effects — slightly narrow
  when raters are few.
* Reporting: 1–5 anchor scale and 0–100 (`score_100 = 25·(score − 1)`), clipped to the
  scale; raw means stay beside calibrated ones. `corrected` is the severity-corrected mean
  before shrinkage (μ + â): the right input for comparing groups (training effects), since
  shrinkage toward the norm would attenuate any difference. "Normal distribution" reporting means
  percentiles on this calibrated scale, never forcing raw scores into a curve.
* The rating graph (raters ↔ cadres) must be connected for one common scale; `components`
  reports its pieces (1 when connected).
* Fit: infit and outfit mean squares per rater (expected 1.0; outside 0.5–1.5 flagged).
  Outfit is the mean squared standardised residual; infit weights residuals by their model
  variance, which is smaller near the ends of a bounded scale.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.sparse import coo_array, csr_array
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import LinearOperator, cg

from evaluation.analytics.coding import GROUPS, Coded, encode

RIDGE = 3.0
MAX_PASSES = 500
CG_TOLERANCE = 1e-7
Z90 = 1.6448536269514722
FIXED_GROUPS = ("resident",)
EXCLUDED_GROUPS = ("self",)
FIT_RANGE = (0.5, 1.5)


@dataclass(frozen=True)
class Calibration:
    scores: (
        pl.DataFrame
    )  # cell, ratee_id, competency, raw_mean, corrected, score, score_100, lo, hi, n
    raters: pl.DataFrame  # rater_id, severity, n, infit, outfit, misfit
    mu: float
    sigma: float
    components: int
    severity_by_code: np.ndarray  # severity by the coding's rater code (0 when not estimated)


def calibrate(responses: pl.DataFrame | Coded) -> Calibration:
    """`responses`: ratee_id, rater_id, rater_group, competency, level (null: cannot observe),
    or the same already encoded by `evaluation.analytics.coding.encode`."""
    coded = responses if isinstance(responses, Coded) else encode(responses)
    used = ~np.isin(coded.group, [GROUPS.index(g) for g in EXCLUDED_GROUPS])
    if not used.any():
        raise ValueError("no ratings to calibrate")
    y = coded.level[used]
    cell = coded.cell[used]
    rater_code = coded.rater[used]
    estimated = (rater_code >= 0) & ~np.isin(
        coded.group[used], [GROUPS.index(g) for g in FIXED_GROUPS]
    )
    # compact codes over the estimated raters only
    has_effect = np.bincount(rater_code[estimated], minlength=len(coded.rater_ids)) > 0
    compact = np.cumsum(has_effect) - 1
    rater = np.where(estimated, compact[np.clip(rater_code, 0, None)], 0)
    raters = int(has_effect.sum())
    cells = coded.cells

    with ThreadPoolExecutor(max_workers=1) as pool:  # the graph check beside the fit
        components = pool.submit(_components, cell // coded.k, rater, estimated, raters)
        mu, a, r = _fit(y, cell, rater, estimated, cells, raters)
    effect = np.where(estimated, r[rater] if raters else 0.0, 0.0)
    fitted = mu + a[cell] + effect
    residual = y - fitted
    n_cell = np.bincount(cell, minlength=cells)
    present = np.flatnonzero(n_cell)
    dof = max(len(y) - len(present) - raters, 1)
    sigma2 = max(float((residual**2).sum() / dof), 1e-6)

    severity_by_code = np.zeros(len(coded.rater_ids))
    severity_by_code[has_effect] = -r
    return Calibration(
        scores=_shrink(coded, present, mu + a[present], n_cell[present], cell, y, sigma2),
        raters=_rater_fit(
            coded.rater_ids[has_effect], estimated, rater, raters, r, residual, fitted, sigma2
        ),
        mu=float(mu),
        sigma=float(np.sqrt(sigma2)),
        components=components.result(),
        severity_by_code=severity_by_code,
    )


def _fit(
    y: np.ndarray,
    cell: np.ndarray,
    rater: np.ndarray,
    estimated: np.ndarray,
    cells: int,
    raters: int,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Least squares with a ridge on rater effects, solved exactly.

    For given rater effects r the abilities are cell means, so they can be eliminated: with
    D the cell counts, S mapping ratings to raters (one-off ratings to nothing) and
    B = SᵀC the rater × cell count matrix, the rater effects solve
    (diag(n_r) − B D⁻¹ Bᵀ + λI) r = Sᵀy − B D⁻¹ Cᵀy, a symmetric positive definite system.
    Conjugate gradients needs a few dozen products with that matrix, each two sparse
    products with B. Effects are then expressed relative to the rating-weighted average
    rater; the shift goes into the abilities, so fitted values do not change."""
    mu = float(y.mean())
    centred = y - mu
    n_cell = np.bincount(cell, minlength=cells).astype(float)
    per_cell = 1 / np.maximum(n_cell, 1)
    cell_sums = np.bincount(cell, centred, minlength=cells)
    if raters:
        by, at = rater[estimated], cell[estimated]
        b = csr_array((np.ones(len(by)), (by, at)), shape=(raters, cells))
        b_t = b.T.tocsr()
        n_rater = np.bincount(by, minlength=raters).astype(float)

        def product(r: np.ndarray) -> np.ndarray:
            return (n_rater + RIDGE) * r - b @ ((b_t @ r) * per_cell)

        system = LinearOperator((raters, raters), matvec=product, dtype=float)
        preconditioner = LinearOperator(
            (raters, raters), matvec=lambda v: v / (n_rater + RIDGE), dtype=float
        )
        rhs = np.bincount(by, centred[estimated], minlength=raters) - b @ (cell_sums * per_cell)
        r, _ = cg(system, rhs, rtol=CG_TOLERANCE, maxiter=MAX_PASSES, M=preconditioner)
        r = r - (r * n_rater).sum() / n_rater.sum()
        a = (cell_sums - b_t @ r) * per_cell
    else:
        r = np.zeros(0)
        a = cell_sums * per_cell
    return mu, a, r


def _shrink(
    coded: Coded,
    present: np.ndarray,
    a_hat: np.ndarray,
    n: np.ndarray,
    cell: np.ndarray,
    y: np.ndarray,
    sigma2: float,
) -> pl.DataFrame:
    """One row per rated cell, in (ratee_id, competency) order (the order of the codes)."""
    raw = np.bincount(cell, y, minlength=coded.cells)[present] / n
    sampling_var = sigma2 / n
    # per-competency norm (rating-weighted) and between-cadre variance, by bincount
    competency = present % coded.k
    cadres = np.bincount(competency, minlength=coded.k).astype(float)
    norm = np.bincount(competency, a_hat * n, minlength=coded.k) / np.maximum(
        np.bincount(competency, n, minlength=coded.k), 1
    )
    mean = np.bincount(competency, a_hat, minlength=coded.k) / np.maximum(cadres, 1)
    spread = np.bincount(competency, (a_hat - mean[competency]) ** 2, minlength=coded.k)
    variance = np.where(cadres > 1, spread / np.maximum(cadres - 1, 1), 0.0)
    noise = np.bincount(competency, sampling_var, minlength=coded.k) / np.maximum(cadres, 1)
    tau2 = np.clip(variance - noise, 1e-4, None)
    table = coded.cell_keys(present).with_columns(
        pl.col("cell").set_sorted(),
        a_hat=pl.Series(a_hat),
        n=pl.Series(n.astype(float)),
        raw_mean=pl.Series(raw),
        sampling_var=pl.Series(sampling_var),
        norm=pl.Series(norm[competency]),
        tau2=pl.Series(tau2[competency]),
    )
    shrink = pl.col("tau2") / (pl.col("tau2") + pl.col("sampling_var"))
    posterior = pl.col("norm") + shrink * (pl.col("a_hat") - pl.col("norm"))
    sd = (shrink * pl.col("sampling_var")).sqrt()
    return (
        table.with_columns(
            score=posterior.clip(1, 5),
            lo=(posterior - Z90 * sd).clip(1, 5),
            hi=(posterior + Z90 * sd).clip(1, 5),
        )
        .with_columns(
            score_100=((pl.col("score") - 1) * 25).round(1),
            corrected=pl.col("a_hat").clip(1, 5),
        )
        .select(
            "cell",
            "ratee_id",
            "competency",
            "raw_mean",
            "corrected",
            "score",
            "score_100",
            "lo",
            "hi",
            pl.col("n").cast(pl.Int64),
        )
    )


def _rater_fit(
    rater_ids: np.ndarray,
    estimated: np.ndarray,
    rater: np.ndarray,
    raters: int,
    r: np.ndarray,
    residual: np.ndarray,
    fitted: np.ndarray,
    sigma2: float,
) -> pl.DataFrame:
    schema = {
        "rater_id": pl.Int64,
        "severity": pl.Float64,
        "n": pl.Int64,
        "infit": pl.Float64,
        "outfit": pl.Float64,
        "misfit": pl.Boolean,
    }
    if not raters:
        return pl.DataFrame(schema=schema)
    room = np.clip((fitted - 1) * (5 - fitted), 0.25, None)
    variance = room * (sigma2 / room.mean())  # less room to err near the ends of the scale
    slot = np.where(estimated, rater, raters)  # one-off ratings fall into a dropped last slot

    def per_rater(values: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(slot, values, minlength=raters + 1)[:raters]

    squared = residual * residual
    n = per_rater()
    outfit = per_rater(squared / variance) / n
    infit = per_rater(squared) / per_rater(variance)
    return pl.DataFrame(
        {
            "rater_id": rater_ids.astype(np.int64),
            "severity": -r,
            "n": n.astype(np.int64),
            "infit": infit,
            "outfit": outfit,
        }
    ).with_columns(
        misfit=~pl.col("infit").is_between(*FIT_RANGE) | ~pl.col("outfit").is_between(*FIT_RANGE)
    )


def _components(ratee: np.ndarray, rater: np.ndarray, estimated: np.ndarray, raters: int) -> int:
    """Pieces of the graph linking raters and the cadres they rated. All one-off raters share
    one anchor node: their effect is fixed at 0 everywhere, which ties the scales together."""
    rater_node = np.where(estimated, rater + 1, 0)  # 0 is the shared anchor of one-off raters
    ratees = int(ratee.max()) + 1
    size = raters + 1 + ratees
    graph = coo_array((np.ones(len(ratee)), (rater_node, raters + 1 + ratee)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    used = np.zeros(size, dtype=bool)
    used[rater_node] = True
    used[raters + 1 + ratee] = True
    return int(np.unique(labels[used]).size)
