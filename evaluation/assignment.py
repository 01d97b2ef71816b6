"""Rater assignments by rule: each cadre's leaders (superior), a fair sample of peers from the
same town (peer), and the cadre (self).

Peers come from a shuffled circulant per town: put the town's active cadres in a random
order and let each be rated by the next k. Every rater then rates exactly k and every ratee
is rated by exactly k — loads are equal by construction. A pair whose rater already leads
the ratee (they rate as superior) is swapped with another pair, which keeps both loads;
only when no swap exists (a tiny town) is the pair dropped.
"""

from __future__ import annotations

import random
from collections import defaultdict

import polars as pl

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
        .with_columns(rater_group=pl.lit("superior"))
    )
    selves = active.select(
        pl.col("cadre_id").alias("rater_id"),
        pl.col("cadre_id").alias("ratee_id"),
        rater_group=pl.lit("self"),
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
        rater_group=pl.lit("peer")
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
    for index, (rater, ratee) in enumerate(edges):
        if (rater, ratee) not in forbidden:
            continue
        swap = _find_swap(edges, index, present, forbidden, rng)
        if swap is None:
            present.discard((rater, ratee))
            edges[index] = (0, 0)  # dropped: no load-preserving alternative in this town
            continue
        other, (c, d) = swap
        present -= {(rater, ratee), (c, d)}
        edges[index], edges[other] = (rater, d), (c, ratee)
        present |= {(rater, d), (c, ratee)}
    return [e for e in edges if e != (0, 0)]


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
        if other == index or (c, d) == (0, 0):
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
            *[(pl.col("rater_group") == g).sum().alias(g) for g in ("superior", "peer", "self")],
        )
        .sort("total", descending=True)
    )
