"""Boundaries a mutation run found untested (issue 31: 28 of 34 realistic one-line bugs were
caught; these are the six that were not). Each test fails on its mutant:

* rank-method indicators ranked without town type;
* the 优秀 quota rounded up instead of down;
* the mystery visitor's weight ignored in the headline;
* a red card's deduction starting a quarter late;
* an appeal on the last day of 公示 refused;
* a competency weight of 0 accepted."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from evaluation.analytics.weighting import combine
from evaluation.appeals.publicity import appeals_open
from evaluation.groups import GROUPS
from evaluation.rubrics.loader import Problems, check_competency
from evaluation.scorecard.cards import apply_deductions
from evaluation.scorecard.plan import Method
from evaluation.scorecard.scoring import score
from evaluation.scorecard.tiers import excellent_places
from tests.scorecard.test_scoring import PLAN, county


def test_rank_indicators_rank_within_the_town_type() -> None:
    ranked = next(i.code for i in PLAN.indicators if i.method == Method.rank)
    towns, targets, values = county(3, 20)
    before = score(PLAN, values, targets, towns, [1, 2, 3, 4]).indicators
    one_type = towns["town_type"][0]
    others = towns.filter(pl.col("town_type") != one_type)["town_id"]
    # the other types' figures turned upside down: this type's ranks cannot move
    flipped = values.with_columns(
        value=pl.when(pl.col("indicator") == ranked, pl.col("town_id").is_in(others.implode()))
        .then(1000 - pl.col("value"))
        .otherwise(pl.col("value"))
    )
    after = score(PLAN, flipped, targets, towns, [1, 2, 3, 4]).indicators
    mine = towns.filter(pl.col("town_type") == one_type)["town_id"]

    def of_type(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.filter(
            pl.col("indicator") == ranked, pl.col("town_id").is_in(mine.implode())
        ).sort("town_id", "quarter")

    assert of_type(before).height > 0
    assert of_type(before)["score"].to_list() == of_type(after)["score"].to_list()


@pytest.mark.parametrize(
    ("towns", "share", "places"),
    [(9, 0.2, 1), (10, 0.2, 2), (14, 0.2, 2), (3, 0.2, 1), (2, 0.2, 0), (7, 0.5, 3)],
)
def test_the_excellent_quota_is_the_share_rounded_down(
    towns: int, share: float, places: int
) -> None:
    assert excellent_places(towns, share) == places


def test_the_mystery_visitors_weight_counts_in_the_headline() -> None:
    rows = [("superior", 4, 3.0), ("mystery", 4, 5.0)]
    groups = pl.DataFrame(
        {
            "cell": [0, 0],
            "ratee_id": [1, 1],
            "competency": ["service", "service"],
            "rater_group": pl.Series([g for g, _, _ in rows], dtype=pl.Enum(GROUPS)),
            "n": [n for _, n, _ in rows],
            "raw_mean": [m for _, _, m in rows],
            "corrected_mean": [m for _, _, m in rows],
        }
    )
    weighted = combine(groups, {"superior": 0.5, "mystery": 0.5}, sigma=0.5)
    assert weighted["corrected"].item() == pytest.approx(4.0)
    unweighted = combine(groups, {"superior": 1.0, "mystery": 0.0}, sigma=0.5)
    assert unweighted["corrected"].item() == pytest.approx(3.0)


def test_a_red_cards_deduction_counts_from_the_quarter_it_turned_red() -> None:
    totals = pl.DataFrame(
        {
            "town_id": [1] * 4 + [2] * 4,
            "quarter": [1, 2, 3, 4] * 2,
            "town_type": ["agricultural"] * 8,
            "total": [80.0] * 8,
            "rank": [1] * 8,
            "of": [2] * 8,
        }
    )
    deductions = pl.DataFrame(
        {
            "town_id": [1],
            "red_on": [dt.date(2026, 5, 10)],  # the second quarter
            "deduction": [2.0],
            "exempted": [False],
        }
    )
    adjusted = apply_deductions(totals, deductions, 2026, latest=3)
    town = adjusted.filter(pl.col("town_id") == 1).sort("quarter")
    assert town["total"].to_list() == [80.0, 78.0, 78.0, 78.0]


def test_a_card_red_after_the_latest_scored_quarter_counts_in_it_at_once() -> None:
    """实时扣分: the latest scored quarter — the standing the pages show — carries every card
    red so far, even one that turned red after that quarter ended; earlier quarters keep
    only the cards red by their own end (a mutant that dropped this survived make mutate)."""
    totals = pl.DataFrame(
        {
            "town_id": [1, 1, 1, 2, 2, 2],
            "quarter": [1, 2, 3] * 2,
            "town_type": ["agricultural"] * 6,
            "total": [80.0] * 6,
            "rank": [1] * 6,
            "of": [2] * 6,
        }
    )
    deductions = pl.DataFrame(
        {
            "town_id": [1],
            "red_on": [dt.date(2026, 11, 5)],  # the fourth quarter, not yet scored
            "deduction": [2.0],
            "exempted": [False],
        }
    )
    town = apply_deductions(totals, deductions, 2026, latest=3).filter(pl.col("town_id") == 1)
    assert town.sort("quarter")["total"].to_list() == [80.0, 80.0, 78.0]
    unscored = apply_deductions(totals, deductions, 2026, latest=None)
    assert unscored.filter(pl.col("town_id") == 1)["total"].to_list() == [80.0] * 3


def test_an_appeal_is_open_on_the_last_day_of_publicity_and_not_after() -> None:
    start, ends = dt.date(2027, 1, 20), dt.date(2027, 1, 27)
    assert appeals_open(start, ends, start)
    assert appeals_open(start, ends, ends)  # the last day is in
    assert not appeals_open(start, ends, ends + dt.timedelta(days=1))
    assert not appeals_open(start, ends, start - dt.timedelta(days=1))


@pytest.mark.parametrize("weight", [0, 0.0, -0.1, 1.01, "0.5", None])
def test_a_competency_weight_must_be_above_zero_and_at_most_one(weight: object) -> None:
    problems = Problems([])
    competency = {
        "id": "service",
        "name": "为民服务",
        "definition": "……",
        "dimension": "德",
        "weight": weight,
        "rated_by": ["superior"],
    }
    check_competency(competency, "competencies[0]", problems)
    assert "competencies[0].weight" in {where for where, _ in problems.items}
