"""Assignment rules as properties over random organisations."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.cycles.assignment import generate_assignments


@st.composite
def organisations(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame]:
    sizes = draw(st.lists(st.integers(1, 25), min_size=1, max_size=5))
    cadres, links, next_id = [], [], 1
    for town, size in enumerate(sizes, start=1):
        members = list(range(next_id, next_id + size))
        next_id += size
        for position, cadre in enumerate(members):
            active = draw(st.booleans()) if position > 0 and draw(st.integers(0, 9)) == 0 else True
            cadres.append({"cadre_id": cadre, "town_id": town, "active": active})
            if position > 0:
                for leader in draw(st.sets(st.sampled_from(members[:position]), max_size=2)):
                    links.append({"leader_id": leader, "member_id": cadre})
    return (
        pl.DataFrame(
            cadres, schema={"cadre_id": pl.Int64, "town_id": pl.Int64, "active": pl.Boolean}
        ),
        pl.DataFrame(links, schema={"leader_id": pl.Int64, "member_id": pl.Int64}),
    )


@settings(max_examples=120, deadline=None)
@given(org=organisations(), k=st.integers(1, 6), seed=st.integers(0, 10_000))
def test_assignment_rules_hold(org: tuple[pl.DataFrame, pl.DataFrame], k: int, seed: int) -> None:
    cadres, links = org
    result = generate_assignments(cadres, links, k, seed)
    peers = result.filter(pl.col("rater_group") == "peer")
    active = cadres.filter(pl.col("active"))

    # nobody rates themselves as a peer; each pair appears once per group
    assert peers.filter(pl.col("rater_id") == pl.col("ratee_id")).is_empty()
    assert result.select("rater_id", "ratee_id", "rater_group").is_unique().all()
    # peers come from the ratee's own town, and a leader never rates their member as a peer
    town_of = dict(cadres.select("cadre_id", "town_id").iter_rows())
    assert all(
        town_of[r] == town_of[e] for r, e in peers.select("rater_id", "ratee_id").iter_rows()
    )
    superior_pairs = set(
        result.filter(pl.col("rater_group") == "superior")
        .select("rater_id", "ratee_id")
        .iter_rows()
    )
    assert not superior_pairs & set(peers.select("rater_id", "ratee_id").iter_rows())
    # superiors are exactly the active leadership pairs; every active cadre rates themself
    active_ids = set(active["cadre_id"])
    expected_superiors = {
        (leader, member)
        for leader, member in links.iter_rows()
        if leader in active_ids and member in active_ids
    }
    assert superior_pairs == expected_superiors
    assert set(result.filter(pl.col("rater_group") == "self")["rater_id"]) == active_ids
    assert not set(result["rater_id"]) - active_ids

    for town, members in active.group_by("town_id"):
        ids = members["cadre_id"].to_list()
        n = len(ids)
        town_peers = peers.filter(pl.col("ratee_id").is_in(ids))
        received = dict(town_peers.group_by("ratee_id").len().iter_rows())
        for ratee in ids:  # every cadre gets the configured peers where the town has them
            available = sum(1 for r in ids if r != ratee and (r, ratee) not in superior_pairs)
            assert received.get(ratee, 0) == min(k, available), (town, ratee)
        out_degree = max((sum(1 for m in ids if (r, m) in superior_pairs) for r in ids), default=0)
        in_degree = max((sum(1 for r in ids if (r, m) in superior_pairs) for m in ids), default=0)
        if n - 1 - max(out_degree, in_degree) >= 2 * k:  # room to balance around every leader
            given_counts = town_peers.group_by("rater_id").len()["len"]
            assert given_counts.len() == n, town
            assert given_counts.max() - given_counts.min() <= 1, town  # type: ignore[operator]


def test_deterministic_and_independent_of_row_order() -> None:
    cadres = pl.DataFrame(
        {"cadre_id": list(range(1, 41)), "town_id": [1] * 20 + [2] * 20, "active": [True] * 40}
    )
    links = pl.DataFrame({"leader_id": [1, 1, 21], "member_id": [2, 3, 22]})
    first = generate_assignments(cadres, links, 4, seed=5)
    assert first.equals(generate_assignments(cadres.reverse(), links.reverse(), 4, seed=5))
    assert not first.equals(generate_assignments(cadres, links, 4, seed=6))
