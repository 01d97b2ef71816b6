"""Ids no table can hold, in every route that takes one, by a role that may call it: a 404
(problem+json on the API), never a database error."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient

from app.accounts import api_tokens
from tests.factories import People, csrf_token, login
from tests.route_table import STANDING_LOGINS, declared_access

HUGE_IDS = ["99999999999999999999", str(2**31), str(2**63), str(-(2**31) - 1)]
USERS = STANDING_LOGINS


def caller(access: str) -> str | None:
    """Someone the route lets through (None: anonymous will do; "token": the read API's
    bearer token, which holds every scope)."""
    if access.startswith("token "):
        return "token"
    if access == "public":
        return None
    if access == "any":
        return "member"
    return USERS[access.split(", ")[0]]


@pytest.mark.parametrize("huge", HUGE_IDS)
async def test_ids_outside_the_integer_range_are_404(
    client: TestClient, people: People, huge: str
) -> None:
    bearer = await api_tokens.issue("路径测试", list(api_tokens.SCOPES), "admin")
    routes = {k: v for k, v in declared_access(client.app).items() if ":int}" in k[1]}
    assert len(routes) >= 40
    by_caller: dict[str | None, list[tuple[str, str]]] = {}
    for (method, path), access in routes.items():
        by_caller.setdefault(caller(access), []).append((method, path))
    failures = []
    for user, calls in by_caller.items():
        client.cookies.clear()
        if user and user != "token":
            login(client, user)
        token = csrf_token(client, "/login")
        headers = {"Authorization": f"Bearer {bearer}"} if user == "token" else {}
        for method, path in sorted(calls):
            url = re.sub(r"\{[a-z_]+:int\}", huge, re.sub(r"\{[a-z_]+:str\}", "x", path))
            if method == "GET":
                answer = client.get(url, headers=headers, follow_redirects=False)
            elif path.startswith("/api/"):
                answer = client.request(
                    method, url, json={}, headers=headers, follow_redirects=False
                )
            else:
                answer = client.request(
                    method, url, data={"_csrf_token": token}, follow_redirects=False
                )
            expected_type = "application/problem+json" if path.startswith("/api/") else "text/html"
            if answer.status_code != 404 or not answer.headers.get("content-type", "").startswith(
                expected_type
            ):
                failures.append((user, method, url, answer.status_code))
    assert failures == []
