"""The README's run command on whatever day CI runs: `cadre360 demo` at the default size and
`cadre360 serve` with no pinned date (the rest of the suite pins one), and a journey through
the office's, the reporter's and the cadre's pages — no error page, no console error, and the
open cycle's 评价期 holds the real Beijing date. A date bug breaks CI the day it appears."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.demo.loader import DEMO_PASSWORD
from tests.browser.conftest import DESKTOP, PHONE, _cli, serving

pytestmark = pytest.mark.browser


def unpinned_env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CADRE360_TODAY"}
    return {**env, "DATABASE_URL": f"sqlite:///{db}", "LOG_LEVEL": "warning"}


@pytest.fixture(scope="module")
def real_date_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("real-date") / "cadre360.sqlite"
    env = unpinned_env(db)
    _cli(env, "migrate")
    _cli(env, "demo")  # the default county, as `make run` loads it
    saved = os.environ.pop("CADRE360_TODAY", None)
    try:
        with serving(db) as base:
            yield base
    finally:
        if saved is not None:
            os.environ["CADRE360_TODAY"] = saved


def sign_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_the_demo_works_on_the_real_date(browser, real_date_server: str) -> None:  # type: ignore[no-untyped-def]
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    journeys = {
        "office": (DESKTOP, ["/office", "/office/cycles", "/scorecard", "/office/audit"]),
        "reporter": (PHONE, ["/town"]),
        "cadre": (PHONE, ["/me", "/me/feedback"]),
        "leader": (PHONE, ["/team"]),
    }
    for username, (viewport, paths) in journeys.items():
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc, e=errors: e.append(str(exc)))
        sign_in(page, real_date_server, username)
        for path in paths:
            response = page.goto(f"{real_date_server}{path}")
            assert response is not None and response.status == 200, (username, path)
            assert page.locator("h1").first.inner_text()
        assert errors == [], (username, errors)
        if username == "office":  # the open cycle's 评价期 holds today, in Beijing
            page.goto(f"{real_date_server}/office/cycles")
            page.get_by_role("link", name=f"{today.year}年度干部综合评价").first.click()
            lead = page.locator("p.lead").first.inner_text()
            found = re.search(r"(\d{4}-\d{2}-\d{2}) 至 (\d{4}-\d{2}-\d{2})", lead)
            assert found, lead
            opens, closes = (dt.date.fromisoformat(d) for d in found.groups())
            assert opens <= today <= closes, (lead, today)
        context.close()
