"""From feedback to growth, in headless Chromium on the demo county: the demo cadre writes a
development plan from their feedback on a phone (a vague one refused in words), their leader
agrees it (a return without a reason refused), the cadre records progress, the office sees
the town's coverage; then the office closes and publishes this year's cycle, and the cadre's
new feedback shows the goal beside the new score."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_results_journeys import signed_in

pytestmark = pytest.mark.browser


def test_a_plan_from_feedback_is_agreed_and_the_next_cycle_shows_progress(
    browser, live_server: str
) -> None:  # type: ignore[no-untyped-def]
    context, page = signed_in(browser, live_server, "cadre", PHONE)
    page.goto(f"{live_server}/me/feedback")
    name = page.locator("h1").inner_text().split(" · ")[0].strip()
    weakest = page.locator("#headline strong").first.inner_text()
    page.locator("#plan-link").click()
    page.wait_for_load_state()
    chosen = page.locator("#goal1_competency option:checked").inner_text()
    assert chosen.startswith(weakest) and "（短板）" in chosen  # starts from the first weakness
    page.locator("#send-plan").click()  # no level, no actions: refused in words
    page.wait_for_load_state()
    summary = page.locator(".error-summary").inner_text()
    assert "请选择目标水平" in summary and "请写出具体做法" in summary
    page.locator("#goal1_target").select_option("4")
    page.locator("#goal1_actions").fill("每月参加一次群众接待日，整理诉求台账并跟踪办结")
    screenshot(page, "development-plan-phone")
    page.locator("#send-plan").click()
    page.wait_for_load_state()
    assert "计划已提交，等待领导确认" in page.locator("#notice").inner_text()
    context.close()

    context, page = signed_in(browser, live_server, "leader", DESKTOP)
    page.goto(f"{live_server}/team")
    page.get_by_label(f"{name}的发展计划").click()
    page.wait_for_load_state()
    assert weakest in page.locator("#goals").inner_text()
    page.get_by_role("button", name="退回修改").click()
    page.wait_for_load_state()
    assert "退回时请写明" in page.locator(".error-summary").inner_text()
    page.get_by_label("意见（退回时必填）").fill("同意，每月在台账上记录办结情况")
    page.locator("#agree-plan").click()
    page.wait_for_load_state()
    assert "已确认该干部的发展计划" in page.locator("#notice").inner_text()
    context.close()

    context, page = signed_in(browser, live_server, "cadre", PHONE)
    page.goto(f"{live_server}/me/plan")
    status = page.locator("#plan-status").inner_text()
    assert "领导已确认" in status and "每月在台账上记录" in status
    page.locator("#goals textarea").first.fill("已参加三次接待日，办结 12 件")
    page.get_by_role("button", name="记录进展").click()
    page.wait_for_load_state()
    assert "进展已记录" in page.locator("#notice").inner_text()
    context.close()

    context, page = signed_in(browser, live_server, "office", DESKTOP)
    page.goto(f"{live_server}/office/development")
    rows = page.locator("#coverage tbody tr")
    agreed = [r for r in rows.all() if r.locator("td").nth(3).inner_text() != "0"]
    assert len(agreed) == 1 and agreed[0].locator("td").nth(2).inner_text() == "1"
    # this year's cycle closes and is published: the next feedback
    page.goto(f"{live_server}/office/cycles")
    page.locator("#cycles tr", has_text="进行中").first.locator("a").first.click()
    page.wait_for_load_state()
    page.locator("#move-close").click()
    page.wait_for_load_state()
    page.locator("#move-form button[type=submit]").click()
    page.wait_for_load_state()
    page.locator("#publish-link").click()
    page.wait_for_load_state()
    if page.locator("#reason").count():  # answered below the required rate: a reason
        page.locator("#reason").fill("演示：按期截止，回收率已说明")
    page.locator("#confirm-publish").click()
    page.wait_for_load_state()
    assert "结果已发布" in page.locator("#notice").inner_text()
    context.close()

    context, page = signed_in(browser, live_server, "cadre", PHONE)
    page.goto(f"{live_server}/me/feedback")
    growth = page.locator("#growth").inner_text()
    assert weakest in growth and "4 级" in growth and "已参加三次接待日" in growth
    row = page.locator("#growth tbody tr").first.locator("td")
    then, now = row.nth(1).inner_text(), row.nth(3).inner_text()
    assert then != "—" and now != "—" and then != now  # two cycles' scores side by side
    screenshot(page, "development-progress-phone")
    context.close()
