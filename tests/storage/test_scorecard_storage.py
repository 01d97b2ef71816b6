"""The township scorecard through its services on both engines: a plan published and pinned,
contracts drawn up and confirmed, a quarter reported and checked, a 12345 file imported (and
bad files refused whole), a flagged value corrected, and the scores reading all of it."""

from __future__ import annotations

import datetime as dt
import sqlite3

import asyncpg
import polars as pl
import pytest

from evaluation.errors import Conflict, Invalid
from evaluation.organisation.importing import import_frame
from evaluation.scorecard import service
from evaluation.scorecard.plan import plan_for_year
from evaluation.scorecard.tables import IndicatorValue, SourceImport, TownPlan
from evaluation.tables import Town
from tests.factories import roster_frame

YEAR = 2026
Q1_OPEN = dt.date(2026, 4, 10)
Q2_OPEN = dt.date(2026, 7, 10)


async def towns_by_name() -> dict[str, int]:
    return {r["name"]: int(r["id"]) for r in await Town.select(Town.id, Town.name)}


async def published_year() -> None:
    await import_frame(roster_frame(), county_name="测试县")
    plan_id = await service.add_plan(plan_for_year(YEAR), "", "office")
    await service.publish(plan_id, "office")


def town_values(form: service.QuarterForm, scale: float = 1.0) -> dict[str, str]:
    """Plausible values: each near its pro-rata target."""
    return {item.code: f"{(item.pro_rata or 50) * scale:.1f}" for item in form.items}


def hotline_rows(names: list[str], quarter: int, hours: float) -> pl.DataFrame:
    month = 3 * quarter - 1
    return pl.DataFrame(
        {
            "工单编号": [f"{quarter}-{i}" for i in range(len(names) * 3)],
            "所属乡镇": [n for n in names for _ in range(3)],
            "受理时间": [f"{YEAR}-{month:02d}-03 09:00:00"] * (len(names) * 3),
            "办结时间": [
                f"{YEAR}-{month:02d}-0{3 + int(hours // 24)} {9 + int(hours % 24):02d}:00:00"
            ]
            * (len(names) * 3),
        }
    )


@pytest.mark.usefixtures("db")
async def test_a_year_from_plan_to_scores() -> None:
    await published_year()
    names = await towns_by_name()
    town = names["凤凰镇"]
    # the year is pinned: no second published version, and the database holds it too
    with pytest.raises(Conflict):
        await service.add_plan(plan_for_year(YEAR), "", "office")
    with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):
        await TownPlan(year=YEAR, version=9, title="x", document="{}", state="published").save()

    # contracts: drawn from the plan's defaults; an adjustment needs a reason and
    # asks the town to confirm again
    contract = await service.contract(YEAR, town)
    revenue = next(r for r in contract.rows if r.code == "fiscal_revenue")
    assert revenue.target == revenue.default_target == 18000  # 城关镇's default
    await service.confirm_contract(YEAR, town, "reporter")
    with pytest.raises(Invalid) as caught:
        await service.adjust_target(YEAR, town, "fiscal_revenue", "-5", "")
    assert set(caught.value.problems) == {"target", "reason"}
    await service.adjust_target(YEAR, town, "fiscal_revenue", "20,000", "新增园区税源")
    contract = await service.contract(YEAR, town)
    assert contract.confirmed_by is None  # to be confirmed again
    assert next(r for r in contract.rows if r.code == "fiscal_revenue").target == 20000

    # a quarter: refused outside its window and when incomplete, stored whole otherwise
    form = await service.quarter_form(YEAR, town, 1, on=Q1_OPEN)
    assert form.open and form.items
    with pytest.raises(Conflict):
        await service.report(YEAR, town, 1, town_values(form), {}, [], "reporter", on=Q2_OPEN)
    partial = dict(list(town_values(form).items())[1:])
    with pytest.raises(Invalid):
        await service.report(YEAR, town, 1, partial, {}, [], "reporter", on=Q1_OPEN)
    assert await IndicatorValue.count() == 0
    for name, town_id in names.items():
        form = await service.quarter_form(YEAR, town_id, 1, on=Q1_OPEN)
        flagged = await service.report(
            YEAR, town_id, 1, town_values(form), {}, [], "reporter", on=Q1_OPEN
        )
        assert flagged == [], name
    # Q2: one town's revenue jumps eightfold in a quarter → flagged for 核查
    for town_id in names.values():
        form = await service.quarter_form(YEAR, town_id, 2, on=Q2_OPEN)
        fields = town_values(form)
        if town_id == town:
            fields["fiscal_revenue"] = str(float(fields["fiscal_revenue"]) * 4.5)
        await service.report(YEAR, town_id, 2, fields, {}, [], "reporter", on=Q2_OPEN)
    queue = await service.review_queue(YEAR)
    assert [(i.town_id, i.indicator) for i in queue] == [(town, "fiscal_revenue")], queue
    assert "远高于本乡镇往期和全县同期走势的预期" in queue[0].flags[0]

    # 12345 records: refused whole when a town is unknown or a quarter repeats
    good = hotline_rows(list(names), 1, hours=30)
    bad = pl.concat([good, hotline_rows(["不存在镇"], 1, hours=30)])
    with pytest.raises(Invalid) as caught:
        await service.import_frame(YEAR, "hotline_12345", "12345.csv", bad, "office")
    assert "不存在镇" in caught.value.problems["乡镇"]
    assert await IndicatorValue.count().where(IndicatorValue.source == "hotline_12345") == 0
    result = await service.import_frame(YEAR, "hotline_12345", "12345.csv", good, "office")
    assert result.quarters == [1] and result.towns == 3
    with pytest.raises(Invalid) as caught:
        await service.import_frame(YEAR, "hotline_12345", "again.csv", good, "office")
    assert "已结算" in caught.value.message
    assert await SourceImport.count() == 1

    # 核查: the office corrects the jump with a reason; scores use the correction
    with pytest.raises(Invalid):
        await service.decide(queue[0].value_id, "correct", "abc", "", "office")
    before = await service.board(YEAR)
    await service.decide(queue[0].value_id, "correct", "9000", "核对税务系统后更正", "office")
    with pytest.raises(Conflict):
        await service.decide(queue[0].value_id, "confirm", "", "重复提交的核查", "office")
    assert await service.review_queue(YEAR) == []
    decided = await service.decisions(YEAR)
    assert decided[0].before == queue[0].value and decided[0].after == 9000
    after = await service.board(YEAR)
    assert after.quarter == 2
    mine_before = next(t for t in before.towns if t.town_id == town)
    mine_after = next(t for t in after.towns if t.town_id == town)
    assert mine_after.dimensions["finance"] < mine_before.dimensions["finance"]
    view = await service.town_view(YEAR, town, on=Q2_OPEN)
    line = next(li for li in view.lines if li.code == "fiscal_revenue")
    assert line.value == 9000 and line.status == "corrected"
    assert view.score is not None and view.score.rank <= view.score.of
    hotline = await service.quarter_form(YEAR, town, 1, on=Q1_OPEN)
    assert next(i for i in hotline.imported if i.code == "hotline_response").value == 30


def environment_file(names: dict[str, int], quarter: int, level: float) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "乡镇": list(names),
            "季度": [str(quarter)] * len(names),
            "指标": ["environment"] * len(names),
            "数值": [f"{level + k:.1f}" for k in range(len(names))],
            "单位": ["%"] * len(names),
        }
    )


@pytest.mark.usefixtures("db")
async def test_imports_of_one_quarter_sent_at_once_take_turns_and_one_stays_live() -> None:
    """Two systems (or a retried push) send the open quarter at the same moment: both are
    taken in turn, the later replacing the earlier — never both live, never a mix of their
    values — and the database itself refuses a second live import of the quarter."""
    import asyncio

    await published_year()
    names = await towns_by_name()
    files = [environment_file(names, 4, level) for level in (80.0, 90.0, 70.0)]
    results = await asyncio.gather(
        *(
            service.import_frame(YEAR, "environment", f"env{k}.csv", f, "office")
            for k, f in enumerate(files)
        )
    )
    assert sorted(len(r.replaced) for r in results) == [0, 1, 1]
    live = await SourceImport.select(SourceImport.filename).where(
        SourceImport.source == "environment", SourceImport.replaced_at.is_null()
    )
    assert len(live) == 1
    kept = files[int(live[0]["filename"][3])]
    stored = await IndicatorValue.select(IndicatorValue.value).where(
        IndicatorValue.source == "environment", IndicatorValue.quarter == 4
    )
    assert sorted(r["value"] for r in stored) == sorted(float(v) for v in kept["数值"])
    assert await SourceImport.count().where(SourceImport.source == "environment") == 3
    plan = await TownPlan.select(TownPlan.id).first()
    with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):
        await SourceImport(
            plan=plan["id"], source="environment", quarter=4, filename="x", records=1
        ).save()
