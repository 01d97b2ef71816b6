"""The training schedule optimiser at scale, beside a greedy baseline solved in the same run.

* 10,000 cadres × 300 sessions with every constraint (seats, two sessions per cadre, no
  overlaps, a budget, at most 20% of a town's cadres away on one day), each cadre's 15 best
  candidate sessions: the Lagrangian solver (target: < 5 s to a plan within its stated gap)
  against the exact MILP (HiGHS) and greedy-by-value, all three in this run.
* 100,000 cadres × 500 sessions, capacity-only (seats and two per cadre), each cadre's 10
  best candidates: min-cost flow (OR-Tools) against greedy-by-value.

    .venv/bin/python bench/schedule_bench.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.capacity_flow import capacity_only
from tests.training_instances import random_instance
from training.planning.feasible import greedy
from training.planning.lagrangian import solve_within_gap
from training.planning.optimiser import Problem, solve


def timed(fn):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def main() -> None:
    full = random_instance(
        1, 10_000, 300, towns=40, per_cadre=2, budget=1_500_000, town_share=0.2, candidates=15
    )
    fast, fast_s = timed(lambda: solve_within_gap(full))
    plan, milp_s = timed(lambda: solve(full, time_limit=600))
    base, greedy_s = timed(lambda: greedy(full))
    true_gap = (plan.objective - fast.objective) / plan.objective
    print(
        f"all constraints, 10,000 × 300: Lagrangian {fast_s:.1f} s, objective "
        f"{fast.objective:,.2f}, stated gap {fast.gap:.2%} (bound {fast.bound:,.2f}), "
        f"true gap to the MILP optimum {true_gap:.2%}; {milp_s / fast_s:.0f}x faster than the "
        f"MILP [target: < 5 s, {'met' if fast_s < 5 and fast.gap <= 0.01 else 'NOT met'}]"
    )
    print(
        f"all constraints, 10,000 × 300 ({full.pairs.height:,} candidate pairs): MILP {milp_s:.1f} s, "
        f"objective {plan.objective:,.2f} ({plan.status}, gap {plan.gap:.1e}), cost {plan.cost:,.0f}; "
        f"greedy {greedy_s:.1f} s, objective {base.objective:,.2f} "
        f"(MILP/greedy {plan.objective / base.objective:.2f}x)"
    )
    large = random_instance(2, 100_000, 500, towns=200, per_cadre=2, candidates=10)
    flow, flow_s = timed(lambda: capacity_only(large.pairs, large.sessions, 2))
    capacity = Problem(
        large.pairs,
        large.sessions.with_columns(
            end=large.sessions["start"] + 1, day=large.sessions["session_id"]
        ),
        large.cadres,
        per_cadre=2,
    )
    flow_greedy, flow_greedy_s = timed(lambda: greedy(capacity))
    print(
        f"capacity only, 100,000 × 500 ({large.pairs.height:,} pairs): min-cost flow {flow_s:.1f} s, "
        f"objective {flow.objective:,.2f}; greedy {flow_greedy_s:.1f} s, objective {flow_greedy.objective:,.2f}"
    )
    print(
        json.dumps(
            {
                "schedule_fast_s": round(fast_s, 2),
                "schedule_fast_gap": round(fast.gap, 5),
                "schedule_fast_true_gap": round(true_gap, 5),
                "schedule_fast_objective": round(fast.objective, 2),
                "milp_s": round(milp_s, 2),
                "milp_objective": round(plan.objective, 2),
                "milp_status": plan.status,
                "milp_gap": plan.gap,
                "greedy_objective": round(base.objective, 2),
                "greedy_s": round(greedy_s, 2),
                "flow_s": round(flow_s, 2),
                "flow_objective": round(flow.objective, 2),
                "flow_greedy_objective": round(flow_greedy.objective, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
