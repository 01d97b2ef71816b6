"""Large plans in seconds: a Lagrangian bound and a repaired plan, with the gap between them.

The exact programme (`optimiser.solve`) needs its LP relaxation alone for 16 s at 10,000
cadres × 300 sessions. Here the constraints that couple cadres — seats, the town's share away
on one day, the budget — move into the objective with a price each (multipliers λ ≥ 0):

    L(λ) = max Σ (value − λ_seat − λ_town·1 − λ_budget·cost) · x  + Σ λ · limit
           over x with each cadre's own load ≤ k (overlaps relaxed too)

which splits into one tiny problem per cadre — take its k best pairs with positive reduced
value — solved for every cadre at once on a dense cadres × candidates array. L(λ) ≥ the
optimum for every λ ≥ 0, so the smallest L seen is a proven upper bound. Prices follow the
subgradient (over-used seats get dearer) with Polyak steps. Every few rounds a plan that keeps
*every* constraint (overlaps included) is built greedily in the order of the current reduced
values; the best plan's shortfall from the bound is the stated gap. The seat prices at the best
bound are the shadow prices the office sees (which session most needs another run).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from training.planning.feasible import PairArrays, fill, pair_arrays
from training.planning.optimiser import Infeasible, Plan, Problem, candidate_pairs, constraints
from training.planning.optimiser import diagnose as diagnose_pins

TARGET_GAP = 0.01
TIME_LIMIT_S = 4.0
REPAIR_EVERY = 10  # rounds between plans built greedily from the current prices
STEP = 1.0  # Polyak step scale at the start
PATIENCE = 10  # rounds without a better bound before the step halves

OPTIMAL_GAP = 1e-4  # the relative gap HiGHS calls optimal


@dataclass(frozen=True)
class Progress:
    """Reported after each round: what is proven so far."""

    round: int
    bound: float  # no plan can do better than this
    best: float  # the best plan found that keeps every constraint
    elapsed: float

    @property
    def gap(self) -> float:
        return (self.bound - self.best) / self.bound if self.bound > 0 else 0.0


class Cancelled(Exception):
    """The office cancelled the run."""


def _subproblem(a: PairArrays, reduced: np.ndarray, k: int) -> np.ndarray:
    """Each cadre's k best pairs by reduced value, pinned pairs always, never a negative one."""
    key = np.where(a.pinned, np.inf, reduced)
    if a.width > k:
        dense = np.full((int(a.cadre.max()) + 1, a.width), -np.inf)
        dense[a.cadre, a.slot] = key
        top = np.argpartition(-dense, k - 1, axis=1)[:, :k]
        kept = np.zeros(dense.shape, dtype=bool)
        np.put_along_axis(kept, top, True, axis=1)
        chosen = kept[a.cadre, a.slot]
    else:
        chosen = np.ones(len(reduced), dtype=bool)
    return chosen & (a.pinned | (reduced > 0))


def _repair(a: PairArrays, reduced: np.ndarray, k: int, budget: float) -> tuple[float, np.ndarray]:
    """A plan keeping every constraint, pairs taken pinned first, then by reduced value."""
    order = np.lexsort((np.arange(len(reduced)), -reduced, ~a.pinned))
    plan = fill(a, order, k, budget)
    return float(a.value[plan].sum()), plan


def solve_within_gap(
    problem: Problem,
    target_gap: float = TARGET_GAP,
    time_limit: float = TIME_LIMIT_S,
    on_progress: Callable[[Progress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    max_rounds: int = 2_000,
) -> Plan:
    """A plan proven within `target_gap` of the optimum, or the best found in `time_limit`
    (its gap stated either way). Raises Infeasible when the pins break a constraint and
    Cancelled when `cancelled()` turns true."""
    started = time.perf_counter()
    pairs = candidate_pairs(problem)
    if pairs.is_empty():
        return Plan(
            pairs.select("cadre_id", "session_id", "value", "cost", "pinned"), 0.0, 0.0, "optimal"
        )
    if problem.pinned:  # only pins can make the programme infeasible (`optimiser.diagnose`)
        reasons = diagnose_pins(problem, pairs, constraints(problem, pairs))
        if reasons:
            raise Infeasible(reasons)
    a = pair_arrays(problem, pairs)
    k = problem.per_cadre
    budget = problem.budget
    # the budget row is scaled to unit costs so its price moves at the pace of the others
    scale = (float(a.cost.mean()) or 1.0) if math.isfinite(budget) else 1.0
    unit_cost = a.cost / scale
    unit_budget = budget / scale if math.isfinite(budget) else math.inf
    seat_price = np.zeros(len(a.capacity))
    town_price = np.zeros(len(a.town_limit))
    budget_price = 0.0
    best_bound, best_value = math.inf, -math.inf
    best_plan = np.zeros(len(a.value), dtype=bool)
    best_seat_price = seat_price
    step_scale, since_better = STEP, 0
    for round_ in range(1, max_rounds + 1):
        if cancelled is not None and cancelled():
            raise Cancelled
        reduced = a.value - seat_price[a.seat] - budget_price * unit_cost
        if len(a.town):
            reduced = reduced - town_price[a.town]
        chosen = _subproblem(a, reduced, k)
        seat_use = np.bincount(a.seat[chosen], minlength=len(a.capacity))
        town_use = np.bincount(a.town[chosen], minlength=len(a.town_limit)) if len(a.town) else 0
        spent = float(unit_cost[chosen].sum())
        bound = float(reduced[chosen].sum() + seat_price @ a.capacity)
        if len(a.town):
            bound += float(town_price @ a.town_limit)
        if math.isfinite(unit_budget):
            bound += budget_price * unit_budget
        if bound < best_bound - 1e-9:
            best_bound, best_seat_price, since_better = bound, seat_price.copy(), 0
        else:
            since_better += 1
            if since_better >= PATIENCE:
                step_scale, since_better = step_scale / 2, 0
        if round_ == 1 or round_ % REPAIR_EVERY == 0:
            value, plan = _repair(a, reduced, k, budget)
            if value > best_value:
                best_value, best_plan = value, plan
        report = Progress(round_, best_bound, best_value, time.perf_counter() - started)
        if on_progress is not None:
            on_progress(report)
        if report.gap <= target_gap or report.elapsed >= time_limit or step_scale < 1e-4:
            break
        seat_grad = seat_use - a.capacity
        seat_grad[(seat_price <= 0) & (seat_grad < 0)] = 0
        town_grad = town_use - a.town_limit
        if len(a.town):
            town_grad[(town_price <= 0) & (town_grad < 0)] = 0
        budget_grad = spent - unit_budget if math.isfinite(unit_budget) else 0.0
        if budget_price <= 0 and budget_grad < 0:
            budget_grad = 0.0
        norm = float(seat_grad @ seat_grad + np.sum(np.square(town_grad)) + budget_grad**2)
        if norm == 0:  # the relaxed choice keeps every coupling constraint: it is optimal
            break
        step = step_scale * (bound - max(best_value, 0.0)) / norm
        seat_price = np.maximum(0.0, seat_price + step * seat_grad)
        if len(a.town):
            town_price = np.maximum(0.0, town_price + step * town_grad)
        budget_price = max(0.0, budget_price + step * budget_grad)
    value, plan = _repair(a, reduced, k, budget)
    if value > best_value:
        best_value, best_plan = value, plan
    assignments = pairs.filter(pl.Series(best_plan)).select(
        "cadre_id", "session_id", "value", "cost", "pinned"
    )
    gap = max(0.0, (best_bound - best_value) / best_bound) if best_bound > 0 else 0.0
    sessions = np.unique(pairs["session_id"].to_numpy())
    return Plan(
        assignments=assignments,
        objective=best_value,
        cost=float(assignments["cost"].sum()),
        # a plan that meets its proven bound (HiGHS' optimality tolerance) is optimal
        status="optimal" if gap <= OPTIMAL_GAP else "within_gap",
        message=f"上界 {best_bound:.4f}",
        gap=gap,
        seat_prices=pl.DataFrame({"session_id": sessions, "price": best_seat_price}).sort(
            "price", descending=True
        ),
        bound=best_bound,
    )
