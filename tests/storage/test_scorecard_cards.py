"""红黄牌 and 容错 with a fixed clock, on both engines: a milestone passes its date → yellow
card; the grace period passes → red card and the town's total drops by the rule's deduction
at once; rectified and closed → history kept, deduction stays; an approved exemption
restores it. Bad input is refused with a Chinese message."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from collections.abc import Iterator

import asyncpg
import pytest

from evaluation import clock as scorecard_clock
from evaluation.errors import Conflict, Invalid, PermissionDenied
from evaluation.organisation.importing import import_frame
from evaluation.scorecard import fault_tolerance, projects, service
from evaluation.scorecard.plan import plan_for_year
from evaluation.scorecard.tables import Card
from evaluation.tables import Town
from tests.factories import roster_frame

YEAR = 2026
Q1 = dt.date(2026, 4, 10)


@pytest.fixture
def clock() -> Iterator[list[dt.date]]:
    """service.today() reads the last date in the list; tests move it."""
    days = [Q1]
    saved = scorecard_clock.CLOCK
    scorecard_clock.CLOCK = lambda: days[-1]
    yield days
    scorecard_clock.CLOCK = saved


async def year_with_q1() -> dict[str, int]:
    await import_frame(roster_frame(), county_name="测试县")
    plan_id = await service.add_plan(plan_for_year(YEAR), "", "office")
    await service.publish(plan_id, "office")
    towns = {r["name"]: int(r["id"]) for r in await Town.select(Town.id, Town.name)}
    for town_id in towns.values():
        form = await service.quarter_form(YEAR, town_id, 1)
        fields = {i.code: f"{(i.pro_rata or 50):.1f}" for i in form.items}
        await service.report(YEAR, town_id, 1, fields, {}, [], "reporter")
    return towns


async def standing(town_id: int) -> tuple[float, int]:
    board = await service.board(YEAR)
    mine = next(t for t in board.towns if t.town_id == town_id)
    return mine.total, mine.rank


@pytest.mark.usefixtures("db")
async def test_a_late_milestone_goes_yellow_then_red_and_an_exemption_restores(
    clock: list[dt.date],
) -> None:
    towns = await year_with_q1()
    town, other = towns["凤凰镇"], towns["龙溪乡"]
    with pytest.raises(Invalid) as caught:
        await projects.add_project(
            YEAR, town, "污水处理设施扩建", "2026-05-01", "2026-03-01", "office"
        )
    assert "完成日期不能早于开工日期" in caught.value.problems["ends_on"]
    project = await projects.add_project(
        YEAR, town, "污水处理设施扩建", "2026-01-10", "2026-12-31", "office"
    )
    with pytest.raises(Invalid) as caught:
        await projects.add_milestone(project, "2026-01-01", "完成设计招标", "张三（副镇长）", "")
    assert "不能早于项目开工日期" in caught.value.problems["due_on"]
    await projects.add_milestone(project, "2026-05-10", "完成管网铺设", "张三（副镇长）", "验收单")
    before = await standing(town)

    clock.append(dt.date(2026, 5, 10))  # the day itself: not late yet
    assert await projects.sweep(YEAR) == (0, 0)
    clock.append(dt.date(2026, 5, 11))
    await asyncio.gather(projects.sweep(YEAR), projects.sweep(YEAR))  # two pages at once
    assert await Card.count() == 1
    assert await projects.sweep(YEAR) == (0, 0)  # once per milestone
    (card,) = await projects.card_views(YEAR, town)
    assert card.colour == "yellow" and card.state == "issued"
    assert await standing(town) == before  # a yellow card is a warning

    clock.append(dt.date(2026, 5, 24))  # grace of 14 days not yet over
    assert await projects.sweep(YEAR) == (0, 0)
    clock.append(dt.date(2026, 5, 25))
    assert await projects.sweep(YEAR) == (0, 1)
    (card,) = await projects.card_views(YEAR, town)
    assert card.colour == "red" and card.deduction == 2.0
    total, _ = await standing(town)
    assert total == pytest.approx(before[0] - 2.0)  # 实时扣分
    with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):
        await Card(
            milestone=(await Card.select(Card.milestone).first())["milestone"],
            colour="yellow",
            issued_on=Q1,
        ).save()

    # the town answers, rectifies, the office closes: history kept, deduction stays
    with pytest.raises(PermissionDenied):
        await projects.submit_plan(card.card_id, other, "这不是我们镇的督办牌，不应能提交")
    with pytest.raises(Conflict):
        await projects.rectify(card.card_id, town, "已完成")
    with pytest.raises(Invalid):
        await projects.submit_plan(card.card_id, town, "太短")
    await projects.submit_plan(card.card_id, town, "六月十日前完成剩余管网铺设并组织验收")
    await projects.rectify(card.card_id, town, "验收单已上传，管网已通水")
    await projects.close_card(card.card_id, "office")
    (card,) = await projects.card_views(YEAR, town)
    assert card.state == "closed" and card.plan_text and card.evidence
    assert (await standing(town))[0] == pytest.approx(before[0] - 2.0)
    clock.append(dt.date(2026, 7, 1))
    assert await projects.sweep(YEAR) == (0, 0)  # a finished milestone gets no new card

    # 容错: another town cannot apply; the office needs all three tests and a reason
    with pytest.raises(Invalid) as caught:
        await fault_tolerance.apply_exemption(
            card.card_id, "他镇", other, "河长制改革", "理由写得足够长的一段说明"
        )
    assert "其他乡镇" in caught.value.message
    exemption = await fault_tolerance.apply_exemption(
        card.card_id,
        "凤凰镇填报员",
        town,
        "农村污水治理 PPP 改革试点",
        "试点方案调整导致管网施工顺延，属改革探索",
    )
    with pytest.raises(Conflict):
        await fault_tolerance.apply_exemption(
            card.card_id, "凤凰镇填报员", town, "同一事项", "重复提交的第二份豁免申请"
        )
    with pytest.raises(Invalid) as caught:
        await fault_tolerance.decide_exemption(exemption, True, ["no_clear_rule"], "符合", "office")
    assert "三项标准全部符合" in caught.value.problems["checklist"]
    await fault_tolerance.decide_exemption(
        exemption,
        True,
        list(fault_tolerance.CRITERIA),
        "属于改革试点中的探索性失误，予以豁免",
        "office",
    )
    with pytest.raises(Conflict):
        await fault_tolerance.decide_exemption(exemption, False, [], "再次审核的意见", "office")
    assert (await standing(town))[0] == pytest.approx(before[0])
    (card,) = await projects.card_views(YEAR, town)
    assert card.exempted
    (view,) = await fault_tolerance.exemption_views(YEAR)
    assert view.state == "approved" and len(view.checklist) == 3
