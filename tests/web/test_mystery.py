"""Mystery visitors rate the cadres at the windows they visited, once per cadre and cycle."""

from __future__ import annotations

from litestar.testing import TestClient

from evaluation.tables import Response
from tests.factories import People, cadre_id, login, open_cycle, post_form
from tests.web.html import select, text_of


async def test_a_visitor_rates_a_window_once(client: TestClient, people: People) -> None:
    await open_cycle()
    login(client, "visitor")
    listing = client.get("/visit", params={"town": "1"})
    links = [
        a.attrs["href"]
        for a in select(listing.text, "a")
        if a.attrs.get("href", "").startswith("/visit/")
    ]
    assert links
    form = client.get(links[0])
    names = sorted({i.attrs["name"] for i in select(form.text, "input", type="radio")})
    assert names == ["level_lawful_admin", "level_service"]  # the items the rubric gives visitors
    answers = dict.fromkeys(names, "2")
    done = post_form(client, links[0], {**answers, "visit_note": "11月20日上午 办理低保"})
    assert "暗访评价已提交" in client.get(done.headers["location"]).text
    again = post_form(client, links[0], answers)
    assert "每位暗访员" in text_of(client.get(again.headers["location"]).text, "div", id="notice")
    rows = await Response.select(Response.rater_group, Response.channel, Response.rater)
    assert rows == [{"rater_group": "mystery", "channel": "mystery", "rater": None}]
    assert await cadre_id("T001-001")


async def test_a_visitor_chooses_between_cycles_running_at_once(
    client: TestClient, people: People
) -> None:
    annual = await open_cycle()
    pulse = await open_cycle()
    login(client, "visitor")
    home = client.get("/visit")
    picker = [
        a.attrs["href"] for a in select(home.text, "a") if "cycle=" in a.attrs.get("href", "")
    ]
    assert picker == [f"/visit?cycle={annual}"]  # the newest is current, the other a link
    listing = client.get("/visit", params={"town": "1", "cycle": str(annual)})
    link = next(
        a.attrs["href"]
        for a in select(listing.text, "a")
        if a.attrs.get("href", "").startswith("/visit/")
    )
    assert link.endswith(f"?cycle={annual}")
    form = client.get(link)
    names = sorted({i.attrs["name"] for i in select(form.text, "input", type="radio")})
    done = post_form(client, link, dict.fromkeys(names, "4"))
    assert done.status_code == 302
    stored = await Response.select(Response.cycle).where(Response.rater_group == "mystery")
    assert stored == [{"cycle": annual}]  # the chosen cycle, not the newest
    # the same window in the other cycle is a separate visit
    other = link.replace(f"cycle={annual}", f"cycle={pulse}")
    assert post_form(client, other, dict.fromkeys(names, "3")).status_code == 302
    assert await Response.count().where(Response.rater_group == "mystery") == 2
    gone = client.get(link.replace(f"cycle={annual}", "cycle=999999"))
    assert gone.status_code == 409 and "不在进行中" in gone.text
