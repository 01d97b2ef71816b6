"""Plain words first, the method one tap away: every "怎么算的" link on a page lands on its
own section of the public method page, which explains the word in the same plain sentence
the page shows — at 390 px, as a cadre reads it on a phone."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from tests.browser.conftest import screenshot
from tests.browser.crawl import PHONE
from tests.browser.test_rating_journey import log_in

pytestmark = pytest.mark.browser


def test_each_explained_word_leads_to_its_section_of_the_method_page(  # type: ignore[no-untyped-def]
    browser, live_server: str
) -> None:
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "cadre")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server}/me/feedback")
    terms = page.locator("dl.terms > div")
    assert terms.count() >= 3
    explained = {
        terms.nth(i).locator("dt").inner_text(): terms.nth(i).locator("dd").inner_text()
        for i in range(terms.count())
    }
    links = [
        unquote(terms.nth(i).locator("a", has_text="怎么算的").get_attribute("href") or "")
        for i in range(terms.count())
    ]
    page.locator("dl.terms a", has_text="怎么算的").first.click()
    page.wait_for_url("**/method#*")
    screenshot(page, "method-390")
    for (term, sentence), link in zip(explained.items(), links, strict=True):
        assert link == f"/method#{term}"
        section = page.locator(f"section[id='{term}']")
        assert section.count() == 1, term
        assert section.locator("h2").inner_text() == term
        said = section.inner_text()
        assert sentence.replace("怎么算的", "").strip() in said  # the same plain sentence
    assert (
        "ICC(1,k)" in page.locator("section[id='评价一致性']").inner_text()
    )  # the numbers live here
    context.close()


def test_the_reporter_saves_a_draft_on_a_phone(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "reporter")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server}/town")
    task = page.locator("a[href^='/town/report/']").first
    assert task.count() >= 1  # the suite's day (11-20) lies in the fourth quarter's window
    page.goto(f"{live_server}{task.get_attribute('href')}")
    figure = page.locator("input.input--figure").first
    figure.fill("123")
    page.locator("#save-draft").click()
    page.wait_for_load_state("networkidle")
    assert "草稿已保存" in page.locator("#notice").inner_text()
    assert page.locator("input.input--figure").first.input_value() == "123"
    screenshot(page, "report-draft-390")
    context.close()
