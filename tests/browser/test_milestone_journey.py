"""Milestones that can be met, in a real browser (issue 30): the office lists a key project;
the town's reporter, on a phone, reports one milestone done by its date — it never gets a
card — and a late one done today, whose yellow card the office closes by accepting the
completion (the card's history stays). Then, with the clock past the fourth quarter's
deadline and no town's Q4 in, the office tries to publish the year and is told, town by
town, what is missing. No page logs a console error."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest

from tests.browser.conftest import DESKTOP, PHONE, copy_database, serving
from tests.browser.test_rating_journey import log_in

pytestmark = pytest.mark.browser
TODAY = dt.date.fromisoformat(os.environ["CADRE360_TODAY"])  # the suite's day, as served
YEAR = TODAY.year


def watch(page, errors: list[str]) -> None:  # type: ignore[no-untyped-def]
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)


def test_a_milestone_done_on_time_is_never_carded_and_a_late_one_is_closed(  # type: ignore[no-untyped-def]
    browser, demo_template: Path, tmp_path: Path
) -> None:
    errors: list[str] = []
    with serving(copy_database(demo_template, tmp_path)) as base:
        phone = browser.new_context(viewport=PHONE, locale="zh-CN")
        town = phone.new_page()
        watch(town, errors)
        log_in(town, base, "reporter")
        town.wait_for_url("**/town**")
        town_name = town.locator("h1").inner_text().split(" · ")[0]

        desk = browser.new_context(viewport=DESKTOP, locale="zh-CN")
        office = desk.new_page()
        watch(office, errors)
        log_in(office, base, "office")
        office.goto(f"{base}/scorecard/{YEAR}/projects")
        form = office.locator("#project-form")
        form.get_by_label("乡镇").select_option(label=town_name)
        form.get_by_label("项目名称").fill("文化站提升改造")
        form.get_by_label("开工日期").fill(
            max(dt.date(YEAR, 1, 1), TODAY - dt.timedelta(20)).isoformat()
        )
        form.get_by_label("完成日期").fill(dt.date(YEAR, 12, 31).isoformat())
        form.get_by_role("button", name="添加项目").click()
        project = office.locator("article").filter(has_text="文化站提升改造")
        due = min(TODAY + dt.timedelta(days=5), dt.date(YEAR, 12, 31))
        project.get_by_label("节点日期").fill(due.isoformat())
        project.get_by_label("交付成果").fill("文化站改造完工验收")
        project.get_by_label("责任人").fill("宣传委员")
        project.get_by_role("button", name="添加节点").click()
        assert "文化站改造完工验收" in office.locator("main").inner_text()

        # on time: reported done today, before its date
        town.goto(f"{base}/town")
        on_time = town.locator("#town-milestones li").filter(has_text="文化站改造完工验收")
        on_time.locator("summary").click()
        on_time.get_by_label("完成佐证").fill("验收单已签字，现场照片已存档")
        on_time.get_by_role("button", name="报告完成").click()
        assert "已报送考核办" in town.locator("#notice").inner_text()
        # late: the milestone the demo's sweep carded yellow, done today
        late = town.locator("#town-milestones li").filter(has_text="自助终端")
        late.locator("summary").click()
        late.get_by_label("完成佐证").fill("自助终端已安装调试，群众试用验收")
        late.get_by_role("button", name="报告完成").click()
        assert "已报送考核办" in town.locator("#notice").inner_text()

        office.goto(f"{base}/scorecard/{YEAR}/projects")
        item = office.locator("li[id^=milestone-]").filter(has_text="文化站改造完工验收")
        assert "乡镇报告，待确认" in item.inner_text()
        item.get_by_role("button", name="提交").click()  # 确认完成 is the default choice
        item = office.locator("li[id^=milestone-]").filter(has_text="文化站改造完工验收")
        assert f"{TODAY} 完成" in item.inner_text() and "待确认" not in item.inner_text()
        assert office.locator("#cards li").filter(has_text="文化站改造完工验收").count() == 0

        card = office.locator("#cards li").filter(has_text="自助终端")
        assert "黄牌" in card.inner_text() and "已关闭" not in card.inner_text()
        item = office.locator("li[id^=milestone-]").filter(has_text="自助终端")
        assert "逾期完成" in item.inner_text()
        item.get_by_role("button", name="提交").click()
        card = office.locator("#cards li").filter(has_text="自助终端")
        assert "已关闭" in card.inner_text() and "黄牌" in card.inner_text()  # history kept

        town.goto(f"{base}/town")
        assert town.locator("#town-milestones li").filter(has_text="自助终端").count() == 0
        desk.close()
        phone.close()
    assert errors == []


def test_a_year_with_q4_missing_is_not_published_and_names_the_towns(  # type: ignore[no-untyped-def]
    browser, demo_template: Path, tmp_path: Path
) -> None:
    errors: list[str] = []
    after_q4 = f"{YEAR + 1}-01-20"  # the fourth quarter's deadline has passed; no town sent it
    with serving(copy_database(demo_template, tmp_path), CADRE360_TODAY=after_q4) as base:
        desk = browser.new_context(viewport=DESKTOP, locale="zh-CN")
        office = desk.new_page()
        watch(office, errors)
        log_in(office, base, "office")
        office.goto(f"{base}/scorecard/{YEAR}")
        office.get_by_role("button", name=re.compile("发布年度结果")).click()
        assert "暂不能发布" in office.locator("h1").inner_text()
        rows = office.locator("#blockers tbody tr").all_inner_texts()
        assert len(rows) == 4  # the demo's four towns, each named with what it still owes
        assert all(re.search(r"镇|乡", row) and "第四季度" in row for row in rows), rows
        office.goto(f"{base}/results/towns/{YEAR}")
        assert "尚未公布" in office.locator("main").inner_text()  # nothing was published
        desk.close()
    # the refusal (409) and the unpublished year (404) are the pages' own answers; nothing else
    expected = ("status of 409 (Conflict)", "status of 404 (Not Found)")
    assert [e for e in errors if not e.endswith(expected)] == []
    assert len(errors) <= 2
