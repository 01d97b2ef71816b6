"""The parts the plausibility checks and the composite are built from, pinned value by value
(each test here was written against a mutant `make mutate` found surviving): the precision a
figure is written to, a total's quarterly increments, the copy check's chance and who it
names, a falling total, and the year-end composite's rows."""

from __future__ import annotations

import datetime as dt
import math
import re
import statistics

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.scorecard.checks.copies import _step, comparison_spread, copied
from evaluation.scorecard.checks.frames import FLAG_SCHEMA, MIN_TOWNS, flows, normal, spec_frame
from evaluation.scorecard.checks.ledgers import falling
from evaluation.scorecard.plan import plan_for_year
from evaluation.scorecard.scoring import composite


@pytest.mark.parametrize(
    ("value", "step"),
    [
        (4512.37, 0.01),
        (92.5, 0.1),
        (0.1234, 0.0001),
        (0.123, 0.001),
        (4512.0, 1.0),
        (4510.0, 10.0),
        (4500.0, 100.0),
        (14000.0, 1000.0),
        (250000.0, 1000.0),  # zeros counted up to three places
        (-250.0, 10.0),
        (7.0, 1.0),
        (0.0, 1.0),
        (0.5, 0.1),
        (3.25, 0.01),
    ],
)
def test_the_precision_a_figure_is_written_to(value: float, step: float) -> None:
    found = pl.DataFrame({"v": [value]}).select(_step(pl.col("v"))).item()
    assert found == pytest.approx(step, rel=1e-9)


SPECS = pl.DataFrame(
    {
        "indicator": ["investment", "share", "imported"],
        "cumulative": [True, False, True],
        "direction": [1.0, -1.0, 1.0],
        "reported": [True, True, False],
    }
)


def rows(data: list[tuple[int, str, int, float]], source: str = "town") -> pl.DataFrame:
    return pl.DataFrame(
        [(t, i, q, source, v) for t, i, q, v in data],
        schema={
            "town_id": pl.Int64,
            "indicator": pl.String,
            "quarter": pl.Int32,
            "source": pl.String,
            "value": pl.Float64,
        },
        orient="row",
    )


def test_a_totals_increments_and_a_levels_values_are_what_is_compared() -> None:
    reported = rows(
        [
            (1, "investment", 3, 9000.0),  # out of order on purpose
            (1, "investment", 1, 2000.0),
            (1, "investment", 2, 5000.0),
            (2, "investment", 2, 4000.0),  # no first quarter: no increment to judge
            (1, "share", 1, 0.4),
            (1, "share", 2, 0.6),
            (1, "imported", 1, 10.0),  # another system's: not a town's report
        ]
    ).drop("source")
    got = flows(reported, SPECS).sort("town_id", "indicator", "quarter")
    assert got.select("town_id", "indicator", "quarter", "flow").rows() == [
        (1, "investment", 1, 2000.0),
        (1, "investment", 2, 3000.0),
        (1, "investment", 3, 4000.0),
        (1, "share", 1, 0.4),
        (1, "share", 2, 0.6),
    ]
    assert got.filter(indicator="share")["direction"].to_list() == [-1.0, -1.0]


def test_the_spec_frame_points_lower_is_better_indicators_down() -> None:
    plan = plan_for_year(2026)
    specs = spec_frame(plan)
    directions = dict(zip(specs["indicator"], specs["direction"], strict=True))
    for i in plan.indicators:
        assert directions[i.code] == (1.0 if i.higher_is_better else -1.0)
    assert {-1.0, 1.0} <= set(directions.values())
    assert specs.schema == pl.Schema(
        {
            "indicator": pl.String,
            "cumulative": pl.Boolean,
            "direction": pl.Float64,
            "reported": pl.Boolean,
        }
    )


def test_a_report_time_becomes_microseconds_and_its_absence_a_null() -> None:
    at = dt.datetime(2026, 4, 3, 9, 30, tzinfo=dt.UTC)
    timed = rows([(1, "share", 1, 0.4)]).with_columns(reported_at=pl.lit(at))
    assert normal(timed)["reported_at"].to_list() == [int(at.timestamp() * 1_000_000)]
    assert normal(rows([(1, "share", 1, 0.4)]))["reported_at"].to_list() == [None]


def test_a_total_that_falls_from_the_quarter_before_is_flagged_and_nothing_else() -> None:
    frame = rows(
        [
            (1, "investment", 1, 5000.0),
            (1, "investment", 2, 4000.0),  # fell: flagged in Q2
            (1, "investment", 3, 4500.0),  # below Q1 but above Q2: not flagged in Q3
            (4, "investment", 1, 700.0),
            (4, "investment", 2, 700.0),  # nothing added this quarter: not a fall
            (2, "share", 1, 0.6),
            (2, "share", 2, 0.4),  # a level may fall
            (3, "imported", 1, 10.0),
            (3, "imported", 2, 5.0),  # not the town's own report
        ]
    )
    frame = frame.with_columns(
        source=pl.when(pl.col("indicator") == "imported").then(pl.lit("grid")).otherwise("source")
    )
    q2 = falling(frame, SPECS, 2)
    assert q2.select("town_id", "indicator", "quarter", "check").rows() == [
        (1, "investment", 2, "falling")
    ]
    assert q2["message"].to_list() == ["累计值比上季度减少（5000.0 → 4000.0）"]
    assert falling(frame, SPECS, 3).is_empty()


TOWNS = pl.DataFrame(
    {
        "town_id": list(range(1, 13)),
        "name": [f"镇{i}" for i in range(1, 13)],
        "town_type": ["agri"] * 6 + ["eco"] * 6,
    }
)
COPY_SPECS = pl.DataFrame(
    {
        "indicator": [f"i{k}" for k in range(4)],
        "cumulative": [False] * 4,
        "direction": [1.0] * 4,
        "reported": [True] * 4,
    }
)


def county(values: dict[int, list[float]], at: dict[int, int] | None = None) -> pl.DataFrame:
    """Twelve towns' four figures in Q2 (town → figures), each report at its time."""
    return pl.DataFrame(
        [
            (town, f"i{k}", 2, "town", v, (at or {}).get(town, town))
            for town, figures in values.items()
            for k, v in enumerate(figures)
        ],
        schema={
            "town_id": pl.Int64,
            "indicator": pl.String,
            "quarter": pl.Int32,
            "source": pl.String,
            "value": pl.Float64,
            "reported_at": pl.Int64,
        },
        orient="row",
    )


def spread_out() -> dict[int, list[float]]:
    return {
        t: [100.0 + 7.31 * t, 50.0 + 3.17 * t, 20.0 + 1.13 * t, 900.0 + 11.7 * t]
        for t in TOWNS["town_id"]
    }


def test_two_towns_sharing_four_precise_figures_name_the_later_one() -> None:
    values = spread_out()
    values[9] = list(values[3])  # town 9 (eco) reports town 3's (agri) figures, later
    flags = copied(county(values), COPY_SPECS, TOWNS, 2, 1e-5)
    assert flags.columns == list(FLAG_SCHEMA)
    assert sorted(flags.select("town_id", "indicator", "quarter", "check").rows()) == [
        (9, f"i{k}", 2, "copied") for k in range(4)
    ]
    assert set(flags["message"]) == {"与镇3的 4 项填报值完全相同（偶然如此的可能不到 1/100,000）"}
    # reported at the same moment: neither can be the copy, both are named
    both = copied(county(values, at={3: 5, 9: 5}), COPY_SPECS, TOWNS, 2, 1e-5)
    assert set(both["town_id"]) == {3, 9}
    # reported earlier by town 9: town 3 is the later one
    earlier = copied(county(values, at={3: 50, 9: 5}), COPY_SPECS, TOWNS, 2, 1e-5)
    assert set(earlier["town_id"]) == {3}


def test_round_figures_or_a_single_tie_are_coincidences() -> None:
    values = spread_out()
    values[9] = [values[3][0], 60.0, 30.0, 1000.0]  # one precise tie only
    assert copied(county(values), COPY_SPECS, TOWNS, 2, 1e-5).is_empty()
    rounded = {
        t: [100.0, 50.0, 20.0, 1000.0] if t in (4, 10) else v for t, v in spread_out().items()
    }
    assert copied(county(rounded), COPY_SPECS, TOWNS, 2, 1e-5).is_empty()
    assert copied(county(values).head(0), COPY_SPECS, TOWNS, 2, 1e-5).columns == list(FLAG_SCHEMA)


def test_the_chance_of_a_tie_is_the_step_over_the_spread_of_towns_of_the_type() -> None:
    """Two ties of 0.01-precise figures: judged against the spread of the type (six towns)
    the pair is beyond chance at one threshold and within it at a looser one, exactly where
    the product of the two chances times the number of pairs says."""
    values = spread_out()
    values[2][0] = values[1][0]
    values[2][1] = values[1][1]
    frame = county(values)
    this = frame.join(TOWNS, on="town_id")
    p = 1.0
    for k in (0, 1):
        figures = this.filter(indicator=f"i{k}", town_type="agri")["value"]
        p *= 0.01 / (2 * math.sqrt(math.pi) * figures.std())
    pairs = 12 * 11 // 2
    boundary = p * pairs
    assert copied(frame, COPY_SPECS, TOWNS, 2, boundary * 1.01)["town_id"].to_list() == [2, 2]
    assert copied(frame, COPY_SPECS, TOWNS, 2, boundary * 0.99).is_empty()


def test_the_composite_keeps_every_town_and_orders_them_by_type_and_rank() -> None:
    plan = plan_for_year(2026)
    totals = pl.DataFrame(
        {
            "town_id": [1, 2, 3, 4],
            "town_type": ["eco", "agri", "agri", "eco"],
            "total": [70.0, 80.0, 90.0, None],
        }
    )
    adjustments = pl.DataFrame(
        {"town_id": [2, 3], "field_check": [90.0, 60.0], "third_party": [None, 80.0]}
    )
    satisfaction = pl.DataFrame({"town_id": [1, 2, 3], "satisfaction": [80.0, 85.0, 70.0]})
    got = composite(plan, totals, adjustments, satisfaction)
    assert got.select("town_type", "rank", "town_id").rows() == [
        ("agri", 1, 2),
        ("agri", 2, 3),
        ("eco", 1, 1),
        ("eco", None, 4),  # nothing to rank it by: last of its type
    ]
    none_at_all = got.filter(town_id=4).row(0, named=True)
    assert none_at_all["composite"] is None  # no part at all: no composite (not 0/0)
    assert sorted(none_at_all["missing"]) == sorted(
        ["indicators", "field_check", "satisfaction", "third_party"]
    )
    shares = plan.composite
    only_two = got.filter(town_id=1).row(0, named=True)  # no office entries for town 1
    assert only_two["composite"] == pytest.approx(
        (70 * shares.indicators + 80 * shares.satisfaction)
        / (shares.indicators + shares.satisfaction)
    )


def test_a_small_type_is_judged_against_the_county_and_a_shared_constant_adds_nothing() -> None:
    towns = TOWNS.with_columns(
        town_type=pl.when(pl.col("town_id") >= 10).then(pl.lit("tour")).otherwise("town_type")
    )  # three 旅游 towns: too few to tell their own spread
    values = spread_out()
    values[11] = list(values[10])
    flags = copied(county(values), COPY_SPECS, towns, 2, 1e-5)
    assert sorted(set(flags["town_id"])) == [11]  # judged against the county's spread

    # a figure every town reports alike (spread 0) is no evidence either way: the pair's
    # chance stays exactly what its two precise ties give
    specs = pl.concat(
        [COPY_SPECS, COPY_SPECS.head(1).with_columns(indicator=pl.lit("i4"))], how="vertical"
    )
    values = spread_out()
    values[2][0], values[2][1] = values[1][0], values[1][1]
    frame = county(values)
    constant = frame.filter(indicator="i0").with_columns(
        indicator=pl.lit("i4"), value=pl.lit(100.0)
    )
    with_constant = pl.concat([frame, constant])
    this = frame.join(TOWNS, on="town_id")
    p = 1.0
    for k in (0, 1):
        figures = this.filter(indicator=f"i{k}", town_type="agri")["value"]
        p *= 0.01 / (2 * math.sqrt(math.pi) * figures.std())
    boundary = p * (12 * 11 // 2)
    assert set(copied(with_constant, specs, TOWNS, 2, boundary * 1.01)["town_id"]) == {2}


def test_a_disagreement_is_judged_strictly_beyond_the_gap_and_said_to_two_decimals() -> None:
    from evaluation.scorecard.checks.ledgers import mismatches

    frame = rows(
        [
            (1, "share", 1, 1234.5678),  # 1% above the other system's figure
            (2, "share", 1, 0.0),  # both systems say 0: no gap at all
            (3, "share", 1, 150.0),  # exactly at the limit: not beyond it
            (4, "share", 1, 151.0),  # beyond it
        ]
    )
    other = rows(
        [
            (1, "share", 1, 1222.3443),
            (2, "share", 1, 0.0),
            (3, "share", 1, 100.0),
            (4, "share", 1, 100.0),
        ],
        source="grid",
    )
    both = pl.concat([frame, other])
    assert mismatches(both, 1, 0.5)["town_id"].to_list() == [4]
    flagged = mismatches(both, 1, 0.009)
    assert sorted(flagged["town_id"]) == [1, 3, 4]
    assert flagged.filter(town_id=1)["message"].to_list() == [
        "填报值 1234.57 与其他系统统计的 1222.34 相差超过 1%"
    ]
    assert mismatches(both, 1, 0.9999)["message"].to_list() == []
    tripled = both.with_columns(
        value=pl.when(pl.col("source") == "town").then(pl.col("value") * 3).otherwise("value")
    )
    far = mismatches(tripled, 1, 0.9999)
    assert far.filter(town_id=4)["message"].to_list() == [
        "填报值 453.0 与其他系统统计的 100.0 相差超过 100%"
    ]


def test_an_unusual_figure_says_increment_or_value_and_its_z_to_one_decimal() -> None:
    from evaluation.scorecard.plausibility import check_values
    from tests.scorecard.test_checks import PLAN, TOWN_FRAME, steady_county, values

    history = values(steady_county(4))
    this_year = [
        (t, i, q, s, v + 4000.0 if (t == 2 and q == 2) else v)
        for t, i, q, s, v in steady_county(2, pace=1100.0)
    ]
    flags = check_values(PLAN, values(this_year), 2, TOWN_FRAME, history)
    assert flags.select("town_id", "indicator", "quarter").rows() == [(2, "fiscal_revenue", 2)]
    assert re.fullmatch(
        r"本季度增量远高于本乡镇往期和全县同期走势的预期（偏离 \d+\.\d 个标准差，超过 2\.7 的核查线）",
        flags["message"][0],
    ), flags["message"][0]
    # a level indicator (a share reported each quarter) is judged on its value
    shares = [
        (t, "satisfaction_rate", q, "town", 40.0 + t * 0.7 + (33.3 if (t == 5 and q == 3) else 0))
        for t in range(1, 13)
        for q in (1, 2, 3)
    ]
    level = check_values(PLAN, values(shares), 3, TOWN_FRAME)
    unusual = level.filter(check="unusual")
    assert unusual["town_id"].to_list() == [5]
    assert re.fullmatch(
        r"本季度数值远高于本乡镇往期和全县同期走势的预期（偏离 \d+\.\d 个标准差，超过 2\.7 的核查线）",
        unusual["message"][0],
    ), unusual["message"][0]


def test_a_disagreement_on_a_small_figure_is_judged_on_its_own_scale() -> None:
    from evaluation.scorecard.checks.ledgers import mismatches

    frame = pl.concat(
        [rows([(1, "share", 1, 0.6)]), rows([(1, "share", 1, 0.5)], source="grid")]
    )  # a share written as a fraction: 20% apart
    assert mismatches(frame, 1, 0.15)["town_id"].to_list() == [1]
    assert mismatches(frame, 1, 0.25).is_empty()


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31))
def test_the_copy_checks_spread_is_the_types_when_enough_of_it_report(seed: int) -> None:
    """Against a plain reading of the rule: a value's spread is its town type's (sample SD)
    when at least MIN_TOWNS towns of the type report the indicator, else the county's; a
    lone value has none (0). Types of every size around MIN_TOWNS, towns missing some
    indicators. (Survivors of make mutate: the grouping and the boundary of the fallback.)"""
    rng = np.random.default_rng(seed)
    rows = []
    town = 0
    for town_type, size in (("a", MIN_TOWNS - 1), ("b", MIN_TOWNS), ("c", MIN_TOWNS + 2)):
        for _ in range(size):
            town += 1
            for indicator in ("x", "y", "lone"):
                if indicator == "lone" and town != 1:
                    continue  # one town alone reports it: no spread at all
                if indicator == "y" and rng.random() < 0.3:
                    continue  # not every town reports every indicator
                value = float(rng.normal(50, 10) + (20 if town_type == "c" else 0))
                rows.append((town, town_type, indicator, value))
    frame = pl.DataFrame(
        rows, schema=["town_id", "town_type", "indicator", "value"], orient="row"
    ).with_columns(spread=comparison_spread())

    def sd(values: list[float]) -> float:
        return statistics.stdev(values) if len(values) > 1 else 0.0

    for town_id, town_type, indicator, _, spread in frame.iter_rows():
        same_type = [v for _, t, i, v in rows if i == indicator and t == town_type]
        county = [v for _, _, i, v in rows if i == indicator]
        expected = sd(same_type) if len(same_type) >= MIN_TOWNS else sd(county)
        assert spread == pytest.approx(expected, rel=1e-9, abs=1e-12), (town_id, indicator)
