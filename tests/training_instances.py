"""Random scheduling instances with the shape of a real county's: cadres with a few
weaknesses, sessions that each target one or two competencies on some day, a fee, and a
venue town; travel cost grows with the distance between towns. Used by the optimiser tests
and `bench/schedule_bench.py`."""

from __future__ import annotations

import numpy as np
import polars as pl

from training.planning.optimiser import Problem

COMPETENCIES = 12
DAYS = 20


def random_instance(
    seed: int,
    cadres: int,
    sessions: int,
    towns: int = 20,
    per_cadre: int = 2,
    budget: float = float("inf"),
    town_share: float = 1.0,
    candidates: int | None = None,
    days: int = DAYS,
) -> Problem:
    """`candidates`: keep each cadre's best few pairs (None keeps every pair with value)."""
    rng = np.random.default_rng(seed)
    town = rng.integers(0, towns, cadres)
    weakness = (rng.random((cadres, COMPETENCIES)) < 0.15) * rng.gamma(
        2.0, 0.25, (cadres, COMPETENCIES)
    )
    targets = np.zeros((sessions, COMPETENCIES))
    first = rng.integers(0, COMPETENCIES, sessions)
    second = rng.integers(0, COMPETENCIES, sessions)
    targets[np.arange(sessions), first] = 1.0
    targets[np.arange(sessions), second] = np.maximum(targets[np.arange(sessions), second], 0.5)
    value = weakness @ targets.T  # severity × relevance, summed over competencies
    venue = rng.integers(0, towns, sessions)
    position = rng.random((towns, 2)) * 60  # km
    distance = np.linalg.norm(position[town][:, None, :] - position[venue][None, :, :], axis=2)
    fee = rng.choice([0.0, 200.0, 400.0, 800.0], sessions)
    cost = fee[None, :] + 1.2 * distance
    who, which = np.nonzero(value > 0)
    pairs = pl.DataFrame(
        {
            "cadre_id": who.astype(np.int64) + 1,
            "session_id": which.astype(np.int64) + 1,
            "value": np.round(value[who, which], 4),
            "cost": np.round(cost[who, which], 2),
        }
    )
    if candidates is not None:
        pairs = (
            pairs.sort(["cadre_id", "value"], descending=[False, True])
            .group_by("cadre_id", maintain_order=True)
            .head(candidates)
        )
    day = rng.integers(0, days, sessions)
    start = rng.choice([8 * 60 + 30, 14 * 60], sessions)
    length = rng.choice([180, 240, 480], sessions)
    session_frame = pl.DataFrame(
        {
            "session_id": np.arange(1, sessions + 1, dtype=np.int64),
            "capacity": rng.integers(2, max(3, 3 * cadres // sessions), sessions),
            "day": day.astype(np.int64),
            "start": start.astype(np.int64),
            "end": (start + length).astype(np.int64),
        }
    )
    cadre_frame = pl.DataFrame(
        {"cadre_id": np.arange(1, cadres + 1, dtype=np.int64), "town_id": town.astype(np.int64)}
    )
    return Problem(
        pairs=pairs,
        sessions=session_frame,
        cadres=cadre_frame,
        per_cadre=per_cadre,
        budget=budget,
        town_share=town_share,
    )
