"""The demo county's township scorecard, built through the same services the office and the
towns use: last year complete (four quarters, year-end scores), this year with the quarters
whose deadline has passed reported and imported, a few implausible values flagged, and a
lagging town. The story: 公共文化服务 lags in several towns in both years (a systemic
bottleneck); one town's fiscal revenue jumps in the latest quarter (flagged, awaiting 核查);
three towns report the same budget figure (flagged; the office confirmed one).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from app.demo.calendar import DemoCalendar
from evaluation.organisation import directory
from evaluation.organisation.schemas import TownRecord
from evaluation.scorecard import (
    followup,
    group_boards,
    projects,
    service,
    town_appeals,
)
from evaluation.scorecard.plan import Method, Plan, Source, moved_to_year, plan_for_year
from evaluation.scorecard.standings import model as standings
from training.effects import scorecard_feed

OFFICE = "周敏"
PLAN_FILES = {"last": 2025, "this": 2026}
CULTURE_WEAK_SHARE = 0.3  # towns whose public culture lags, both years


def strengths(towns: list[TownRecord], seed: int) -> dict[int, float]:
    """Each town's performance level around 1.0; the fourth town lags clearly."""
    rng = np.random.default_rng(seed + 17)
    level = {t.id: float(1.0 + rng.normal(0, 0.07)) for t in towns}
    if len(towns) > 3:
        level[towns[3].id] = 0.74
    return level


def culture_weak(towns: list[TownRecord]) -> set[int]:
    count = max(3, round(len(towns) * CULTURE_WEAK_SHARE)) if len(towns) >= 3 else 0
    return {t.id for t in towns[1 : 1 + count]}


def town_fields(
    plan: Plan,
    town: TownRecord,
    quarter: int,
    level: float,
    weak_culture: bool,
    targets: dict[str, float],
    rng: np.random.Generator,
) -> dict[str, str]:
    """Plausible year-to-date values for a town's own indicators at a quarter's end."""
    fields = {}
    for indicator in service.town_indicators(plan, town.town_type, quarter):
        noise = float(rng.normal(0, 0.03))
        factor = level + noise - (0.3 if weak_culture and indicator.code == "public_culture" else 0)
        target = targets.get(indicator.code)
        if indicator.method == Method.bands:
            value = min(99.0, max(60.0, 93 + 40 * (level - 1) + float(rng.normal(0, 1.5))))
        elif indicator.method == Method.rank:
            value = float(quarter * max(1, round(2 + 6 * (level - 1))))
        elif target is None:
            continue
        elif indicator.cumulative:
            value = target * quarter / 4 * factor
        else:
            value = target * factor
        value = min(max(value, indicator.minimum), indicator.maximum)
        fields[indicator.code] = f"{value:.2f}"
    return fields


def hotline_records(
    towns: list[TownRecord],
    levels: dict[int, float],
    year: int,
    quarter: int,
    rng: np.random.Generator,
) -> pl.DataFrame:
    rows = []
    for town in towns:
        median = 44 / levels[town.id] ** 2
        for index in range(int(rng.integers(30, 60))):
            month = 3 * quarter - 2 + int(rng.integers(0, 3))
            start = dt.datetime(year, month, int(rng.integers(1, 25)), int(rng.integers(8, 17)))
            hours = float(rng.lognormal(np.log(median), 0.5))
            end = start + dt.timedelta(hours=hours)
            if end.year != year or (end.month - 1) // 3 + 1 != quarter:
                end = start + dt.timedelta(hours=2)
            rows.append(
                {
                    "工单编号": f"{year}{quarter}{town.id:03d}{index:04d}",
                    "所属乡镇": town.name,
                    "受理时间": start.strftime("%Y-%m-%d %H:%M:%S"),
                    "办结时间": end.strftime("%Y-%m-%d %H:%M:%S"),
                }
            )
    return pl.DataFrame(rows)


def grid_records(
    towns: list[TownRecord],
    levels: dict[int, float],
    year: int,
    quarter: int,
    rng: np.random.Generator,
) -> pl.DataFrame:
    rows = []
    for town in towns:
        on_time = min(0.995, 0.95 * levels[town.id])
        major = 0.008 if levels[town.id] > 0.8 else 0.04
        for index in range(int(rng.integers(40, 70))):
            month = 3 * quarter - 2 + int(rng.integers(0, 3))
            rows.append(
                {
                    "事件编号": f"G{year}{quarter}{town.id:03d}{index:04d}",
                    "所属乡镇": town.name,
                    "上报时间": f"{year}-{month:02d}-{int(rng.integers(1, 28)):02d}",
                    "按期办结": "是" if rng.random() < on_time else "否",
                    "事件等级": "重大" if rng.random() < major else "一般",
                }
            )
    return pl.DataFrame(rows)


def value_file(
    towns: list[TownRecord],
    plan: Plan,
    quarters: list[int],
    codes: list[str],
    level: dict[int, float],
    rng: np.random.Generator,
) -> pl.DataFrame:
    rows = []
    for town in towns:
        for quarter in quarters:
            for code in codes:
                indicator = plan.indicator(code)
                if quarter not in indicator.quarters:
                    continue
                target = indicator.default_target(town.town_type) or 90
                value = min(
                    indicator.maximum, target * (level[town.id] + float(rng.normal(0, 0.02)))
                )
                rows.append(
                    {
                        "乡镇": town.name,
                        "季度": str(quarter),
                        "指标": indicator.name,
                        "数值": f"{value:.2f}",
                        "单位": indicator.unit,
                    }
                )
    return pl.DataFrame(rows)


async def demo_scorecard(seed: int, reporter_town: int) -> str:
    calendar = DemoCalendar(service.today())
    today = calendar.today
    towns = await service.towns()
    levels = strengths(towns, seed)
    weak = culture_weak(towns)
    rng = np.random.default_rng(seed + 29)
    summary = []
    for which, year in (("last", calendar.last_year), ("this", calendar.this_year)):
        plan = moved_to_year(plan_for_year(PLAN_FILES[which]), year)
        plan_id = await service.add_plan(plan, f"{year} 年度方案（演示）", OFFICE)
        await service.publish(plan_id, OFFICE)
        quarters = calendar.reported_quarters([plan.deadline(q) for q in (1, 2, 3, 4)])
        if which == "this" and len(towns) > 1:  # one town's revenue target raised, with a reason
            await service.adjust_target(
                year, towns[0].id, "fiscal_revenue", "20000", "新增工业园区税源，经协商上调"
            )
        secretaries = await town_secretaries(towns)
        for town in towns:
            if which == "last" or town.id != towns[-1].id:  # the last town has not confirmed yet
                # signed by the town's 党委书记, as the contract page asks
                await service.confirm_contract(
                    year, town.id, f"{town.name}党委书记 {secretaries.get(town.id, '')}".strip()
                )
        targets = {
            town.id: {
                r.code: r.target for r in (await service.contract(year, town.id)).rows if r.target
            }
            for town in towns
        }
        for quarter in quarters:
            on = calendar.report_day(plan.deadline(quarter))
            latest = which == "this" and quarter == quarters[-1]
            treasury = []
            sent: dict[int, dict[str, str]] = {}
            for index, town in enumerate(towns):
                fields = town_fields(
                    plan, town, quarter, levels[town.id], town.id in weak, targets[town.id], rng
                )
                if "budget_execution" in fields:  # the treasury's own figure, near the truth
                    paid = float(fields["budget_execution"]) * (1 + float(rng.normal(0, 0.01)))
                    treasury.append((town, min(paid, 150.0)))
                notes = {}
                if latest and town.id == reporter_town and "fiscal_revenue" in fields:
                    fields["fiscal_revenue"] = f"{float(fields['fiscal_revenue']) * 1.9:.2f}"
                if latest and index == 2 and sent.get(towns[1].id):  # a report copied whole
                    fields.update({c: v for c, v in sent[towns[1].id].items() if c in fields})
                    notes = {c: "参照邻镇报表填报" for c in fields}
                if latest and index == 3 and "budget_execution" in fields:  # ahead of the books
                    fields["budget_execution"] = f"{float(fields['budget_execution']) + 12:.2f}"
                    notes["budget_execution"] = "含已批未付资金"
                sent[town.id] = fields
                await service.report(
                    year, town.id, quarter, fields, notes, [], f"{town.name}填报员", on=on
                )
            if which == "this" and treasury:
                await service.import_frame(
                    year,
                    "treasury",
                    f"预算执行-{year}Q{quarter}.xlsx",
                    pl.DataFrame(
                        {
                            "乡镇": [t.name for t, _ in treasury],
                            "季度": [str(quarter)] * len(treasury),
                            "指标": ["预算执行进度"] * len(treasury),
                            "数值": [f"{v:.2f}" for _, v in treasury],
                            "单位": ["%"] * len(treasury),
                        }
                    ),
                    OFFICE,
                )
            await service.import_frame(
                year,
                Source.hotline,
                f"12345-{year}Q{quarter}.csv",
                hotline_records(towns, levels, year, quarter, rng),
                OFFICE,
            )
            await service.import_frame(
                year,
                Source.grid,
                f"网格-{year}Q{quarter}.csv",
                grid_records(towns, levels, year, quarter, rng),
                OFFICE,
            )
        if quarters:
            await service.import_frame(
                year,
                Source.environment,
                f"环境监测-{year}.xlsx",
                value_file(towns, plan, quarters, ["environment"], levels, rng),
                OFFICE,
            )
            fed = await scorecard_feed.feed(year, quarters, "培训办")
            missing = [q for q in quarters if fed is None or q not in fed.quarters]
            if missing:  # a year without a published training plan: the office's own records
                frame = value_file(towns, plan, missing, ["training_attendance"], levels, rng)
                await service.import_frame(
                    year, Source.training, f"参训台账-{year}.xlsx", frame, "培训办"
                )
        if which == "last" and 4 in quarters:
            for town in towns:
                await service.set_year_end(
                    year,
                    town.id,
                    f"{min(100.0, 85 + 30 * (levels[town.id] - 1) + float(rng.normal(0, 3))):.1f}",
                    f"{min(100.0, 82 + 30 * (levels[town.id] - 1) + float(rng.normal(0, 4))):.1f}",
                    OFFICE,
                )
        queue = await service.review_queue(year)
        if which == "last":  # a finished year has every flag decided
            for item in queue:
                await service.decide(
                    item.value_id, "confirm", "", "已调取原始台账核实，数值属实", OFFICE
                )
        ahead = [  # the town whose budget execution runs ahead of the treasury's books
            item
            for item in queue
            if item.indicator == "budget_execution" and any("其他系统" in f for f in item.flags)
        ]
        if which == "this" and ahead:  # the office has looked at one of them already
            await service.decide(
                ahead[0].value_id,
                "correct",
                f"{float(ahead[0].value) - 12:.2f}",
                "以财政一体化系统实际支付数为准",
                OFFICE,
            )
        summary.append(f"{year} 年 {len(quarters)} 个季度")
    # key projects and their cards first: a year's results are published with its cards in
    cards = await demo_projects(towns, reporter_town, calendar)
    last = await service.published_record(calendar.last_year)
    published_on = calendar.year_results_published(last.plan.deadline(4))
    if published_on is not None and 4 in (await service.scored(last))[1]:
        # last year's results went to 公示 after its Q4 figures came in
        await town_appeals.publish_results(calendar.last_year, OFFICE, on=published_on)
    flagged = len(await service.review_queue(today.year))
    held_on = calendar.interview_day(published_on, last.plan.results_use.publicity_days)
    interviews = await demo_interviews(calendar.last_year, held_on)
    for group in plan_for_year(PLAN_FILES["this"]).groups if len(towns) >= 3 else []:
        # the basin's towns: every town but the first (the county seat)
        await group_boards.set_members(today.year, group.code, [t.id for t in towns[1:4]], OFFICE)
    await standings.refresh_all()  # as the server's start-up upkeep would: pages read them
    return (
        f"乡镇绩效考核：{'、'.join(summary)}，{flagged} 个数据待核查，{cards} 张督办牌，"
        f"{interviews} 次约谈"
    )


async def town_secretaries(towns: list[TownRecord]) -> dict[int, str]:
    found = {}
    for town in towns:
        for cadre in await directory.cadres_of_town(town.id):
            if cadre.position == "党委书记":
                found[town.id] = cadre.name
    return found


async def demo_interviews(year: int, held_on: dt.date | None) -> int:
    """Last year's lowest town was called to a 约谈 once its 公示 ended; its commitments wait
    for this year's review."""
    if held_on is None:
        return 0
    last = await followup.results_use(year)
    lowest = [r for r in last.rows if r.lowest]
    for row in lowest:
        await followup.record_interview(
            year,
            row.town_id,
            held_on.isoformat(),
            "县委副书记、县考核办主任",
            f"{year} 年度综合考核排名末位，重点项目推进滞后，群众满意度偏低。",
            "一季度前完成污水管网整改\n建立重点项目周调度机制\n开展群众满意度回访",
            OFFICE,
        )
    return len(lowest)


async def demo_projects(towns: list[TownRecord], reporter_town: int, calendar: DemoCalendar) -> int:
    """Key projects: the reporter's town a few days late (yellow) and twice long late (red,
    with their deductions), the lagging town long late (red), one on schedule. Early in the
    year the late ones are last year's (`DemoCalendar.project_year`)."""
    lagging = towns[3].id if len(towns) > 3 else towns[-1].id
    on_schedule = towns[1].id if len(towns) > 1 else reporter_town
    plans = [
        (
            reporter_town,
            "便民服务中心智慧化改造",
            "完成自助终端安装调试",
            calendar.late_milestone(5),
        ),
        (reporter_town, "一窗通办改革试点", "完成部门业务系统对接", calendar.late_milestone(40)),
        (
            reporter_town,
            "农村人居环境整治“以奖代补”试点",
            "完成村庄污水收集点建设",
            calendar.late_milestone(30),
        ),
        (lagging, "乡镇污水处理设施扩建", "完成主管网铺设并通水", calendar.late_milestone(40)),
        (on_schedule, "特色农产品冷链物流中心", "完成主体结构封顶", calendar.upcoming_milestone()),
    ]
    for town_id, name, deliverable, milestone in plans:
        starts, ends = calendar.project_span(milestone.project_year)
        project = await projects.add_project(
            milestone.project_year, town_id, name, starts.isoformat(), ends.isoformat(), OFFICE
        )
        await projects.add_milestone(
            project,
            milestone.due_on.isoformat(),
            deliverable,
            "分管副镇长",
            "验收单、现场照片",
            past="open",  # the late ones were not done: they are what the cards are about
        )
    years = sorted({calendar.project_year, calendar.this_year})
    for day in calendar.sweep_days():
        for year in years:
            await projects.sweep(year, day)
    return sum([len(await projects.card_views(year)) for year in years])
