"""Reading the scorecard never writes (issue 30). Before, every scorecard page re-ran the
card sweep (a town page twice) and inserted cards as a side effect of being read. Now the
sweep runs on its own (`cadre360 sweep`, at start-up and hourly in the server) and a crawl
of every scorecard page, by every role that reads them, leaves every table as it was — on a
day when a sweep *would* have carded a milestone."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from litestar.testing import TestClient

from app.config import apply_clock, load_settings
from app.database import all_tables
from evaluation.scorecard import projects, service
from tests.conftest import copy_of, run_blocking
from tests.factories import login


async def row_counts() -> dict[str, int]:
    return {t._meta.tablename: await t.count() for t in all_tables()}


def test_no_scorecard_page_writes_a_row(demo_template: Path, tmp_path: Path) -> None:
    from app.asgi import create_app

    url = copy_of(demo_template, tmp_path)
    year = dt.date.today().year
    later = dt.date(year, 12, 28)  # the demo's on-schedule milestone is late by now
    settings = load_settings(
        {**os.environ, "DATABASE_URL": url, "CADRE360_TODAY": later.isoformat()}
    )
    try:
        with TestClient(app=create_app(settings), base_url="http://testserver.local") as client:
            towns = run_blocking(service.towns())
            before = run_blocking(row_counts())
            pages = {
                "office": [
                    "/scorecard",
                    f"/scorecard/{year}",
                    f"/scorecard/{year}/plan",
                    f"/scorecard/{year}/projects",
                    f"/scorecard/{year}/review",
                    f"/scorecard/{year}/imports",
                    f"/scorecard/{year}/contracts",
                    f"/scorecard/{year}/followup",
                    f"/scorecard/{year}/exemptions",
                    f"/scorecard/{year}/appeals",
                    f"/scorecard/{year - 1}",
                    *[f"/scorecard/{year}/towns/{t.id}" for t in towns],
                    *[f"/scorecard/{year}/contracts/{t.id}" for t in towns],
                ],
                "reporter": ["/town", f"/town?year={year - 1}"],
                "secretary": [  # the town's 党委书记: its page and its contract
                    "/town",
                    f"/town?year={year - 1}",
                    f"/scorecard/{year}/contracts/{towns[0].id}",
                ],
                "cadre": ["/me"],
            }
            for user, paths in pages.items():
                login(client, user, "lechuan-2026")
                for path in paths:
                    answer = client.get(path)
                    assert answer.status_code == 200, (user, path, answer.status_code)
            client.cookies.clear()
            assert client.get(f"/results/towns/{year - 1}").status_code == 200
            after = run_blocking(row_counts())
            changed = {
                k: (before[k], after[k])
                for k in before
                if before[k] != after[k]
                and k not in ("account_session", "audit_entry", "login_throttle")
            }
            assert changed == {}, changed
            swept = run_blocking(projects.sweep_all(later))  # the sweep, on its own, does it
            assert swept[0] + swept[1] > 0
    finally:
        apply_clock(load_settings(dict(os.environ)))
