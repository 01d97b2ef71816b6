"""The office prints a town's QR sheet; a resident follows one card to that cadre's form."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from app.demo.loader import DEMO_PASSWORD
from tests.browser.conftest import ARTIFACTS, DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser


def check_printed_sheet(page, total: int, folder: Path) -> None:  # type: ignore[no-untyped-def]
    """Print the sheet as Chromium prints it (A4), render every page to an image with
    pdftoppm, and count: 8 cards a page (the last page the rest), each card whole on its
    page, and each page image really drawn."""
    pdf = folder / "qr-sheet.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), format="A4", print_background=True)
    page.emulate_media(media="screen")
    pages = -(-total // 8)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(folder / "qr")], check=True)
    images = sorted(folder.glob("qr-*.png"))
    assert len(images) == pages
    for number, image in enumerate(images, start=1):
        text = subprocess.run(
            ["pdftotext", "-f", str(number), "-l", str(number), str(pdf), "-"],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
        expected = 8 if number < pages else total - 8 * (pages - 1)
        assert text.count("请为我的服务打分") == expected, number  # the card's top line
        assert text.count("约 1 分钟") == expected, number  # and its last: the card is whole
        assert image.stat().st_size > 2_000  # a drawn page, not a blank one
    shutil.copy(images[0], ARTIFACTS / "qr-sheet-printed-page-1.png")


def test_qr_sheet_card_leads_to_the_cadres_resident_form(  # type: ignore[no-untyped-def]
    browser, live_server: str, tmp_path: Path
) -> None:
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
    assert page.locator("#print").is_visible()
    check_printed_sheet(page, cards.count(), tmp_path)
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
