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
  scale; raw means stay beside calibrated ones. "Normal distribution" reporting means
  percentiles on this calibrated scale, never forcing raw scores into a curve.
* The rating graph (raters ↔ cadres) must be connected for one common scale; `components`
  reports its pieces (1 when connected).
* Fit: infit and outfit mean squares per rater (expected 1.0; outside 0.5–1.5 flagged).
  Outfit is the mean squared standardised residual; infit weights residuals by their model
  variance, which is smaller near the ends of a bounded scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import LinearOperator, cg

RIDGE = 3.0
MAX_PASSES = 500
CG_TOLERANCE = 1e-8
Z90 = 1.6448536269514722
FIXED_GROUPS = ("resident",)
EXCLUDED_GROUPS = ("self",)
FIT_RANGE = (0.5, 1.5)


@dataclass(frozen=True)
class Calibration:
    scores: pl.DataFrame  # ratee_id, competency, raw_mean, score, score_100, lo, hi, n
    raters: pl.DataFrame  # rater_id, severity, n, infit, outfit, misfit
    mu: float
    sigma: float
    components: int


def calibrate(responses: pl.DataFrame) -> Calibration:
    """`responses`: ratee_id, rater_id, rater_group, competency, level (null: cannot observe)."""
    data = responses.filter(
        pl.col("level").is_not_null() & ~pl.col("rater_group").is_in(EXCLUDED_GROUPS)
    ).with_columns(
        cell=(  # dense code of (ratee, competency) from integer ranks: much faster than a struct rank
            pl.col("ratee_id").rank("dense").cast(pl.Int64) * 1024
            + pl.col("competency").rank("dense").cast(pl.Int64)
        )
        .rank("dense")
        .cast(pl.Int64)
        - 1,
        fixed=pl.col("rater_group").is_in(FIXED_GROUPS) | pl.col("rater_id").is_null(),
    )
    if data.is_empty():
        raise ValueError("no ratings to calibrate")
    data = data.with_columns(  # dense codes over the estimated raters only
        rater_code=pl.when(~pl.col("fixed"))
        .then(pl.col("rater_id"))
        .otherwise(None)
        .rank("dense")
        .cast(pl.Int64)
        - 1
    )
    y = data["level"].to_numpy().astype(float)
    cell = data["cell"].to_numpy()
    estimated = ~data["fixed"].to_numpy()
    rater = np.where(estimated, data["rater_code"].fill_null(0).to_numpy(), 0)
    cells = int(cell.max()) + 1
    raters = int(rater[estimated].max()) + 1 if estimated.any() else 0

    mu, a, r = _fit(y, cell, rater, estimated, cells, raters)
    effect = np.where(estimated, r[rater] if raters else 0.0, 0.0)
    fitted = mu + a[cell] + effect
    residual = y - fitted
    dof = max(len(y) - cells - raters, 1)
    sigma2 = max(float((residual**2).sum() / dof), 1e-6)

    scores = _shrink(data, mu + a, cells, cell, y, sigma2)
    rater_table = _rater_fit(data, estimated, rater, raters, r, residual, fitted, sigma2)
    return Calibration(
        scores=scores,
        raters=rater_table,
        mu=float(mu),
        sigma=float(np.sqrt(sigma2)),
        components=_components(data),
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
    P removing cell means and S mapping ratings to raters (one-off ratings to nothing), the
    rater effects solve (SᵀPS + λI) r = SᵀP(y − μ), a symmetric positive definite system.
    Conjugate gradients needs a few dozen products with that matrix, each two `bincount`s
    over the ratings. Effects are then expressed relative to the rating-weighted average
    rater; the shift goes into the abilities, so fitted values do not change."""
    mu = float(y.mean())
    centred = y - mu
    slot = np.where(estimated, rater, raters)  # `raters`: a sentinel slot for one-off ratings
    n_cell = np.bincount(cell, minlength=cells).astype(float)

    def remove_cell_means(values: np.ndarray) -> np.ndarray:
        return values - (np.bincount(cell, values, minlength=cells) / n_cell)[cell]

    def to_raters(values: np.ndarray) -> np.ndarray:
        return np.bincount(slot, values, minlength=raters + 1)[:raters]

    if raters:
        n_slot = to_raters(np.ones_like(y))

        def product(r: np.ndarray) -> np.ndarray:
            return to_raters(remove_cell_means(np.append(r, 0.0)[slot])) + RIDGE * r

        system = LinearOperator((raters, raters), matvec=product, dtype=float)
        preconditioner = LinearOperator(
            (raters, raters), matvec=lambda v: v / (n_slot + RIDGE), dtype=float
        )
        r, _ = cg(
            system,
            to_raters(remove_cell_means(centred)),
            rtol=CG_TOLERANCE,
            maxiter=MAX_PASSES,
            M=preconditioner,
        )
        r = r - (r * n_slot).sum() / n_slot.sum()
    else:
        r = np.zeros(0)
    a = np.bincount(cell, centred - np.append(r, 0.0)[slot], minlength=cells) / n_cell
    return mu, a, r


def _shrink(
    data: pl.DataFrame,
    a_hat: np.ndarray,
    cells: int,
    cell: np.ndarray,
    y: np.ndarray,
    sigma2: float,
) -> pl.DataFrame:
    n = np.bincount(cell, minlength=cells).astype(float)
    raw = np.bincount(cell, y, minlength=cells) / n
    keys = data.select("cell", "ratee_id", "competency").unique("cell").sort("cell")
    table = keys.with_columns(
        a_hat=pl.Series(a_hat),
        n=pl.Series(n),
        raw_mean=pl.Series(raw),
        sampling_var=pl.Series(sigma2 / n),
    )
    norms = table.group_by("competency").agg(
        norm=(pl.col("a_hat") * pl.col("n")).sum() / pl.col("n").sum(),
        tau2=(pl.col("a_hat").var(ddof=1).fill_null(0.0) - pl.col("sampling_var").mean()).clip(
            lower_bound=1e-4
        ),
    )
    shrink = pl.col("tau2") / (pl.col("tau2") + pl.col("sampling_var"))
    posterior = pl.col("norm") + shrink * (pl.col("a_hat") - pl.col("norm"))
    sd = (shrink * pl.col("sampling_var")).sqrt()
    return (
        table.join(norms, on="competency")
        .with_columns(
            score=posterior.clip(1, 5),
            lo=(posterior - Z90 * sd).clip(1, 5),
            hi=(posterior + Z90 * sd).clip(1, 5),
        )
        .with_columns(score_100=((pl.col("score") - 1) * 25).round(1))
        .select(
            "ratee_id",
            "competency",
            "raw_mean",
            "score",
            "score_100",
            "lo",
            "hi",
            pl.col("n").cast(pl.Int64),
        )
        .sort("ratee_id", "competency")
    )


def _rater_fit(
    data: pl.DataFrame,
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
    variance = sigma2 * room / room.mean()  # less room to err near the ends of the scale
    codes = rater[estimated]
    n = np.bincount(codes, minlength=raters)
    outfit = np.bincount(codes, (residual**2 / variance)[estimated], minlength=raters) / n
    infit = np.bincount(codes, (residual**2)[estimated], minlength=raters) / np.bincount(
        codes, variance[estimated], minlength=raters
    )
    ids = (
        data.filter(~pl.col("fixed"))
        .select("rater_code", "rater_id")
        .unique("rater_code")
        .sort("rater_code")
    )
    return ids.select(
        pl.col("rater_id").cast(pl.Int64),
        severity=pl.Series(-r),
        n=pl.Series(n.astype(np.int64)),
        infit=pl.Series(infit),
        outfit=pl.Series(outfit),
    ).with_columns(
        misfit=~pl.col("infit").is_between(*FIT_RANGE) | ~pl.col("outfit").is_between(*FIT_RANGE)
    )


def _components(data: pl.DataFrame) -> int:
    """Pieces of the graph linking raters and the cadres they rated. All one-off raters share
    one anchor node: their effect is fixed at 0 everywhere, which ties the scales together."""
    ratees = data["ratee_id"].unique().sort()
    links = data.select(
        pl.when(pl.col("fixed")).then(-1).otherwise(pl.col("rater_code")).alias("rater_code"),
        "ratee_id",
    ).unique()
    ratee_code = (
        links["ratee_id"].replace_strict(ratees.to_list(), list(range(ratees.len()))).to_numpy()
    )
    rater_code = links["rater_code"].to_numpy() + 1  # 0 is the shared anchor of one-off raters
    offset = int(rater_code.max()) + 1
    size = offset + ratees.len()
    graph = coo_array((np.ones(len(links)), (rater_code, offset + ratee_code)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    used = np.concatenate([np.unique(rater_code), offset + np.arange(ratees.len())])
    return int(np.unique(labels[used]).size)
