"""Weakness calls that training can trust (tests/evaluation/truth.py, one planted specific
weakness of 0.5–1 SD of individual ratings in a quarter of the cadres, a general level that
varies, and small natural differences between competencies):

* fewer than 10% of cadres whose profile has no specific dip (none below −0.25 SD) get a
  短板;
* at least half of the planted weaknesses — where the weak competency is truly below the
  class norm and the shown evidence is sufficient — are caught."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from evaluation.analytics.pipeline import aggregate
from evaluation.rubrics.loader import load_default_rubric
from tests.evaluation.truth import Design, simulate

RUBRIC = load_default_rubric()
PLANTED = {"planted_share": 0.25, "general_sd": 0.4, "specific_sd": 0.1}
DESIGNS = {
    "varied rater counts": Design(**PLANTED),
    "2 leaders, 6 peers, 10 residents on 4 of 10": Design(
        **PLANTED,
        superiors=(2, 2),
        peers=(6, 6),
        residents=(10, 10),
        resident_items=4,
        competencies=10,
    ),
    "strict colleagues, lenient residents": Design(
        **PLANTED, leniency={"superior": 0.0, "peer": -0.5, "resident": 0.4}
    ),
}


def rating_sd(d: Design) -> float:
    return float(
        np.sqrt(
            d.general_sd**2 + d.specific_sd**2 + d.rater_sd**2 + d.halo**2 + d.noise**2 + 1 / 12
        )
    )


def measure(design: Design, seed: int) -> tuple[float, int, float, int]:
    truth = simulate(design, seed)
    results = aggregate(truth.responses, truth.ratees, RUBRIC, design.weights)
    shown = results.profiles.filter(pl.col("score").is_not_null())
    m = pl.len().over("ratee_id")
    levels = truth.levels.join(truth.ratees.select("ratee_id", "position_class"), on="ratee_id")
    levels = levels.with_columns(
        dip=(
            pl.col("true_level")
            - (pl.col("true_level").sum().over("ratee_id") - pl.col("true_level")) / (m - 1)
        )
    ).with_columns(
        dip=(pl.col("dip") - pl.col("dip").mean().over("competency", "position_class"))
        / rating_sd(design),
        below=pl.col("true_level")
        < pl.col("true_level").mean().over("competency", "position_class"),
    )
    joined = shown.join(levels, on=["ratee_id", "competency"])
    flat = (
        levels.group_by("ratee_id").agg((pl.col("dip") > -0.25).all().alias("flat")).filter("flat")
    )
    clean = joined.filter(pl.col("ratee_id").is_in(flat["ratee_id"].implode()))
    flagged = clean.group_by("ratee_id").agg((pl.col("finding") == "weakness").any().alias("w"))
    real = joined.join(truth.planted, on=["ratee_id", "competency"]).filter(
        pl.col("below") & pl.col("enough_evidence")
    )
    return (
        float(flagged["w"].sum()),
        flagged.height,
        float((real["finding"] == "weakness").sum()),
        real.height,
    )


@pytest.mark.parametrize("name", list(DESIGNS))
def test_few_false_weaknesses_and_most_real_ones_caught(name: str) -> None:
    false, clean, caught, real = (
        sum(x) for x in zip(*(measure(DESIGNS[name], s) for s in range(6)), strict=True)
    )
    print(
        f"{name}: {false / clean:.1%} of {clean} cadres without a specific dip got a 短板; "
        f"{caught / real:.1%} of {real} real 0.5–1 SD weaknesses caught"
    )
    assert false / clean < 0.10
    assert caught / real >= 0.50
