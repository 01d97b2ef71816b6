"""实地核查 in headless Chromium on the demo county: a 核查组 member on a phone opens a town's
reported figures, is told in words what a check needs, confirms one figure and corrects
another with a photo; the office finds both in its 核查 record and beside the town's
实地核查 score."""

from __future__ import annotations

import base64

import pytest

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_results_journeys import signed_in

pytestmark = pytest.mark.browser

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)


def test_the_field_team_confirms_and_corrects_on_a_phone_and_the_office_sees_it(
    browser, live_server: str
) -> None:  # type: ignore[no-untyped-def]
    context, page = signed_in(browser, live_server, "checker", PHONE)
    assert page.url.endswith("/check")  # the team's home
    year = page.locator("h1").inner_text().split("·")[1].strip().split(" ")[0]
    town = page.locator("#check-towns a").first
    town_name = town.inner_text()
    town.click()
    page.wait_for_load_state()
    items = page.locator("#check-items > li")
    assert items.count() >= 2
    first, second = items.nth(0), items.nth(1)
    first_name = first.locator("h2").inner_text()
    first.get_by_role("button", name="保存核查结果").click()  # nothing chosen, nothing written
    page.wait_for_load_state()
    summary = page.locator(".error-summary").inner_text()
    assert "请选择" in summary and "请写下现场看到的情况" in summary

    first = page.locator("#check-items > li").nth(0)
    first.get_by_label("与填报一致").check()
    first.get_by_label("现场情况").fill("查看了台账原件和银行回单，与填报一致")
    first.get_by_role("button", name="保存核查结果").click()
    page.wait_for_load_state()
    assert f"{first_name}：已确认与填报一致" in page.locator("#notice").inner_text()
    assert "已确认（核查组·刘洋）" in page.locator("#check-items > li").nth(0).inner_text()

    second = page.locator("#check-items > li").nth(1)
    second_name = second.locator("h2").inner_text()
    reported = float(second.locator(".task-meta strong").inner_text())
    found = round(reported * 0.9, 2)
    second.get_by_label("需要更正").check()
    second.locator("input[name=value]").fill(f"{found:g}")
    second.get_by_label("现场情况").fill("台账中有两笔重复计入，扣除后核实")
    second.locator("input[type=file]").set_input_files(
        files=[{"name": "台账.png", "mimeType": "image/png", "buffer": PNG}]
    )
    screenshot(page, "field-check-phone")
    second.get_by_role("button", name="保存核查结果").click()
    page.wait_for_load_state()
    assert f"{second_name}：已更正为 {found:g}" in page.locator("#notice").inner_text()
    context.close()

    context, page = signed_in(browser, live_server, "office", DESKTOP)
    page.goto(f"{live_server}/scorecard/{year}/review")
    decisions = page.locator("#decisions").inner_text()
    assert decisions.count("核查组·刘洋") == 2
    assert "台账中有两笔重复计入" in decisions and f"{found:g}" in decisions
    page.goto(f"{live_server}/scorecard/{year}")
    page.get_by_role("link", name=town_name).first.click()
    page.wait_for_load_state()
    assert (
        "核查组现场核查本年度数值 2 项：与填报一致 1 项，更正 1 项"
        in page.locator("#field-checks").inner_text()
    )
    context.close()
