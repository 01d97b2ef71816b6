"""A leader (the town's 党委书记) rates five people in the 一起评价 matrix with the keyboard alone — Tab from cell
to cell, a digit picks the level — and submits: five responses go in, each through the one
submit path, and the task list shows them done."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_rating_journey import log_in

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 900}


def focused(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return page.evaluate(
        "() => ({tag: document.activeElement.tagName, name: document.activeElement.name || '',"
        " text: document.activeElement.innerText || ''})"
    )


def test_a_leader_rates_five_people_with_the_keyboard(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=LAPTOP, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server, "secretary")  # the town's 党委书记 rates the team as superior
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server}/rate")
    links = page.locator("a", has_text="一起评价")
    counts = [
        (int(re.search(r"一起评价(\d+)位", t).group(1)), i)  # type: ignore[union-attr]
        for i, t in enumerate(links.all_inner_texts())
    ]
    most, index = max(counts)
    assert most >= 5, counts
    href = links.nth(index).get_attribute("href")
    assert href and "/rate/matrix/" in href
    page.goto(f"{live_server}{href}")
    rows = page.locator("#matrix tbody tr")
    assert rows.count() >= 5
    names = [rows.nth(i).locator("th").inner_text().split("\n")[0] for i in range(5)]
    page.locator("body").press("Tab")  # into the page from the top, as a keyboard user does
    for _ in range(200):
        if focused(page)["tag"] == "SELECT":
            break
        page.keyboard.press("Tab")
    else:
        pytest.fail("Tab never reached the matrix")
    for row in range(5):
        cells = rows.nth(row).locator("select").count()
        for cell in range(cells):
            now = focused(page)
            assert now["tag"] == "SELECT" and now["name"].startswith("r"), now
            page.keyboard.press("4" if (row + cell) % 3 else "3")
            page.keyboard.press("Tab")
        assert focused(page)["name"].endswith(".note")  # the row's note: none needed
        page.keyboard.press("Tab")
    for _ in range(400):  # on to the submit button, past the rows left for later
        now = focused(page)
        if now["tag"] == "BUTTON" and "提交填完的" in now["text"]:
            break
        page.keyboard.press("Tab")
    else:
        pytest.fail("Tab never reached the submit button")
    chosen = [
        rows.nth(r).locator("select").nth(0).input_value() for r in range(5)
    ]  # what the keys picked, read back before sending
    assert chosen == ["3", "4", "4", "3", "4"]
    screenshot(page, "matrix-keyboard-1366")
    page.keyboard.press("Enter")
    page.wait_for_url("**/rate**")
    notice = page.locator("#notice").inner_text()
    assert "已提交 5 位的评价" in notice, notice
    done = page.locator("li.task--done").all_inner_texts()
    for name in names:
        assert any(name in text for text in done), (name, done)
    assert errors == []
    context.close()


def test_the_matrix_on_a_phone(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "secretary")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server}/rate")
    link = page.locator("a", has_text="一起评价").first
    page.goto(f"{live_server}{link.get_attribute('href')}")
    first = page.locator("#matrix tbody tr th").first
    box = first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.locator("#matrix select").nth(3).scroll_into_view_if_needed()
    after = first.bounding_box()  # the names stay in view while the cells scroll
    assert after is not None and after["x"] >= -1
    screenshot(page, "matrix-390")
    context.close()
