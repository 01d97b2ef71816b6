"""Calibration: invariances, the severity shift in a crossed design, bounds, and recovery of
known truth from simulated cycles."""

from __future__ import annotations

import numpy as np
import polars as pl
import polars.testing
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.analytics.calibration import RIDGE, calibrate
from tests.simulation import simulate_cycle

KEYS = ["ratee_id", "competency"]


def small(seed: int) -> pl.DataFrame:
    return simulate_cycle(
        towns=2, per_town=8, peers=3, residents=2, seed=seed, competencies=("a", "b", "c")
    ).responses


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 1000), shuffle=st.integers(0, 1000))
def test_results_do_not_depend_on_row_order_or_rater_labels(seed: int, shuffle: int) -> None:
    responses = small(seed)
    base = calibrate(responses)
    shuffled = calibrate(responses.sample(fraction=1.0, shuffle=True, seed=shuffle))
    ids = responses["rater_id"].unique().to_list()
    mapping = dict(
        zip(ids, np.random.default_rng(shuffle).permutation(len(ids)) + 5000, strict=True)
    )
    relabelled = calibrate(responses.with_columns(pl.col("rater_id").replace_strict(mapping)))
    for other in (shuffled, relabelled):
        pl.testing.assert_frame_equal(base.scores, other.scores.sort(KEYS), abs_tol=1e-9)
    severities = base.raters.with_columns(pl.col("rater_id").replace_strict(mapping, default=None))
    pl.testing.assert_frame_equal(
        severities.sort("rater_id").drop_nulls("rater_id"),
        relabelled.raters.sort("rater_id"),
        abs_tol=1e-9,
        check_dtypes=False,
    )


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
def test_shifting_one_raters_ratings_moves_their_severity_and_keeps_the_ranking(
    seed: int, shifted: int
) -> None:
    frame = crossed(seed)
    before = calibrate(frame)
    after = calibrate(
        frame.with_columns(
            pl.when(pl.col("rater_id") == shifted)
            .then(pl.col("level") + 1)
            .otherwise(pl.col("level"))
            .alias("level")
        )
    )
    change = after.raters.join(before.raters, on="rater_id", suffix="_before").with_columns(
        delta=pl.col("severity") - pl.col("severity_before")
    )
    own = change.filter(pl.col("rater_id") == shifted)["delta"].item()
    others = change.filter(pl.col("rater_id") != shifted)["delta"].mean()
    n = 12 * 3
    assert own - others == pytest.approx(-n / (n + RIDGE), abs=0.02)  # one level more lenient
    moved = after.scores.join(before.scores, on=KEYS, suffix="_before").with_columns(
        delta=pl.col("score") - pl.col("score_before")
    )
    for _, group in moved.group_by("competency"):
        b, a = group["score_before"].to_numpy(), group["score"].to_numpy()
        apart = np.abs(b[:, None] - b[None, :]) > 0.005  # pairs not tied to begin with
        same_order = np.sign(b[:, None] - b[None, :]) == np.sign(a[:, None] - a[None, :])
        assert same_order[apart].all()  # the calibrated ranking of cadres is unchanged


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 1000))
def test_scores_and_intervals_stay_on_the_scale(seed: int) -> None:
    scores = calibrate(small(seed)).scores
    assert scores["score"].is_between(1, 5).all()
    assert (scores["lo"] <= scores["score"]).all()
    assert (scores["score"] <= scores["hi"]).all()
    assert scores["score_100"].is_between(0, 100).all()


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
    result = calibrate(with_self)
    pl.testing.assert_frame_equal(result.scores, calibrate(frame).scores)
    residents = frame.filter(pl.col("rater_group") == "resident")["rater_id"].unique()
    assert not result.raters["rater_id"].is_in(residents.implode()).any()
    assert result.components == 1  # towns are tied together through the residents' anchor


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recovery_of_known_abilities(seed: int) -> None:
    sim = simulate_cycle(seed=seed)
    result = calibrate(sim.responses)
    joined = result.scores.join(sim.truth, on=KEYS)
    rho_calibrated = joined.select(pl.corr("score", "true_score", method="spearman")).item()
    rho_raw = joined.select(pl.corr("raw_mean", "true_score", method="spearman")).item()
    coverage = joined.select(
        ((pl.col("lo") <= pl.col("true_score")) & (pl.col("true_score") <= pl.col("hi"))).mean()
    ).item()
    print(
        f"seed {seed}: rank correlation with truth — calibrated {rho_calibrated:.3f}, raw means {rho_raw:.3f}; "
        f"90% interval coverage {coverage:.3f}"
    )
    assert rho_calibrated > rho_raw
    assert 0.85 <= coverage <= 0.95
    severity = result.raters.join(sim.severities, on="rater_id")
    assert severity.select(pl.corr("severity", "true_severity")).item() > 0.85
