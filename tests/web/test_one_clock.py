"""One action, one Beijing time everywhere a person reads it. At 02:01 in Beijing it is still
the previous day in UTC: a page that showed the stored UTC moment, or took its date from the
server, would say 12-06 18:01 where the others say 12-07 02:01."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from evaluation import clock
from tests.factories import People, login, open_cycle, post_form
from tests.web.html import texts

WALL = dt.datetime(2026, 12, 7, 2, 1, 30, tzinfo=clock.LOCAL)  # 2026-12-06 18:01:30 UTC


@pytest.fixture
def small_hours(client: TestClient) -> Iterator[None]:
    """After the app pinned its day (creating it applies the settings)."""
    saved = clock.CLOCK, clock.WALL
    clock.CLOCK, clock.WALL = (lambda: WALL.date()), (lambda: WALL)
    yield
    clock.CLOCK, clock.WALL = saved


async def test_a_reminder_round_reads_the_same_beijing_time_everywhere(
    small_hours: None, client: TestClient, people: People
) -> None:
    assert clock.now().date() == dt.date(2026, 12, 6)  # stored in UTC: the day before
    cycle_id = await open_cycle()
    login(client, "office")
    page = f"/office/cycles/{cycle_id}/reminders"
    sent = post_form(client, page, {}, page=page)
    assert sent.status_code == 302
    location = sent.headers["location"].split("?")[0]

    audit = [row for row in texts(client.get("/office/audit").text, "tr") if page in row]
    assert len(audit) == 1 and "2026-12-07 02:01:30" in audit[0], audit

    round_page = client.get(location).text
    assert "2026-12-07 02:01" in round_page

    notices = client.get(f"{location}/notices").text
    assert "截至 2026-12-07 02:01" in notices
    assert "2026年12月07日" in notices  # 落款: the Beijing date
    history = [row for row in texts(client.get(page).text, "tr") if "office" in row]
    assert len(history) == 1 and "2026-12-07 02:01" in history[0]

    login(client, "leader")  # a rater the round chased: their home leads with it, dated
    home = client.get("/me").text
    reminder = [row for row in texts(home, "li") if "考核办催办" in row]
    assert len(reminder) == 1 and "2026-12-07 ·" in reminder[0], reminder

    everything = round_page + notices + home + client.get(page).text
    assert not re.search(r"2026-12-06 18:0\d|2026年12月06日", everything)
