"""Rating several people at once over HTTP (一起评价): the matrix holds the rater's open forms
of one group; complete rows go in through `submit` (one response each, same checks), started
rows stay as drafts, a refused row keeps its values and says why while the others go in;
after a single form, the next person's form opens (下一位)."""

from __future__ import annotations

import re

import polars as pl
from litestar.testing import TestClient

from evaluation.cycles import service as cycle_service
from evaluation.tables import Assignment, Draft, Response
from tests.factories import People, login, open_cycle
from tests.web.html import select, text_of


async def member_peer_forms() -> tuple[int, list[int]]:
    from app.accounts.tables import User

    cycle_id = await open_cycle(peers=3)
    user = await User.select(User.cadre).where(User.username == "member").first()
    assert user is not None
    frame = await cycle_service.assignment_frame(cycle_id)
    mine = frame.filter((pl.col("rater_id") == user["cadre"]) & (pl.col("rater_group") == "peer"))
    return cycle_id, sorted(mine["id"].to_list())


def matrix_fields(html: str) -> dict[str, list[str]]:
    """Per row (assignment): its level selects' names."""
    rows: dict[str, list[str]] = {}
    for element in select(html, "select"):
        head, _, _ = element.attrs["name"].partition(".")
        rows.setdefault(head, []).append(element.attrs["name"])
    return rows


def chosen(html: str, name: str) -> str:
    """The selected option of the select called `name`, as the page sends it back."""
    found = re.search(rf'<select name="{re.escape(name)}".*?</select>', html, re.S)
    assert found, name
    value = re.search(r'<option value="([^"]*)" selected', found.group(0))
    return value.group(1) if value else ""


def token(html: str) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


async def test_complete_rows_go_in_started_rows_wait_and_a_refused_row_says_why(
    client: TestClient, people: People
) -> None:
    cycle_id, forms = await member_peer_forms()
    assert len(forms) == 3
    login(client, "member")
    home = client.get("/rate").text
    assert f"/rate/matrix/{cycle_id}?group=peer" in home and "一起评价3位" in home
    page = client.get(f"/rate/matrix/{cycle_id}?group=peer")
    assert page.status_code == 200
    rows = matrix_fields(page.text)
    assert sorted(rows) == [f"r{a}" for a in forms]
    first, second, third = forms
    data = {"_csrf_token": token(page.text), "group": "peer", "action": "submit"}
    data |= dict.fromkeys(rows[f"r{first}"], "3")  # complete
    data |= dict.fromkeys(rows[f"r{second}"], "4") | {rows[f"r{second}"][0]: "5"}  # 5, no note
    data |= {rows[f"r{third}"][0]: "2"}  # started only
    answer = client.post(f"/rate/matrix/{cycle_id}", data=data, follow_redirects=False)
    assert answer.status_code == 400
    assert "已提交 1 位的评价" in text_of(answer.text, "div", id="notice")
    refused = text_of(answer.text, "tr", id=f"row-{second}")
    assert "依据" in refused  # why, on its row
    assert chosen(answer.text, rows[f"r{second}"][0]) == "5"  # the values are kept
    assert chosen(answer.text, rows[f"r{second}"][1]) == "4"
    submitted = await Assignment.select(Assignment.id).where(Assignment.status == "submitted")
    assert [r["id"] for r in submitted] == [first]
    assert await Response.count() == 1
    assert await Draft.count().where(Draft.assignment.is_in([second, third])) == 2
    # the note given, the refused row goes in; the started one is still a draft
    data = {"_csrf_token": token(answer.text), "group": "peer", "action": "submit"}
    data |= dict.fromkeys(rows[f"r{second}"], "4") | {rows[f"r{second}"][0]: "5"}
    data |= {f"r{second}.note": "主持调解三起纠纷，群众满意", rows[f"r{third}"][0]: "2"}
    done = client.post(f"/rate/matrix/{cycle_id}", data=data, follow_redirects=False)
    assert done.status_code == 302
    message = client.get(done.headers["location"]).text
    assert "已提交 1 位的评价；1 位未填完，已存为草稿" in message
    assert await Response.count() == 2
    again = client.get(f"/rate/matrix/{cycle_id}?group=peer").text
    assert sorted(matrix_fields(again)) == [f"r{third}"]  # only the open form is left
    assert chosen(again, rows[f"r{third}"][0]) == "2"  # … with its draft


async def test_rows_of_other_raters_are_ignored(client: TestClient, people: People) -> None:
    cycle_id, forms = await member_peer_forms()
    others = (await cycle_service.assignment_frame(cycle_id)).filter(
        ~pl.col("id").is_in(forms) & (pl.col("rater_group") == "peer")
    )
    someone_else = int(others["id"][0])
    login(client, "member")
    page = client.get(f"/rate/matrix/{cycle_id}?group=peer").text
    data = {"_csrf_token": token(page), "group": "peer", "action": "submit"}
    data |= {f"r{someone_else}.level_integrity": "5", f"r{someone_else}.note": "冒名"}
    answer = client.post(f"/rate/matrix/{cycle_id}", data=data, follow_redirects=False)
    assert answer.status_code == 302
    assert await Response.count() == 0 and await Draft.count() == 0
    assert client.get(f"/rate/matrix/{cycle_id}?group=superior").status_code == 404  # none


async def test_after_a_form_the_next_person_opens(client: TestClient, people: People) -> None:
    _, forms = await member_peer_forms()
    login(client, "member")
    page = client.get(f"/rate/{forms[0]}").text
    fields = {
        i.attrs["name"]: i.attrs.get("value", "") for i in select(page, "input", type="hidden")
    }
    fields |= {i.attrs["name"]: "3" for i in select(page, "input", type="radio")}
    sent = client.post(f"/rate/{forms[0]}", data=fields, follow_redirects=False)
    assert sent.status_code == 302
    following = sent.headers["location"].split("?")[0]
    assert following == f"/rate/{forms[1]}"
    assert "下一位" in client.get(sent.headers["location"]).text
