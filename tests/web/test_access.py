"""Access beyond the route matrix (tests/web/test_permission_matrix*.py): a leader's team
is exactly the people they lead; unknown pages and ids get a Chinese 404."""

from __future__ import annotations

import polars as pl
from litestar.testing import TestClient

from tests.factories import People, login, roster_frame
from tests.web.html import texts


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
