"""The permission matrix, generated from the app's route table and checked three ways:
SECURITY.md lists exactly the app's routes with exactly their guards (a new route without a
row fails here), and every route answers each role — anonymous included — as the matrix
says: allowed roles are let through, others get 403, the anonymous visitor the login page;
the read API's token routes answer every session 401."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from litestar.testing import TestClient

from tests.factories import People, csrf_token, login
from tests.route_table import STANDING_LOGINS, declared_access
from tests.web.test_permission_matrix_allowed import PRINCIPAL_ONLY

SECURITY = Path(__file__).resolve().parents[2] / "SECURITY.md"
ROW = re.compile(r"^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)` \| ([^|]+) \|$")
USERS = STANDING_LOGINS


def documented() -> dict[tuple[str, str], str]:
    rows = {}
    for line in SECURITY.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line.strip())
        if match:
            rows[(match.group(1), match.group(2))] = match.group(3).strip()
    return rows


def concrete(path: str) -> str:
    return re.sub(r"\{[a-z_]+:int\}", "1", re.sub(r"\{[a-z_]+:str\}", "x", path))


def test_security_md_lists_every_route_with_its_guard(client: TestClient) -> None:
    declared = declared_access(client.app)
    written = documented()
    assert set(declared) - set(written) == set(), "routes missing from SECURITY.md"
    assert set(written) - set(declared) == set(), "SECURITY.md lists routes the app lacks"
    assert {k: v for k, v in declared.items() if written[k] != v} == {}


@pytest.mark.parametrize("role", ["anonymous", *USERS])
def test_every_route_answers_each_role_as_the_matrix_says(
    client: TestClient, people: People, role: str
) -> None:
    if role != "anonymous":
        login(client, USERS[role])
    token = csrf_token(client, "/login")
    for (method, path), access in sorted(documented().items()):
        if access.startswith("token "):  # the API for other systems: a session is never enough
            answer = client.request(
                method,
                concrete(path),
                json={},
                headers={"x-csrftoken": token},
                follow_redirects=False,
            )
            assert answer.status_code == 401, f"{role} {method} {path}"
            continue
        allowed = (
            access == "public"
            or (access == "any" and role != "anonymous")
            or role in access.split(", ")
        )
        if method != "GET" and allowed:
            continue  # the matrix does not change data; HTTP tests cover allowed writes
        url = concrete(path)
        if method == "GET":
            response = client.get(url, follow_redirects=False)
        elif path.startswith("/api/"):  # the JSON API is spoken in JSON (anything else: 415)
            response = client.request(
                method, url, json={}, headers={"x-csrftoken": token}, follow_redirects=False
            )
        else:
            response = client.request(
                method, url, data={"_csrf_token": token}, follow_redirects=False
            )
        where = f"{role} {method} {path}"
        if allowed and role == "leader" and path in PRINCIPAL_ONLY:
            assert response.status_code == 403, where  # a deputy head holds no principal post
            continue
        if allowed:
            assert response.status_code != 403, where
            assert not response.headers.get("location", "").startswith("/login"), where
        elif role == "anonymous" and method == "GET" and not path.startswith("/api/"):
            assert response.status_code in (302, 303), where
            assert response.headers["location"].startswith("/login"), where
        elif role == "anonymous":  # writes and the API: refused outright
            assert response.status_code in (401, 403), where
        else:
            assert response.status_code == 403, where
