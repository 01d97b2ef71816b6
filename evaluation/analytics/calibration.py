"""Calibration (正态分布校准): every rating put on one common scale before anything is combined.

Model, fitted on a whole cycle (self-assessments left out):

    level = μ + a[ratee, competency] + γ[rater group] + r[rater] + ε,   ε ~ N(0, σ²)

with levels 1–5 treated as interval data.

* γ is a rater group's overall leniency (residents kinder than colleagues, say); r is one
  rater's own severity around their group. Residents and other one-off raters (no rater id)
  have no r of their own: one answer cannot separate a resident's leniency from the cadre's
  level. r carries a ridge of RIDGE pseudo-ratings at 0, so a rater seen a few times is
  shrunk toward their group; γ carries none.
* Origin: every rating belongs to exactly one group, so shifting all γ by c and all a by −c
  changes no fitted value. The γ are fixed so that their combination with the cycle's
  rater-group weights is 0 — the scale is that of the cycle's weighted panel — and the shift
  goes into a. That is a pure change of origin: two cadres of the same level get the same
  corrected ratings whatever mix of groups rated them, even when one group is uniformly
  strict.
* Fitting: least squares, solved exactly by eliminating the abilities and running conjugate
  gradients on (r, γ) (see `_fit`), over dense integer codes with numpy `bincount`.
* Output per rating: the corrected level y − r − γ (self: y itself). Weighting, release
  and shrinkage (`weighting`, `release`, `shrinkage`) build the reported scores from these.
* Severity = −r: positive means the rater scores below what the model expects (strict).
* The rating graph (estimated raters ↔ cadres, one-off raters as one shared anchor) must be
  connected for one common scale; `component` labels each cadre's piece (0 = the anchored
  or largest one). A cadre elsewhere is compared with the rest only through the prior on
  rater severity, which `shrinkage` turns into a wider interval.
* Fit: infit and outfit mean squares per rater (expected 1.0; outside 0.5–1.5 flagged).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.sparse import coo_array, csr_array
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import LinearOperator, cg

from evaluation.analytics.coding import Coded, encode, in_groups
from evaluation.groups import GROUPS, RaterGroup

RIDGE = 3.0
GROUP_RIDGE = 1e-3  # only to make the (r, γ) system definite; the origin is set afterwards
MAX_PASSES = 500
CG_TOLERANCE = 1e-8
ONE_OFF_GROUPS = (RaterGroup.resident.value,)
SELF = GROUPS.index(RaterGroup.self.value)
FIT_RANGE = (0.5, 1.5)


@dataclass(frozen=True)
class Calibration:
    corrected: np.ndarray  # per coded rating: level − r − γ (self: the level as given)
    raters: pl.DataFrame  # rater_id, severity, n, infit, outfit, misfit
    group_effects: np.ndarray  # γ by GROUPS index (leniency; 0 for absent groups and self)
    mu: float
    sigma: float
    severity_spread: float  # SD of the estimated rater effects (for unlinked cadres)
    component: np.ndarray  # per ratee code: 0 = anchored piece of the rating graph
    component_raters: np.ndarray  # per component: estimated raters in it
    severity_by_code: np.ndarray  # severity by the coding's rater code (0 when not estimated)

    @property
    def components(self) -> int:
        return len(self.component_raters)


def calibrate(
    responses: pl.DataFrame | Coded, weights: dict[str, float] | None = None
) -> Calibration:
    """`responses`: ratee_id, rater_id, rater_group, competency, level (null: cannot observe),
    or the same already encoded. `weights`: the cycle's rater-group weights, which set the
    origin of the group effects (equal weights when None)."""
    coded = responses if isinstance(responses, Coded) else encode(responses)
    used = coded.group != SELF
    if not used.any():
        raise ValueError("no ratings to calibrate")
    y = coded.level[used]
    cell = coded.cell[used]
    group = coded.group[used]
    rater_code = coded.rater[used]
    estimated = (rater_code >= 0) & ~in_groups(group, ONE_OFF_GROUPS)
    has_effect = np.bincount(rater_code[estimated], minlength=len(coded.rater_ids)) > 0
    compact = np.cumsum(has_effect) - 1
    rater = (
        np.where(estimated, compact[np.clip(rater_code, 0, None)], -1)
        if len(compact)
        else np.full(len(y), -1)
    )
    raters = int(has_effect.sum())
    del rater_code, estimated

    # The rating graph needs one edge per form (a rater's answers on one cadre), not one per
    # rating: a form's items are adjacent, so the first row of each run of a form stands for it.
    form = coded.form[used]
    edge = np.flatnonzero(np.r_[True, form[1:] != form[:-1]]) if len(form) else form
    del form
    with ThreadPoolExecutor(max_workers=1) as pool:  # the graph check beside the fit
        pieces = pool.submit(
            _components, cell[edge] // coded.k, rater[edge], len(coded.ratee_ids), raters
        )
        mu, a, r, gamma = _fit(y, cell, rater, group, coded.cells, raters)
    present = np.bincount(group, minlength=len(GROUPS)) > 0
    share = np.array([(weights or {}).get(g, 0.0) if weights else 1.0 for g in GROUPS])
    share = np.where(present & (np.arange(len(GROUPS)) != SELF), share, 0.0)
    if share.sum() <= 0:
        share = np.where(present, 1.0, 0.0)
    origin = float((share * gamma).sum() / share.sum())
    gamma = np.where(present, gamma - origin, 0.0)
    a = a + origin
    effect = np.where(rater >= 0, r[np.clip(rater, 0, None)] if raters else 0.0, 0.0)
    fitted = a[cell]  # μ + a + γ + effect, in place (as long as the cycle)
    fitted += mu
    fitted += gamma[group]
    fitted += effect
    residual = y - fitted
    cells_rated = int((np.bincount(cell, minlength=coded.cells) > 0).sum())
    dof = max(len(y) - cells_rated - raters - int(present.sum()) + 1, 1)
    sigma2 = max(float((residual**2).sum() / dof), 1e-6)

    corrected = coded.level.astype(float).copy()
    shifted = gamma[group]  # y − γ − effect, in place
    np.subtract(y, shifted, out=shifted)
    shifted -= effect
    corrected[used] = shifted
    del shifted
    severity_by_code = np.zeros(len(coded.rater_ids))
    severity_by_code[has_effect] = -r
    component, component_raters = pieces.result()
    return Calibration(
        corrected=corrected,
        raters=_rater_fit(coded.rater_ids[has_effect], rater, raters, r, residual, fitted, sigma2),
        group_effects=gamma,
        mu=float(mu),
        sigma=float(np.sqrt(sigma2)),
        severity_spread=float(r.std()) if raters > 1 else 0.0,
        component=component,
        component_raters=component_raters,
        severity_by_code=severity_by_code,
    )


def _fit(
    y: np.ndarray,
    cell: np.ndarray,
    rater: np.ndarray,
    group: np.ndarray,
    cells: int,
    raters: int,
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Least squares with a ridge on rater effects, solved exactly.

    The nuisance effects θ = (r, γ) enter each rating through S (one rater column when the
    rater is estimated, one group column always). For given θ the abilities are cell means,
    so they can be eliminated: with D the cell counts and B = SᵀC the effect × cell count
    matrix, θ solves (SᵀS − B D⁻¹ Bᵀ + Λ) θ = Sᵀy − B D⁻¹ Cᵀy, a symmetric positive
    definite system (SᵀS: the counts on its diagonal, and rater × group counts off it);
    conjugate gradients needs a few dozen products with it."""
    mu = float(y.mean())
    centred = y - mu
    groups = len(GROUPS)
    n_cell = np.bincount(cell, minlength=cells).astype(float)
    per_cell = 1 / np.maximum(n_cell, 1)
    cell_sums = np.bincount(cell, centred, minlength=cells)
    has_rater = rater >= 0
    their_rater, their_group = rater[has_rater], group[has_rater]
    # B = SᵀC in two blocks. Raters × cells is sparse, stored cell-major (a cell has a few
    # raters, so building it sorts nothing long); groups × cells and raters × groups are
    # small enough to hold dense, and counting them is one bincount each.
    by_cell = csr_array(
        (np.ones(len(their_rater)), (cell[has_rater], their_rater)), shape=(cells, raters)
    )
    by_rater = by_cell.T
    group_cells = np.bincount(group * cells + cell, minlength=groups * cells).reshape(groups, -1)
    group_cells = group_cells.astype(float)
    both = np.bincount(their_rater * groups + their_group, minlength=raters * groups)
    both = both.reshape(raters, groups).astype(float)
    n_theta = np.concatenate(
        [np.bincount(their_rater, minlength=raters), np.bincount(group, minlength=groups)]
    ).astype(float)
    ridge = np.concatenate([np.full(raters, RIDGE), np.full(groups, GROUP_RIDGE)])
    diagonal = n_theta + ridge

    def to_cells(theta: np.ndarray) -> np.ndarray:  # Bᵀθ
        return by_cell @ theta[:raters] + theta[raters:] @ group_cells

    def to_effects(values: np.ndarray) -> np.ndarray:  # B·values
        return np.concatenate([by_rater @ values, group_cells @ values])

    def product(theta: np.ndarray) -> np.ndarray:
        # SᵀS is diagonal but for the rater × group counts: a rating touches both
        crossed = np.concatenate([both @ theta[raters:], theta[:raters] @ both])
        return diagonal * theta + crossed - to_effects(to_cells(theta) * per_cell)

    system = LinearOperator((size := raters + groups, size), matvec=product, dtype=float)
    preconditioner = LinearOperator((size, size), matvec=lambda v: v / diagonal, dtype=float)
    rhs = np.concatenate(
        [
            np.bincount(their_rater, centred[has_rater], minlength=raters),
            np.bincount(group, centred, minlength=groups),
        ]
    )
    rhs = rhs - to_effects(cell_sums * per_cell)
    theta, _ = cg(system, rhs, rtol=CG_TOLERANCE, maxiter=MAX_PASSES, M=preconditioner)
    a = (cell_sums - to_cells(theta)) * per_cell
    return mu, a, theta[:raters], theta[raters:]


def _rater_fit(
    rater_ids: np.ndarray,
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
    # (arrays as long as the cycle: built in place, one or two at a time)
    variance = fitted - 1
    variance *= 5 - fitted
    np.clip(variance, 0.25, None, out=variance)
    variance *= sigma2 / variance.mean()  # less room to err near the ends of the scale
    slot = np.where(rater >= 0, rater, raters)  # one-off ratings fall into a dropped last slot

    def per_rater(values: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(slot, values, minlength=raters + 1)[:raters]

    squared = residual * residual
    n = per_rater()
    infit = per_rater(squared) / per_rater(variance)
    outfit = per_rater(np.divide(squared, variance, out=variance)) / n
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


def _components(
    ratee: np.ndarray, rater: np.ndarray, ratees: int, raters: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pieces of the graph linking estimated raters and the cadres they rated. One-off
    raters share one anchor node (their effect is fixed at 0 everywhere, which ties the
    scales together). Returns each ratee's piece — 0 for the anchored piece, or the largest
    when nothing is anchored — and each piece's number of estimated raters."""
    rater_node = np.where(rater >= 0, rater + 1, 0)  # 0 is the shared anchor
    size = raters + 1 + ratees
    graph = coo_array((np.ones(len(ratee)), (rater_node, raters + 1 + ratee)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    cadre_labels = labels[raters + 1 :]
    anchored = (rater_node == 0).any()
    rated = np.bincount(ratee, minlength=ratees) > 0
    pieces, inverse = np.unique(cadre_labels[rated], return_inverse=True)
    sizes = np.bincount(inverse)
    main = (
        int(np.flatnonzero(pieces == labels[0])[0])
        if anchored and labels[0] in pieces
        else int(sizes.argmax())
    )
    order = np.r_[main, np.delete(np.arange(len(pieces)), main)]
    rank = np.empty(len(pieces), dtype=np.int64)
    rank[order] = np.arange(len(pieces))
    component = np.zeros(ratees, dtype=np.int64)
    component[rated] = rank[inverse]
    rater_piece = labels[1 : raters + 1]
    counts = np.array([int((rater_piece == pieces[p]).sum()) for p in order], dtype=np.int64)
    return component, counts
