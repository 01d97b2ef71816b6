"""The fast solver for large plans: its bound is a real bound, its plans keep every constraint,
and the gap it states is never smaller than the true one (checked against the exact MILP)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.training.test_optimiser import violations
from tests.training_instances import random_instance
from training.planning.feasible import greedy
from training.planning.lagrangian import Cancelled, Progress, solve_within_gap
from training.planning.optimiser import Infeasible, Problem, solve


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    cadres=st.integers(5, 80),
    sessions=st.integers(2, 14),
    per_cadre=st.integers(1, 3),
    budget=st.one_of(st.just(math.inf), st.floats(0, 20_000)),
    share=st.floats(0.1, 1.0),
    pins=st.integers(0, 3),
)
def test_the_bound_holds_and_the_plan_keeps_every_constraint(
    seed: int, cadres: int, sessions: int, per_cadre: int, budget: float, share: float, pins: int
) -> None:
    base = random_instance(
        seed, cadres, sessions, towns=4, per_cadre=per_cadre, budget=budget, town_share=share
    )
    pinned = frozenset(
        tuple(p) for p in base.pairs.head(pins).select("cadre_id", "session_id").iter_rows()
    )
    problem = Problem(base.pairs, base.sessions, base.cadres, per_cadre, budget, share, pinned)
    try:
        exact = solve(problem)
    except Infeasible:
        with pytest.raises(Infeasible):
            solve_within_gap(problem)
        return
    fast = solve_within_gap(problem, target_gap=0.0, time_limit=5)
    assert not violations(problem, fast)
    assert fast.objective <= exact.objective + 1e-6
    if fast.bound is not None and exact.objective > 0:
        assert fast.bound >= exact.objective * (1 - 1e-4) - 1e-6  # HiGHS stops within 1e-4
        true_gap = (exact.objective - fast.objective) / fast.bound
        assert fast.gap >= true_gap - 1e-4


@pytest.mark.parametrize("seed", [0])
def test_a_county_sized_plan_is_within_its_stated_gap_of_the_optimum(seed: int) -> None:
    problem = random_instance(
        seed + 10, 1_500, 60, towns=10, budget=150_000, town_share=0.2, candidates=10
    )
    exact = solve(problem)
    rounds: list[Progress] = []
    fast = solve_within_gap(problem, target_gap=0.01, on_progress=rounds.append)
    assert fast.gap <= 0.01
    assert exact.objective * 0.99 <= fast.objective <= exact.objective + 1e-6
    assert fast.bound is not None and fast.bound >= exact.objective - 1e-6
    assert fast.objective > greedy(problem).objective * 1.2  # greedy falls far behind here
    bounds = [r.bound for r in rounds]
    assert bounds == sorted(bounds, reverse=True)  # progress reports the best bound so far
    assert not violations(problem, fast)


def test_a_run_stops_when_cancelled() -> None:
    problem = random_instance(3, 300, 20, towns=5, budget=30_000, town_share=0.2)
    seen: list[Progress] = []
    with pytest.raises(Cancelled):
        solve_within_gap(
            problem, target_gap=0.0, on_progress=seen.append, cancelled=lambda: len(seen) >= 3
        )
    assert len(seen) == 3
