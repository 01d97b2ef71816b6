"""A min-cost-flow formulation of capacity-only schedules (seats and load alone).

Not part of the product: the optimiser solves every real plan as a MILP. This flow is an
independent check on that MILP (the network matrix is totally unimodular, so the flow's optimum
is the 0/1 optimum) and the bench's scale reference. OR-Tools is a dev dependency for it.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from ortools.graph.python import min_cost_flow

from training.planning.optimiser import Plan


def capacity_only(pairs: pl.DataFrame, capacity: pl.DataFrame, per_cadre: int) -> Plan:
    """Seats and load only, at any scale: a min-cost flow (OR-Tools' network simplex).

    source → cadre (capacity k) → session (capacity 1, cost −value) → sink (capacity =
    seats), plus a free source → sink bypass so nobody is forced into a session. Values are
    scaled to integers (1e-4 resolution); the optimum of the flow is the optimum of the
    0/1 programme because the network matrix is totally unimodular."""
    pairs = pairs.filter(pl.col("value") > 0).sort("cadre_id", "session_id")
    cadre_ids = pairs["cadre_id"].unique().sort()
    session_ids = capacity["session_id"].sort()
    cadre_code = cadre_ids.search_sorted(pairs["cadre_id"]).to_numpy()
    session_code = session_ids.search_sorted(pairs["session_id"]).to_numpy()
    cadres, sessions = len(cadre_ids), len(session_ids)
    source, sink = 0, 1 + cadres + sessions
    seats = capacity.sort("session_id")["capacity"].to_numpy().astype(np.int64)
    supply = cadres * per_cadre
    tails = np.concatenate(
        [
            np.zeros(cadres, dtype=np.int64),
            1 + cadre_code,
            1 + cadres + np.arange(sessions),
            [source],
        ]
    )
    heads = np.concatenate(
        [
            1 + np.arange(cadres),
            1 + cadres + session_code,
            np.full(sessions, sink),
            [sink],
        ]
    )
    capacities = np.concatenate(
        [np.full(cadres, per_cadre), np.ones(len(pairs), dtype=np.int64), seats, [supply]]
    )
    costs = np.concatenate(
        [
            np.zeros(cadres, dtype=np.int64),
            -np.rint(pairs["value"].to_numpy() * 10_000).astype(np.int64),
            np.zeros(sessions, dtype=np.int64),
            [0],
        ]
    )
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    flow.set_nodes_supplies(np.array([source, sink]), np.array([supply, -supply]))
    status = flow.solve()
    if status != flow.OPTIMAL:
        return Plan(
            pairs.head(0).select("cadre_id", "session_id", "value", "cost"), 0.0, 0.0, "failed"
        )
    used = flow.flows(arcs[cadres : cadres + len(pairs)]) > 0
    plan = pairs.filter(pl.Series(used)).select("cadre_id", "session_id", "value", "cost")
    return Plan(plan, float(plan["value"].sum()), float(plan["cost"].sum()), "optimal")
