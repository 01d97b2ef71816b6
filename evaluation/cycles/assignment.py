"""Rater assignments by rule: each cadre's leaders (superior), a fair sample of peers from the
same town (peer), and the cadre (self).

Peers come from a shuffled circulant per town: put the town's active cadres in a random
order and let each be rated by the next k. Every rater then rates exactly k and every ratee
is rated by exactly k — loads are equal by construction. A pair whose rater already leads
the ratee (they rate as superior) is swapped with another pair, which keeps both loads.
When single swaps cannot clear every conflict, the town is solved exactly as a max-flow
(raters with capacity k → allowed ratees → ratees needing k), on a shuffled order. Only
when no balanced assignment exists at all (a leader who leads most of a small town cannot
peer-rate k others) does a ratee get the least-loaded allowed rater instead: every ratee
still gets its k peers, and only that leader's peer load ends lower.
"""

from __future__ import annotations

import random
from collections import defaultdict

import numpy as np
import polars as pl
from scipy.sparse import csr_array
from scipy.sparse.csgraph import maximum_flow

from evaluation.groups import RaterGroup

ASSIGNMENT_SCHEMA = {"rater_id": pl.Int64, "ratee_id": pl.Int64, "rater_group": pl.String}


def generate_assignments(
    cadres: pl.DataFrame, leadership: pl.DataFrame, peers_per_cadre: int, seed: int
) -> pl.DataFrame:
    """cadres: cadre_id, town_id, active. leadership: leader_id, member_id.
    Returns one row per (rater_id, ratee_id, rater_group), sorted."""
    active = cadres.filter(pl.col("active")).select("cadre_id", "town_id")
    ids = active["cadre_id"].implode()
    superiors = (
        leadership.filter(pl.col("leader_id").is_in(ids) & pl.col("member_id").is_in(ids))
        .filter(pl.col("leader_id") != pl.col("member_id"))
        .select(pl.col("leader_id").alias("rater_id"), pl.col("member_id").alias("ratee_id"))
        .unique()
        .with_columns(rater_group=pl.lit(RaterGroup.superior.value))
    )
    selves = active.select(
        pl.col("cadre_id").alias("rater_id"),
        pl.col("cadre_id").alias("ratee_id"),
        rater_group=pl.lit(RaterGroup.self.value),
    )
    forbidden = set(superiors.select("rater_id", "ratee_id").iter_rows())
    towns: dict[int, list[int]] = defaultdict(list)
    for cadre_id, town_id in active.sort("cadre_id").iter_rows():
        towns[town_id].append(cadre_id)
    rng = random.Random(seed)
    peer_rows = []
    for town_id in sorted(towns):
        peer_rows.extend(town_peers(towns[town_id], forbidden, peers_per_cadre, rng))
    peers = pl.DataFrame(peer_rows, schema=["rater_id", "ratee_id"], orient="row").with_columns(
        rater_group=pl.lit(RaterGroup.peer.value)
    )
    return pl.concat([f.cast(ASSIGNMENT_SCHEMA) for f in (superiors, peers, selves)]).sort(  # type: ignore[arg-type]
        "rater_group", "ratee_id", "rater_id"
    )


def town_peers(
    members: list[int], forbidden: set[tuple[int, int]], k: int, rng: random.Random
) -> list[tuple[int, int]]:
    order = list(members)
    rng.shuffle(order)
    n = len(order)
    k = min(k, n - 1)
    if k <= 0:
        return []
    edges = [(order[(i + offset) % n], order[i]) for i in range(n) for offset in range(1, k + 1)]
    present = set(edges)
    stuck = []
    for index, (rater, ratee) in enumerate(edges):
        if (rater, ratee) not in forbidden:
            continue
        swap = _find_swap(edges, index, present, forbidden, rng)
        if swap is None:
            stuck.append(index)
            continue
        other, (c, d) = swap
        present -= {(rater, ratee), (c, d)}
        edges[index], edges[other] = (rater, d), (c, ratee)
        present |= {(rater, d), (c, ratee)}
    if stuck:
        balanced = balanced_by_flow(order, forbidden, k)
        if balanced is not None:
            return balanced
        for index in stuck:
            rater, ratee = edges[index]
            present.discard((rater, ratee))
            edges[index] = _substitute(order, edges, ratee, present, forbidden)
            present.add(edges[index])
    return [e for e in edges if e != NO_EDGE]


def balanced_by_flow(
    order: list[int], forbidden: set[tuple[int, int]], k: int
) -> list[tuple[int, int]] | None:
    """Every rater rates exactly k and every ratee is rated by exactly k, if possible."""
    n = len(order)
    source, sink = 2 * n, 2 * n + 1
    rows, cols = [], []
    for i in range(n):
        rows.append(source)
        cols.append(i)
        rows.append(n + i)
        cols.append(sink)
        for j in range(n):
            if i != j and (order[i], order[j]) not in forbidden:
                rows.append(i)
                cols.append(n + j)
    capacity = [k if r == source or c == sink else 1 for r, c in zip(rows, cols, strict=True)]
    graph = csr_array(
        (np.array(capacity, dtype=np.int32), (rows, cols)), shape=(2 * n + 2, 2 * n + 2)
    )
    result = maximum_flow(graph, source, sink)
    if result.flow_value < n * k:
        return None
    flow = result.flow.tocoo()
    return [
        (order[int(r)], order[int(c) - n])
        for r, c, f in zip(flow.row, flow.col, flow.data, strict=True)
        if f > 0 and int(r) < n and n <= int(c) < 2 * n
    ]


NO_EDGE = (0, 0)


def _substitute(
    order: list[int],
    edges: list[tuple[int, int]],
    ratee: int,
    present: set[tuple[int, int]],
    forbidden: set[tuple[int, int]],
) -> tuple[int, int]:
    """The least-loaded rater who may rate `ratee` and does not yet (first in the shuffled
    order on ties); NO_EDGE when nobody is left."""
    loads = {r: 0 for r in order}
    for r, _ in edges:
        if r in loads:
            loads[r] += 1
    allowed = [
        r for r in order if r != ratee and (r, ratee) not in forbidden and (r, ratee) not in present
    ]
    if not allowed:
        return NO_EDGE
    return min(allowed, key=lambda r: loads[r]), ratee


def _find_swap(
    edges: list[tuple[int, int]],
    index: int,
    present: set[tuple[int, int]],
    forbidden: set[tuple[int, int]],
    rng: random.Random,
) -> tuple[int, tuple[int, int]] | None:
    """Another pair (c, d) such that (a, d) and (c, b) are both allowed and new."""
    a, b = edges[index]
    candidates = list(range(len(edges)))
    rng.shuffle(candidates)
    for other in candidates:
        c, d = edges[other]
        if other == index or (c, d) == NO_EDGE:
            continue
        first, second = (a, d), (c, b)
        if a == d or c == b or first in present or second in present:
            continue
        if first in forbidden or second in forbidden or (c, d) in forbidden:
            continue
        return other, (c, d)
    return None


def rater_loads(assignments: pl.DataFrame) -> pl.DataFrame:
    """Assignments per rater and group (the office's load view)."""
    return (
        assignments.group_by("rater_id")
        .agg(
            pl.len().alias("total"),
            *[
                (pl.col("rater_group") == g).sum().alias(g)
                for g in (RaterGroup.superior, RaterGroup.peer, RaterGroup.self)
            ],
        )
        .sort("total", descending=True)
    )
