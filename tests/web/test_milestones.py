"""Milestones that can be met (issue 30): a milestone entered with a past date asks first
whether it was done; a town's completion waits for the office, who accepts it — a late one's
card is closed with its history and deduction kept — or sends it back with a reason, the
milestone open again and carded as if never reported."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from evaluation import clock
from evaluation.errors import Invalid
from evaluation.scorecard import projects
from tests.factories import People, login, post_form
from tests.storage.test_scorecard_storage import YEAR, published_year, towns_by_name


@pytest.fixture
def day(client: TestClient) -> Iterator[list[dt.date]]:
    days = [dt.date(YEAR, 6, 1)]
    saved = clock.CLOCK
    clock.CLOCK = lambda: days[-1]
    yield days
    clock.CLOCK = saved


async def test_a_completion_is_accepted_or_sent_back(
    client: TestClient, people: People, day: list[dt.date]
) -> None:
    await published_year()
    town = (await towns_by_name())["凤凰镇"]
    project = await projects.add_project(
        YEAR, town, "便民服务中心改造", f"{YEAR}-01-10", f"{YEAR}-12-31", "office"
    )
    with pytest.raises(Invalid) as caught:  # a past date: was it done?
        await projects.add_milestone(project, f"{YEAR}-05-01", "完成设计", "副镇长", "")
    assert "是否已经完成" in caught.value.problems["past"]
    await projects.add_milestone(
        project, f"{YEAR}-05-01", "完成设计", "副镇长", "", past="done", done_on=f"{YEAR}-04-28"
    )
    late = await projects.add_milestone(
        project, f"{YEAR}-05-20", "完成招标", "副镇长", "", past="open"
    )
    soon = await projects.add_milestone(project, f"{YEAR}-06-30", "完成施工", "副镇长", "")
    await projects.sweep(YEAR)
    cards = await projects.card_views(YEAR, town)
    # the design was entered as done on time: no card; the tender is 12 days late: yellow
    assert [(c.deliverable, c.colour) for c in cards] == [("完成招标", "yellow")]

    # the town reports the late one done; the office accepts: its card closes, kept on record
    login(client, "reporter")
    post_form(
        client,
        f"/town/milestones/{late}/done",
        {"done_on": f"{YEAR}-05-30", "done_evidence": "中标通知书"},
        page="/town",
    )
    login(client, "office")
    page = f"/scorecard/{YEAR}/projects"
    assert f'id="done-review-{late}"' in client.get(page).text
    accepted = post_form(
        client, f"/scorecard/milestones/{late}/done-review", {"decision": "accept"}, page=page
    )
    assert accepted.status_code == 302
    [card] = await projects.card_views(YEAR, town)
    assert (card.state, card.colour) == ("closed", "yellow")

    # a completion reported on time but sent back: open again, carded once it is late
    login(client, "reporter")
    post_form(
        client,
        f"/town/milestones/{soon}/done",
        {"done_on": f"{YEAR}-06-01", "done_evidence": "现场照片"},
        page="/town",
    )
    login(client, "office")
    short = post_form(
        client,
        f"/scorecard/milestones/{soon}/done-review",
        {"decision": "return", "done_note": "短"},
        page=page,
    )
    assert short.status_code == 400 and "退回理由" in short.text
    returned = post_form(
        client,
        f"/scorecard/milestones/{soon}/done-review",
        {"decision": "return", "done_note": "照片显示尚未封顶"},
        page=page,
    )
    assert returned.status_code == 302
    login(client, "reporter")
    assert "照片显示尚未封顶" in client.get("/town").text
    day.append(dt.date(YEAR, 7, 2))
    await projects.sweep(YEAR)
    colours = {c.deliverable: (c.colour, c.state) for c in await projects.card_views(YEAR, town)}
    assert colours["完成施工"] == ("yellow", "issued")
