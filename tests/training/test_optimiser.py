"""The schedule optimiser: exact on small instances, never breaks a constraint, explains
infeasibility, deterministic, and agrees with the flow formulation on capacity-only runs."""

from __future__ import annotations

import itertools
import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.capacity_flow import capacity_only
from tests.training_instances import random_instance
from training.planning.feasible import greedy
from training.planning.optimiser import (
    Infeasible,
    Plan,
    Problem,
    candidate_pairs,
    solve,
)


def violations(problem: Problem, plan: Plan) -> list[str]:
    """Every constraint checked directly on the plan, independently of the solver's matrix."""
    found = []
    rows = plan.assignments.join(problem.sessions, on="session_id").join(
        problem.cadres, on="cadre_id"
    )
    for session_id, capacity in problem.sessions.select("session_id", "capacity").iter_rows():
        if rows.filter(pl.col("session_id") == session_id).height > capacity:
            found.append(f"seats {session_id}")
    for cadre_id, group in rows.group_by("cadre_id"):
        if group.height > problem.per_cadre:
            found.append(f"load {cadre_id}")
        spans = sorted(
            (d * 1440 + s, d * 1440 + e)
            for d, s, e in group.select("day", "start", "end").iter_rows()
        )
        if any(b[0] < a[1] for a, b in itertools.pairwise(spans)):
            found.append(f"overlap {cadre_id}")
    if plan.cost > problem.budget + 1e-6:
        found.append("budget")
    sizes = dict(problem.cadres.group_by("town_id").agg(pl.len()).iter_rows())
    for (town, _day), group in rows.group_by("town_id", "day"):
        if group.height > math.floor(problem.town_share * sizes[town]) and problem.town_share < 1:
            found.append(f"town {town}")
    for pair in problem.pinned:
        if pair not in set(plan.assignments.select("cadre_id", "session_id").iter_rows()):
            found.append(f"pin {pair}")
    return found


def brute_force(problem: Problem) -> float:
    pairs = candidate_pairs(problem)
    best = 0.0
    for mask in itertools.product([False, True], repeat=pairs.height):
        chosen = pairs.filter(pl.Series(mask))
        plan = Plan(
            chosen.select("cadre_id", "session_id", "value", "cost", "pinned"),
            float(chosen["value"].sum()),
            float(chosen["cost"].sum()),
            "brute",
        )
        if not violations(problem, plan):
            best = max(best, plan.objective)
    return best


@pytest.mark.parametrize("seed", range(8))
def test_small_instances_match_the_brute_force_optimum(seed: int) -> None:
    problem = random_instance(
        seed, cadres=6, sessions=4, towns=2, budget=900.0, town_share=0.5, days=2
    )
    pairs = candidate_pairs(problem)
    if pairs.height > 14:  # keep the enumeration small
        problem = Problem(
            pairs=problem.pairs.sort("value", descending=True).head(14),
            sessions=problem.sessions,
            cadres=problem.cadres,
            per_cadre=problem.per_cadre,
            budget=problem.budget,
            town_share=problem.town_share,
        )
    plan = solve(problem)
    assert not violations(problem, plan)
    assert plan.objective == pytest.approx(brute_force(problem), abs=1e-6)
    assert greedy(problem).objective <= plan.objective + 1e-9


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    cadres=st.integers(5, 60),
    sessions=st.integers(2, 12),
    per_cadre=st.integers(1, 3),
    budget=st.one_of(st.just(math.inf), st.floats(0, 20_000)),
    share=st.floats(0.1, 1.0),
    pins=st.integers(0, 3),
)
def test_no_constraint_is_ever_violated(
    seed: int, cadres: int, sessions: int, per_cadre: int, budget: float, share: float, pins: int
) -> None:
    base = random_instance(
        seed, cadres, sessions, towns=4, per_cadre=per_cadre, budget=budget, town_share=share
    )
    pinned = frozenset(
        tuple(p) for p in base.pairs.head(pins).select("cadre_id", "session_id").iter_rows()
    )
    excluded = (
        frozenset(tuple(p) for p in base.pairs.tail(2).select("cadre_id", "session_id").iter_rows())
        - pinned
    )
    problem = Problem(
        base.pairs, base.sessions, base.cadres, per_cadre, budget, share, pinned, excluded
    )
    try:
        plan = solve(problem)
    except Infeasible as exc:
        assert exc.reasons  # infeasible only because of pins, and said why
        assert pinned
        return
    assert not violations(problem, plan)
    assert not set(plan.assignments.select("cadre_id", "session_id").iter_rows()) & excluded
    baseline = greedy(problem)
    assert not violations(problem, baseline)
    assert baseline.objective <= plan.objective + 1e-6


def test_an_infeasible_plan_names_the_binding_constraints() -> None:
    base = random_instance(3, cadres=30, sessions=5, towns=3)
    session = base.sessions.sort("capacity").row(0, named=True)
    takers = base.pairs.filter(pl.col("session_id") == session["session_id"])["cadre_id"].to_list()
    extra = [c for c in base.cadres["cadre_id"].to_list() if c not in takers]
    cadres = (takers + extra)[: session["capacity"] + 1]
    pinned = frozenset((c, session["session_id"]) for c in cadres)
    problem = Problem(base.pairs, base.sessions, base.cadres, pinned=pinned, budget=10.0)
    with pytest.raises(Infeasible) as raised:
        solve(problem)
    message = str(raised.value)
    assert (
        f"场次 {session['session_id']} 的指定人数 {session['capacity'] + 1} 超过座位数 {session['capacity']}"
        in message
    )
    assert "超过预算 10 元" in message


def test_plans_are_deterministic_and_carry_seat_prices() -> None:
    problem = random_instance(11, cadres=150, sessions=12, towns=6, budget=15_000, town_share=0.4)
    first, second = solve(problem), solve(problem)
    assert first.assignments.equals(second.assignments)
    assert first.status == "optimal"
    prices = first.seat_prices
    assert set(prices["session_id"]) <= set(problem.sessions["session_id"])
    assert (prices["price"] >= -1e-9).all()
    assert prices["price"].max() > 0  # some session is oversubscribed by value


def test_capacity_only_flow_matches_the_milp() -> None:
    base = random_instance(5, cadres=300, sessions=15, towns=5, per_cadre=2)
    flow = capacity_only(base.pairs, base.sessions, per_cadre=2)
    exact = solve(
        Problem(
            base.pairs,
            base.sessions.with_columns(
                day=pl.Series(np.arange(15)), start=pl.lit(0), end=pl.lit(1)
            ),
            base.cadres,
            per_cadre=2,
        )
    )
    assert flow.objective == pytest.approx(exact.objective, rel=1e-9)
    assert flow.assignments.group_by("cadre_id").len()["len"].max() <= 2
