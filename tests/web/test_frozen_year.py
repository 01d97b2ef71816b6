"""A published town year holds (issue 30). Before: with a year's results final, importing one
new town changed its public results ("of 11" → "of 12"), its API and its 约谈 list — the new
town, scored 0 with 13 red lights, became the one proposed for 约谈. Now the year is frozen when
its results are published: the office publishes it over HTTP, then a roster import adds a
town and moves people, a cadre is transferred, and next year's plan is drafted, changed and
published — and every page of the published year, for every role that reads it, and its API
answer are byte for byte what they were."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from httpx import Response
from litestar.testing import TestClient

from evaluation.organisation.importing import import_frame
from evaluation.scorecard import repository, service
from evaluation.scorecard.daily import after_roster_import
from evaluation.scorecard.tables import Standing
from evaluation.tables import Cadre, Town
from tests.factories import People, csrf_token, login, post_form, roster_frame, to_xlsx
from tests.storage.test_scorecard_storage import YEAR, published_year, town_values, towns_by_name
from tests.web.html import select
from tests.web.test_publish_guard import after_q4  # noqa: F401  (a fixture)
from tests.web.test_read_api import bearer, issue
from tests.web.test_roster_upload import confirm, upload

ROLES = ("public", "office", "reporter", "secretary")


async def report_the_year() -> None:
    for town in (await towns_by_name()).values():
        for quarter, on in (
            (1, dt.date(YEAR, 4, 10)),
            (2, dt.date(YEAR, 7, 10)),
            (3, dt.date(YEAR, 10, 10)),
            (4, dt.date(YEAR + 1, 1, 10)),
        ):
            form = await service.quarter_form(YEAR, town, quarter, on=on)
            scale = 0.6 if town % 3 == 0 else 1.0  # one town lags: a 约谈 to propose
            await service.report(YEAR, town, quarter, town_values(form, scale), {}, [], "r", on=on)
    for item in await service.review_queue(YEAR):
        await service.decide(item.value_id, "confirm", "", "已核实原始台账", "office")


YEARS_NAV = re.compile('<p class="muted">其他年度：.*?</p>'.encode())


def read_everything(readers: dict[str, TestClient], token: str, towns: list[int]) -> dict:
    """Every page of the published year for every role that reads it (each reader keeps its
    session, so its forms carry the same CSRF token), and its API — as bytes, with only the
    list of *other* years cut out: a year published later is rightly linked from it."""
    seen: dict[str, Response] = {}
    seen["public"] = readers["public"].get(f"/results/towns/{YEAR}")
    seen["api"] = readers["public"].get(f"/api/v1/scorecard/{YEAR}", headers=bearer(token))
    office = [
        f"/scorecard/{YEAR}",
        f"/scorecard/{YEAR}/followup",
        f"/scorecard/{YEAR}/groups",
        *[f"/scorecard/{YEAR}/towns/{t}" for t in towns],
    ]
    for path in office:
        seen[f"office {path}"] = readers["office"].get(path)
    for role in ("reporter", "secretary"):  # the town's data clerk, and its 党委书记
        seen[f"{role} /town"] = readers[role].get(f"/town?year={YEAR}")
    for name, answer in seen.items():
        assert answer.status_code == 200, (name, answer.status_code)
    return {name: YEARS_NAV.sub(b"", answer.content) for name, answer in seen.items()}


@pytest.mark.usefixtures("after_q4")
async def test_a_published_year_is_unchanged_by_everything_done_after(
    client: TestClient, people: People
) -> None:
    await published_year()
    await report_the_year()
    town_ids = sorted((await towns_by_name()).values())
    token = issue(client, "县数据平台", "scorecard:read")
    login(client, "office")
    board = f"/scorecard/{YEAR}"
    published = post_form(client, f"{board}/results/publish", {}, page=board)
    assert published.status_code in (302, 303), published.text[:400]
    assert (await Standing.select(Standing.state).first())["state"] == "frozen"

    readers = {role: TestClient(app=client.app, base_url=str(client.base_url)) for role in ROLES}
    for role, reader in readers.items():
        if role != "public":
            login(reader, role)
    before = read_everything(readers, token, town_ids)
    assert "末位" in before[f"office /scorecard/{YEAR}/followup"].decode()

    # a roster import adds a town (with its people) and moves some cadres
    login(client, "office")
    preview = upload(client, to_xlsx(roster_frame(towns=4)))
    assert preview.status_code == 200, preview.text[:400]
    assert confirm(client, preview.text).status_code == 200
    assert await Town.count() == len(town_ids) + 1
    # a cadre is transferred to the new town
    new_town = (await Town.select(Town.id).order_by(Town.id, ascending=False).first())["id"]
    mover = (
        await Cadre.select(Cadre.id)
        .where(Cadre.town == town_ids[0], Cadre.position == "宣传委员")
        .first()
    )["id"]
    page = f"/office/cadres/{mover}"
    moved = post_form(
        client,
        f"{page}/transfer",
        {
            "town": str(new_town),
            "position": "副镇长",
            "effective_on": f"{YEAR + 1}-01-18",
            "reason": "工作需要",
        },
        page=page,
    )
    assert moved.status_code in (302, 303), moved.text[:400]
    # next year's plan: drafted, its weights changed, published
    post_form(client, f"/scorecard/{YEAR + 1}/plan/draft", {}, page=f"/scorecard/{YEAR}/plan")
    draft = next(r for r in await repository.plans(YEAR + 1) if r.state == "draft")
    plan_page = client.get(f"/scorecard/{YEAR + 1}/plan").text
    weights = {
        i.attrs["name"]: i.attrs.get("value", "")
        for i in select(plan_page, "input")
        if i.attrs.get("name", "").startswith(("dim_", "ind_"))
    }
    first_two = sorted(k for k in weights if k.startswith("dim_"))[:2]
    shifted = {**weights}
    shifted[first_two[0]] = str(float(weights[first_two[0]]) + 5)
    shifted[first_two[1]] = str(float(weights[first_two[1]]) - 5)
    saved = post_form(
        client,
        f"/scorecard/plans/{draft.id}/weights",
        {**shifted, "note": "加大发展权重"},
        page=f"/scorecard/{YEAR + 1}/plan",
    )
    assert saved.status_code in (302, 303), saved.text[:600]
    released = post_form(
        client,
        f"/scorecard/plans/{draft.id}/publish",
        {},
        page=f"/scorecard/{YEAR + 1}/plan",
    )
    assert released.status_code in (302, 303)
    assert csrf_token(client, f"/scorecard/{YEAR + 1}")  # next year is live

    after = read_everything(readers, token, town_ids)
    changed = [name for name in before if before[name] != after[name]]
    assert changed == [], changed
    # the new town was not assessed in the published year: no page of it shows it
    assert readers["office"].get(f"/scorecard/{YEAR}/towns/{new_town}").status_code == 404
    # and the year's navigation links the year published since
    assert f'href="/scorecard/{YEAR + 1}"' in readers["office"].get(f"/scorecard/{YEAR}").text


@pytest.mark.usefixtures("after_q4")
async def test_a_town_added_after_the_plan_gets_a_contract_before_it_is_scored(
    client: TestClient, people: People
) -> None:
    """Before: a town imported after the plan was published had no contract, was scored 0
    with a red light on every indicator and became the year's 约谈 candidate."""
    await published_year()
    await report_the_year()
    before = {t.town_id for t in (await service.board(YEAR)).towns}
    await import_frame(
        roster_frame(towns=4), county_name="测试县"
    )  # the import alone: no contract drawn yet
    new_town = (await Town.select(Town.id).order_by(Town.id, ascending=False).first())["id"]
    assert new_town not in before
    board = await service.board(YEAR)
    assert {t.town_id for t in board.towns} == before  # not scored 0: not scored at all
    assert (await service.contract(YEAR, new_town)).rows[0].target is None

    await after_roster_import()  # what a roster import runs: the contract, then the standings
    contract = await service.contract(YEAR, new_town)
    assert all(r.target is not None for r in contract.rows if r.method == "attainment")
    assert new_town in {t.town_id for t in (await service.board(YEAR)).towns}

    # over HTTP: a roster import adding a fifth town draws up its contract the same way
    login(client, "office")
    preview = upload(client, to_xlsx(roster_frame(towns=5)))
    assert confirm(client, preview.text).status_code == 200
    fifth = (await Town.select(Town.id).order_by(Town.id, ascending=False).first())["id"]
    assert fifth != new_town
    page = client.get(f"/scorecard/{YEAR}/contracts/{fifth}")
    assert page.status_code == 200 and "待乡镇主要负责人确认" in page.text
    drawn = await service.contract(YEAR, fifth)
    assert all(r.target is not None for r in drawn.rows if r.method == "attainment")
