"""Weights: which groups a cell has is read from the input responses (not from the code's own
output); shares follow the cycle's weights over the groups present; the headline follows
the weights where groups see a cadre differently; comments pool only large groups."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.analytics.calibration import calibrate
from evaluation.analytics.coding import encode
from evaluation.analytics.pipeline import aggregate
from evaluation.analytics.release import pooled_comments
from evaluation.analytics.weighting import combine, group_scores
from evaluation.rubrics.loader import load_default_rubric
from tests.evaluation.truth import Design, simulate
from tests.simulation import simulate_cycle

WEIGHTED = ("superior", "peer", "resident")


def sparse_cycle(seed: int, drop: float) -> pl.DataFrame:
    """A small cycle with some raters removed, so some cells lack a group."""
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
def test_shares_follow_the_weights_over_the_groups_that_answered(
    seed: int, drop: float, weights: tuple[float, float, float]
) -> None:
    responses = sparse_cycle(seed, drop)
    cycle_weights = dict(zip(WEIGHTED, weights, strict=True))
    coded = encode(responses)
    calibration = calibrate(coded, cycle_weights)
    combined = combine(group_scores(coded, calibration), cycle_weights, calibration.sigma)
    answered = (
        responses.filter(pl.col("level").is_not_null())
        .group_by("ratee_id", "competency")
        .agg(pl.col("rater_group").unique().alias("groups"))
    )
    checked = combined.join(answered, on=["ratee_id", "competency"])
    assert checked.height == combined.height
    for row in checked.iter_rows(named=True):
        present = {g: w for g, w in cycle_weights.items() if g in row["groups"]}
        assert set(row["missing_groups"]) == set(cycle_weights) - set(present)
        assert row["redistributed"] == (len(present) < len(cycle_weights))
        for group in WEIGHTED:
            expected = present.get(group, 0.0) / sum(present.values())
            assert abs(row[f"w_{group}"] - expected) < 1e-9, group
        coefficients = [row[f"c_{g}"] for g in WEIGHTED]
        assert abs(sum(coefficients) - 1) < 1e-9
        assert all((c > 0) == (g in present) for c, g in zip(coefficients, WEIGHTED, strict=True))


def test_a_group_weighted_zero_counts_nowhere() -> None:
    responses = sparse_cycle(3, 0.0)
    mystery = responses.filter(pl.col("rater_group") == "peer").with_columns(
        rater_group=pl.lit("mystery"),
        level=pl.lit(1, dtype=pl.Int64),
        rater_id=pl.lit(99_999, dtype=pl.Int64),
    )
    weights = {"superior": 0.35, "peer": 0.35, "resident": 0.3, "mystery": 0.0}
    frame = pl.concat([responses, mystery])
    coded = encode(frame)
    calibration = calibrate(coded, weights)
    combined = combine(group_scores(coded, calibration), weights, calibration.sigma)
    assert (combined["c_mystery"] == 0).all()


def headline(design: Design, weights: dict[str, float], seed: int) -> pl.DataFrame:
    truth = simulate(design, seed)
    results = aggregate(truth.responses, truth.ratees, load_default_rubric(), weights)
    return results.profiles.select("ratee_id", "competency", "corrected", "score")


def test_the_headline_follows_the_weights_where_groups_see_differently() -> None:
    design = Design(towns=3, per_town=20, residents=(6, 10), views=0.4)
    even = headline(design, {"superior": 0.35, "peer": 0.35, "resident": 0.3}, seed=5)
    residents = headline(design, {"superior": 0.05, "peer": 0.05, "resident": 0.9}, seed=5)
    moved = even.join(residents, on=["ratee_id", "competency"], suffix="_res")
    shift = (moved["corrected_res"] - moved["corrected"]).abs()
    assert float(shift.mean()) > 0.05  # the weights reach the score
    truth = simulate(design, 5)
    resident_view = (
        truth.responses.filter(pl.col("rater_group") == "resident")
        .group_by("ratee_id", "competency")
        .agg(view=pl.col("level").mean())
    )
    toward = moved.join(resident_view, on=["ratee_id", "competency"])
    # with residents at 90%, scores move toward what residents said
    closer = (toward["corrected_res"] - toward["view"]).abs() < (
        toward["corrected"] - toward["view"]
    ).abs()
    assert float(closer.mean()) > 0.8


def test_identical_cadres_get_identical_levels_whatever_the_mix_of_groups() -> None:
    """Cadres of one true level, half rated by strict colleagues only, half by the same
    colleagues and lenient residents: on average the same calibrated level (the old model
    put them half a level apart)."""
    rng = np.random.default_rng(11)
    rows = []
    response = 0
    for ratee in range(1, 201):
        with_residents = ratee % 2 == 0
        for group, count, lenient in (
            ("peer", 5, -0.5),
            ("resident", 6 if with_residents else 0, 0.5),
        ):
            for i in range(count):
                response += 1
                rater = None if group == "resident" else 1000 + (ratee * 7 + i) % 60
                latent = 3.3 + lenient + rng.normal(0, 0.5, 3)
                for k, level in enumerate(np.clip(np.rint(latent), 1, 5).astype(int)):
                    rows.append((response, ratee, rater, group, f"c{k}", int(level)))
    frame = pl.DataFrame(
        rows,
        schema=["response_id", "ratee_id", "rater_id", "rater_group", "competency", "level"],
        orient="row",
    )
    ratees = pl.DataFrame({"ratee_id": list(range(1, 201)), "position_class": "staff"})
    results = aggregate(
        frame, ratees, load_default_rubric(), {"superior": 0.35, "peer": 0.35, "resident": 0.3}
    )
    levels = (
        results.profiles.with_columns(mix=pl.col("ratee_id") % 2)
        .group_by("mix")
        .agg(pl.col("corrected").mean())
    )
    apart = abs(levels["corrected"][0] - levels["corrected"][1])
    assert apart < 0.08, apart


def test_comments_are_pooled_shuffled_and_only_from_groups_of_five() -> None:
    comments = pl.DataFrame(
        {
            "rater_group": ["peer"] * 5 + ["resident"] * 3 + ["superior"],
            "comment": ["p1", "p2", "p3", "p4", "p5", "r1", "r2", "r3", "s1"],
        }
    )
    sizes = pl.DataFrame({"rater_group": ["peer", "resident", "superior"], "n": [5, 3, 1]})
    pooled = pooled_comments(comments, sizes, seed=4)
    assert sorted(pooled) == ["p1", "p2", "p3", "p4", "p5"]
    assert pooled_comments(comments, sizes, seed=4) == pooled
    assert any(pooled_comments(comments, sizes, seed=s) != sorted(pooled) for s in range(5))
