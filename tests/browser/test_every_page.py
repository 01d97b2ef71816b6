"""Every page every demo role can reach, on a 390 px phone and a 1366 px desktop: it opens,
nothing spills sideways, no code identifier shows where people read (nor in any cell of a
spreadsheet the pages link to), and axe-core finds no serious or critical accessibility
violation. Screenshots of each page shape at phone width
go to tests/artifacts/crawl/<role>/.

The people are crawled one after another, narrowest first, sharing one count of visits per
page shape: the cadre's own pages are judged as the cadre sees them, and the office does not
re-judge a shape someone already covered (a published cycle's page is still opened beside an
open one: two visits per shape)."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from axe_playwright_python.sync_playwright import Axe

from app.demo.loader import DEMO_PASSWORD, DEMO_USERS
from tests.browser.conftest import ARTIFACTS
from tests.browser.crawl import PHONE, PageReport, codes_in_workbook, crawl, known_codes
from tests.browser.crawl import shape as route_shape

pytestmark = pytest.mark.browser

ROLES = [
    "cadre",
    "leader",
    "secretary",
    "visitor",
    "reporter",
    "checker",
    "training",
    "office",
    "admin",
]


EXPORTS: dict[str, dict[str, list[str]]] = {}  # export shape → sheet → code words found


@pytest.fixture(scope="module")
def crawled(browser, live_server: str) -> dict[str, list[PageReport]]:  # type: ignore[no-untyped-def]
    axe, codes, visits = Axe(), known_codes(), Counter[str]()
    reports: dict[str, list[PageReport]] = {}
    for role in ROLES:
        shots = ARTIFACTS / "crawl" / role
        shots.mkdir(parents=True, exist_ok=True)
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.get_by_label("用户名").fill(role)
        page.get_by_label("密码").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
        exports: dict[str, str] = {}
        reports[role] = crawl(page, live_server, axe, codes, visits, shots, exports=exports)
        for shape, url in exports.items():
            if shape not in EXPORTS:
                response = context.request.get(url)
                assert response.ok, f"{url}: HTTP {response.status}"
                EXPORTS[shape] = codes_in_workbook(response.body(), codes)
        context.close()
    return reports


def test_every_demo_role_is_crawled() -> None:
    assert sorted(ROLES) == sorted(user.username for user in DEMO_USERS)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_reads_well_on_a_phone_and_a_desktop(
    crawled: dict[str, list[PageReport]], role: str
) -> None:
    pages = crawled[role]
    assert pages, f"{role} reached no page"
    problems = {report.url: report.problems() for report in pages if report.problems()}
    assert not problems, "\n".join(f"{url}: {'; '.join(found)}" for url, found in problems.items())


def test_the_crawl_reaches_each_roles_main_pages(crawled: dict[str, list[PageReport]]) -> None:
    """A crawl that stopped at the home page would pass everything: it must reach the pages
    each person works in."""
    reached = {
        role: {r.url.split("?")[0].split("/", 3)[-1] for r in pages}
        for role, pages in crawled.items()
    }
    assert {"rate", "me/feedback", "me/training"} <= reached["cadre"]
    assert any(path.startswith("team/") for path in reached["leader"])
    assert {"training/plan", "training/catalogue", "training/effects"} <= reached["training"]
    office = reached["office"]
    assert {"office/cycles", "office/cadres", "office/audit", "office/rubrics"} <= office
    assert any(path.endswith("/results") for path in office)
    assert any(path.startswith("scorecard/") for path in office)
    assert {"admin/users", "admin/tokens"} <= reached["admin"]
    assert sum(len(pages) for pages in crawled.values()) >= 60


def test_every_spreadsheet_the_pages_offer_speaks_chinese(
    crawled: dict[str, list[PageReport]],
) -> None:
    """Every .xlsx linked from a crawled page, every header and cell of every sheet: no code
    identifier where a county office reads."""
    assert len(EXPORTS) >= 4  # results, personnel, overdue raters, roster template at least
    found = {shape: sheets for shape, sheets in EXPORTS.items() if sheets}
    assert not found, found


def test_page_heights_on_a_phone_are_recorded(crawled: dict[str, list[PageReport]]) -> None:
    """Each page shape's height at 390 px, written to tests/artifacts/page-heights.json for
    the notes (issue 32's page-length figures); every page measured."""
    heights = {
        f"{role} {route_shape(report.url)}": report.height
        for role, reports in crawled.items()
        for report in reports
        if report.status < 400
    }
    assert heights and all(h > 0 for h in heights.values())
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "page-heights.json").write_text(
        json.dumps(
            dict(sorted(heights.items(), key=lambda kv: -kv[1])), ensure_ascii=False, indent=1
        )
    )
