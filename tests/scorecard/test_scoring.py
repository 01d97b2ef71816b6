"""Scoring rules as properties: monotone in attainment, weighted means whose weights sum to
one, caps respected, ranks unchanged by rescaling an indicator, lights explained."""

from __future__ import annotations

import msgspec
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.scorecard.plan import Band, Method, Plan, plan_for_year
from evaluation.scorecard.scoring import composite, indicator_frame, score

PLAN = plan_for_year(2026)
TYPES = ["agricultural", "chengguan", "industrial", "ecological", "tourism"]


def county(seed: int, towns: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Towns of every type, each with a target and a value for every indicator due."""
    import numpy as np

    rng = np.random.default_rng(seed)
    town_frame = pl.DataFrame(
        {"town_id": list(range(1, towns + 1)), "town_type": [TYPES[i % 5] for i in range(towns)]}
    )
    due = town_frame.join(indicator_frame(PLAN), on="town_type")
    targets = (
        due.select("town_id", "indicator")
        .unique()
        .with_columns(
            target=pl.Series(rng.uniform(10, 200, due["town_id", "indicator"].n_unique()))
        )
    )
    values = due.select("town_id", "indicator", "quarter").with_columns(
        value=pl.Series(rng.uniform(0, 150, due.height)).round(2)
    )
    return town_frame, targets, values


def total_of(scores: pl.DataFrame, town: int, quarter: int) -> float:
    return scores.filter(pl.col("town_id") == town, pl.col("quarter") == quarter)["total"].item()


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 10_000),
    st.floats(1.01, 3.0),
    st.sampled_from(["fiscal_revenue", "hotline_response", "grid_closure"]),
)
def test_better_attainment_never_lowers_a_score(seed: int, factor: float, code: str) -> None:
    towns, targets, values = county(seed, 10)
    before = score(PLAN, values, targets, towns, [1, 2, 3, 4])
    higher = PLAN.indicator(code).higher_is_better
    improved = values.with_columns(
        value=pl.when(pl.col("indicator") == code, pl.col("town_id") == 1)
        .then(pl.col("value") * factor if higher else pl.col("value") / factor)
        .otherwise(pl.col("value"))
    )
    after = score(PLAN, improved, targets, towns, [1, 2, 3, 4])
    joined = before.indicators.join(
        after.indicators, on=["town_id", "quarter", "indicator"], suffix="_after"
    )
    assert (joined["score_after"] >= joined["score"] - 1e-9).all()
    moved = joined.filter(pl.col("indicator") == code, pl.col("town_id") == 1)
    assert (moved["attainment_after"] > moved["attainment"]).all()
    for quarter in (1, 2, 3, 4):
        assert total_of(after.totals, 1, quarter) >= total_of(before.totals, 1, quarter) - 1e-9


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000))
def test_caps_floors_and_weighted_means(seed: int) -> None:
    towns, targets, values = county(seed, 15)
    scores = score(PLAN, values, targets, towns, [1, 2, 3, 4])
    caps = pl.DataFrame(
        {"indicator": [i.code for i in PLAN.indicators], "cap": [i.cap for i in PLAN.indicators]}
    )
    checked = scores.indicators.join(caps, on="indicator")
    assert (checked["score"] >= 0).all()
    assert (checked["score"] <= 100 * checked["cap"] + 1e-9).all()
    attainment = checked.filter(pl.col("method") == Method.attainment)
    assert (
        attainment.filter(pl.col("attainment") >= pl.col("cap"))["score"]
        .is_between(100 * attainment["cap"].min() - 1e-9, 100 * attainment["cap"].max() + 1e-9)
        .all()
    )
    # a dimension is a weighted mean of its indicators; the total of its dimensions
    spread = scores.indicators.group_by("town_id", "quarter", "dimension").agg(
        low=pl.col("score").min(), high=pl.col("score").max()
    )
    inside = scores.dimensions.join(spread, on=["town_id", "quarter", "dimension"])
    assert (
        (inside["score"] >= inside["low"] - 1e-9) & (inside["score"] <= inside["high"] + 1e-9)
    ).all()
    dims = scores.dimensions.group_by("town_id", "quarter").agg(
        low=pl.col("score").min(), high=pl.col("score").max()
    )
    totals = scores.totals.join(dims, on=["town_id", "quarter"])
    assert (
        (totals["total"] >= totals["low"] - 1e-9) & (totals["total"] <= totals["high"] + 1e-9)
    ).all()


def test_equal_scores_everywhere_give_that_total() -> None:
    """Weights summing to one: if every indicator scores 80, every dimension and total is 80
    — for every town type, whatever its mix of 共性 and 个性 indicators."""
    towns, targets, values = county(3, 10)
    flat = targets.with_columns(target=pl.lit(100.0))
    plan = msgspec.structs.replace(
        PLAN,
        indicators=[
            msgspec.structs.replace(
                i,
                method=Method.attainment,
                cumulative=False,
                targets={"all": 1.0},
                higher_is_better=True,
            )
            for i in PLAN.indicators
        ],
    )
    scores = score(plan, values.with_columns(value=pl.lit(80.0)), flat, towns, [1, 2, 3, 4])
    assert scores.dimensions["score"].to_list() == pytest.approx([80.0] * scores.dimensions.height)
    assert scores.totals["total"].to_list() == pytest.approx([80.0] * scores.totals.height)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 10_000),
    st.floats(0.001, 1000.0),
    st.sampled_from([i.code for i in PLAN.indicators]),
)
def test_rescaling_an_indicator_changes_no_rank(seed: int, factor: float, code: str) -> None:
    """A change of unit (万元 → 元, hours → minutes) multiplies values, targets and band
    thresholds alike; no town's score or rank moves."""
    towns, targets, values = county(seed, 20)
    indicator = PLAN.indicator(code)
    if indicator.method == Method.deduction:
        return  # events are counts: they have no unit to change
    rescaled_plan = msgspec.structs.replace(
        PLAN,
        indicators=[
            msgspec.structs.replace(
                i, bands=[Band(b.from_value * factor, b.score) for b in i.bands]
            )
            if i.code == code
            else i
            for i in PLAN.indicators
        ],
    )
    on_code = pl.col("indicator") == code
    before = score(PLAN, values, targets, towns, [1, 2, 3, 4]).totals
    after = score(
        rescaled_plan,
        values.with_columns(
            value=pl.when(on_code).then(pl.col("value") * factor).otherwise(pl.col("value"))
        ),
        targets.with_columns(
            target=pl.when(on_code).then(pl.col("target") * factor).otherwise(pl.col("target"))
        ),
        towns,
        [1, 2, 3, 4],
    ).totals
    joined = before.join(after, on=["town_id", "quarter"], suffix="_after")
    assert joined["rank"].to_list() == joined["rank_after"].to_list()
    assert joined["total"].to_list() == pytest.approx(joined["total_after"].to_list())


def test_missing_values_score_zero_and_light_red_with_the_rule() -> None:
    towns, targets, values = county(5, 5)
    gone = values.filter(~((pl.col("town_id") == 2) & (pl.col("indicator") == "public_culture")))
    scores = score(PLAN, gone, targets, towns, [2])
    row = scores.indicators.filter(pl.col("town_id") == 2, pl.col("indicator") == "public_culture")
    assert row["score"].item() == 0 and row["light"].item() == "red"
    assert "应报未报" in row["reason"].item()


def test_lights_follow_the_pro_rata_target() -> None:
    """Half-way through the year a cumulative target is half due: 45% of the annual target
    at Q2 is 90% of the pro-rata target (green at the line); 40% is yellow; 30% red."""
    towns = pl.DataFrame({"town_id": [1, 2, 3], "town_type": ["agricultural"] * 3})
    targets = pl.DataFrame(
        {"town_id": [1, 2, 3], "indicator": ["fiscal_revenue"] * 3, "target": [1000.0] * 3}
    )
    values = pl.DataFrame(
        {
            "town_id": [1, 2, 3],
            "indicator": ["fiscal_revenue"] * 3,
            "quarter": [2] * 3,
            "value": [450.0, 400.0, 300.0],
        }
    )
    rows = score(PLAN, values, targets, towns, [2]).indicators.filter(
        pl.col("indicator") == "fiscal_revenue"
    )
    assert rows.sort("town_id")["light"].to_list() == ["green", "yellow", "red"]
    assert "低于 90% 亮黄灯" in rows.filter(pl.col("town_id") == 2)["reason"].item()
    assert "低于 70% 亮红灯" in rows.filter(pl.col("town_id") == 3)["reason"].item()


def test_composite_uses_the_plans_shares_and_says_what_is_missing() -> None:
    plan: Plan = PLAN
    totals = pl.DataFrame(
        {"town_id": [1, 2], "town_type": ["agricultural"] * 2, "total": [90.0, 70.0]}
    )
    adjustments = pl.DataFrame(
        {"town_id": [1, 2], "field_check": [80.0, 100.0], "third_party": [70.0, 90.0]}
    )
    satisfaction = pl.DataFrame({"town_id": [1], "satisfaction": [60.0]})
    result = composite(plan, totals, adjustments, satisfaction).sort("town_id")
    first = 0.6 * 90 + 0.1 * 80 + 0.2 * 60 + 0.1 * 70
    second = (0.6 * 70 + 0.1 * 100 + 0.1 * 90) / 0.8
    assert result["composite"].to_list() == pytest.approx([first, second])
    assert result["missing"].to_list() == [[], ["satisfaction"]]
    expected = [1, 2] if first > second else [2, 1]
    assert result.sort("rank")["town_id"].to_list() == expected


def test_the_composite_is_listed_by_type_then_rank_then_town() -> None:
    """The year-end list is read top to bottom: within each town type by rank, equal
    composites by town number, a town with no composite at all last of its type."""
    towns = [5, 3, 8, 1, 9, 4]
    kinds = ["industrial", "agricultural", "agricultural", "industrial"] + ["agricultural"] * 2
    totals = pl.DataFrame(
        {"town_id": towns, "town_type": kinds, "total": [80.0, 80.0, 80.0, 80.0, 80.0, None]}
    )
    adjustments = pl.DataFrame(
        {
            "town_id": towns,
            "field_check": [None, 90.0, 70.0, None, 90.0, None],
            "third_party": [None, 80.0, 60.0, None, 80.0, None],
        }
    )
    satisfaction = pl.DataFrame({"town_id": [3, 8, 9], "satisfaction": [70.0, 50.0, 70.0]})
    listed = composite(PLAN, totals, adjustments, satisfaction)
    # agricultural: 3 and 9 tie (same parts) ahead of 8; 4 has nothing; industrial: 1 and 5 tie
    assert listed.select("town_type", "town_id").rows() == [
        ("agricultural", 3),
        ("agricultural", 9),
        ("agricultural", 8),
        ("agricultural", 4),
        ("industrial", 1),
        ("industrial", 5),
    ]
    assert listed["rank"].to_list() == [1, 1, 3, None, 1, 1]
