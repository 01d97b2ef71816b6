"""The effectiveness estimate recovers a planted training effect and finds none on a
competency the course did not target, on simulated cycles run through the real pipeline."""

from __future__ import annotations

import numpy as np
import polars as pl

from evaluation.analytics.pipeline import aggregate
from evaluation.rubrics.loader import load_default_rubric
from tests.simulation import simulate_cycle
from training.effects.effectiveness import did, placebo

EFFECT = 0.6
SETTINGS = {"towns": 10, "per_town": 40, "peers": 8, "residents": 0, "seed": 21}


def results(responses: pl.DataFrame) -> pl.DataFrame:
    ratees = responses.select(pl.col("ratee_id").unique()).with_columns(
        position_class=pl.lit("staff")
    )
    weights = {"superior": 0.35, "peer": 0.35, "resident": 0.3}
    rows = aggregate(responses, ratees, load_default_rubric(), weights).profiles
    # effects are compared before shrinkage, on released cells
    return rows.filter(pl.col("corrected").is_not_null()).with_columns(score="corrected")


def trial(seed: int) -> tuple[object, object, float]:
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
    bump = rng.random(later.height) < EFFECT  # +1 level with probability 0.6 …
    target = pl.col("ratee_id").is_in(list(trained)) & (pl.col("competency") == "service")
    bumped = later.with_columns(
        level=pl.when(target & pl.Series(bump))
        .then((pl.col("level") + 1).clip(1, 5))
        .otherwise(pl.col("level"))
    )
    # … but never above 5: the effect the trained actually got, in their ratings
    planted = float(
        (bumped.filter(target)["level"].cast(pl.Float64) - later.filter(target)["level"]).mean()  # type: ignore[arg-type]
    )
    after = results(bumped)
    return (
        did(before, after, "service", trained, waitlist),
        placebo(before, after, {"service"}, trained, waitlist),
        planted,
    )


def test_planted_effect_is_recovered_and_the_placebo_shows_none() -> None:
    placebos, covered = [], 0
    for seed in range(1, 6):
        estimate, check, planted = trial(seed)
        assert estimate is not None and estimate.control == "waitlist"  # type: ignore[attr-defined]
        print(
            f"effect {estimate.effect:.2f} [{estimate.lo:.2f}, {estimate.hi:.2f}] "  # type: ignore[attr-defined]
            f"(trained Δ {estimate.treated_change:+.2f}, waitlist Δ {estimate.comparison_change:+.2f})"  # type: ignore[attr-defined]
        )
        covered += estimate.lo <= planted <= estimate.hi  # type: ignore[attr-defined]
        assert estimate.clear and estimate.effect > 0  # type: ignore[attr-defined]
        assert check is not None and check.competency != "service"  # type: ignore[attr-defined]
        placebos.append(check)
    # a 95% interval misses one time in twenty: across five trials, at most one may miss
    # the planted effect, at most one placebo may miss 0, and the placebos centre on 0
    assert covered >= 4
    assert sum(p.clear for p in placebos) <= 1  # type: ignore[attr-defined]
    assert abs(sum(p.effect for p in placebos) / len(placebos)) < 0.1  # type: ignore[attr-defined]
