"""Admin: accounts for the whole roster in one action, printed as slips; a town's passwords
reset at once. Each slip signs in, once, and must then choose a password."""

from __future__ import annotations

from litestar.testing import TestClient

from app.accounts.tables import User
from evaluation.tables import Cadre, Leadership, Town
from tests.factories import PASSWORD, People, csrf_token, login, post_form
from tests.web.html import texts


def slips(html: str) -> list[dict[str, str]]:
    """Who, user name and password of every printed slip."""
    columns = zip(
        texts(html, "p", class_="slip-who"),
        texts(html, "span", class_="slip-username"),
        texts(html, "span", class_="slip-password"),
        strict=True,
    )
    return [{"who": w, "username": u, "password": p} for w, u, p in columns]


def sign_in(client: TestClient, username: str, password: str) -> str:
    client.cookies.clear()
    answer = client.post(
        "/login",
        data={"_csrf_token": csrf_token(client), "username": username, "password": password},
        follow_redirects=False,
    )
    return answer.headers.get("location", f"refused {answer.status_code}")


async def test_every_cadre_gets_an_account_and_a_slip_once(
    client: TestClient, people: People
) -> None:
    cadres = await Cadre.count().where(Cadre.active.eq(True))
    towns = await Town.select(Town.id)
    before = await User.count()
    with_cadre = await User.count().where(User.cadre.is_not_null() & (User.role != "reporter"))
    login(client, "admin")
    page = client.get("/admin/accounts/bulk")
    assert page.status_code == 200
    nothing = post_form(client, "/admin/accounts/bulk", {}, page="/admin/accounts/bulk")
    assert nothing.status_code == 400 and "请至少选择一个乡镇" in nothing.text

    made = client.post(
        "/admin/accounts/bulk",
        data={
            "_csrf_token": csrf_token(client, "/admin/accounts/bulk"),
            "towns": [str(t["id"]) for t in towns],
            "reporters": "on",
        },
    )
    assert made.status_code == 200
    printed = slips(made.text)
    # one per cadre without an account, one reporter for each town that had none (T001 had)
    assert len(printed) == (cadres - with_cadre) + (len(towns) - 1)
    assert await User.count() == before + len(printed)
    assert len({s["password"] for s in printed}) == len(printed)
    leaders = {
        r["leader.external_id"] for r in await Leadership.select(Leadership.leader.external_id)
    }
    for slip in printed:
        expected = "领导干部" if slip["username"] in leaders else "干部"
        if slip["username"].endswith("-tb"):
            expected = "乡镇填报员"
        assert slip["who"].endswith(expected), slip
    one = printed[0]
    assert sign_in(client, one["username"], one["password"]) == "/account/password"

    login(client, "admin")
    again = client.post(
        "/admin/accounts/bulk",
        data={
            "_csrf_token": csrf_token(client, "/admin/accounts/bulk"),
            "towns": [str(t["id"]) for t in towns],
            "reporters": "on",
        },
    )
    assert slips(again.text) == [] and "都已有账号" in again.text
    assert await User.count() == before + len(printed)


async def test_a_towns_passwords_are_reset_together(client: TestClient, people: People) -> None:
    town = await Town.select(Town.id).where(Town.external_id == "T001").first()
    login(client, "admin")
    confirm = client.get(f"/admin/accounts/reset/{town['id']}")
    assert confirm.status_code == 200 and "立即作废" in confirm.text
    reset = post_form(
        client,
        f"/admin/accounts/reset/{town['id']}",
        {},
        page=f"/admin/accounts/reset/{town['id']}",
    )
    assert reset.status_code == 200
    printed = {s["username"]: s["password"] for s in slips(reset.text)}
    # the town's cadre accounts of the standing people; nobody from another town
    assert set(printed) == {"leader", "member", "reporter", "secretary"}
    assert sign_in(client, "member", PASSWORD).startswith("refused")
    assert sign_in(client, "member", printed["member"]) == "/account/password"
    assert sign_in(client, "outsider", PASSWORD) == "/me"  # another town: untouched
    login(client, "admin")
    assert client.get("/admin/accounts/reset/999999").status_code == 404
