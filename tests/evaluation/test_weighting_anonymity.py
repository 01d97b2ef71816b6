"""Group weights and anonymity as properties over simulated cycles with sparse groups."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.analytics.anonymity import (
    BELOW_THRESHOLD,
    pooled_comments,
    suppress,
    suppress_combined,
)
from evaluation.analytics.calibration import calibrate
from evaluation.analytics.weighting import combine_groups, group_scores
from tests.simulation import simulate_cycle

MINIMUM = {"superior": 1, "self": 1, "mystery": 1, "peer": 3, "resident": 3}


def sparse_cycle(seed: int, drop: float) -> pl.DataFrame:
    """A small cycle with some responses removed, so groups fall below their thresholds."""
    responses = simulate_cycle(
        towns=2, per_town=8, peers=3, residents=3, seed=seed, competencies=("a", "b")
    ).responses
    pairs = responses.select("ratee_id", "rater_id").unique().sample(fraction=1 - drop, seed=seed)
    return responses.join(pairs, on=["ratee_id", "rater_id"])


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 500),
    drop=st.floats(0.0, 0.7),
    weights=st.tuples(st.floats(0.05, 1), st.floats(0.05, 1), st.floats(0.05, 1)),
)
def test_effective_weights_sum_to_one_and_redistribution_is_recorded(
    seed: int, drop: float, weights: tuple[float, float, float]
) -> None:
    responses = sparse_cycle(seed, drop)
    cycle_weights = dict(zip(("superior", "peer", "resident"), weights, strict=True))
    combined = combine_groups(group_scores(responses, calibrate(responses)), cycle_weights)
    shares = combined.select(pl.sum_horizontal("w_superior", "w_peer", "w_resident")).to_series()
    assert ((shares - 1).abs() < 1e-9).all()
    for row in combined.iter_rows(named=True):
        missing = {g for g in cycle_weights if row[f"w_{g}"] == 0}
        assert set(row["missing_groups"]) == missing
        assert row["redistributed"] == bool(missing)
        present = {g: w for g, w in cycle_weights.items() if g not in missing}
        for group, weight in present.items():  # proportional to the cycle's weights
            assert abs(row[f"w_{group}"] - weight / sum(present.values())) < 1e-9
    assert combined["weighted_score"].is_between(1, 5).all()


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 500), drop=st.floats(0.0, 0.8))
def test_groups_below_threshold_are_null_everywhere(seed: int, drop: float) -> None:
    responses = sparse_cycle(seed, drop)
    calibration = calibrate(responses)
    groups = suppress(group_scores(responses, calibration), MINIMUM)
    for row in groups.iter_rows(named=True):
        if row["n"] < MINIMUM[row["rater_group"]]:
            assert not row["shown"]
            assert row["raw_mean"] is None
            assert row["corrected_mean"] is None
            assert row["reason"] == BELOW_THRESHOLD
    counted = groups.filter(pl.col("rater_group") != "self")
    per_cell = counted.group_by("ratee_id", "competency").agg(
        hidden=(~pl.col("shown")).sum(), groups=pl.len()
    )
    # never exactly one hidden group beside shown ones: it could be subtracted from the total
    assert per_cell.filter((pl.col("hidden") == 1) & (pl.col("groups") > 1)).is_empty()
    combined = suppress_combined(
        combine_groups(
            group_scores(responses, calibration),
            {"superior": 0.35, "peer": 0.35, "resident": 0.3},
        ),
        groups,
    )
    exposure = counted.group_by("ratee_id", "competency").agg(
        all_below=(pl.col("reason") == BELOW_THRESHOLD).fill_null(False).all()
    )
    judged = combined.join(exposure, on=["ratee_id", "competency"])
    leaked = judged.filter(pl.col("all_below") & pl.col("weighted_score").is_not_null())
    assert leaked.is_empty()
    # and nothing more is hidden than needs to be
    over_hidden = judged.filter(~pl.col("all_below") & pl.col("weighted_score").is_null())
    assert over_hidden.is_empty()


def test_comments_are_pooled_shuffled_and_only_from_groups_of_five() -> None:
    comments = pl.DataFrame(
        {
            "ratee_id": [1] * 9,
            "rater_group": ["peer"] * 5 + ["resident"] * 3 + ["superior"],
            "comment": ["p1", "p2", "p3", "p4", "p5", "r1", "r2", "r3", "s1"],
        }
    )
    sizes = pl.DataFrame({"rater_group": ["peer", "resident", "superior"], "n": [5, 3, 1]})
    pooled = pooled_comments(comments, sizes, seed=4)
    assert sorted(pooled) == ["p1", "p2", "p3", "p4", "p5"]
    assert pooled_comments(comments, sizes, seed=4) == pooled
    assert any(pooled_comments(comments, sizes, seed=s) != sorted(pooled) for s in range(5))
