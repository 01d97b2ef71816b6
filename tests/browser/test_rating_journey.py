"""A rater on a phone: validation error then success; a draft survives logout; a resident's
second response from the same phone is refused politely."""

from __future__ import annotations

import re

import pytest

from app.demo.loader import DEMO_PASSWORD
from tests.browser.conftest import PHONE, screenshot

pytestmark = pytest.mark.browser
AFTER_SUBMIT = re.compile(r"/rate(/\d+)?\?")  # 下一位's form, or the list when none is left


def log_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()


def peer_tasks(page):  # type: ignore[no-untyped-def]
    return page.locator("li.task:not(.task--done) a").filter(has_not_text="自评")


def test_peer_fixes_a_validation_error_and_submits(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "cadre")
    page.goto(f"{live_server}/rate")
    done_before = int(page.locator(".done-count").first.inner_text())
    task = peer_tasks(page).first
    ratee = task.inner_text()
    task.click()
    items = page.locator("fieldset.bars")
    assert items.count() >= 8
    for index in range(1, items.count()):  # leave the first item unanswered
        items.nth(index).locator("label.anchor").nth(2).click()  # 3 级
    page.get_by_role("button", name="提交评价").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert page.title().startswith("错误：")
    assert items.first.locator(".error-message").is_visible()  # inline, beside the item
    screenshot(page, "rating-error")
    summary.locator("a").first.click()  # the summary links to the item
    items.first.locator("label.anchor").nth(1).click()  # 4 级
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_url(AFTER_SUBMIT)  # the next person's form (下一位), or the list at the end
    notice = page.locator("#notice").inner_text()
    assert f"已提交对{ratee}的评价" in notice
    assert "下一位" in notice or "都已完成" in notice
    screenshot(page, "rating-done")
    page.goto(f"{live_server}/rate")
    assert int(page.locator(".done-count").first.inner_text()) == done_before + 1
    context.close()


def test_a_draft_survives_logout_and_login(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "cadre")
    page.goto(f"{live_server}/rate")
    task = peer_tasks(page).last
    href = task.get_attribute("href")
    task.click()
    first = page.locator("fieldset.bars").first
    first.locator("label.anchor").nth(1).click()  # 4 级
    page.get_by_label("意见建议（选填，匿名汇总后反馈给本人）").fill("会上再补充")
    page.get_by_role("button", name="保存草稿").click()
    assert "草稿已保存" in page.locator("#notice").inner_text()
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/login")
    context.close()

    phone = browser.new_context(viewport=PHONE, locale="zh-CN")  # another phone, a new session
    page = phone.new_page()
    log_in(page, live_server, "cadre")
    page.goto(f"{live_server}{href}")
    first = page.locator("fieldset.bars").first
    assert first.locator("input[value='4']").is_checked()
    assert page.locator("#comment").input_value() == "会上再补充"
    phone.close()


def test_the_same_phone_cannot_rate_a_cadre_twice(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    office = browser.new_context(locale="zh-CN")
    page = office.new_page()
    log_in(page, live_server, "office")
    page.goto(f"{live_server}/office/cycles")
    page.locator("#cycles a").first.click()
    page.locator("#qr-sheets a").nth(1).click()
    href = page.locator("a.qr-link").first.get_attribute("href")
    office.close()

    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = phone.new_page()
    page.goto(f"{live_server}{href}")
    questions = page.locator("fieldset.resident-item")
    for index in range(questions.count()):
        questions.nth(index).locator("label.anchor").nth(1).click()
    page.get_by_role("button", name="提交评价").click()
    assert page.locator("h1").inner_text() == "感谢您的评价"
    page.goto(f"{live_server}{href}")  # the same phone scans the card again: told, no form
    assert page.locator("h1").inner_text().startswith("您已评价过")
    assert page.locator("fieldset.resident-item").count() == 0
    assert "每人每轮只能评价一次" in page.locator("#already-answered").inner_text()
    screenshot(page, "resident-second-time")
    phone.close()


def test_a_leader_rates_with_the_keyboard_alone(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    """No mouse: Tab to each item's radios, arrow keys to choose, Tab past the note, Enter
    on the submit button — and the focused control is always visibly outlined."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "leader")
    page.goto(f"{live_server}/rate")
    done_before = int(page.locator(".done-count").first.inner_text())
    task = peer_tasks(page).last
    ratee = task.inner_text()
    task.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/rate/*")
    items = page.locator("fieldset.bars")
    count = items.count()
    assert count >= 8

    def focused(attribute: str) -> str:
        return str(page.evaluate(f"document.activeElement.getAttribute('{attribute}') || ''"))

    def outlined() -> bool:
        return bool(
            page.evaluate("getComputedStyle(document.activeElement).outlineStyle !== 'none'")
        )

    for index in range(count):
        for _ in range(40):  # from the page's top: past the navigation and the links
            if focused("name").startswith("level_"):
                break
            page.keyboard.press("Tab")
        assert focused("value") == "5"  # the group's first radio (best first)
        assert outlined()
        page.keyboard.press("ArrowDown")  # → 4 级, checked by the arrow
        assert focused("value") == "4"
        assert items.nth(index).locator("input[value='4']").is_checked()
        page.keyboard.press("Tab")  # the note
        assert focused("name").startswith("note_")
    for _ in range(4):
        if focused("value") == "submit":
            break
        page.keyboard.press("Tab")
    assert focused("value") == "submit" and outlined()
    page.keyboard.press("Enter")
    page.wait_for_url(AFTER_SUBMIT)
    assert f"已提交对{ratee}的评价" in page.locator("#notice").inner_text()
    page.goto(f"{live_server}/rate")
    assert int(page.locator(".done-count").first.inner_text()) == done_before + 1
    context.close()
