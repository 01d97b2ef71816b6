"""The effectiveness estimate recovers a planted training effect and finds none on a
competency the course did not target, on simulated cycles run through the real pipeline."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from evaluation.analytics.calibration import calibrate
from evaluation.analytics.coding import encode
from evaluation.analytics.profiles import profile_rows
from evaluation.analytics.weighting import group_scores
from tests.simulation import simulate_cycle
from training.effects.effectiveness import did, placebo

EFFECT = 0.6
SETTINGS = {"towns": 10, "per_town": 40, "peers": 8, "residents": 0, "seed": 21}


def results(responses: pl.DataFrame) -> pl.DataFrame:
    coded = encode(responses)
    calibration = calibrate(coded)
    ratees = pl.DataFrame({"ratee_id": coded.ratee_ids, "position_class": "staff"})
    rows = profile_rows(calibration.scores, group_scores(coded, calibration), ratees, 3.6, 2.6)
    return rows.with_columns(score="corrected")  # effects are compared before shrinkage


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_planted_effect_is_recovered_and_the_placebo_shows_none(seed: int) -> None:
    before = results(simulate_cycle(**SETTINGS).responses)
    weak = before.filter((pl.col("competency") == "service") & (pl.col("finding") == "weakness"))
    flagged = weak["ratee_id"].to_numpy().copy()
    rng = np.random.default_rng(seed)
    rng.shuffle(flagged)
    trained, waitlist = (
        set(flagged[: len(flagged) // 2].tolist()),
        set(flagged[len(flagged) // 2 :].tolist()),
    )

    later = simulate_cycle(**SETTINGS, noise_seed=100 + seed).responses
    bump = rng.random(later.height) < EFFECT  # +1 level with probability 0.6: +0.6 on average
    after = results(
        later.with_columns(
            level=pl.when(
                pl.col("ratee_id").is_in(list(trained))
                & (pl.col("competency") == "service")
                & pl.Series(bump)
            )
            .then((pl.col("level") + 1).clip(1, 5))
            .otherwise(pl.col("level"))
        )
    )
    estimate = did(before, after, "service", trained, waitlist)
    assert estimate is not None and estimate.control == "waitlist"
    print(
        f"effect {estimate.effect:.2f} [{estimate.lo:.2f}, {estimate.hi:.2f}] "
        f"(trained Δ {estimate.treated_change:+.2f}, waitlist Δ {estimate.comparison_change:+.2f})"
    )
    assert estimate.lo <= EFFECT <= estimate.hi
    assert estimate.clear and estimate.effect > 0
    check = placebo(before, after, {"service"}, trained, waitlist)
    assert check is not None and check.competency != "service"
    assert check.lo <= 0 <= check.hi
