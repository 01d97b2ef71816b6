"""The read model's write job (issue 30): a write that changes a standing's input leaves
the standing stale for the instant between its commit and its response; once the response
is sent the request stores it again (`after_response`), so the next page reads it stored. A
write that changes no input (a login, a resident's answers) leaves the standings alone."""

from __future__ import annotations

import os
from pathlib import Path

from litestar.testing import TestClient

from app.config import apply_clock, load_settings
from evaluation.scorecard.tables import Standing
from tests.conftest import copy_of, run_blocking
from tests.factories import login, post_form


async def standings() -> dict[int, tuple[str, int]]:
    rows = await Standing.select(Standing.plan, Standing.state, Standing.generation)
    return {int(r["plan"]): (r["state"], int(r["generation"])) for r in rows}


def test_a_write_stores_the_standing_it_made_stale_and_others_pay_nothing(
    demo_template: Path, tmp_path: Path
) -> None:
    from app.asgi import create_app

    url = copy_of(demo_template, tmp_path)
    settings = load_settings({**os.environ, "DATABASE_URL": url})
    try:
        with TestClient(app=create_app(settings), base_url="http://testserver.local") as client:
            before = run_blocking(standings())
            assert {state for state, _ in before.values()} <= {"fresh", "frozen"}
            login(client, "office", "lechuan-2026")  # a write that changes no input
            assert run_blocking(standings()) == before
            year = int(os.environ["CADRE360_TODAY"][:4])
            page = f"/scorecard/{year}/contracts/1"
            html = client.get(page).text
            indicator = html.split('<select id="indicator" name="indicator"><option value="', 1)[1]
            adjusted = post_form(
                client,
                f"{page}/targets",
                {
                    "indicator": indicator.split('"', 1)[0],
                    "target": "123",
                    "reason": "经协商调整目标",
                },
                page=page,
            )
            assert adjusted.status_code in (302, 303), adjusted.text[-600:]
            after = run_blocking(standings())
            running = [p for p, (state, _) in before.items() if state != "frozen"]
            assert running
            for plan in running:  # stored again, after a new generation
                assert after[plan][0] == "fresh" and after[plan][1] > before[plan][1]
            for plan, seen in before.items():  # a frozen year is not touched
                if seen[0] == "frozen":
                    assert after[plan] == seen
    finally:
        apply_clock(load_settings(dict(os.environ)))
