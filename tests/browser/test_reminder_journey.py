"""The office chases two towns and prints their notices (issue 32): it ticks the towns, a
confirmation page says to how many people, the round goes out, and the printed notices —
Chromium to an A4 PDF, read back with pdfinfo and pdftotext — are one page per town, each
page naming its town and every one of its people (before: 3.5 pages a town)."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.browser.conftest import DESKTOP
from tests.browser.test_rating_journey import log_in

pytestmark = pytest.mark.browser


def test_two_towns_are_chased_and_their_notices_print_one_page_each(  # type: ignore[no-untyped-def]
    browser, live_server: str
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "office")
    page.wait_for_url("**/office")
    progress = page.locator("a[href$='/progress']").first.get_attribute("href")
    assert progress
    page.goto(live_server + progress.replace("/progress", "/reminders"))
    boxes = page.locator("#towns input[name=town]")
    towns = [b.get_attribute("value") for b in boxes.all()]
    assert len(towns) >= 3
    for box in boxes.all()[2:]:
        box.uncheck()
    page.get_by_role("button", name=re.compile("下一步：确认催办人数")).click()
    summary = page.locator("#summary").inner_text()
    people = int(re.search(r"的 (\d+) 名评价人", summary).group(1))  # type: ignore[union-attr]
    assert "将向 2 个乡镇" in summary and people > 0
    page.get_by_role("button", name=f"确认发出（{people} 人）").click()
    page.wait_for_url(re.compile(r"/reminders/\d+"))
    assert "本轮催办已发出" in page.locator("#notice").inner_text()
    names = page.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert len(names) == people
    page.get_by_role("link", name=re.compile("打印各乡镇催办通知")).click()
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    context.close()

    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout.decode()).group(1))  # type: ignore[union-attr]
    assert pages == 2, f"{pages} pages for 2 towns"
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    sheets = [re.sub(r"\s+", "", sheet) for sheet in text.split("\f") if sheet.strip()]
    assert len(sheets) == 2
    for town, sheet in zip(towns[:2], sheets, strict=True):
        assert f"{town}党政办" in sheet
    printed = "".join(sheets)
    assert all(re.sub(r"\s+", "", name) in printed for name in names)
