"""The scoring edge cases issue 30 found against an independent re-implementation, each
stated as a rule and tested (each failed before):

* an indicator without a target (no contract row, or 0) is not a silent 0 with a green light:
  it leaves its dimension (the weights renormalised) and shows red with "未下达目标";
* totals are ranked as the pages show them (one decimal), so equal shown totals share a rank;
* no town is both 优秀 and proposed for 约谈 (three towns tied in one type);
* the cadre 优秀 quota breaks ties by a stated rule, never by row order."""

from __future__ import annotations

import msgspec
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.results.county import results_use
from evaluation.scorecard.plan import Band, Method
from evaluation.scorecard.scoring import NO_TARGET, score, with_class_rank
from evaluation.scorecard.tiers import with_tiers
from tests.scorecard.test_scoring import PLAN, county


def test_a_missing_target_leaves_the_total_and_says_so() -> None:
    towns, targets, values = county(7, 10)
    code = next(i.code for i in PLAN.indicators if i.method == Method.attainment)
    town = int(
        targets.join(
            values.select("town_id", "indicator").unique(), on=["town_id", "indicator"]
        ).filter(pl.col("indicator") == code)["town_id"][0]
    )
    for missing in (
        targets.filter(~((pl.col("town_id") == town) & (pl.col("indicator") == code))),
        targets.with_columns(
            target=pl.when((pl.col("town_id") == town) & (pl.col("indicator") == code))
            .then(0.0)
            .otherwise(pl.col("target"))
        ),
    ):
        scores = score(PLAN, values, missing, towns, [1, 2, 3, 4])
        rows = scores.indicators.filter(pl.col("town_id") == town, pl.col("indicator") == code)
        assert rows["light"].to_list() == ["red"] * rows.height
        assert rows["reason"].to_list() == [NO_TARGET] * rows.height
        assert rows["score"].null_count() == rows.height  # not a 0 counted in the total
        quarter = int(rows["quarter"][0])
        dimension = str(rows["dimension"][0])
        others = scores.indicators.filter(
            pl.col("town_id") == town,
            pl.col("quarter") == quarter,
            pl.col("dimension") == dimension,
            pl.col("indicator") != code,
        ).join(
            pl.DataFrame(
                {"indicator": [i.code for i in PLAN.indicators]},
            ).with_columns(weight=pl.Series([i.weight for i in PLAN.indicators], dtype=pl.Float64)),
            on="indicator",
        )
        expected = (others["score"] * others["weight"]).sum() / others["weight"].sum()
        got = scores.dimensions.filter(
            pl.col("town_id") == town,
            pl.col("quarter") == quarter,
            pl.col("dimension") == dimension,
        )["score"].item()
        assert abs(got - expected) < 1e-9


@settings(max_examples=200, deadline=None)
@given(st.floats(10, 95), st.floats(-0.04, 0.04))
def test_equal_shown_totals_share_a_rank(total: float, noise: float) -> None:
    a = round(total, 1) + 0.01
    b = a + noise / 10  # within float noise of a, the same to one decimal (mostly)
    frame = pl.DataFrame(
        {"town_id": [1, 2], "town_type": ["agricultural"] * 2, "quarter": [1, 1], "total": [a, b]}
    )
    ranked = with_class_rank(frame, "total")
    same_shown = round(a, 1) == round(b, 1)
    assert (ranked["rank"].to_list() == [1, 1]) == same_shown


def test_no_town_is_both_excellent_and_called_to_an_interview() -> None:
    from evaluation.scorecard.plan import ResultsUse

    standing = pl.DataFrame(
        {
            "town_id": [1, 2, 3, 4, 5, 6],
            "town_type": ["agricultural"] * 3 + ["tourism"] * 3,
            "score": [80.0, 80.0, 80.0, 90.0, 85.0, 70.0],
        }
    )
    tiers = with_tiers(standing, ResultsUse())
    assert tiers.filter(pl.col("excellent") & pl.col("lowest")).is_empty()
    tourism = tiers.filter(pl.col("town_type") == "tourism").sort("town_id")
    assert tourism["excellent"].to_list() == [True, False, False]
    assert tourism["lowest"].to_list() == [False, False, True]


def tie_heavy(order: list[int]) -> pl.DataFrame:
    """Six eligible cadres of one town with equal overalls: a quota of one (1/5 of 6)."""
    rows = {
        "ratee_id": [11, 12, 13, 14, 15, 16],
        "town_id": [1] * 6,
        "overall": [4.2] * 6,
        "overall_sd": [0.20, 0.10, 0.10, 0.30, 0.10, 0.25],
        "competencies": [8, 8, 9, 8, 9, 8],
        "applicable": [9] * 6,
        "red": [0] * 6,
        "weak": [0] * 6,
    }
    frame = pl.DataFrame(rows)
    return frame[order]


@settings(max_examples=50, deadline=None)
@given(st.permutations(list(range(6))))
def test_the_cadre_quota_breaks_ties_by_the_stated_rule(order: list[int]) -> None:
    frames = {
        "cadres": tie_heavy(order),
        "towns": pl.DataFrame(
            schema={
                "town_id": pl.Int64,
                "town": pl.String,
                "mean": pl.Float64,
                "cadres": pl.Int64,
                "light": pl.String,
                "lagging": pl.Boolean,
                "competency": pl.String,
            }
        ),
    }
    chosen = results_use(frames, green_from=3.6, red_below=2.6)["excellent_cadres"]
    # overall ties; the narrowest interval (0.10: 12, 13, 15); then more competencies (13, 15);
    # then the cadre number: 13 — whatever order the rows came in
    assert chosen["ratee_id"].to_list() == [13]


def test_a_plan_without_banded_indicators_scores() -> None:
    """A county may score every indicator by attainment: with no bands at all the band
    table is empty but typed, and scoring runs (a mutant dropping its schema survived)."""
    plan = msgspec.structs.replace(
        PLAN,
        indicators=[
            msgspec.structs.replace(i, method=Method.attainment, bands=[])
            if i.method == Method.bands
            else i
            for i in PLAN.indicators
        ],
    )
    towns, targets, values = county(3, 10)
    scores = score(plan, values, targets, towns, [1, 2, 3, 4])
    assert scores.totals.height == 40 and scores.totals["total"].null_count() == 0


def test_lower_is_better_indicators_and_what_each_row_carries() -> None:
    """Rules `make mutate` found untested, on a plan a county could write: a banded indicator
    where lower is better reaches a band at or below its value; a ranked one ranks the
    smallest first; a lower-is-better attainment below 1 is target ÷ value, not the cap;
    only an attainment indicator with a target has an attainment; each row carries its
    weight, annual target and the quarter's pro-rata share; scores read to one decimal."""
    complaints = msgspec.structs.replace(
        PLAN.indicator("satisfaction_rate"),
        higher_is_better=False,
        bands=[Band(from_value=2.0, score=100.0), Band(5.0, 80.0), Band(10.0, 50.0)],
    )
    fewest = msgspec.structs.replace(PLAN.indicator("innovation_cases"), higher_is_better=False)
    swap = {complaints.code: complaints, fewest.code: fewest}
    plan = msgspec.structs.replace(PLAN, indicators=[swap.get(i.code, i) for i in PLAN.indicators])
    towns = pl.DataFrame({"town_id": [1, 2, 3, 4], "town_type": ["agricultural"] * 4})
    rows = [
        (t, complaints.code, v) for t, v in zip(range(1, 5), [2.0, 5.0, 7.0, 11.0], strict=True)
    ]
    rows += [(t, fewest.code, float(t)) for t in range(1, 5)]
    rows += [(1, "hotline_response", 0.8), (2, "hotline_response", 0.0)]
    rows += [(t, "fiscal_revenue", 200.0) for t in range(1, 5)]
    values = pl.DataFrame(
        [(t, code, 1, v) for t, code, v in rows],
        schema=["town_id", "indicator", "quarter", "value"],
        orient="row",
    )
    targets = pl.DataFrame(
        [(1, "hotline_response", 0.5), (2, "hotline_response", 0.5)]
        + [(t, "fiscal_revenue", 1000.0) for t in (1, 2, 3)]
        + [(4, "fiscal_revenue", 0.0)]
        + [(t, complaints.code, 90.0) for t in range(1, 5)],
        schema=["town_id", "indicator", "target"],
        orient="row",
    )
    got = score(plan, values, targets, towns, [1]).indicators

    def column(code: str, name: str) -> list[object]:
        return got.filter(indicator=code).sort("town_id")[name].to_list()

    assert column(complaints.code, "score") == [100.0, 80.0, 50.0, 0.0]
    assert column(complaints.code, "attainment") == [None] * 4  # a target, but banded
    assert column(fewest.code, "score") == pytest.approx([100.0, 200 / 3, 100 / 3, 0.0])
    assert column(fewest.code, "reason")[1].startswith("得分 66.7，")
    assert column("hotline_response", "attainment")[:2] == pytest.approx([0.625, 1.2])
    assert column("hotline_response", "score")[:2] == pytest.approx([62.5, 120.0])
    fiscal = got.filter(indicator="fiscal_revenue").sort("town_id")
    assert fiscal["target"].to_list() == [1000.0, 1000.0, 1000.0, 0.0]
    assert fiscal["pro_rata"].to_list() == [250.0, 250.0, 250.0, 0.0]  # cumulative: Q1 is ¼
    assert fiscal["weight"].to_list() == [PLAN.indicator("fiscal_revenue").weight] * 4
    assert fiscal["attainment"].to_list() == pytest.approx([0.8, 0.8, 0.8, None])  # no target


def test_totals_are_listed_by_quarter_type_rank_and_town() -> None:
    """The standings table is read top to bottom: each quarter, each town type, by rank,
    equal shown totals by town number."""
    towns, targets, values = county(9, 12)
    totals = score(PLAN, values, targets, towns, [1, 2]).totals
    keys = totals.select("quarter", "town_type", "rank", "town_id").rows()
    assert keys == sorted(keys)
    assert totals["red"].dtype == pl.Int64 and totals["yellow"].dtype == pl.Int64
    # eight towns reporting alike tie: listed by town number, whatever order they were summed
    same = towns.filter(pl.col("town_id") == 1)["town_type"].item()
    alike = pl.DataFrame({"town_id": range(1, 9), "town_type": [same] * 8})
    copies = [
        pl.DataFrame({"town_id": range(1, 9)}).join(f.drop("town_id"), how="cross")
        for f in (values.filter(town_id=1), targets.filter(town_id=1))
    ]
    tied = score(PLAN, copies[0], copies[1], alike, [1]).totals
    assert tied["rank"].to_list() == [1] * 8 and tied["town_id"].to_list() == list(range(1, 9))


def test_a_dimension_left_without_any_score_leaves_the_total_renormalised() -> None:
    """Every finance target missing for a town: its finance dimension has no score, and the
    total is the other dimensions' weighted mean over their own weights (÷ Σ weights; with
    every dimension scored that sum is 1, which hid a × in its place)."""
    towns, targets, values = county(4, 10)
    finance = [i.code for i in PLAN.indicators if i.dimension == "finance"]
    town = 1
    gone = targets.filter(~((pl.col("town_id") == town) & pl.col("indicator").is_in(finance)))
    scores = score(PLAN, values, gone, towns, [1])
    dims = scores.dimensions.filter(pl.col("town_id") == town)
    weights = {str(k): v for k, v in PLAN.dimensions.items()}
    scored = {d: s for d, s in dims.select("dimension", "score").rows() if s is not None}
    assert "finance" not in scored and scored
    expected = sum(s * weights[d] for d, s in scored.items()) / sum(weights[d] for d in scored)
    got = scores.totals.filter(pl.col("town_id") == town)["total"].item()
    assert got == pytest.approx(expected)
    # a plan scoring everything by attainment and a town with no target at all: no total
    # (and no rank), where 0/0 once gave NaN
    every = msgspec.structs.replace(
        PLAN,
        indicators=[
            msgspec.structs.replace(i, method=Method.attainment, bands=[]) for i in PLAN.indicators
        ],
    )
    none = targets.filter(pl.col("town_id") != town)
    totals = score(every, values, none, towns, [1]).totals.filter(pl.col("town_id") == town)
    assert totals["total"].to_list() == [None] and totals["rank"].to_list() == [None]


def test_totals_printed_alike_share_a_rank_whatever_polars_round_says() -> None:
    """27.15 is stored as 27.1499…: the pages print it 27.1, as they print 27.0766 — one
    rank for both (polars' `round` made it 27.2 and ranked it alone first; found by the
    scoring oracle's generated counties)."""
    frame = pl.DataFrame(
        {
            "town_id": [1, 2, 3, 4],
            "town_type": ["chengguan"] * 4,
            "total": [27.15, 27.0766, 5.569, None],
        }
    )
    assert [f"{t:.1f}" for t in frame["total"].drop_nulls()] == ["27.1", "27.1", "5.6"]
    ranked = with_class_rank(frame, "total")
    assert ranked["rank"].to_list() == [1, 1, 3, None]
    assert ranked["of"].to_list() == [4, 4, 4, 4]
    assert ranked.columns == [*frame.columns, "rank", "of"]
