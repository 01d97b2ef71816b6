"""结果运用, 容错 by a cadre, and 公示 with an appeal, in a real browser.

* The office records a 约谈 and a 专项督导 task for the lowest town (proposed by the page).
* A cadre applies for an exemption from a red card of their town on a phone; the office
  decides; the decision is on the cadre's home page.
* Appeal: with the clock in last year's 公示 period, a cadre objects to one competency; the
  office upholds it with a correction; the cadre's result carries the correction and its
  reason. With the clock after the period, the result is final and a late appeal is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import DESKTOP, PHONE, copy_database, screenshot, serving
from tests.browser.test_rating_journey import log_in

pytestmark = pytest.mark.browser
YEAR = dt.date.today().year


def test_the_office_records_an_interview_and_a_supervision_for_the_lowest_town(  # type: ignore[no-untyped-def]
    browser, live_server: str
) -> None:
    desk = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    office = desk.new_page()
    log_in(office, live_server, "office")
    office.goto(f"{live_server}/scorecard/{YEAR}/followup")
    lowest = office.locator("#tiers tr").filter(has_text="末位")
    assert lowest.count() == 1
    town = lowest.locator("th").inner_text()
    form = office.locator("#interview-form")
    assert town in form.get_by_label("乡镇").locator("option:checked").inner_text()
    form.get_by_role("button", name="保存约谈记录").click()  # empty: refused, all named
    summary = office.locator(".error-summary").inner_text()
    assert "约谈日期" in summary and "整改承诺" in summary
    form = office.locator("#interview-form")
    form.get_by_label("约谈日期").fill(f"{YEAR}-11-18")
    form.get_by_label("约谈人（姓名、职务）").fill("县委书记、县考核办主任")
    form.get_by_label("指出的问题").fill("前三季度总分全县末位，污水处理项目红牌未整改。")
    form.get_by_label("整改承诺（每行一条）").fill("十二月底前完成管网通水\n每周报送项目进度")
    form.get_by_role("button", name="保存约谈记录").click()
    assert "约谈记录已保存" in office.locator("#notice").inner_text()
    assert "十二月底前完成管网通水" in office.locator("#interviews").inner_text()

    task = office.locator("#supervision-form")
    task.get_by_label("督导事项").fill("污水处理设施扩建专项督导")
    task.get_by_label("完成时限").fill(f"{YEAR}-12-31")
    task.get_by_role("button", name="下达督导").click()
    assert "督导任务已下达" in office.locator("#notice").inner_text()
    item = office.locator("#supervisions li").filter(has_text="污水处理设施扩建专项督导")
    assert town in item.inner_text() and "督导中" in item.inner_text()
    screenshot(office, "followup-office")
    desk.close()


def test_a_cadre_applies_for_an_exemption_and_sees_the_decision(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    cadre = phone.new_page()
    log_in(cadre, live_server, "cadre")
    cadre.goto(f"{live_server}/me")
    assert "红牌督办" in cadre.locator("#notices").inner_text()
    card = cadre.locator("#my-cards li").filter(has_text="收集点")
    card.locator("summary").click()
    card.get_by_role("button", name="提交豁免申请").click()  # empty: refused
    assert "改革事项" in cadre.locator(".error-summary").inner_text()
    card = cadre.locator("#my-cards li").filter(has_text="收集点")
    card.get_by_label("所依据的改革事项").fill("农村人居环境整治“以奖代补”改革试点")
    card.get_by_label("申请理由").fill("试点期间奖补资金改为验收后拨付，施工队进场推迟，属改革探索")
    card.get_by_role("button", name="提交豁免申请").click()
    assert "豁免申请已提交" in cadre.locator("#notice").inner_text()
    assert "审核中" in cadre.locator("#my-exemptions + ul").inner_text()
    screenshot(cadre, "exemption-cadre-phone")

    desk = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    office = desk.new_page()
    log_in(office, live_server, "office")
    office.goto(f"{live_server}/scorecard/{YEAR}/exemptions")
    application = office.locator("section").filter(has_text="收集点")
    assert "贺江宇" in application.inner_text() or "（" in application.inner_text()
    application.get_by_label("审核意见").fill("未提供改革试点批复文件，不予豁免")
    application.get_by_role("button", name="保存审核意见").click()
    assert "审核意见已保存" in office.locator("#notice").inner_text()
    desk.close()

    cadre.goto(f"{live_server}/me")
    notices = cadre.locator("#notices").inner_text()
    assert "容错豁免申请未获批准" in notices and "未提供改革试点批复文件" in notices
    assert "未获批准" in cadre.locator("#my-exemptions + ul").inner_text()
    phone.close()


@pytest.fixture(scope="module")
def appeal_database(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_database(demo_template, tmp_path_factory.mktemp("appeal"))


@pytest.fixture(scope="module")
def in_publicity(appeal_database: Path) -> Iterator[str]:
    """The demo served with the clock on 1 December last year: last year's cycle was
    published on 28 November and is in 公示 until 5 December."""
    with serving(appeal_database, CADRE360_TODAY=f"{YEAR - 1}-12-01") as base:
        yield base


def test_an_appeal_is_upheld_during_publicity_and_a_late_one_refused(  # type: ignore[no-untyped-def]
    browser, in_publicity: str, appeal_database: Path
) -> None:
    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    cadre = phone.new_page()
    log_in(cadre, in_publicity, "cadre")
    cadre.goto(f"{in_publicity}/me/feedback")
    assert f"至 {YEAR - 1}-12-05 止" in cadre.locator("#publicity").inner_text()
    before = cadre.locator(".stats .stat").first.inner_text()
    form = cadre.locator("#appeal-form")
    competency = form.get_by_label("申诉事项").locator("option").nth(1).inner_text()
    form.get_by_label("申诉事项").select_option(label=competency)
    form.get_by_label("申诉理由").fill("太短")
    form.get_by_role("button", name="提交申诉").click()
    assert "至少 10 个字" in cadre.locator(".error-summary").inner_text()
    form = cadre.locator("#appeal-form")
    form.get_by_label("申诉理由").fill("本人当年三月调任党政办，该项工作不在岗位职责之内，请复核")
    form.get_by_role("button", name="提交申诉").click()
    assert "申诉已提交" in cadre.locator("#notice").inner_text()
    assert "待复核" in cadre.locator("#appeals").inner_text()

    desk = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    office = desk.new_page()
    log_in(office, in_publicity, "office")
    office.goto(f"{in_publicity}/office/cycles")
    office.get_by_role("link", name=f"{YEAR - 1}年度干部综合评价").first.click()
    office.locator("#appeals-link").click()
    appeal = office.locator("section").filter(has_text="调任党政办")
    appeal.get_by_label("维持申诉，更正结果").check()
    appeal.get_by_role("button", name="保存复核意见").click()  # no correction, no reason
    assert "维持申诉须选择更正方式" in office.locator(".error-summary").inner_text()
    appeal = office.locator("section").filter(has_text="调任党政办")
    appeal.get_by_label("维持申诉，更正结果").check()
    appeal.get_by_label("该项不适用于本人岗位，不计入综合得分").check()
    appeal.get_by_label("复核意见").fill("经核实，该同志三月起任党政办主任，该项不在其岗位职责内")
    appeal.get_by_role("button", name="保存复核意见").click()
    assert "结果已重新计算并冻结" in office.locator("#notice").inner_text()
    screenshot(office, "appeal-office")
    desk.close()

    cadre.goto(f"{in_publicity}/me/feedback")
    corrections = cadre.locator("#corrections").inner_text()
    assert competency in corrections and "三月起任党政办主任" in corrections
    assert cadre.locator(".stats .stat").first.inner_text() != before  # recomputed
    screenshot(cadre, "appeal-cadre-phone")
    cycle = (cadre.locator("#pdf").get_attribute("href") or "").split("cycle=")[-1]
    cadre.goto(f"{in_publicity}/me")
    assert "申诉复核维持" in cadre.locator("#notices").inner_text()

    with serving(appeal_database, CADRE360_TODAY=f"{YEAR}-11-20") as later:
        cadre.goto(f"{later}/me/feedback?cycle={cycle}")  # the same session, a later day
        page = cadre.locator("main").inner_text()
        assert "结果已定稿" in page and "三月起任党政办主任" in page
        assert cadre.locator("#appeal-form").count() == 0  # no form after the period
        # a late appeal sent anyway (an old tab, a script) is refused in words
        token = cadre.locator("input[name=_csrf_token]").first.get_attribute("value")
        answer = cadre.request.post(
            f"{later}/me/appeals",
            form={
                "_csrf_token": token or "",
                "cycle": cycle,
                "reason": "公示期后才看到结果，请复核",
            },
        )
        assert answer.status == 409 and f"公示期已于 {YEAR - 1}-12-05 结束" in answer.text()
    phone.close()
