"""The office prints a town's QR sheet; a resident follows one card to that cadre's form."""

from __future__ import annotations

import re

import pytest

from app.demo.loader import DEMO_PASSWORD
from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser


def test_qr_sheet_card_leads_to_the_cadres_resident_form(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    office = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = office.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("office")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="考核周期").click()
    page.locator("#cycles a").first.click()
    assert page.locator("#state").inner_text() == "进行中"
    page.locator("#qr-sheets a").first.click()
    page.wait_for_selector(".qr-card")
    cards = page.locator(".qr-card")
    assert cards.count() >= 10
    name = cards.first.locator(".qr-name").inner_text()
    assert cards.first.locator("svg").count() == 1
    screenshot(page, "qr-sheet")
    href = cards.first.locator("a.qr-link").get_attribute("href")
    assert href and re.fullmatch(r"/r/[A-Za-z0-9_\-]{20,}", href)
    office.close()

    resident = browser.new_context(viewport=PHONE, locale="zh-CN")  # a phone, no account
    phone = resident.new_page()
    phone.goto(f"{live_server}{href}")
    assert phone.locator("h1").inner_text() == f"请为{name}的服务打分"
    questions = phone.locator("fieldset.resident-item")
    assert 1 <= questions.count() <= 6
    for index in range(questions.count()):
        questions.nth(index).locator("label.anchor").first.click()  # the best option
    screenshot(phone, "resident-form")
    phone.get_by_role("button", name="提交评价").click()
    assert phone.locator("h1").inner_text() == "感谢您的评价"
    resident.close()
