"""Residents: one response per device, a rate limit, 核验码, and flags for the review queue."""

from __future__ import annotations

import os

from litestar.testing import TestClient

from app.config import load_settings
from evaluation.responses import campaigns as campaign_service
from evaluation.tables import Response, ResponseFlag
from tests.factories import People, login, open_cycle, post_form
from tests.web.html import select, text_of, texts


async def resident_links(cycle_id: int) -> list[str]:
    cards = await campaign_service.town_resident_cards(cycle_id, 1)
    return [f"/r/{c.token}" for c in cards]


def answer(client: TestClient, link: str, level: str = "4", **extra: str):  # type: ignore[no-untyped-def]
    page = client.get(link)
    fields = {
        i.attrs["name"]: i.attrs.get("value", "") for i in select(page.text, "input", type="hidden")
    }
    fields.update({i.attrs["name"]: level for i in select(page.text, "input", type="radio")})
    return client.post(link, data={**fields, **extra})


async def test_one_response_per_device_per_cadre(client: TestClient, people: People) -> None:
    links = await resident_links(await open_cycle())
    form = client.get(links[0]).text
    assert text_of(answer(client, links[0]).text, "h1") == "感谢您的评价"
    told = client.get(links[0])  # the same phone is told before any form
    assert "您已评价过" in text_of(told.text, "h1")
    assert not select(told.text, "input", type="radio")
    fields = {i.attrs["name"]: i.attrs.get("value", "") for i in select(form, "input")}
    fields |= {i.attrs["name"]: "2" for i in select(form, "input", type="radio")}
    again = client.post(links[0], data={**fields, "client_key": "a-second-try-01"})
    assert again.status_code == 409  # the old form sent anyway: still one per device
    assert "每台设备每个周期只能评价一次" in text_of(again.text, "p", class_="error-detail")
    assert text_of(answer(client, links[1]).text, "h1") == "感谢您的评价"  # another cadre is fine
    client.cookies.clear()  # another phone
    assert text_of(answer(client, links[0]).text, "h1") == "感谢您的评价"
    assert await Response.count() == 3


async def test_a_verification_code_marks_the_response_verified_once(
    client: TestClient, people: People
) -> None:
    cycle_id = await open_cycle()
    links = await resident_links(cycle_id)
    code = (await campaign_service.issue_verification_codes(cycle_id, 1, 1))[0]
    wrong = answer(client, links[0], verify_code="WRONG-CODE1")
    assert wrong.status_code == 400
    assert "核验码无效" in text_of(wrong.text, "p", class_="error-message")
    assert await Response.count() == 0
    assert text_of(answer(client, links[0], verify_code=code).text, "h1") == "感谢您的评价"
    assert (await Response.select(Response.verified).first()) == {"verified": True}
    client.cookies.clear()
    reused = answer(client, links[0], verify_code=code)
    assert reused.status_code == 400


async def test_bursts_and_identical_answers_are_flagged_not_dropped(
    client: TestClient, people: People
) -> None:
    cycle_id = await open_cycle()
    links = await resident_links(cycle_id)
    for _ in range(9):  # nine phones behind one address, same answers for the same cadre
        client.cookies.clear()
        assert text_of(answer(client, links[0]).text, "h1") == "感谢您的评价"
    assert await Response.count() == 9
    reasons = [r["reason"] for r in await ResponseFlag.select(ResponseFlag.reason)]
    assert reasons.count("identical") == 7  # the 3rd identical answer set onwards
    assert reasons.count("burst") == 2  # the 8th response in the window onwards
    login(client, "office")
    queue = client.get(f"/office/cycles/{cycle_id}/flags")
    rows = select(queue.text, "tr")[1:]
    assert len(rows) == 9
    assert "4" not in texts(queue.text, "td")  # no answers shown
    form = select(queue.text, "form")[-1].attrs["action"]
    decided = post_form(client, form, {"decision": "excluded"})
    assert "已处理" in client.get(decided.headers["location"]).text
    assert await ResponseFlag.count().where(ResponseFlag.decision == "excluded") == 1
    assert await Response.count() == 9


async def test_rate_limit_per_address(settings, people: People) -> None:  # type: ignore[no-untyped-def]
    from app.asgi import create_app

    strict = load_settings(
        {**os.environ, "DATABASE_URL": settings.database_url, "RESIDENT_RATE_LIMIT": "2"}
    )
    links = await resident_links(await open_cycle())
    with TestClient(app=create_app(strict)) as client:
        statuses = []
        for link in links[:3]:
            statuses.append(answer(client, link).status_code)
        assert statuses == [200, 200, 429]
        assert "提交过于频繁" in answer(client, links[3]).text
    assert await Response.count() == 2


async def test_resident_json_api(client: TestClient, people: People) -> None:
    links = await resident_links(await open_cycle())
    token = links[0].removeprefix("/r/")
    form = client.get(f"/api/r/{token}/form").json()
    assert 1 <= len(form["items"]) <= 6
    assert all(len(i["options"]) == 5 for i in form["items"])
    body = {
        "answers": {i["id"]: 5 for i in form["items"]},
        "comment": "很好",
        "client_key": "resident-key-01",
    }
    first = client.post(f"/api/r/{token}/responses", json=body)
    assert first.status_code == 201
    assert client.post(f"/api/r/{token}/responses", json=body).json() == first.json()  # replay
    second = client.post(
        f"/api/r/{token}/responses", json={**body, "client_key": "resident-key-02"}
    )
    assert second.status_code == 409
    assert second.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/r/nonsense/form").status_code == 404
    assert await Response.count() == 1
    form_post = client.post(f"/api/r/{token}/responses", data={"answers": "x"})
    assert form_post.status_code == 415  # JSON only: what a cross-site form can send is refused
    assert form_post.headers["content-type"].startswith("application/problem+json")


async def test_startup_warms_live_links_and_skips_revoked_ones(people: People) -> None:
    from evaluation.responses.campaigns import LIVE_LINKS, revoke_link
    from evaluation.responses.warmup import warm_resident_path

    cycle_id = await open_cycle()
    cards = await campaign_service.town_resident_cards(cycle_id, 1)
    await revoke_link(cards[0].link_id)
    LIVE_LINKS.clear()
    assert await warm_resident_path() == len(cards) - 1
    assert LIVE_LINKS.get(cards[0].token) is None
    assert LIVE_LINKS.get(cards[1].token).ratee_id == cards[1].cadre_id  # type: ignore[union-attr]
