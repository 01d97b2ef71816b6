"""Publishing a town year checks what it publishes (issue 30). Before: "发布年度结果" went
through with most towns missing Q4 and 核查 still open (public scores like 9.9/100). Now the
office is shown, town by town, what is missing, and nothing is published until it is done."""

from __future__ import annotations

import datetime as dt

import pytest
from litestar.testing import TestClient

from evaluation import clock
from evaluation.scorecard import service, town_appeals
from tests.factories import People, login, post_form
from tests.storage.test_scorecard_storage import YEAR, published_year, town_values, towns_by_name
from tests.web.html import texts


@pytest.fixture
def after_q4(client: TestClient):  # type: ignore[no-untyped-def]
    saved = clock.CLOCK
    clock.CLOCK = lambda: dt.date(YEAR + 1, 1, 20)  # Q4's deadline (15 January) has passed
    yield
    clock.CLOCK = saved


@pytest.mark.usefixtures("after_q4")
async def test_a_year_with_a_missing_q4_is_not_published_and_says_which_town(
    client: TestClient, people: People
) -> None:
    await published_year()
    names = await towns_by_name()
    missing_town = "凤凰镇"
    for name, town in names.items():
        for quarter, on in (
            (1, dt.date(YEAR, 4, 10)),
            (2, dt.date(YEAR, 7, 10)),
            (3, dt.date(YEAR, 10, 10)),
            (4, dt.date(YEAR + 1, 1, 10)),
        ):
            if quarter == 4 and name == missing_town:
                continue
            form = await service.quarter_form(YEAR, town, quarter, on=on)
            await service.report(YEAR, town, quarter, town_values(form), {}, [], "r", on=on)
    for item in await service.review_queue(YEAR):
        await service.decide(item.value_id, "confirm", "", "已核实原始台账", "office")
    login(client, "office")
    board = f"/scorecard/{YEAR}"
    refused = post_form(client, f"{board}/results/publish", {}, page=board)
    assert refused.status_code == 409
    rows = texts(refused.text, "tr")[1:]
    assert len(rows) == 1 and missing_town in rows[0] and "第四季度" in rows[0], rows
    assert (await town_appeals.year_publicity(YEAR)).starts_on is None  # nothing published

    on = dt.date(YEAR + 1, 1, 12)
    form = await service.quarter_form(YEAR, names[missing_town], 4, on=on)
    await service.report(YEAR, names[missing_town], 4, town_values(form), {}, [], "r", on=on)
    for item in await service.review_queue(YEAR):
        await service.decide(item.value_id, "confirm", "", "已核实原始台账", "office")
    published = post_form(client, f"{board}/results/publish", {}, page=board)
    assert published.status_code in (302, 303)
    assert (await town_appeals.year_publicity(YEAR)).starts_on == dt.date(YEAR + 1, 1, 20)
