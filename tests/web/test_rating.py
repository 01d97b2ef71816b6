"""Raters over HTTP: drafts, submit once, validation that loses nothing, quota, reports."""

from __future__ import annotations

import polars as pl
from litestar.testing import TestClient

from evaluation.cycles import service as cycle_service
from evaluation.tables import Assignment, Draft, Response, ResponseItem
from tests.factories import People, cadre_id, csrf_token, login, open_cycle, post_form
from tests.web.html import select, text_of, texts


async def peer_assignment(person: str = "member") -> tuple[int, int]:
    """An open peer assignment of a standing person, and its cycle."""
    from app.accounts.tables import User

    cycle_id = await open_cycle(peers=3)
    user = await User.select(User.cadre).where(User.username == person).first()
    assert user is not None
    frame = await cycle_service.assignment_frame(cycle_id)
    row = frame.filter(
        (pl.col("rater_id") == user["cadre"]) & (pl.col("rater_group") == "peer")
    ).row(0, named=True)
    return int(row["id"]), cycle_id


def form_fields_of(html: str, level: str = "3") -> dict[str, str]:
    fields = {
        i.attrs["name"]: i.attrs.get("value", "") for i in select(html, "input", type="hidden")
    }
    fields.update({i.attrs["name"]: level for i in select(html, "input", type="radio")})
    return fields


async def db_counts() -> tuple[int, int, int]:
    return (
        await Response.count(),
        await ResponseItem.count(),
        await Assignment.count().where(Assignment.status == "submitted"),
    )


async def test_rater_home_lists_open_assignments_with_the_deadline(
    client: TestClient, people: People
) -> None:
    await peer_assignment()
    login(client, "member")
    page = client.get("/rate")
    assert page.status_code == 200
    assert "截止 2026-12-20" in text_of(page.text, "p", class_="lead")
    tasks = select(page.text, "li", class_="task")
    assert tasks[0].text.startswith("自评")  # self first
    assert all("待评价" in t.text for t in tasks)


async def test_a_draft_survives_logout_and_login(client: TestClient, people: People) -> None:
    assignment_id, _ = await peer_assignment()
    login(client, "member")
    form = client.get(f"/rate/{assignment_id}")
    radios = sorted({i.attrs["name"] for i in select(form.text, "input", type="radio")})
    saved = post_form(
        client, f"/rate/{assignment_id}", {radios[0]: "4", "comment": "还没写完", "action": "draft"}
    )
    assert saved.status_code == 302
    assert await Draft.count() == 1
    assert await Response.count() == 0
    post_form(client, "/logout", {})
    client.cookies.clear()
    login(client, "member")
    again = client.get(f"/rate/{assignment_id}")
    checked = [
        i.attrs["value"]
        for i in select(again.text, "input", name=radios[0])
        if "checked" in i.attrs
    ]
    assert checked == ["4"]
    assert text_of(again.text, "textarea", name="comment") == "还没写完"


async def test_double_submit_stores_one_response(client: TestClient, people: People) -> None:
    assignment_id, _ = await peer_assignment()
    login(client, "member")
    fields = form_fields_of(client.get(f"/rate/{assignment_id}").text)
    fields["action"] = "submit"
    first = client.post(f"/rate/{assignment_id}", data=fields, follow_redirects=False)
    second = client.post(
        f"/rate/{assignment_id}", data=fields, follow_redirects=False
    )  # double tap / replay
    assert first.status_code == second.status_code == 302
    assert await Response.count() == 1
    assert "已经提交过了" in client.get(second.headers["location"]).text
    assert await Draft.count() == 0
    readback = client.get(f"/rate/{assignment_id}")  # read back, not a blank form again
    assert "已经提交，不能再修改" in readback.text
    assert not select(readback.text, "input", type="radio")
    chosen = {k: v for k, v in fields.items() if k.startswith("level_")}
    rows = texts(readback.text, "tr")[1:]
    assert len(rows) == len(chosen)
    assert all(f"{level} 级" in row for row, level in zip(rows, chosen.values(), strict=False))


async def test_bad_fields_get_chinese_messages_and_change_nothing(
    client: TestClient, people: People
) -> None:
    assignment_id, _ = await peer_assignment()
    login(client, "member")
    page = client.get(f"/rate/{assignment_id}").text
    good = form_fields_of(page)
    radios = sorted({i.attrs["name"] for i in select(page, "input", type="radio")})
    before = await db_counts()
    cases = {
        "missing": {k: v for k, v in good.items() if k != radios[0]},
        "out of range": {**good, radios[0]: "7"},
        "garbage": {**good, radios[0]: "'; DROP TABLE response; --"},
        "oversized note": {**good, "note_" + radios[0].removeprefix("level_"): "长" * 501},
        "extreme without a note": {**good, radios[0]: "5"},
    }
    for name, fields in cases.items():
        response = client.post(f"/rate/{assignment_id}", data={**fields, "action": "submit"})
        assert response.status_code == 400, name
        message = text_of(response.text, "div", class_="error-summary")
        assert "提交前请修改以下问题" in message, name
        assert texts(response.text, "p", class_="error-message"), name  # inline, beside the item
        assert await db_counts() == before, name
    huge = client.post(
        f"/rate/{assignment_id}",
        content=b"x=" + b"1" * (9 * 1024 * 1024),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert 400 <= huge.status_code < 500
    assert await db_counts() == before


async def test_api_validates_and_replays_safely(client: TestClient, people: People) -> None:
    assignment_id, _ = await peer_assignment()
    login(client, "member")
    form = client.get(f"/api/assignments/{assignment_id}/form").json()
    answers = {item["id"]: 3 for item in form["items"]}
    body = {"answers": answers, "client_key": "replay-key-0001"}
    garbage = [
        {"answers": {**answers, form["items"][0]["id"]: 9}},
        {"answers": "everything"},
        {"answers": answers, "unknown": 1},
        {"answers": {k: v for k, v in list(answers.items())[1:]}},
    ]
    before = await db_counts()
    for bad in garbage:
        response = client.post(f"/api/assignments/{assignment_id}/response", json=bad)
        assert response.status_code == 400, bad
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["detail"]
    assert (
        client.post(
            f"/api/assignments/{assignment_id}/response",
            content=b"{not json",
            headers={"content-type": "application/json"},
        ).status_code
        == 400
    )
    assert await db_counts() == before
    first = client.post(f"/api/assignments/{assignment_id}/response", json=body)
    again = client.post(f"/api/assignments/{assignment_id}/response", json=body)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert await Response.count() == 1
    other_key = client.post(
        f"/api/assignments/{assignment_id}/response", json={**body, "client_key": "another-key-02"}
    )
    assert other_key.status_code == 409


async def test_a_closed_cycle_refuses_submissions(client: TestClient, people: People) -> None:
    assignment_id, cycle_id = await peer_assignment()
    login(client, "member")
    fields = form_fields_of(client.get(f"/rate/{assignment_id}").text)
    await cycle_service.move_cycle(cycle_id, "close")
    refused = client.post(
        f"/rate/{assignment_id}", data={**fields, "action": "submit"}, follow_redirects=False
    )
    assert "本周期已截止" in client.get(refused.headers["location"]).text
    api = client.post(
        f"/api/assignments/{assignment_id}/response",
        json={"answers": {k.removeprefix("level_"): 3 for k in fields if k.startswith("level_")}},
    )
    assert api.status_code == 409
    assert await Response.count() == 0


async def test_nobody_opens_another_raters_assignment(client: TestClient, people: People) -> None:
    assignment_id, _ = await peer_assignment("member")
    login(client, "outsider")
    assert client.get(f"/rate/{assignment_id}").status_code == 404
    assert client.get(f"/api/assignments/{assignment_id}/form").status_code == 404


async def test_quota_on_top_ratings_is_shown_and_enforced(
    client: TestClient, people: People
) -> None:
    assignment_id, _ = await peer_assignment()
    login(client, "member")
    page = client.get(f"/rate/{assignment_id}").text
    left = int(text_of(page, "strong", id="quota-left"))
    radios = sorted({i.attrs["name"] for i in select(page, "input", type="radio")})
    all_top = {
        i.attrs["name"]: i.attrs.get("value", "") for i in select(page, "input", type="hidden")
    }
    all_top.update({name: "5" for name in radios})
    all_top.update({"note_" + name.removeprefix("level_"): "有事例" for name in radios})
    assert len(radios) > left  # this form alone would exceed the quota
    response = client.post(f"/rate/{assignment_id}", data={**all_top, "action": "submit"})
    assert response.status_code == 400
    assert "最多可给出" in text_of(response.text, "div", class_="error-summary")
    assert await Response.count() == 0
    within = {**all_top, **{name: "3" for name in radios[left:]}}
    assert (
        client.post(f"/rate/{assignment_id}", data={**within, "action": "submit"}).status_code
        == 200
    )
    assert await Response.count() == 1


async def test_work_report_upload_and_who_may_read_it(client: TestClient, people: People) -> None:
    _, cycle_id = await peer_assignment()
    login(client, "member")
    uploaded = client.post(
        f"/rate/report/{cycle_id}",
        files={"report": ("述职报告.txt", "今年完成了……".encode(), "text/plain")},
        data={"_csrf_token": csrf_token(client, "/rate")},
        follow_redirects=True,
    )
    assert "述职报告已上传" in uploaded.text
    member = await cadre_id(people.member.cadre_external_id)  # type: ignore[arg-type]
    assert client.get(f"/rate/report/{cycle_id}/{member}").content == "今年完成了……".encode()
    raters = await Assignment.select(Assignment.rater).where(
        (Assignment.ratee == member) & (Assignment.rater_group == "peer")
    )
    client.cookies.clear()
    login(client, "outsider")
    outsider = await cadre_id(people.outsider.cadre_external_id)  # type: ignore[arg-type]
    assert outsider not in {r["rater"] for r in raters}
    assert client.get(f"/rate/report/{cycle_id}/{member}").status_code == 404
