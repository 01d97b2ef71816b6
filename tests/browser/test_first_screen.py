"""What a cadre sees first on a phone (390×844): the feedback page opens with the overall and
the named weakest and strongest competency — above the fold, no scrolling."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.browser.crawl import PHONE
from tests.browser.test_rating_journey import log_in

pytestmark = pytest.mark.browser


def test_the_cadre_reads_the_overall_and_the_named_weakness_without_scrolling(  # type: ignore[no-untyped-def]
    browser, live_server: str
) -> None:
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "cadre")
    page.wait_for_url("**/me**")
    page.goto(f"{live_server}/me/feedback")
    headline = page.locator("#headline")
    said = headline.inner_text()
    assert "最需提升" in said or "没有明显的单项短板" in said
    for element in (page.locator(".stats").first, headline):
        box = element.bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
    screenshot(page, "feedback-first-screen-390")
    context.close()


def test_the_leader_sees_each_members_result_on_a_phone(  # type: ignore[no-untyped-def]
    browser, live_server: str
) -> None:
    """The team as cards: every member's latest result is on screen width, none cut off."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "leader")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server}/team")
    results = page.locator("#team td.team-result")
    assert results.count() >= 1
    for index in range(results.count()):
        cell = results.nth(index)
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        text = cell.inner_text()
        assert "综合" in text or text.strip().endswith("—"), text
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # no sideways scrolling
    screenshot(page, "team-cards-390")
    context.close()


def test_the_cadres_scores_are_cards_on_a_phone(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    """Details as cards, not a wide table: every competency's judgement (灯, 判断) is inside the
    screen width, and the page never scrolls sideways."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "cadre")
    page.wait_for_url("**/me**")
    page.goto(f"{live_server}/me/feedback")
    verdicts = page.locator("#scores td[data-label='判断']")
    assert verdicts.count() >= 5
    for index in range(verdicts.count()):
        box = verdicts.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "feedback-cards-390")
    context.close()


def test_a_whole_task_row_opens_the_form(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    """On a phone the rater taps anywhere on a task's row (its right edge here), not only the
    name, and the person's form opens."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True)
    page = context.new_page()
    log_in(page, live_server, "leader")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server}/rate")
    row = page.locator("li.task:not(.task--done)").filter(has=page.locator("a")).first
    href = row.locator("a").get_attribute("href")
    box = row.bounding_box()
    assert box is not None and box["height"] >= 44
    page.touchscreen.tap(box["x"] + box["width"] - 8, box["y"] + box["height"] / 2)
    page.wait_for_url(f"**{href}")
    context.close()
