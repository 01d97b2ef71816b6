"""The township scorecard in a real browser: the office sets next year's weights and publishes
the plan; a town reporter fills the open quarter on a phone and one value is flagged; the
office confirms it; the board and the town's page show scores, lights and ranks; the public
page shows last year's composite."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_rating_journey import log_in

pytestmark = pytest.mark.browser
YEAR = dt.date.today().year


def test_the_office_sets_next_years_weights_and_publishes(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "office")
    page.goto(f"{live_server}/scorecard/{YEAR}/plan")
    assert "个百分点" in page.locator("#dimension-weights").inner_text()  # against last year
    page.get_by_role("button", name=f"起草 {YEAR + 1} 年度方案").click()
    page.wait_for_url(f"**/scorecard/{YEAR + 1}/plan**")
    page.get_by_label("财务", exact=True).fill("30")  # four dimensions now add up to 105%
    page.get_by_role("button", name="保存权重").click()
    assert "权重之和应为 1" in page.locator(".error-summary").inner_text()
    assert page.get_by_label("财务", exact=True).input_value() == "30"  # what was typed stays
    page.get_by_label("财务", exact=True).fill("20")
    page.get_by_label("公共服务", exact=True).fill("40")
    page.get_by_label("调整说明").fill("生态环保与接诉即办继续加码")
    page.get_by_role("button", name="保存权重").click()
    assert "权重已保存" in page.locator("#notice").inner_text()
    page.get_by_role("button", name=f"发布 {YEAR + 1} 年度方案").click()
    assert "已发布" in page.locator("#notice").inner_text()
    assert page.locator("#dimension-weights").inner_text().count("%") >= 8
    assert page.get_by_label("财务", exact=True).count() == 0  # published: no more inputs
    screenshot(page, "scorecard-plan")
    context.close()


def fill_quarter(page) -> None:  # type: ignore[no-untyped-def]
    """Each value at its pro-rata target (or last quarter's), fiscal revenue far beyond."""
    for fieldset in page.locator("#report-form fieldset").all():
        hint = fieldset.locator("p.hint").first.inner_text()
        due = re.search(r"本季度应达 ([\d,.]+)", hint) or re.search(r"年度目标 ([\d,.]+)", hint)
        before = re.search(r"上季度 ([\d,.]+)", hint)
        value = (due.group(1) if due else before.group(1) if before else "5").replace(",", "")
        if fieldset.get_attribute("id") == "fiscal_revenue":
            value = str(float(value) * 3)
        fieldset.locator("input[name^='v_']").fill(value)


def test_a_reporter_fills_a_quarter_on_a_phone_and_the_office_confirms_a_flag(  # type: ignore[no-untyped-def]
    browser, live_server: str
) -> None:
    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = phone.new_page()
    log_in(page, live_server, "reporter")
    page.wait_for_url("**/town**")
    assert "排第" in page.locator("#standing").inner_text()
    page.locator("#report-link").click()
    page.get_by_role("button", name=re.compile("提交第 4 季度数据")).click()
    summary = page.locator(".error-summary").inner_text()
    assert "一般公共预算收入：请填写本季度的数值" in summary
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    fill_quarter(page)
    page.locator("#f_fiscal_revenue").set_input_files(
        files=[{"name": "税收台账.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}]
    )
    page.get_by_role("button", name=re.compile("提交第 4 季度数据")).click()
    page.wait_for_url("**/town?**")
    notice = page.locator("#notice").inner_text()
    assert "已提交" in notice and "一般公共预算收入" in notice and "核查" in notice
    screenshot(page, "scorecard-town-phone")
    phone.close()

    desk = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = desk.new_page()
    log_in(page, live_server, "office")
    page.goto(f"{live_server}/scorecard/{YEAR}/review")
    item = page.locator("section.review-item").filter(has_text="一般公共预算收入 · 第 4 季度")
    assert item.count() == 1 and "税收台账.pdf" in item.inner_text()
    item.get_by_role("button", name="保存核查结论").click()  # no reason yet
    assert "请写明核查结论" in page.locator(".error-summary").first.inner_text()
    item = page.locator("section.review-item").filter(has_text="一般公共预算收入 · 第 4 季度")
    item.get_by_label("核查依据").fill("已调取税务系统，园区企业一次性入库")
    item.get_by_role("button", name="保存核查结论").click()
    assert "核查结论已保存" in page.locator("#notice").inner_text()
    assert "园区企业一次性入库" in page.locator("#decisions").inner_text()
    screenshot(page, "scorecard-review")
    desk.close()


def test_the_board_and_a_town_page_show_scores_lights_and_ranks(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "office")
    page.goto(f"{live_server}/scorecard")
    assert page.locator("#board-heatmap svg").count() == 1
    assert "公共文化服务活动场次" in page.locator("#bottlenecks").inner_text()
    rank_tables = page.locator("table[id^='rank-']")
    assert rank_tables.count() >= 1
    assert re.search(r"\d+/\d+", rank_tables.first.inner_text())
    screenshot(page, "scorecard-board")
    rank_tables.first.locator("a").first.click()
    assert page.locator("#indicators .light").count() > 5
    reasons = page.locator("#indicators .hint").all_inner_texts()
    assert any("应达进度" in r for r in reasons)  # each light says its rule
    assert "排第" in page.locator("#standing").inner_text()
    context.close()


def test_the_public_page_shows_the_town_composite(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/results")
    page.get_by_role("link", name=f"{YEAR - 1} 年度乡镇绩效考核结果").click()
    table = page.locator("table[id^='public-']").first
    assert "年终综合" in table.inner_text()
    assert re.search(r"\d+\.\d", table.inner_text())
    screenshot(page, "scorecard-public")
    context.close()
