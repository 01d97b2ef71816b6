"""Who may open which page: every role, the anonymous visitor included."""

from __future__ import annotations

import polars as pl
import pytest
from litestar.testing import TestClient

from tests.factories import People, login, roster_frame
from tests.web.html import texts

ROLES = ["anonymous", "admin", "office", "training", "leader", "member", "visitor"]
# path -> roles allowed (everyone else: 403, anonymous: redirect to login)
PAGES = {
    "/office": {"admin", "office"},
    "/office/roster": {"admin", "office"},
    "/office/roster/template.xlsx": {"admin", "office"},
    "/office/towns/1": {"admin", "office", "training"},
    "/office/cycles": {"admin", "office"},
    "/office/cycles/new": {"admin", "office"},
    "/training": {"admin", "training"},
    "/admin/users": {"admin"},
    "/admin/users/new": {"admin"},
    "/team": {"leader"},
    "/me": {"leader", "member"},
    "/account/password": {"admin", "office", "training", "leader", "member", "visitor"},
    "/rate": {"leader", "member"},
    "/visit": {"visitor"},
    "/training/plan": {"admin", "training"},
    "/training/catalogue": {"admin", "training"},
    "/me/training": {"leader", "member"},
    "/results": {"anonymous", "admin", "office", "training", "leader", "member", "visitor"},
}


@pytest.mark.parametrize("role", ROLES)
def test_page_access_matrix(client: TestClient, people: People, role: str) -> None:
    if role != "anonymous":
        login(client, role)
    for path, allowed in PAGES.items():
        response = client.get(path, follow_redirects=False)
        if role == "anonymous" and role in allowed:  # public pages
            assert response.status_code == 200, path
        elif role == "anonymous":
            assert response.status_code == 302, path
            assert response.headers["location"].startswith("/login?next="), path
        elif role in allowed:
            assert response.status_code == 200, (role, path)
        else:
            assert response.status_code == 403, (role, path)
            assert "没有权限" in response.text


def test_a_leader_sees_exactly_the_people_they_lead(client: TestClient, people: People) -> None:
    frame = roster_frame()
    led = frame.filter(
        pl.col("leader_ids").str.split(";").list.contains(people.leader.cadre_external_id)
    )
    login(client, "leader")
    page = client.get("/team").text
    names = texts(page, "td")[0::4]  # columns: 姓名, 职务, 职级, 状态
    assert sorted(names) == sorted(led["name"].to_list())
    assert len(names) >= 2


def test_unknown_pages_get_a_chinese_404_and_api_paths_get_problem_json(client: TestClient) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert "页面不存在" in page.text
    api = client.get("/api/no-such-thing")
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["title"] == "页面不存在"


def test_unknown_town_is_404_not_500(client: TestClient, people: People) -> None:
    login(client, "office")
    assert client.get("/office/towns/999999").status_code == 404
    assert client.get("/office/towns/abc").status_code in (400, 404)
