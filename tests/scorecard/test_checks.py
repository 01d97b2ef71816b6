"""The scorecard's pure checks: plan files, plausibility (数据造假 guards), source files from
other systems, and training's attendance feed — each rule firing, and staying quiet on data
that is fine."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.errors import Invalid
from evaluation.scorecard.plan import PLANS_DIR, load_plan_text, plan_for_year, with_weights
from evaluation.scorecard.plausibility import check_values
from evaluation.scorecard.sources import load_mapping, parse_source
from training.effects.scorecard_feed import attendance

PLAN = plan_for_year(2026)
TOWNS = {"凤凰镇": 1, "龙溪乡": 2, "高家镇": 3, "T004": 4}


def test_the_shipped_plans_load_and_differ_in_weights() -> None:
    last, this = plan_for_year(2025), plan_for_year(2026)
    assert last.dimensions != this.dimensions
    assert abs(sum(this.dimensions.values()) - 1) < 1e-9


def test_a_broken_plan_file_names_every_problem_in_chinese() -> None:
    text = (PLANS_DIR / "towns_2026.toml").read_text(encoding="utf-8")
    broken = text.replace("finance = 0.25", "finance = 0.45").replace(
        'unit = "万元"\nweight = 0.4', 'unit = "万元"\nweight = 1.4', 1
    )
    with pytest.raises(Invalid) as caught:
        load_plan_text(broken)
    problems = caught.value.problems
    assert "四个维度的权重之和应为 1" in problems["dimensions.weight"]
    assert any("权重应在 0 到 1 之间" in m for m in problems.values())
    with pytest.raises(Invalid) as caught:
        load_plan_text("year = 2026\n[[indicators]\n")
    assert "TOML" in caught.value.message
    with pytest.raises(Invalid) as caught:
        load_plan_text('year = "明年"\ntitle = "x"\ndimensions = {}\nindicators = []')
    assert "格式有误" in caught.value.message


def test_weights_from_the_form_are_checked_like_a_file() -> None:
    with pytest.raises(Invalid):
        with_weights(PLAN, {"finance": 0.5}, {})
    changed = with_weights(PLAN, {"finance": 0.2, "service": 0.4}, {"fiscal_revenue": 0.5})
    assert changed.dimensions["service"] == 0.4
    assert changed.indicator("fiscal_revenue").weight == 0.5
    assert PLAN.indicator("fiscal_revenue").weight == 0.4  # the original is untouched


def values(rows: list[tuple[int, str, int, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema=["town_id", "indicator", "quarter", "source", "value"], orient="row"
    )


TOWN_FRAME = pl.DataFrame(
    {
        "town_id": list(range(1, 13)),
        "name": [f"第{i}镇" for i in range(1, 13)],
        "town_type": ["agricultural"] * 12,
    }
)


def steady_county(quarters: int, pace: float = 1000.0) -> list[tuple[int, str, int, str, float]]:
    """Twelve towns growing their revenue at their own pace with a little noise, a year-to-date
    total per quarter (the same shape every quarter, so last year reads like this one)."""
    rows = []
    for town in range(1, 13):
        size = pace * (1 + town / 10)
        total = 0.0
        for quarter in range(1, quarters + 1):
            total += size * (1 + 0.05 * ((town * quarter) % 5 - 2))
            rows.append((town, "fiscal_revenue", quarter, "town", round(total, 2)))
    return rows


def test_an_unusual_increment_is_flagged_steady_growth_and_a_busy_season_are_not() -> None:
    history = values(steady_county(4))
    this_year = steady_county(2, pace=1100.0)  # a good year for every town: not unusual
    this_year = [
        (t, i, q, s, v * 1.6 if q == 2 else v) for t, i, q, s, v in this_year
    ]  # a busy second quarter everywhere: the county's season, not one town's leap
    this_year = [
        (t, i, q, s, v + 4000.0 if (t == 2 and q == 2) else v) for t, i, q, s, v in this_year
    ]  # town 2 books a lump of about three quarters' growth at once
    this_year.append((3, "fiscal_revenue", 3, "town", 100.0))  # a total that falls
    frame = values(this_year)
    flags = check_values(PLAN, frame, 2, TOWN_FRAME, history)
    assert flags.select("town_id", "check").rows() == [(2, "unusual")]
    assert "远高于本乡镇往期和全县同期走势的预期" in flags["message"][0]
    falling = check_values(PLAN, frame, 3, TOWN_FRAME, history)
    assert any("累计值比上季度减少" in m for m in falling.filter(pl.col("town_id") == 3)["message"])
    assert falling.filter(pl.col("check") == "falling")["town_id"].to_list() == [3]


def test_without_any_earlier_quarter_there_is_no_expectation_and_no_flag() -> None:
    first = [(t, i, q, s, v * (5 if t == 2 else 1)) for t, i, q, s, v in steady_county(1)]
    assert check_values(PLAN, values(first), 1, TOWN_FRAME).is_empty()


def test_a_report_that_disagrees_with_the_other_systems_measure_is_flagged() -> None:
    frame = values(
        [
            (1, "budget_execution", 1, "town", 30.0),
            (1, "budget_execution", 1, "treasury", 22.0),  # paid out: 22% of the budget
            (2, "budget_execution", 1, "town", 22.5),
            (2, "budget_execution", 1, "treasury", 22.0),  # within 8%
        ]
    )
    flags = check_values(PLAN, frame, 1, TOWN_FRAME)
    assert flags.select("town_id", "check").rows() == [(1, "mismatch")]
    assert "与其他系统统计的 22.0 相差超过 8%" in flags["message"][0]


def test_a_copied_report_is_flagged_for_the_later_town_coincidences_are_not() -> None:
    frame = pl.DataFrame(
        [
            *[(t, "satisfaction_rate", 1, "town", 92.5, t) for t in (1, 2, 3)],  # common
            *[(t, "public_culture", 1, "town", 12.0, t) for t in (1, 2, 3, 4)],  # counts coincide
            *[(t, "satisfaction_rate", 1, "town", 88.0 + t, t) for t in range(4, 13)],
            *[(t, "public_culture", 1, "town", 6.0 + t, t) for t in range(5, 13)],
            *[(t, "fiscal_revenue", 1, "town", 1000.0 + 137.31 * t, t) for t in range(1, 13)],
            *[(t, "budget_execution", 1, "town", 20.0 + 0.73 * t, t) for t in range(1, 13)],
        ],
        schema=["town_id", "indicator", "quarter", "source", "value", "reported_at"],
        orient="row",
    )
    assert check_values(PLAN, frame, 1, TOWN_FRAME).is_empty()
    # town 9 sends town 5's revenue and budget figures, a day later
    copied = frame.with_columns(
        value=pl.when(
            (pl.col("town_id") == 9)
            & pl.col("indicator").is_in(["fiscal_revenue", "budget_execution"])
        )
        .then(
            pl.when(pl.col("indicator") == "fiscal_revenue")
            .then(1000.0 + 137.31 * 5)
            .otherwise(20.0 + 0.73 * 5)
        )
        .otherwise(pl.col("value"))
    )
    flags = check_values(PLAN, copied, 1, TOWN_FRAME)
    assert sorted(flags.select("town_id", "indicator").rows()) == [
        (9, "budget_execution"),
        (9, "fiscal_revenue"),
    ]
    assert "与第5镇的 2 项填报值完全相同" in flags["message"][0]
    # with no order known, both towns are asked
    unordered = check_values(PLAN, copied.drop("reported_at"), 1, TOWN_FRAME)
    assert sorted(set(unordered["town_id"].to_list())) == [5, 9]


def hotline(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "工单编号": [str(i) for i in range(len(rows))],
            "所属乡镇": [r[0] for r in rows],
            "受理时间": [r[1] for r in rows],
            "办结时间": [r[2] for r in rows],
        }
    )


def test_hotline_records_become_median_hours_per_town_and_quarter() -> None:
    frame = hotline(
        [
            ("凤凰镇", "2026-01-05 08:00:00", "2026-01-06 08:00:00"),  # 24 h
            ("凤凰镇", "2026/01/07 08:00", "2026-01-09 08:00"),  # 48 h, slashes and minutes
            ("凤凰镇", "2026-02-01 08:00:00", "2026-02-04 08:00:00"),  # 72 h
            ("T004", "2026-04-01 08:00:00", "2026-04-01 20:00:00"),  # by code, Q2, 12 h
        ]
    )
    out = parse_source(load_mapping("hotline_12345"), PLAN, frame, TOWNS)
    assert out.rows() == [(1, "hotline_response", 1, 48.0), (4, "hotline_response", 2, 12.0)]


def test_a_bad_hotline_file_is_refused_with_every_problem() -> None:
    frame = hotline(
        [
            ("火星镇", "2026-01-05 08:00:00", "2026-01-06 08:00:00"),
            ("凤凰镇", "上周", "2026-01-06 08:00:00"),
            ("凤凰镇", "2026-03-05 08:00:00", "2026-03-01 08:00:00"),
            ("凤凰镇", "2025-12-30 08:00:00", "2025-12-31 08:00:00"),
        ]
    )
    with pytest.raises(Invalid) as caught:
        parse_source(load_mapping("hotline_12345"), PLAN, frame, TOWNS)
    problems = caught.value.problems
    assert "火星镇" in problems["乡镇"]
    assert "第 3 行的时间无法识别" in problems["受理时间"]
    assert "第 4 行办结早于受理" in problems["办结时间"]
    assert "第 5 行不在 2026 年度内" in problems["办结时间"]
    assert "未导入任何数据" in caught.value.message
    with pytest.raises(Invalid) as caught:
        parse_source(load_mapping("hotline_12345"), PLAN, frame.drop("办结时间"), TOWNS)
    assert "缺少必需的列：办结时间" in caught.value.message


def test_a_values_file_with_a_wrong_unit_or_a_repeated_row_is_refused() -> None:
    frame = pl.DataFrame(
        {
            "乡镇": ["凤凰镇", "凤凰镇", "龙溪乡", "龙溪乡"],
            "季度": ["1", "第1季度", "2", "5"],
            "指标": ["environment", "环境质量达标率（空气与水质）", "environment", "environment"],
            "数值": ["93", "94", "0.93", "九十"],
            "单位": ["%", "%", "比例", "%"],
        }
    )
    with pytest.raises(Invalid) as caught:
        parse_source(load_mapping("environment"), PLAN, frame, TOWNS)
    problems = caught.value.problems
    assert "第 4 行的单位与方案不符" in problems["单位"]
    assert "第 2、3 行重复" in problems["重复"]
    assert "第 5 行的季度应为 1–4" in problems["季度"]
    assert "第 5 行的数值不是数字" in problems["数值"]


def test_values_beyond_the_possible_range_are_refused() -> None:
    frame = pl.DataFrame(
        {"乡镇": ["凤凰镇"], "季度": ["1"], "指标": ["environment"], "数值": ["130"], "单位": ["%"]}
    )
    with pytest.raises(Invalid) as caught:
        parse_source(load_mapping("environment"), PLAN, frame, TOWNS)
    assert "超出指标的合理范围" in caught.value.message


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 3), st.integers(1, 4), st.booleans()), max_size=40))
def test_attendance_is_a_year_to_date_share(seats: list[tuple[int, int, bool]]) -> None:
    """Never outside 0–100, and each quarter counts every seat held up to its end."""
    frame = pl.DataFrame(
        {
            "cadre_id": list(range(len(seats))),
            "town_id": [s[0] for s in seats],
            "day": [dt.date(2026, 3 * s[1] - 1, 10) for s in seats],
            "attended_at": [
                dt.datetime(2026, 3 * s[1] - 1, 10, tzinfo=dt.UTC) if s[2] else None for s in seats
            ],
        },
        schema={
            "cadre_id": pl.Int64,
            "town_id": pl.Int64,
            "day": pl.Date,
            "attended_at": pl.Datetime(time_zone="UTC"),
        },
    )
    out = attendance(frame, [1, 2, 3, 4])
    assert out["value"].is_between(0, 100).all()
    for town, quarter, value in out.select("town_id", "quarter", "value").iter_rows():
        held = [s for s in seats if s[0] == town and s[1] <= quarter]
        assert value == pytest.approx(100 * sum(s[2] for s in held) / len(held))


def test_the_first_town_to_report_a_quarter_is_judged_at_once() -> None:
    """Before the other towns send the quarter, last year's pattern and the county's growth
    so far stand in for this quarter's: a leap is flagged on the first report, a steady one
    is not."""
    history = values(steady_county(4))
    first_quarter = [r for r in steady_county(2, pace=1100.0) if r[2] == 1]
    second = {t: v for t, _, q, _, v in steady_county(2, pace=1100.0) if q == 2}
    honest = values([*first_quarter, (3, "fiscal_revenue", 2, "town", second[3])])
    assert check_values(PLAN, honest, 2, TOWN_FRAME, history).is_empty()
    leap = values([*first_quarter, (2, "fiscal_revenue", 2, "town", second[2] + 4000.0)])
    flags = check_values(PLAN, leap, 2, TOWN_FRAME, history)
    assert flags.select("town_id", "check").rows() == [(2, "unusual")]
