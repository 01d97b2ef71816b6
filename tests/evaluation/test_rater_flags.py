"""Rater flags on a simulated cycle with planted straight-liners, an extreme rater and a
copied-form cluster."""

from __future__ import annotations

import polars as pl
import polars.testing

from evaluation.analytics.calibration import calibrate
from evaluation.analytics.rater_flags import rater_flags
from tests.simulation import simulate_cycle


def test_planted_problems_are_flagged_and_ordinary_raters_are_not() -> None:
    responses = simulate_cycle(towns=2, per_town=20, peers=4, residents=0, seed=11).responses
    straight = 3
    strict = 7
    responses = responses.with_columns(
        level=pl.when(pl.col("rater_id") == straight)
        .then(4)
        .when(pl.col("rater_id") == strict)
        .then(1)
        .otherwise(pl.col("level"))
    )
    copied_ratee = 25
    copiers = responses.filter(
        (pl.col("ratee_id") == copied_ratee) & (pl.col("rater_group") == "peer")
    )["rater_id"].unique()[:3]
    template = responses.filter(
        (pl.col("ratee_id") == copied_ratee) & (pl.col("rater_id") == copiers[0])
    ).select("competency", "level")
    responses = (
        responses.join(template.rename({"level": "copied"}), on="competency", how="left")
        .with_columns(
            level=pl.when(
                (pl.col("ratee_id") == copied_ratee) & pl.col("rater_id").is_in(copiers.implode())
            )
            .then(pl.col("copied"))
            .otherwise(pl.col("level"))
        )
        .drop("copied")
    )
    flags = rater_flags(responses, calibrate(responses).raters)
    by_id = {row["rater_id"]: row for row in flags.iter_rows(named=True)}
    assert by_id[straight]["straight_lining"]
    assert by_id[strict]["extreme"] == "strict"
    assert all(by_id[r]["identical_cluster"] for r in copiers)
    ordinary = flags.filter(~pl.col("rater_id").is_in([straight, strict, *copiers]))
    assert not ordinary["straight_lining"].any()
    assert ordinary["extreme"].is_null().mean() > 0.9


def test_flags_do_not_depend_on_row_order() -> None:
    """Forms whose items arrive together take a run-length path; shuffled rows are grouped by
    hashing. Both must give the same flags."""
    responses = simulate_cycle(towns=2, per_town=12, peers=4, residents=2, seed=5).responses
    copied = (pl.col("ratee_id") == 5) & (pl.col("rater_group") == "peer")
    responses = responses.with_columns(  # a straight-liner and a copied pattern to find
        level=pl.when(pl.col("rater_id") == 4)
        .then(3)
        .when(copied)
        .then(pl.col("competency").str.len_chars() % 5 + 1)
        .otherwise(pl.col("level"))
    )
    raters = calibrate(responses).raters
    grouped = rater_flags(responses.sort("rater_id", "ratee_id", "rater_group"), raters)
    shuffled = rater_flags(responses.sample(fraction=1.0, shuffle=True, seed=3), raters)
    pl.testing.assert_frame_equal(grouped, shuffled)
    assert grouped.filter(pl.col("rater_id") == 4)["straight_lining"].item()
    assert grouped["identical_cluster"].sum() >= 3
