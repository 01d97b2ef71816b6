"""Recovery of known truth (tests/evaluation/truth.py, simulated apart from the analytics):
in every design calibrated scores rank cadres better than raw means, and 90% intervals cover
85–95% of true levels wherever the office is not warned about the design — the competency
scores and the overall that combines them, halo or not; thin evidence is
pulled toward the norm and intervals narrow as evidence grows; towns the rating graph does
not link are named and their intervals widened."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from evaluation.analytics.pipeline import CycleResults, aggregate
from evaluation.analytics.profiles import Z90, overall
from evaluation.rubrics.loader import load_default_rubric
from tests.evaluation.truth import Design, Truth, simulate

RUBRIC = load_default_rubric()
LENIENT_RESIDENTS = {"superior": 0.0, "peer": -0.3, "resident": 0.3}
DESIGNS = {
    "groups mixed in every proportion": Design(residents=(0, 12), leniency=LENIENT_RESIDENTS),
    "strict colleagues, lenient residents": Design(
        leniency={"superior": 0.0, "peer": -0.5, "resident": 0.5}
    ),
    "lenient colleagues, strict residents": Design(
        leniency={"superior": 0.0, "peer": 0.5, "resident": -0.5}
    ),
    "thin evidence": Design(
        superiors=(1, 1), peers=(2, 3), residents=(0, 3), leniency=LENIENT_RESIDENTS
    ),
    "disconnected towns": Design(unlinked_towns=2, leniency=LENIENT_RESIDENTS),
    # one rater's impression moves all their answers on a cadre: errors correlate (~0.6)
    "strong halo": Design(halo=0.6, leniency=LENIENT_RESIDENTS),
}
# unequal weights, as a rubric sets them (the simulated competencies are not the rubric's)
OVERALL_WEIGHTS = {f"c{j:02d}": w for j, w in enumerate((3, 2, 2, 1, 1, 1, 1, 1))}


def run(design: Design, seed: int) -> tuple[Truth, CycleResults, pl.DataFrame]:
    truth = simulate(design, seed)
    results = aggregate(truth.responses, truth.ratees, RUBRIC, design.weights)
    raw = (
        truth.responses.filter(pl.col("rater_group") != "self")
        .group_by("ratee_id", "competency")
        .agg(raw=pl.col("level").mean())
    )
    shown = (
        results.profiles.filter(pl.col("score").is_not_null())
        .join(truth.levels, on=["ratee_id", "competency"])
        .join(raw, on=["ratee_id", "competency"])
        .with_columns(
            covered=(pl.col("lo") <= pl.col("true_level")) & (pl.col("true_level") <= pl.col("hi"))
        )
    )
    return truth, results, shown


def overall_coverage(truth: Truth, results: CycleResults) -> pl.DataFrame:
    """Each linked cadre's overall (from the released cells, as every page computes it)
    beside the true overall over the same competencies; `covered` by its 90% interval."""
    counted = results.profiles.filter(pl.col("score").is_not_null(), pl.col("component") == 0)
    true_overall = (
        counted.select("ratee_id", "competency")
        .join(truth.levels, on=["ratee_id", "competency"])
        .with_columns(w=pl.col("competency").replace_strict(OVERALL_WEIGHTS, default=0.0))
        .group_by("ratee_id")
        .agg(true=(pl.col("true_level") * pl.col("w")).sum() / pl.col("w").sum())
    )
    half = Z90 * pl.col("overall_sd")
    return (
        overall(counted, OVERALL_WEIGHTS, truth.ratees.select("ratee_id", "position_class"))
        .join(true_overall, on="ratee_id")
        .with_columns(
            covered=(pl.col("overall") - half <= pl.col("true"))
            & (pl.col("true") <= pl.col("overall") + half)
        )
    )


@pytest.mark.parametrize("name", list(DESIGNS))
def test_calibrated_scores_beat_raw_means_and_intervals_cover(name: str) -> None:
    design = DESIGNS[name]
    rho, rho_raw, coverage, linked_coverage, overall_covered = [], [], [], [], []
    for seed in range(3):
        truth, results, shown = run(design, seed)
        overall_covered.append(overall_coverage(truth, results)["covered"].mean())
        rho.append(shown.select(pl.corr("score", "true_level", method="spearman")).item())
        rho_raw.append(shown.select(pl.corr("raw", "true_level", method="spearman")).item())
        coverage.append(shown["covered"].mean())
        linked_coverage.append(shown.filter(pl.col("component") == 0)["covered"].mean())
    print(
        f"{name}: rank correlation with truth — calibrated {np.mean(rho):.3f}, raw means "
        f"{np.mean(rho_raw):.3f}; 90% interval coverage {np.mean(coverage):.3f}, of the "
        f"overall {np.mean(overall_covered):.3f}"
    )
    # the overall's interval counts the errors a cadre's competencies share (halo, level)
    assert 0.85 <= np.mean(overall_covered) <= 0.95
    assert np.mean(rho) > np.mean(rho_raw)
    if name != "disconnected towns":  # the office is warned there (below)
        assert 0.85 <= np.mean(coverage) <= 0.95
    else:
        assert 0.85 <= np.mean(linked_coverage) <= 0.95


def test_unlinked_towns_are_named_and_their_intervals_widened() -> None:
    design = DESIGNS["disconnected towns"]
    truth, results, shown = run(design, 1)
    unlinked_towns = set(
        results.unlinked.join(truth.ratees, on="ratee_id")["town_id"].unique().to_list()
    )
    assert unlinked_towns == {design.towns - 1, design.towns}  # the last two towns
    width = shown.with_columns(width=pl.col("hi") - pl.col("lo"), unlinked=pl.col("component") > 0)
    by = dict(width.group_by("unlinked").agg(pl.col("width").mean()).iter_rows())
    assert by[True] > by[False]


def test_thin_evidence_is_pulled_toward_the_norm_and_intervals_narrow_with_n() -> None:
    _, _, shown = run(Design(superiors=(1, 3), peers=(1, 8), residents=(0, 12)), 2)
    frame = shown.with_columns(
        pull=1 - pl.col("reliability"),
        width=pl.col("hi") - pl.col("lo"),
        toward=(pl.col("score") - pl.col("corrected")).abs(),
    )
    # shrinkage: the score sits between the unshrunk mean and the norm, closer to the norm
    # the thinner the evidence
    assert frame.select(pl.corr("n", "pull", method="spearman")).item() < -0.5
    assert frame.select(pl.corr("n", "width", method="spearman")).item() < -0.5
    thin, rich = (
        frame.filter(pl.col("n") <= frame["n"].quantile(0.2)),
        frame.filter(pl.col("n") >= frame["n"].quantile(0.8)),
    )
    distance = (pl.col("corrected") - pl.col("norm")).abs()
    assert (thin["toward"] / thin.select(distance).to_series()).median() > (
        rich["toward"] / rich.select(distance).to_series()
    ).median()
