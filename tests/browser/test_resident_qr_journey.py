"""The office prints a town's QR sheet; a resident follows one card to that cadre's form."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from app.demo.loader import DEMO_PASSWORD
from tests.browser.conftest import ARTIFACTS, DESKTOP, PHONE, screenshot
from tests.browser.printed import decoded_qr_codes, print_to_pdf

pytestmark = pytest.mark.browser


def check_printed_sheet(page, total: int, folder: Path, base: str) -> None:  # type: ignore[no-untyped-def]
    """Print the sheet as Chromium prints it (A4), render every page to an image with
    pdftoppm, and count: 8 cards a page (the last page the rest), each card whole on its
    page, each page image really drawn — and every card's code, read at 300 dpi by a QR
    reader, opens that card's own link (issue 32: 0 of 176 decoded)."""
    links = [
        base + h
        for h in page.locator("a.qr-link").evaluate_all("l => l.map(a => a.getAttribute('href'))")
    ]
    decoded = decoded_qr_codes(print_to_pdf(page, folder / "qr-read.pdf"), base)
    assert [len(codes) for codes in decoded] == [
        min(8, total - 8 * n) for n in range(len(decoded))
    ], "every card on every page decodes"
    assert sorted(code for codes in decoded for code in codes) == sorted(links)
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


def signed_in(browser, base: str, username: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    return context, page


def on_the_open_cycle(browser, base: str, username: str):  # type: ignore[no-untyped-def]
    """Signed in on a desktop, on the demo's open cycle (the first listed)."""
    context, page = signed_in(browser, base, username)
    page.get_by_role("link", name="考核周期").click()
    page.locator("#cycles a").first.click()
    return context, page


def test_qr_sheet_card_leads_to_the_cadres_resident_form(  # type: ignore[no-untyped-def]
    browser, live_server: str, tmp_path: Path
) -> None:
    office, page = on_the_open_cycle(browser, live_server, "office")
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
    check_printed_sheet(page, cards.count(), tmp_path, live_server)
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


def test_every_towns_sheet_prints_at_once_and_every_card_scans(  # type: ignore[no-untyped-def]
    browser, live_server: str, tmp_path: Path
) -> None:
    """One print for the whole county: each town starts on its own page, every card decodes
    to its own link."""
    office, page = on_the_open_cycle(browser, live_server, "office")
    towns = page.locator("#qr-sheets a").count()
    page.locator("#all-qr-sheets").click()
    page.wait_for_selector(".qr-card")
    links = [
        live_server + h
        for h in page.locator("a.qr-link").evaluate_all("l => l.map(a => a.getAttribute('href'))")
    ]
    assert (
        len(set(page.locator(".qr-page").evaluate_all("l => l.map(p => p.dataset.town)"))) == towns
    )
    decoded = decoded_qr_codes(print_to_pdf(page, tmp_path / "all-towns.pdf"), live_server)
    found = [code for codes in decoded for code in codes]
    assert sorted(found) == sorted(links) and len(found) == len(links)
    pages_per_town = page.locator(".qr-page").count()
    assert len(decoded) == pages_per_town  # each town on its own pages, none sharing one
    office.close()


def test_a_printed_checkin_sheet_scans_to_its_session(  # type: ignore[no-untyped-def]
    browser, live_server: str, tmp_path: Path
) -> None:
    desk, page = signed_in(browser, live_server, "training")
    page.goto(f"{live_server}/training/catalogue")
    page.get_by_role("link", name=re.compile("的签到码")).first.click()
    url = page.locator(".qr-link").inner_text().strip()
    assert re.fullmatch(rf"{re.escape(live_server)}/training/checkin/[A-Za-z0-9_\-]+", url)
    decoded = decoded_qr_codes(print_to_pdf(page, tmp_path / "checkin.pdf"), live_server)
    assert decoded == [[url]]  # one page, one code, the session's own check-in link
    desk.close()


def test_printed_code_slips_scan_to_the_entry_page_with_the_code_filled_in(  # type: ignore[no-untyped-def]
    browser, live_server: str, tmp_path: Path
) -> None:
    """A meeting's 考核码 slips: each slip's QR, printed and read back, opens the entry page
    with that slip's code in the fragment; the page fills it in and the meeting can start."""
    desk, page = on_the_open_cycle(browser, live_server, "office")
    page.goto(page.url.rstrip("/") + "/codes")
    page.get_by_label("数量").fill("9")
    page.get_by_label("批次名称").fill("扫码测评")
    page.get_by_role("button", name="生成并打印").click()
    page.locator("#codes .code-value").first.wait_for()  # the batch page after the POST
    codes = page.locator("#codes .code-value").all_inner_texts()
    assert len(codes) == 9
    decoded = decoded_qr_codes(print_to_pdf(page, tmp_path / "slips.pdf"), live_server)
    found = sorted(code for codes_on_page in decoded for code in codes_on_page)
    assert found == sorted(f"{live_server}/code#code={code}" for code in codes)
    desk.close()

    phone = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    phone.goto(found[0])
    assert phone.get_by_label("考核码").input_value() == found[0].split("#code=")[1]
    assert "#" not in phone.url  # the code leaves the address bar once it is in the form
    phone.get_by_role("button", name="开始测评").click()
    assert "/code/rate" in phone.url
    phone.context.close()
