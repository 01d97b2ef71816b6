"""红黄牌督办 and 容错 in a real browser: a town reporter answers a yellow card with a
rectification plan and evidence on a phone; the office closes it; the reporter applies for an
exemption from a red card's deduction; the office approves it under the 三个区分开来 tests and
the town sees the decision."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_rating_journey import log_in

pytestmark = pytest.mark.browser
YEAR = dt.date.today().year


def test_a_card_is_answered_closed_and_a_red_one_exempted(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    town = phone.new_page()
    log_in(town, live_server, "reporter")
    town.wait_for_url("**/town**")
    yellow = town.locator("#town-cards li").filter(has_text="黄牌").filter(has_text="自助终端")
    assert "待提交整改方案" in yellow.inner_text()
    yellow.get_by_role("button", name="提交整改方案").click()  # empty: refused
    assert "整改方案" in town.locator(".error-summary").inner_text()
    yellow = town.locator("#town-cards li").filter(has_text="自助终端")
    yellow.get_by_label("整改方案").fill("十二月五日前完成自助终端安装调试，并请群众试用验收")
    yellow.get_by_role("button", name="提交整改方案").click()
    assert "整改方案已提交" in town.locator("#notice").inner_text()
    yellow = town.locator("#town-cards li").filter(has_text="自助终端")
    yellow.get_by_label("整改佐证").fill("终端已安装，验收单已归档")
    yellow.get_by_role("button", name="报送整改情况").click()
    assert "已报送" in town.locator("#notice").inner_text()
    screenshot(town, "cards-town-phone")

    desk = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    office = desk.new_page()
    log_in(office, live_server, "office")
    office.goto(f"{live_server}/scorecard/{YEAR}/projects")
    card = office.locator("#cards li").filter(has_text="自助终端")
    assert "已整改，待考核办关闭" in card.inner_text()
    card.get_by_role("button", name="确认整改到位，关闭").click()
    assert "督办牌已关闭" in office.locator("#notice").inner_text()
    card = office.locator("#cards li").filter(has_text="自助终端")
    assert "已关闭" in card.inner_text() and "终端已安装" in card.inner_text()  # history kept

    town.goto(f"{live_server}/town")
    before = town.locator("#standing h2").inner_text()
    red = town.locator("#town-cards li").filter(has_text="红牌").filter(has_text="业务系统对接")
    red.locator("summary").click()
    red.get_by_label("所依据的改革事项").fill("“一窗通办”改革试点（县委改革办批复）")
    red.get_by_label("申请理由").fill(
        "省级平台接口规范调整，对接顺延，属改革探索中的失误，已主动整改"
    )
    red.get_by_role("button", name="提交豁免申请").click()
    assert "豁免申请已提交" in town.locator("#notice").inner_text()

    office.goto(f"{live_server}/scorecard/{YEAR}/exemptions")
    application = office.locator("section").filter(has_text="业务系统对接")
    application.get_by_label("批准豁免").check()
    application.get_by_role("button", name="保存审核意见").click()  # no tests ticked, no reason
    assert office.locator(".error-summary").count() == 1
    application = office.locator("section").filter(has_text="业务系统对接")
    for box in application.locator("input[type=checkbox]").all():
        box.check()
    application.get_by_label("批准豁免").check()
    application.get_by_label("审核意见").fill("属先行先试中的探索性失误，予以豁免")
    application.get_by_role("button", name="保存审核意见").click()
    assert "审核意见已保存" in office.locator("#notice").inner_text()
    assert "已批准" in office.locator("section").filter(has_text="业务系统对接").inner_text()
    screenshot(office, "cards-exemption")
    desk.close()

    town.goto(f"{live_server}/town")
    red = town.locator("#town-cards li").filter(has_text="业务系统对接")
    assert "已豁免，扣分不计" in red.inner_text()
    after = town.locator("#standing h2").inner_text()
    assert before != after  # the deduction is restored to the total
    phone.close()
