"""A competency an upheld appeal excluded is gone from everything a result drives (issue 30):
before, it still counted as a 短板 and a red light, toward the 优秀 evidence rule, and it still
enrolled the cadre in training for it; now its numbers stay visible, its light and finding
do not."""

from __future__ import annotations

import polars as pl

from evaluation.analytics.pipeline import EXCLUDED, aggregate
from evaluation.results.county import per_cadre_frame
from evaluation.rubrics.loader import load_default_rubric
from tests.evaluation.truth import Design, simulate

RUBRIC = load_default_rubric()


def test_an_excluded_competency_drives_nothing() -> None:
    design = Design(towns=6, per_town=30, planted_share=0.5, planted_sd=(1.0, 1.5))
    truth = simulate(design, 11)
    before = aggregate(truth.responses, truth.ratees, RUBRIC, design.weights)
    weak = before.profiles.filter(pl.col("finding") == "weakness").row(0, named=True)
    excluded = pl.DataFrame({"ratee_id": [weak["ratee_id"]], "competency": [weak["competency"]]})
    after = aggregate(truth.responses, truth.ratees, RUBRIC, design.weights, excluded)

    cell = after.profiles.filter(
        (pl.col("ratee_id") == weak["ratee_id"]) & (pl.col("competency") == weak["competency"])
    ).row(0, named=True)
    assert cell["finding"] == EXCLUDED and cell["light"] is None and cell["severity"] is None
    assert cell["score"] == weak["score"]  # its numbers are still shown
    others = pl.col("ratee_id") != weak["ratee_id"]
    assert after.profiles.filter(others).equals(before.profiles.filter(others))

    people = truth.ratees.select("ratee_id").with_columns(
        name=pl.lit("某"), town_id=pl.lit(1), town=pl.lit("某镇"), position_class=pl.lit("staff")
    )
    summaries = truth.ratees.select("ratee_id").with_columns(overall=pl.lit(4.0), rank=pl.lit(1))
    counts = {
        which: per_cadre_frame(results.profiles, people, summaries)
        .filter(pl.col("ratee_id") == weak["ratee_id"])
        .row(0, named=True)
        for which, results in (("before", before), ("after", after))
    }
    assert counts["after"]["weak"] == counts["before"]["weak"] - 1
    assert counts["after"]["applicable"] == counts["before"]["applicable"] - 1
    assert weak["competency"] not in counts["after"]["weaknesses"]
