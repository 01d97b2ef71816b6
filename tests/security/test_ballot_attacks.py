"""Ballots that must count once: a resident key replayed on another cadre's link, ten tabs of
one 考核码 sending the same ballot at once, and 核验码 issued, printed and used for real."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import httpx
from litestar.testing import TestClient

from evaluation.responses import campaigns
from evaluation.tables import Response, VerificationCode
from tests.factories import People, login, open_cycle, post_form
from tests.security.live import live_site
from tests.web.html import select, text_of, texts


async def test_a_resident_key_used_on_one_link_is_refused_on_another(
    client: TestClient, people: People
) -> None:
    cycle_id = await open_cycle()
    first, second = (await campaigns.town_resident_cards(cycle_id, 1))[:2]
    form = client.get(f"/api/r/{first.token}/form").json()
    body = {
        "answers": {str(item["id"]): 4 for item in form["items"]},
        "client_key": "resident-key-a1",
    }
    stored = client.post(f"/api/r/{first.token}/responses", json=body)
    assert stored.status_code == 201
    retry = client.post(f"/api/r/{first.token}/responses", json=body)
    assert retry.json() == stored.json()  # the same link: a retry gets its own response back

    replayed = client.post(f"/api/r/{second.token}/responses", json=body)
    assert replayed.status_code == 409, replayed.text
    assert replayed.headers["content-type"].startswith("application/problem+json")
    assert "id" not in replayed.json()  # never another response's id
    assert await Response.count().where(Response.ratee == second.cadre_id) == 0
    fresh = client.post(
        f"/api/r/{second.token}/responses", json={**body, "client_key": "resident-key-a2"}
    )
    assert fresh.status_code == 201  # the resident is not locked out: a new key works
    assert await Response.count().where(Response.ratee == second.cadre_id) == 1


def test_ten_ballots_sent_at_once_from_one_code_session_store_one(tmp_path: Path) -> None:
    async def cycle_with_code() -> str:
        cycle_id = await open_cycle()
        return (await campaigns.create_code_batch(cycle_id, 1, "peer", 1, "测评"))[0]

    with live_site(tmp_path) as site:
        code = site.run(cycle_with_code)
        rater = site.browser()
        started = rater.post_form("/code", {"code": code}, page="/code")
        assert started.status_code in (302, 303), started.text[:300]
        ratees = rater.get("/code/rate").text
        link = next(
            a.attrs["href"]
            for a in select(ratees, "a")
            if a.attrs.get("href", "").startswith("/code/rate/")
        )
        form = rater.get(link).text
        ballot = {i.attrs["name"]: "3" for i in select(form, "input", type="radio")}
        ballot.update(
            {
                i.attrs["name"]: i.attrs.get("value", "")
                for i in select(form, "input", type="hidden")
            }
        )
        ballot["client_key"] = ""  # ten tabs: each its own form, no shared key
        token = rater.token("/code")
        go = threading.Barrier(10)
        answers: list[int] = []

        def send(n: int) -> None:
            with httpx.Client(base_url=site.url, cookies=rater.client.cookies) as tab:
                go.wait()
                sent = tab.post(link, data={**ballot, "_csrf_token": token, "client_key": f"t{n}"})
                answers.append(sent.status_code)

        tabs = [threading.Thread(target=send, args=(n,)) for n in range(10)]
        for tab in tabs:
            tab.start()
        for tab in tabs:
            tab.join()
        assert len(answers) == 10 and all(status < 500 for status in answers)
        with sqlite3.connect(site.database_url.removeprefix("sqlite:///")) as conn:
            ballots = conn.execute(
                "select count(*) from response where channel = 'code'"
            ).fetchone()
        assert ballots == (1,)


async def test_verification_codes_are_issued_per_town_printed_and_used_once(
    client: TestClient, people: People
) -> None:
    cycle_id = await open_cycle()
    login(client, "office")
    meeting = client.get(f"/office/cycles/{cycle_id}/codes").text
    assert "核验码" not in " ".join(texts(meeting, "option"))  # 考核码 ≠ 核验码
    printed = post_form(
        client,
        f"/office/cycles/{cycle_id}/verification-codes",
        {"town": "1", "size": "3"},
        page=f"/office/cycles/{cycle_id}/verification-codes",
    )
    assert printed.status_code == 200, printed.text[:300]
    slips = texts(printed.text, "p", class_="code-value")
    assert len(slips) == 3
    assert await VerificationCode.count() == 3
    assert not await VerificationCode.exists().where(VerificationCode.code_hash == slips[0])
    other_town = post_form(
        client,
        f"/office/cycles/{cycle_id}/verification-codes",
        {"town": "2", "size": "1"},
        page=f"/office/cycles/{cycle_id}/verification-codes",
    )
    foreign = texts(other_town.text, "p", class_="code-value")[0]

    client.cookies.clear()  # a resident at the service window
    town_card = (await campaigns.town_resident_cards(cycle_id, 1))[0]
    link = f"/r/{town_card.token}"

    def answer(code: str):  # type: ignore[no-untyped-def]
        page = client.get(link).text
        fields = {
            i.attrs["name"]: i.attrs.get("value", "") for i in select(page, "input", type="hidden")
        }
        fields.update({i.attrs["name"]: "4" for i in select(page, "input", type="radio")})
        return client.post(link, data={**fields, "verify_code": code})

    refused = answer(foreign)
    assert refused.status_code == 400
    assert "核验码" in text_of(refused.text, "p", class_="error-message")
    assert await Response.count() == 0
    assert text_of(answer(slips[0].lower()).text, "h1") == "感谢您的评价"
    assert await Response.select(Response.verified).first() == {"verified": True}
    assert await VerificationCode.count().where(VerificationCode.used_at.is_not_null()) == 1
    client.cookies.clear()  # another phone, the same slip
    reused = answer(slips[0])
    assert reused.status_code == 400
    assert await Response.count() == 1
