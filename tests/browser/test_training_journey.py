"""Training journey in headless Chromium on the demo county: the training office runs the
optimiser and publishes the plan; the demo cadre sees the enrolment and gives feedback."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_results_journeys import signed_in

pytestmark = pytest.mark.browser


def test_office_optimises_and_publishes_then_a_cadre_gives_feedback(
    browser, live_server: str
) -> None:  # type: ignore[no-untyped-def]
    context, page = signed_in(browser, live_server, "training", DESKTOP)
    page.goto(f"{live_server}/training")
    page.get_by_role("link", name="培训方案（按短板优化安排）").click()
    page.wait_for_load_state()
    page.get_by_label("每人场次上限").fill("9")
    page.get_by_role("button", name="运行优化").click()
    page.wait_for_load_state()
    assert "每人场次上限应为 1–6" in page.locator(".error-summary").inner_text()
    page.get_by_label("每人场次上限").fill("2")
    page.get_by_role("button", name="运行优化").click()
    page.wait_for_load_state()  # the run's own page, refreshing itself until the plan is stored
    page.locator("#open-plan").wait_for(timeout=60_000)
    assert "方案已生成" in page.locator("#job").inner_text()
    screenshot(page, "training-plan-job")
    page.locator("#open-plan").click()
    page.wait_for_load_state()
    assert "最优方案" in page.locator("#plan-quality").inner_text()
    assert page.locator("#enrolments tbody tr").count() > 0
    assert "针对短板" in page.locator("#enrolments").inner_text()  # every assignment says why
    screenshot(page, "training-plan")
    page.locator("#publish").click()  # the confirmation page says what publishing does
    page.wait_for_load_state()
    assert "人次的培训安排" in page.locator("#publish-effects").inner_text()
    page.locator("#confirm-publish").click()
    page.wait_for_load_state()
    assert "方案已发布" in page.locator("#notice").inner_text()
    context.close()

    context, page = signed_in(browser, live_server, "cadre", PHONE)
    page.goto(f"{live_server}/me/training")
    tasks = page.locator("#my-training .task")
    assert tasks.count() >= 1
    first = tasks.first
    assert "已安排" in first.inner_text()
    first.get_by_role("button", name="提交培训反馈").click()  # nothing chosen: a clear message
    page.wait_for_load_state()
    assert "请为培训的总体感受打分" in page.locator(".error-summary").inner_text()
    first = page.locator("#my-training .task").first
    first.locator("input[name=reaction][value='4']").check()
    first.locator("input[name=usefulness][value='5']").check()
    first.locator("textarea").fill("案例很实用")
    first.get_by_role("button", name="提交培训反馈").click()
    page.wait_for_load_state()
    assert "培训反馈已提交" in page.locator("#notice").inner_text()
    assert "反馈已提交" in page.locator("#my-training .task").first.inner_text()
    screenshot(page, "training-cadre-feedback")
    page.goto(f"{live_server}/me/feedback")
    assert "针对短板" in page.locator("#training").inner_text()  # recommendations on feedback
    context.close()
