"""Assigning cadres to training sessions, exactly, as a mixed-integer linear programme.

Variables: x[c, s] ∈ {0, 1} for every candidate pair — a cadre and a session whose targeted
competencies cover one of the cadre's weaknesses (value > 0), minus exclusions.

Maximise Σ value[c, s] · x[c, s]  (weighted gap coverage: severity × relevance)

subject to
* seats: Σ_c x[c, s] ≤ capacity[s]                        for every session
* load: Σ_s x[c, s] ≤ k                                    for every cadre
* no overlap: Σ x[c, s] ≤ 1 over the sessions running at any one moment, for every cadre
  (one constraint per session start — exact for intervals)
* budget: Σ cost[c, s] · x[c, s] ≤ budget                 (fees + travel)
* town continuity: for every town and day, Σ x[c, s] over the town's cadres and that day's
  sessions ≤ floor(share · cadres of the town) — a cadre at two sessions on one day counts
  twice, which errs on the side of keeping the town staffed
* pins: x[c, s] = 1 for pinned pairs; exclusions remove the variable.

Solved with HiGHS through `scipy.optimize.milp`, deterministic for a given input (pairs are
ordered by cadre and session). Without pins the empty plan is always feasible; with pins an
infeasible programme is diagnosed constraint by constraint and reported in words. Seat shadow
prices come from the LP relaxation with the MILP's pins: the objective gained per extra seat,
i.e. which session most needs another run. The greedy baseline takes pairs by value and keeps
what fits. (Capacity-only problems — seats and load alone — are a transportation problem; the
min-cost-flow cross-check in `tests/capacity_flow.py` confirms the MILP's optimum on them.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_array, vstack

MILP_TIME_LIMIT_S = 120.0


@dataclass(frozen=True)
class Problem:
    """pairs: cadre_id, session_id, value, cost (one row per candidate pair).
    sessions: session_id, capacity, day, start, end (minutes; end exclusive).
    cadres: cadre_id, town_id."""

    pairs: pl.DataFrame
    sessions: pl.DataFrame
    cadres: pl.DataFrame
    per_cadre: int = 2
    budget: float = math.inf
    town_share: float = 1.0
    pinned: frozenset[tuple[int, int]] = frozenset()
    excluded: frozenset[tuple[int, int]] = frozenset()


@dataclass(frozen=True)
class Plan:
    assignments: pl.DataFrame  # cadre_id, session_id, value, cost, pinned
    objective: float
    cost: float
    status: str  # optimal | time_limit | infeasible
    message: str = ""
    gap: float = 0.0  # relative MIP gap at stop (≤ 1e-4 when optimal: HiGHS' default)
    seat_prices: pl.DataFrame = field(default_factory=pl.DataFrame)  # session_id, price
    bound: float | None = None  # proven upper bound on the objective, when one was computed


class Infeasible(Exception):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("；".join(reasons))
        self.reasons = reasons


def candidate_pairs(problem: Problem) -> pl.DataFrame:
    pairs = problem.pairs.filter(pl.col("value") > 0)
    if problem.excluded:
        excluded = pl.DataFrame(
            list(problem.excluded),
            schema={"cadre_id": pl.Int64, "session_id": pl.Int64},
            orient="row",
        )
        pairs = pairs.join(excluded, on=["cadre_id", "session_id"], how="anti")
    pinned = (
        pl.DataFrame(
            list(problem.pinned),
            schema={"cadre_id": pl.Int64, "session_id": pl.Int64},
            orient="row",
        )
        if problem.pinned
        else pl.DataFrame(schema={"cadre_id": pl.Int64, "session_id": pl.Int64})
    )
    missing = pinned.join(pairs, on=["cadre_id", "session_id"], how="anti")
    if missing.height:  # a pinned pair with no weakness to cover still goes in, at value 0
        missing = missing.join(
            problem.pairs.select("cadre_id", "session_id", "cost"),
            on=["cadre_id", "session_id"],
            how="left",
        ).with_columns(value=pl.lit(0.0), cost=pl.col("cost").fill_null(0.0))
        pairs = pl.concat([pairs, missing.select(pairs.columns)], how="vertical_relaxed")
    return (
        pairs.join(
            pinned.with_columns(pinned=pl.lit(True)), on=["cadre_id", "session_id"], how="left"
        )
        .with_columns(pl.col("pinned").fill_null(False))
        .join(problem.sessions, on="session_id")
        .join(problem.cadres.select("cadre_id", "town_id"), on="cadre_id")
        .sort("cadre_id", "session_id")
        .with_row_index("var")
    )


def _rows(keys: np.ndarray, variables: np.ndarray, n: int) -> tuple[csr_array, np.ndarray]:
    """One constraint row per distinct key, summing the given variables."""
    unique, row = np.unique(keys, return_inverse=True, axis=0)
    matrix = csr_array((np.ones(len(variables)), (row, variables)), shape=(len(unique), n))
    return matrix, unique


def constraints(
    problem: Problem, pairs: pl.DataFrame
) -> list[tuple[str, csr_array, np.ndarray, np.ndarray]]:
    """(family, A, keys, upper bounds) for every constraint family."""
    n = pairs.height
    var = pairs["var"].to_numpy()
    families = []
    seats, seat_keys = _rows(pairs["session_id"].to_numpy(), var, n)
    capacity = dict(problem.sessions.select("session_id", "capacity").iter_rows())
    families.append(
        ("seats", seats, seat_keys, np.array([capacity[k] for k in seat_keys], dtype=float))
    )
    load, cadre_keys = _rows(pairs["cadre_id"].to_numpy(), var, n)
    families.append(("load", load, cadre_keys, np.full(len(cadre_keys), float(problem.per_cadre))))
    # overlap: for each cadre and each session start, the cadre's sessions running then
    starts = pairs.select("cadre_id", moment=pl.col("day") * 1440 + pl.col("start")).unique()
    running = (
        pairs.join(starts, on="cadre_id")
        .filter(
            (pl.col("moment") >= pl.col("day") * 1440 + pl.col("start"))
            & (pl.col("moment") < pl.col("day") * 1440 + pl.col("end"))
        )
        .with_columns(size=pl.len().over("cadre_id", "moment"))
        .filter(pl.col("size") > 1)
    )
    if running.height:
        keys = running.select("cadre_id", "moment").to_numpy()
        overlap, overlap_keys = _rows(keys, running["var"].to_numpy(), n)
        families.append(("overlap", overlap, overlap_keys, np.ones(len(overlap_keys))))
    if math.isfinite(problem.budget):
        budget = csr_array(pairs["cost"].to_numpy()[None, :])
        families.append(("budget", budget, np.array([0]), np.array([problem.budget])))
    if problem.town_share < 1:
        sizes = problem.cadres.group_by("town_id").agg(size=pl.len())
        keys = pairs.select("town_id", "day").to_numpy()
        town, town_keys = _rows(keys, var, n)
        size = dict(sizes.iter_rows())
        limits = np.array(
            [math.floor(problem.town_share * size[t]) for t, _ in town_keys], dtype=float
        )
        families.append(("town", town, town_keys, limits))
    return families


def solve(problem: Problem, time_limit: float = MILP_TIME_LIMIT_S) -> Plan:
    pairs = candidate_pairs(problem)
    if pairs.is_empty():
        return Plan(
            pairs.select("cadre_id", "session_id", "value", "cost", "pinned"), 0.0, 0.0, "optimal"
        )
    families = constraints(problem, pairs)
    reasons = diagnose(problem, pairs, families)
    if reasons:
        raise Infeasible(reasons)
    value = pairs["value"].to_numpy()
    lower = pairs["pinned"].to_numpy().astype(float)
    matrix = vstack([a for _, a, _, _ in families]).tocsr()
    upper = np.concatenate([u for _, _, _, u in families])
    result = milp(
        -value,
        constraints=LinearConstraint(matrix, -np.inf, upper),
        integrality=np.ones(len(value)),
        bounds=Bounds(lower, np.ones(len(value))),
        options={"time_limit": time_limit, "disp": False},
    )
    if result.x is None:
        raise Infeasible(["求解器未找到可行方案：" + str(result.message)])
    chosen = np.rint(result.x).astype(bool)
    plan = pairs.filter(pl.Series(chosen)).select(
        "cadre_id", "session_id", "value", "cost", "pinned"
    )
    return Plan(
        assignments=plan,
        objective=float(plan["value"].sum()),
        cost=float(plan["cost"].sum()),
        status="optimal" if result.status == 0 else "time_limit",
        message=str(result.message),
        gap=float(getattr(result, "mip_gap", 0.0) or 0.0),
        seat_prices=seat_prices(pairs, families, lower),
    )


def seat_prices(pairs: pl.DataFrame, families: list[Any], lower: np.ndarray) -> pl.DataFrame:
    """Shadow price of one more seat per session, from the LP relaxation."""
    matrix = vstack([a for _, a, _, _ in families]).tocsr()
    upper = np.concatenate([u for _, _, _, u in families])
    relaxed = linprog(
        -pairs["value"].to_numpy(),
        A_ub=matrix,
        b_ub=upper,
        bounds=np.column_stack([lower, np.ones(pairs.height)]),
        method="highs",
    )
    _, _, seat_keys, _ = families[0]
    if relaxed.status != 0:
        return pl.DataFrame({"session_id": seat_keys, "price": np.zeros(len(seat_keys))})
    marginals = -relaxed.ineqlin.marginals[: len(seat_keys)]
    return pl.DataFrame({"session_id": seat_keys.astype(np.int64), "price": marginals}).sort(
        "price", descending=True
    )


def diagnose(problem: Problem, pairs: pl.DataFrame, families: list[Any]) -> list[str]:
    """Which constraints the pinned pairs alone break (the only way the programme can be
    infeasible: with nothing pinned, the empty plan satisfies everything)."""
    pinned = pairs["pinned"].to_numpy().astype(float)
    if not pinned.any():
        return []
    labels = {
        "seats": lambda key, used, limit: (
            f"场次 {int(key)} 的指定人数 {used:.0f} 超过座位数 {limit:.0f}"
        ),
        "load": lambda key, used, limit: (
            f"干部 {int(key)} 被指定 {used:.0f} 个场次，超过每人上限 {limit:.0f}"
        ),
        "overlap": lambda key, used, limit: f"干部 {int(key[0])} 被指定到时间重叠的场次",
        "budget": lambda key, used, limit: f"指定安排的费用 {used:.0f} 元超过预算 {limit:.0f} 元",
        "town": lambda key, used, limit: (
            f"乡镇 {int(key[0])} 在第 {int(key[1])} 天外出 {used:.0f} 人，超过在岗比例允许的 {limit:.0f} 人"
        ),
    }
    reasons = []
    for family, matrix, keys, upper in families:
        used = matrix @ pinned
        for index in np.flatnonzero(used > upper + 1e-9):
            reasons.append(labels[family](keys[index], used[index], upper[index]))
    return reasons
