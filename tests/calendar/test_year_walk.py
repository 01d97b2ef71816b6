"""A small county walks through a whole year on a moving product clock — January 2027 to
February 2028 — through the pages and services its people use, and at each step the office,
a town reporter, a leader and a cadre see what that day should show them.

The year's plan is published and the contracts confirmed; each quarter is reported inside
its window (one attempt a day late is refused and writes nothing); 12345 files are imported;
one milestone is met on time (never carded), another late (yellow, red after the grace
period, then rectified and closed); a 360 cycle is opened, answered, closed and published;
its 公示 takes an appeal on its last day (upheld) and refuses one the day after; the year-end
composite is entered, the town year published, and next year the lowest town's 约谈 is
recorded for review."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pytest
from litestar.testing import TestClient

from app.demo.scorecard import hotline_records, strengths
from evaluation import clock
from evaluation.appeals.tables import AppealCase as Appeal
from evaluation.cycles import service as cycle_service
from evaluation.rubrics import versions as rubric_versions
from evaluation.scorecard import followup, projects, service
from evaluation.scorecard.plan import Source, moved_to_year, plan_for_year
from evaluation.scorecard.tables import IndicatorValue
from evaluation.tables import Cadre
from tests.factories import People, answer_assignments, csrf_token, login, post_form
from tests.web.html import texts

YEAR = 2027


class Calendar:
    """The product's date, moved forward by the test (never backwards)."""

    def __init__(self) -> None:
        self.day = dt.date(YEAR, 1, 4)

    def at(self, day: dt.date) -> None:
        assert day >= self.day, "the walk never goes back in time"
        self.day = day


@pytest.fixture
def calendar(client: TestClient) -> Iterator[Calendar]:
    moving = Calendar()
    saved = clock.CLOCK
    clock.CLOCK = lambda: moving.day
    yield moving
    clock.CLOCK = saved


def page(client: TestClient, user: str, path: str) -> str:
    login(client, user)
    response = client.get(path)
    assert response.status_code == 200, (user, path, response.status_code)
    return response.text


async def report_by_form(client: TestClient, town: int, quarter: int) -> int:
    """The reporter fills the quarter's form as a browser would; returns the status."""
    form = await service.quarter_form(YEAR, town, quarter)
    values = {f"v_{item.code}": f"{(item.pro_rata or 80.0):.2f}" for item in form.items}
    login(client, "reporter")
    path = f"/town/report/{quarter}"
    response = client.post(
        path,
        data={"_csrf_token": csrf_token(client, "/town"), **values},
        follow_redirects=False,
    )
    assert response.status_code in (302, 303) or "不在填报期内" in response.text
    return response.status_code


async def report_others(towns: list[int], quarter: int, on: dt.date) -> None:
    for town in towns:
        form = await service.quarter_form(YEAR, town, quarter, on=on)
        fields = {item.code: f"{(item.pro_rata or 80.0):.2f}" for item in form.items}
        await service.report(YEAR, town, quarter, fields, {}, [], "填报员", on=on)


async def town_values(town: int, quarter: int) -> int:
    return await IndicatorValue.count().where(
        (IndicatorValue.town == town)
        & (IndicatorValue.quarter == quarter)
        & (IndicatorValue.source == "town")
    )


async def test_a_county_walks_through_a_whole_year(
    calendar: Calendar, client: TestClient, people: People
) -> None:
    towns = await service.towns()
    mine = (
        await Cadre.select(Cadre.town).where(Cadre.external_id == people.reporter.cadre_external_id)
    )[0]["town"]
    others = [t.id for t in towns if t.id != mine]
    rng = np.random.default_rng(3)
    levels = strengths(towns, 1)

    # --- January: the year's plan is published, the town confirms its contract ------------
    calendar.at(dt.date(YEAR, 1, 6))
    plan = moved_to_year(plan_for_year(2026), YEAR)
    await service.publish(await service.add_plan(plan, "", "office"), "office")
    contract = f"/scorecard/{YEAR}/contracts/{mine}"
    assert "准备" in page(client, "reporter", "/town")  # the clerk prepares it
    assert 'id="confirm-contract"' not in page(client, "reporter", contract)
    assert "签署" in page(client, "secretary", "/town")  # the 党委书记 signs it
    confirmed = post_form(client, f"{contract}/confirm", {}, page=contract)
    assert confirmed.status_code in (302, 303)
    signed = page(client, "office", contract)
    assert "党委书记" in signed and "在线确认" in signed
    for town in others:
        await service.confirm_contract(YEAR, town, "填报员")
    project = await projects.add_project(
        YEAR, mine, "便民服务中心改造", f"{YEAR}-01-10", f"{YEAR}-12-31", "office"
    )
    on_time = await projects.add_milestone(
        project, f"{YEAR}-03-31", "完成设计招标", "分管副镇长", "招标文件"
    )
    late = await projects.add_milestone(
        project, f"{YEAR}-06-30", "完成主体施工", "分管副镇长", "验收单"
    )

    # --- Q1: the milestone met on time is reported; the quarter inside its window --------
    calendar.at(dt.date(YEAR, 3, 30))
    login(client, "reporter")
    too_soon = post_form(
        client,
        f"/town/milestones/{on_time}/done",
        {"done_on": f"{YEAR}-04-01", "done_evidence": "中标通知书"},
        page="/town",
    )
    assert "完成日期不能晚于今天（2027-03-30）" in too_soon.text
    assert too_soon.text.count('class="error-summary"') == 1  # one summary, the form's own
    done = post_form(
        client,
        f"/town/milestones/{on_time}/done",
        {"done_on": f"{YEAR}-03-30", "done_evidence": "中标通知书已上传"},
        page="/town",
    )
    assert done.status_code in (302, 303)
    calendar.at(dt.date(YEAR, 4, 10))
    await projects.sweep(YEAR)
    assert await report_by_form(client, mine, 1) in (302, 303)
    await report_others(others, 1, calendar.day)
    await service.import_frame(
        YEAR, Source.hotline, "12345-Q1.csv", hotline_records(towns, levels, YEAR, 1, rng), "office"
    )
    town_page = page(client, "reporter", "/town")
    assert "完成设计招标" not in town_page  # done: off the open milestones, never carded
    assert (await projects.card_views(YEAR, mine)) == []

    # --- Q2: a day late is refused and writes nothing; the late milestone is carded -------
    calendar.at(dt.date(YEAR, 7, 1))
    await projects.sweep(YEAR)
    cards = await projects.card_views(YEAR, mine)
    assert [(c.deliverable, c.colour) for c in cards] == [("完成主体施工", "yellow")]
    assert "黄牌" in page(client, "reporter", "/town")
    await report_others(others, 2, dt.date(YEAR, 7, 10))
    calendar.at(dt.date(YEAR, 7, 16))  # the day after Q2's deadline
    assert await report_by_form(client, mine, 2) == 409  # refused, in words, nothing kept
    assert await town_values(mine, 2) == 0
    assert "当前不在填报期" in page(client, "reporter", "/town")
    await projects.sweep(YEAR)  # 16 days late: past the 14-day grace period
    assert [c.colour for c in await projects.card_views(YEAR, mine)] == ["red"]
    assert "红牌" in page(client, "office", f"/scorecard/{YEAR}/projects")

    # the town rectifies (plan, evidence) and the office closes the card, its history kept
    calendar.at(dt.date(YEAR, 7, 20))
    card = (await projects.card_views(YEAR, mine))[0].card_id
    login(client, "reporter")
    finished = post_form(
        client,
        f"/town/milestones/{late}/done",
        {"done_on": f"{YEAR}-07-19", "done_evidence": "主体施工验收单"},
        page="/town",
    )
    assert finished.status_code in (302, 303)
    await projects.sweep(YEAR)  # done late: the card it earned stays
    assert [c.colour for c in await projects.card_views(YEAR, mine)] == ["red"]
    post_form(
        client, f"/town/cards/{card}/plan", {"plan_text": "七月底前完成主体施工并验收"}, "/town"
    )
    post_form(client, f"/town/cards/{card}/rectify", {"evidence": "竣工验收单"}, "/town")
    login(client, "office")
    closed = post_form(
        client, f"/scorecard/cards/{card}/close", {}, page=f"/scorecard/{YEAR}/projects"
    )
    assert closed.status_code in (302, 303)
    [card_view] = await projects.card_views(YEAR, mine)
    assert (card_view.state, card_view.colour, card_view.deduction) == ("closed", "red", 2.0)

    # --- Q3 inside its window --------------------------------------------------------------
    calendar.at(dt.date(YEAR, 10, 12))
    assert await report_by_form(client, mine, 3) in (302, 303)
    await report_others(others, 3, calendar.day)

    # --- November: the 360 cycle opened, answered, closed, published -----------------------
    calendar.at(dt.date(YEAR, 11, 2))
    rubric = await rubric_versions.register_default_rubric()
    cycle = await cycle_service.create_cycle(
        name=f"{YEAR}年度干部综合评价",
        period="annual",
        year=YEAR,
        quarter=None,
        rubric_id=rubric,
        opens_on=dt.date(YEAR, 11, 2),
        closes_on=dt.date(YEAR, 11, 23),
        remind_on=dt.date(YEAR, 11, 16),
    )
    await cycle_service.generate_cycle_assignments(cycle)
    await cycle_service.move_cycle(cycle, "open")
    assert f"{YEAR}年度干部综合评价" in page(client, "leader", "/me")
    await answer_assignments(cycle, varied=True)
    calendar.at(dt.date(YEAR, 11, 23))
    login(client, "office")
    warned = client.get(f"/office/cycles/{cycle}/move/close").text
    assert 'id="before-close"' not in warned  # the closing day itself: not early
    await cycle_service.move_cycle(cycle, "close")
    calendar.at(dt.date(YEAR, 11, 28))
    login(client, "office")
    published = post_form(
        client,
        f"/office/cycles/{cycle}/results/publish",
        {"reason": "演示：群众评价按计划未纳入本周期"},
        page=f"/office/cycles/{cycle}/publish",
    )
    assert published.status_code in (302, 303), published.text[:300]
    assert "公示至 2027-12-05" in page(client, "office", f"/office/cycles/{cycle}")
    feedback = page(client, "member", f"/me/feedback?cycle={cycle}")
    assert "2027-12-05" in feedback  # the cadre is told until when to appeal
    assert page(client, "leader", "/team").count("</tr>") >= 1

    # --- 公示: an appeal on its last day is taken (and upheld); the day after is refused ---
    competency = (await cycle_service.rubric_for_cycle(cycle)).competencies[0].id
    calendar.at(dt.date(YEAR, 12, 5))
    login(client, "member")
    lodged = post_form(
        client,
        "/me/appeals",
        {
            "cycle": str(cycle),
            "competency": competency,
            "reason": "本人当年主要在驻村，评价人接触少",
        },
        page=f"/me/feedback?cycle={cycle}",
    )
    assert lodged.status_code in (302, 303) and await Appeal.count() == 1
    calendar.at(dt.date(YEAR, 12, 6))
    refused = post_form(
        client,
        "/me/appeals",
        {"cycle": str(cycle), "competency": competency, "reason": "再次申诉，理由同上述"},
        page=f"/me/feedback?cycle={cycle}",
    )
    assert refused.status_code >= 400 and "公示期已" in refused.text
    assert await Appeal.count() == 1
    appeal = (await Appeal.select(Appeal.id))[0]["id"]
    login(client, "office")
    upheld = post_form(
        client,
        f"/office/appeals/{appeal}/decide",
        {"decision": "uphold", "correction": "exclude", "decision_reason": "经核实接触确实较少"},
        page=f"/office/cycles/{cycle}/appeals",
    )
    assert upheld.status_code in (302, 303), upheld.text[:300]
    assert "维持" in page(client, "member", f"/me/feedback?cycle={cycle}")

    # --- January next year: Q4 in its window, the year-end composite, the year published --
    calendar.at(dt.date(YEAR + 1, 1, 10))
    assert await report_by_form(client, mine, 4) in (302, 303)
    await report_others(others, 4, calendar.day)
    for quarter in (2, 3, 4):
        await service.import_frame(
            YEAR,
            Source.hotline,
            f"12345-Q{quarter}.csv",
            hotline_records(towns, levels, YEAR, quarter, rng),
            "office",
        )
    calendar.at(dt.date(YEAR + 1, 1, 18))
    for town in towns:
        await service.set_year_end(YEAR, town.id, "90", "88", "office")
    for item in await service.review_queue(YEAR):  # the office settles every 核查 first
        await service.decide(item.value_id, "confirm", "", "已核实原始台账", "office")
    login(client, "office")
    board = f"/scorecard/{YEAR}"
    out = post_form(client, f"{board}/results/publish", {}, page=board)
    assert out.status_code in (302, 303)
    assert "公示" in page(client, "office", board)
    town_page = page(client, "reporter", f"/town?year={YEAR}")
    assert "公示" in town_page

    # --- February next year: the lowest town's 约谈 is recorded for next year's review -----
    calendar.at(dt.date(YEAR + 1, 2, 10))
    results = await followup.results_use(YEAR)
    lowest = [row for row in results.rows if row.lowest]
    assert lowest
    await followup.record_interview(
        YEAR,
        lowest[0].town_id,
        calendar.day.isoformat(),
        "县委副书记",
        f"{YEAR} 年度综合考核排名末位，重点项目推进滞后。",
        "一季度前完成整改\n建立周调度机制",
        "office",
    )
    followup_page = page(client, "office", f"/scorecard/{YEAR}/followup")
    [interviews] = [t for t in texts(followup_page, "section") if t.startswith("约谈记录")]
    assert f"{lowest[0].name} · {calendar.day}" in interviews
    assert "承诺落实情况于下一年度核实" in interviews
    # the town itself reads the 约谈 and its commitments on its own page
    if lowest[0].town_id == mine:
        assert "约谈" in page(client, "reporter", f"/town?year={YEAR}")
