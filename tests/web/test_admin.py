"""Admin: create accounts and reset passwords; the user must then change it."""

from __future__ import annotations

from litestar.testing import TestClient

from app.accounts.tables import User
from tests.factories import People, csrf_token, login, post_form
from tests.web.html import text_of


async def test_admin_resets_a_password_and_the_user_must_change_it(
    client: TestClient, people: People
) -> None:
    row = await User.select(User.id).where(User.username == "member").first()
    assert row is not None
    login(client, "admin")
    response = post_form(
        client, f"/admin/users/{row['id']}/reset-password", {}, page="/admin/users"
    )
    assert response.status_code == 200
    temporary = text_of(response.text, "p", id="temporary-password")
    client.cookies.clear()
    response = client.post(
        "/login",
        data={"_csrf_token": csrf_token(client), "username": "member", "password": temporary},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/account/password"


async def test_admin_creates_a_cadre_account_linked_to_the_roster(
    client: TestClient, people: People
) -> None:
    login(client, "admin")
    bad = post_form(
        client, "/admin/users/new", {"username": "newbie", "role": "cadre", "cadre": "NOPE"}
    )
    assert bad.status_code == 400
    assert "花名册中没有编号为 NOPE 的干部" in text_of(bad.text, "div", class_="error-summary")
    ok = post_form(
        client, "/admin/users/new", {"username": "newbie", "role": "cadre", "cadre": "T003-010"}
    )
    assert ok.status_code == 200
    created = (
        await User.select(User.role, User.must_change_password)
        .where(User.username == "newbie")
        .first()
    )
    assert created == {"role": "cadre", "must_change_password": True}


def test_non_admins_cannot_reset_passwords(client: TestClient, people: People) -> None:
    login(client, "office")
    response = post_form(client, "/admin/users/1/reset-password", {}, page="/office")
    assert response.status_code == 403
