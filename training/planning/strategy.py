"""Which solver a plan gets: the exact programme while it is quick, the Lagrangian solver with
its stated gap beyond that.

At 1,500 cadres × 60 sessions (12,000 pairs) the exact MILP takes 2–3.5 s on two cores; its LP
relaxation alone takes 16 s at 128,000 pairs. Below `EXACT_PAIRS` the exact optimum is the
plan; above it the office gets a plan within 1% of a proven bound in seconds."""

from __future__ import annotations

from training.planning.lagrangian import solve_within_gap
from training.planning.optimiser import Plan, Problem, candidate_pairs, solve

EXACT_PAIRS = 20_000
EXACT_TIME_LIMIT_S = 60.0


def exact_is_quick(candidates: int) -> bool:
    """`candidates`: the problem's candidate pairs (`optimiser.candidate_pairs`)."""
    return candidates <= EXACT_PAIRS


def choose_plan(problem: Problem) -> Plan:
    if exact_is_quick(candidate_pairs(problem).height):
        return solve(problem, time_limit=EXACT_TIME_LIMIT_S)
    return solve_within_gap(problem)
