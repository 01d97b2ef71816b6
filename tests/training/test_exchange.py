"""Exchange pairing: hosts are clearly strong, visitors clearly weak, one host per visitor
and competency, hosting capped, the best total — and twin towns found."""

from __future__ import annotations

import itertools

import polars as pl

from training.insight.exchange import (
    candidates,
    indicator_candidates,
    pair_lagging_indicators,
    pair_towns,
)


def town(town_id: int, competency: str, mean: float, cadres: int = 10) -> dict[str, object]:
    return {
        "town_id": town_id,
        "competency": competency,
        "cadres": cadres,
        "mean": mean,
        "lo": mean - 0.1,
        "hi": mean + 0.1,
        "norm": 3.4,
    }


TOWNS = pl.DataFrame(
    [
        town(1, "digital", 3.9),
        town(2, "digital", 3.0),
        town(3, "digital", 2.9),
        town(4, "digital", 3.8, cadres=2),  # strong, but on too few cadres to host
        town(1, "conflict", 3.0),
        town(2, "conflict", 3.9),
        town(3, "conflict", 3.1),
        town(5, "digital", 3.4),  # at the norm: neither
    ]
)
NO_DISTANCES = pl.DataFrame(schema={"from_town": pl.Int64, "to_town": pl.Int64, "km": pl.Float64})


def brute_force(options: pl.DataFrame, host_cap: int) -> float:
    best = 0.0
    rows = options.to_dicts()
    for mask in itertools.product([False, True], repeat=len(rows)):
        chosen = [r for r, keep in zip(rows, mask, strict=True) if keep]
        visits = [(r["competency"], r["visitor"]) for r in chosen]
        hosts = [r["host"] for r in chosen]
        if len(visits) == len(set(visits)) and all(hosts.count(h) <= host_cap for h in hosts):
            best = max(best, sum(r["score"] for r in chosen))
    return best


def test_pairing_respects_the_rules_and_is_optimal() -> None:
    pairs = pair_towns(TOWNS, NO_DISTANCES, host_cap=1)
    assert set(pairs["host"]) <= {1, 2}  # town 4 has too few cadres, town 5 is not strong
    assert pairs.group_by("host").len()["len"].max() <= 1
    assert pairs.group_by("competency", "visitor").len()["len"].max() == 1
    options = candidates(TOWNS, NO_DISTANCES, 0.002)
    chosen = pairs.join(options, on=["competency", "host", "visitor"])
    assert chosen["score"].sum() == brute_force(options, host_cap=1)


def test_twin_towns_are_marked_reciprocal_and_distance_counts() -> None:
    pairs = pair_towns(TOWNS, NO_DISTANCES, host_cap=2)
    twins = pairs.filter("reciprocal")
    assert set(twins.select("host", "visitor").iter_rows()) == {(1, 2), (2, 1)}
    far = pl.DataFrame({"from_town": [3], "to_town": [1], "km": [1_000.0]})
    assert (1, 3) not in set(
        pair_towns(TOWNS, far, host_cap=2).select("host", "visitor").iter_rows()
    )


INDICATORS = pl.DataFrame(
    {
        "town_id": [1, 2, 3, 4, 1, 2, 3, 4],
        "indicator": ["hotline"] * 4 + ["culture"] * 4,
        "score": [95.0, 62.0, 55.0, 80.0, 40.0, 92.0, 45.0, 70.0],
        "light": ["green", "red", "red", "green", "red", "green", "yellow", "green"],
    }
)


def test_scorecard_weaknesses_are_paired_with_towns_green_and_above_the_mean() -> None:
    options = indicator_candidates(INDICATORS, NO_DISTANCES, 0.04)
    # hosts: green and above the indicator's county mean (hotline mean 73: towns 1 and 4;
    # culture mean 61.75: towns 2 and 4); visitors: red or yellow
    assert set(options.filter(pl.col("competency") == "hotline")["host"]) == {1, 4}
    assert set(options.filter(pl.col("competency") == "culture")["visitor"]) == {1, 3}
    pairs = pair_lagging_indicators(INDICATORS, NO_DISTANCES, host_cap=1)
    assert pairs.group_by("host").len()["len"].max() <= 1
    assert pairs.group_by("competency", "visitor").len()["len"].max() == 1
    chosen = pairs.join(options, on=["competency", "host", "visitor"])
    assert chosen["score"].sum() == brute_force(options, host_cap=1)
    assert set(pairs["visitor"]) <= {1, 2, 3} and 4 not in set(pairs["visitor"])
