"""Calibration: invariances, a severity shift in a crossed design, group leniency as a pure
change of origin, and recovery of rater severities."""

from __future__ import annotations

import numpy as np
import polars as pl
import polars.testing
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.analytics.calibration import RIDGE, calibrate
from evaluation.analytics.coding import encode
from evaluation.analytics.weighting import group_scores
from tests.evaluation.truth import Design, simulate
from tests.simulation import simulate_cycle

KEYS = ["ratee_id", "competency", "rater_group"]
WEIGHTS = {"superior": 0.35, "peer": 0.35, "resident": 0.3}


def small(seed: int) -> pl.DataFrame:
    return simulate_cycle(
        towns=2, per_town=8, peers=3, residents=2, seed=seed, competencies=("a", "b", "c")
    ).responses


def groups(frame: pl.DataFrame) -> pl.DataFrame:
    coded = encode(frame)
    return group_scores(coded, calibrate(coded, WEIGHTS)).drop("cell").sort(KEYS)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 1000), shuffle=st.integers(0, 1000))
def test_results_do_not_depend_on_row_order_or_rater_labels(seed: int, shuffle: int) -> None:
    responses = small(seed)
    base = groups(responses)
    shuffled = groups(responses.sample(fraction=1.0, shuffle=True, seed=shuffle))
    ids = responses["rater_id"].unique().to_list()
    mapping = dict(
        zip(ids, np.random.default_rng(shuffle).permutation(len(ids)) + 5000, strict=True)
    )
    relabelled = groups(responses.with_columns(pl.col("rater_id").replace_strict(mapping)))
    for other in (shuffled, relabelled):
        pl.testing.assert_frame_equal(base, other, abs_tol=1e-7)


def crossed(seed: int, ratees: int = 12, raters: int = 6) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [
        {
            "ratee_id": e,
            "rater_id": r,
            "rater_group": "peer",
            "competency": c,
            "level": int(rng.integers(2, 5)),
        }
        for e in range(1, ratees + 1)
        for r in range(1, raters + 1)
        for c in ("a", "b", "c")
    ]
    return pl.DataFrame(rows)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 1000), shifted=st.integers(1, 6))
def test_shifting_one_raters_ratings_moves_their_severity_and_not_the_corrected_levels(
    seed: int, shifted: int
) -> None:
    frame = crossed(seed)
    before = calibrate(frame, WEIGHTS)
    after_frame = frame.with_columns(
        pl.when(pl.col("rater_id") == shifted)
        .then(pl.col("level") + 1)
        .otherwise(pl.col("level"))
        .alias("level")
    )
    after = calibrate(after_frame, WEIGHTS)
    change = after.raters.join(before.raters, on="rater_id", suffix="_before").with_columns(
        delta=pl.col("severity") - pl.col("severity_before")
    )
    own = change.filter(pl.col("rater_id") == shifted)["delta"].item()
    others = change.filter(pl.col("rater_id") != shifted)["delta"].mean()
    n = 12 * 3
    assert own - others == pytest.approx(-n / (n + RIDGE), abs=0.03)  # one level more lenient
    # the lenient rater is corrected for: every cadre's calibrated mean moves alike (the
    # panel's average leniency is the origin), so no cadre gains on another
    moved = groups(after_frame).join(groups(frame), on=KEYS, suffix="_before")
    delta = moved["corrected_mean"] - moved["corrected_mean_before"]
    assert float(delta.max() - delta.min()) < 0.02


def test_group_leniency_is_a_pure_change_of_origin() -> None:
    """Shifting every resident rating by one level moves the residents' leniency by one
    level relative to the others, and every corrected rating — residents' or not — by the
    same constant (their weight, 0.3: the origin is the weighted panel's): no cadre gains on
    another whatever share of residents rated them."""
    truth = simulate(Design(towns=3, per_town=15, residents=(3, 6)), seed=4)
    frame = truth.responses.filter(
        pl.col("level").is_between(1, 4) | (pl.col("rater_group") != "resident")
    )
    shifted = frame.with_columns(
        pl.when(pl.col("rater_group") == "resident")
        .then(pl.col("level") + 1)
        .otherwise(pl.col("level"))
        .alias("level")
    )
    base = groups(frame)
    moved = groups(shifted)
    delta = moved["corrected_mean"] - base["corrected_mean"]
    assert delta.min() == pytest.approx(0.3, abs=1e-4)
    assert delta.max() == pytest.approx(0.3, abs=1e-4)
    effect = calibrate(shifted, WEIGHTS).group_effects - calibrate(frame, WEIGHTS).group_effects
    # the residents' leniency rises by 1 − 0.3 (their weight): the origin stays the panel's
    assert effect[2] == pytest.approx(0.7, abs=1e-4)
    assert effect[0] == pytest.approx(-0.3, abs=1e-4)


def test_self_ratings_are_left_out_and_residents_get_no_severity() -> None:
    frame = small(3)
    with_self = pl.concat(
        [
            frame,
            frame.filter(pl.col("rater_group") == "peer").with_columns(
                rater_group=pl.lit("self"),
                rater_id=pl.col("ratee_id"),
                level=pl.lit(5, dtype=pl.Int64),
            ),
        ]
    )
    result = calibrate(with_self, WEIGHTS)
    pl.testing.assert_frame_equal(result.raters, calibrate(frame, WEIGHTS).raters)
    residents = frame.filter(pl.col("rater_group") == "resident")["rater_id"].unique()
    assert not result.raters["rater_id"].is_in(residents.implode()).any()
    assert result.components == 1  # towns are tied together through the residents' anchor


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rater_severities_are_recovered(seed: int) -> None:
    sim = simulate_cycle(seed=seed)
    result = calibrate(sim.responses, WEIGHTS)
    severity = result.raters.join(sim.severities, on="rater_id")
    assert severity.select(pl.corr("severity", "true_severity")).item() > 0.85


@pytest.mark.parametrize("seed", [0, 1])
def test_the_rating_graphs_pieces_do_not_depend_on_row_order(seed: int) -> None:
    """The connectedness check reads one edge per run of a form's rows: towns without
    residents are separate pieces, found alike when every form's rows arrive apart."""
    frame = simulate_cycle(towns=3, per_town=8, peers=3, residents=0, seed=seed).responses
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=seed)

    def pieces(rows: pl.DataFrame) -> dict[int, int]:
        coded = encode(rows)
        component = calibrate(coded, WEIGHTS).component
        return dict(zip(coded.ratee_ids.tolist(), component.tolist(), strict=True))

    ordered, apart = pieces(frame), pieces(shuffled)
    assert len(set(ordered.values())) == 3  # one piece per town
    assert apart == ordered
