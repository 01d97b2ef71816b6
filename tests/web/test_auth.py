"""Login, logout, sessions, CSRF and the forced password change, over real HTTP."""

from __future__ import annotations

import re

from litestar.testing import TestClient

from app.accounts import services
from app.accounts.auth import SESSION_COOKIE
from tests.factories import PASSWORD, People, csrf_token, login, post_form
from tests.web.html import select, text_of, texts


def test_login_page_is_chinese_and_carries_csrf(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert text_of(page.text, "h1") == "登录"
    assert select(page.text, "html", lang="zh-CN")
    assert select(page.text, "input", name="_csrf_token")


def test_each_role_lands_on_its_home(client: TestClient, people: People) -> None:
    homes = {
        "admin": ("/admin/users", "账号管理"),
        "office": ("/office", "考核办工作台"),
        "training": ("/training", "培训办工作台"),
        "leader": ("/team", "我的团队"),
        "member": ("/me", None),
    }
    for username, (path, heading) in homes.items():
        client.cookies.clear()
        response = client.post(
            "/login",
            data={"_csrf_token": csrf_token(client), "username": username, "password": PASSWORD},
            follow_redirects=False,
        )
        assert response.status_code == 302
        assert response.headers["location"] == path
        page = client.get(path)
        assert page.status_code == 200
        if heading:
            assert text_of(page.text, "h1") == heading


def test_wrong_password_shows_an_error_summary_and_keeps_the_username(
    client: TestClient, people: People
) -> None:
    response = client.post(
        "/login",
        data={"_csrf_token": csrf_token(client), "username": "office", "password": "nope-nope-1"},
    )
    assert response.status_code == 400
    assert text_of(response.text, "title").startswith("错误：")
    assert texts(response.text, "p", class_="error-message") == ["错误：用户名或密码不正确"]
    assert select(response.text, "input", name="username")[0].attrs["value"] == "office"
    assert SESSION_COOKIE not in response.cookies


def test_empty_fields_are_named(client: TestClient) -> None:
    response = client.post("/login", data={"_csrf_token": csrf_token(client)})
    assert response.status_code == 400
    assert [
        a.attrs["href"]
        for a in select(response.text, "a")
        if a.attrs.get("href", "").startswith("#")
    ][-2:] == ["#username", "#password"]


def test_post_without_csrf_token_is_refused_in_chinese(client: TestClient, people: People) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "office", "password": PASSWORD})
    assert response.status_code == 403
    assert "页面已过期" in text_of(response.text, "p", class_="error-detail")


def test_login_issues_a_new_session_and_logout_kills_it(client: TestClient, people: People) -> None:
    login(client, "office")
    first = client.cookies[SESSION_COOKIE]
    login(client, "office")
    second = client.cookies[SESSION_COOKIE]
    assert first != second
    client.cookies.set(SESSION_COOKIE, first)
    assert client.get("/office", follow_redirects=False).status_code == 302  # old session ended
    client.cookies.set(SESSION_COOKIE, second)
    assert client.get("/office").status_code == 200
    assert post_form(client, "/logout", {}, page="/office").status_code == 302
    client.cookies.set(SESSION_COOKIE, second)
    response = client.get("/office", follow_redirects=False)
    assert response.headers["location"] == "/login?next=/office"


def test_session_cookie_is_httponly_and_samesite(client: TestClient, people: People) -> None:
    response = client.post(
        "/login",
        data={"_csrf_token": csrf_token(client), "username": "office", "password": PASSWORD},
        follow_redirects=False,
    )
    header = next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and SESSION_COOKIE in v
    )
    assert "HttpOnly" in header
    assert "SameSite=lax" in header


def test_next_parameter_cannot_leave_the_site(client: TestClient, people: People) -> None:
    for target, expected in [
        ("/office/towns/1", "/office/towns/1"),
        ("//evil.example", "/office"),
        ("https://evil.example", "/office"),
    ]:
        client.cookies.clear()
        response = client.post(
            "/login",
            data={
                "_csrf_token": csrf_token(client),
                "username": "office",
                "password": PASSWORD,
                "next": target,
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == expected


async def test_first_login_forces_a_password_change(client: TestClient, people: People) -> None:
    from app.accounts.tables import User

    row = await User.select(User.id).where(User.username == "training").first()
    assert row is not None
    temporary = await services.reset_password(row["id"])
    response = client.post(
        "/login",
        data={"_csrf_token": csrf_token(client), "username": "training", "password": temporary},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/account/password"
    blocked = client.get("/training", follow_redirects=False)
    assert blocked.status_code == 302
    assert blocked.headers["location"] == "/account/password"
    page = client.get("/account/password")
    assert "首次登录" in text_of(page.text, "div", class_="notice")
    weak = post_form(
        client,
        "/account/password",
        {"current": temporary, "new": "short", "confirm": "short"},
        page="/account/password",
    )
    assert weak.status_code == 400
    assert "至少需要 10 个字符" in text_of(weak.text, "p", class_="error-message")
    done = post_form(
        client,
        "/account/password",
        {"current": temporary, "new": "my-own-pass-42", "confirm": "my-own-pass-42"},
        page="/account/password",
    )
    assert done.status_code == 302
    assert client.get("/training").status_code == 200


async def test_no_two_links_of_the_main_navigation_lead_to_the_same_page(
    client: TestClient, people: People
) -> None:
    """Each role's navigation: one link per page (a reporter's 首页 and 本乡镇考核 both led to
    /town)."""
    for person in people.all():
        client.cookies.clear()
        login(client, person.username)
        home = client.get("/", follow_redirects=True).text
        nav = home.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
        targets = re.findall(r'href="([^"]+)"', nav)
        assert len(targets) == len(set(targets)), (person.role, targets)
