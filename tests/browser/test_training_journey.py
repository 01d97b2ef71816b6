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


def test_a_freed_seat_goes_to_the_first_waiting_who_is_told(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    """The office puts the demo cadre on a full session of the published plan (at the end of
    its waiting list, chosen from a list), then records the apologies that people phone in:
    each freed seat goes to the first waiting, named in the notice, until the demo cadre's
    turn; the cadre finds the seat and the message on their phone."""
    context, page = signed_in(browser, live_server, "cadre", PHONE)
    page.goto(f"{live_server}/me/feedback")
    name = page.locator("h1").inner_text().split(" · ")[0].strip()
    context.close()

    context, page = signed_in(browser, live_server, "training", DESKTOP)
    page.goto(f"{live_server}/training/plan")  # the plan the journey above published
    if page.locator("#publish").count():  # (still a draft if that journey stopped short)
        page.locator("#publish").click()
        page.wait_for_load_state()
        page.locator("#confirm-publish").click()
        page.wait_for_load_state()
    page.goto(f"{live_server}/training/catalogue")
    sessions = []  # (day, link) of each catalogue row: the newest first, the plan's upcoming
    for row in page.locator("#catalogue tbody tr, table tbody tr").all():
        link = row.locator("a[href^='/training/offerings/']").first
        cells = row.locator("td")
        if link.count() and cells.count() > 4:
            sessions.append((cells.nth(4).inner_text(), link.get_attribute("href")))
    best = None  # an upcoming session with people seated, the demo cadre on none of its lists
    for _, link in sorted(sessions, reverse=True):
        page.goto(f"{live_server}{link}")
        seated = page.locator("form[action$='/cancel']").count()  # 0: begun, or nobody seated
        waiting = page.locator("#waiting-list li").count()
        selectable = page.locator("#cadre option", has_text=f"{name}（").count()
        if seated and selectable and waiting < seated:  # enough apologies to reach the cadre
            best = (link, waiting)
            break
    assert best is not None, "an upcoming session the demo cadre is not on"
    page.goto(f"{live_server}{best[0]}")
    capacity = int(page.locator(".lead").inner_text().rsplit("座位", 1)[1].strip())
    while int(page.locator("#placed").inner_text()) < capacity:  # others fill its free seats
        other = page.locator("#cadre option[value]:not([value=''])").filter(has_not_text=name)
        page.get_by_label("加入干部").select_option(value=other.first.get_attribute("value"))
        page.get_by_role("button", name="加入").click()
        page.wait_for_load_state()
        assert "已安排入座并已通知本人" in page.locator("#notice").inner_text()
    choice = page.locator("#cadre option", has_text=f"{name}（").first
    page.get_by_label("加入干部").select_option(value=choice.get_attribute("value"))
    page.get_by_role("button", name="加入").click()
    page.wait_for_load_state()
    assert f"已加入候补，排第 {best[1] + 1} 位" in page.locator("#notice").inner_text()
    assert page.locator("#waiting-list li").last.inner_text().startswith(name)
    screenshot(page, "training-waiting-list")
    for turn in range(best[1] + 1):
        first = page.locator("#waiting-list li").first.inner_text().split("（")[0]
        row = page.locator("#register tbody tr").filter(has=page.locator("form")).first
        row.locator("input[name=reason]").fill("电话请假：防汛值班")
        row.get_by_role("button", name="登记请假").click()
        page.wait_for_load_state()
        notice = page.locator("#notice").inner_text()
        assert f"名额已转给候补的{first}，并已通知本人" in notice, (turn, notice)
        assert first in page.locator("#register").inner_text()
    assert "候补转正" in page.locator("#register tr", has_text=name).inner_text()
    assert page.locator("#apologies tbody tr").count() == best[1] + 1
    context.close()

    context, page = signed_in(browser, live_server, "cadre", PHONE)
    page.goto(f"{live_server}/me/training")
    told = page.locator("#training-notices").inner_text()
    assert "已由候补转为正式安排" in told and name in told
    seat = page.locator("#my-training .task", has_text="由候补转正")
    assert seat.count() == 1 and "已安排" in seat.inner_text()
    screenshot(page, "training-promoted-phone")
    context.close()
