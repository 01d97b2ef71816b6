"""What a shared computer keeps, and what travels only over HTTPS: personal pages, reports, exports and the anonymous answer
forms are sent with `Cache-Control: no-store`, so the next person at an office PC or a
service hall's tablet cannot page back into them; production adds HSTS."""

from __future__ import annotations

import os

from litestar.testing import TestClient

from app.config import load_settings
from evaluation.responses import campaigns
from tests.factories import (
    People,
    answer_assignments,
    close_and_publish,
    login,
    open_cycle,
)


async def test_personal_pages_reports_and_exports_are_not_cached(
    client: TestClient, people: People
) -> None:
    cycle_id = await open_cycle()
    card = (await campaigns.town_resident_cards(cycle_id, 1))[0]
    assert client.get(f"/r/{card.token}").headers["cache-control"] == "no-store"
    assert client.get("/code").headers["cache-control"] == "no-store"
    await answer_assignments(cycle_id, varied=True)
    await close_and_publish(cycle_id)
    login(client, "member")
    for path in ("/me", "/me/feedback", "/me/feedback.pdf", "/rate"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["cache-control"] == "no-store", path
    login(client, "office")
    for path in (f"/office/cycles/{cycle_id}/results.xlsx", "/office/roster/template.xlsx"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["cache-control"] == "no-store", path
    client.cookies.clear()
    public = client.get(f"/results/{cycle_id}")
    assert public.status_code == 200 and "no-store" not in public.headers.get("cache-control", "")
    assert "strict-transport-security" not in public.headers  # not in development and tests


def test_production_mode_sends_hsts_and_secure_cookies(sqlite_url: str, people: People) -> None:
    from app.asgi import create_app
    from tests.factories import PASSWORD, csrf_token

    settings = load_settings(
        {
            **os.environ,
            "DATABASE_URL": sqlite_url,
            "CADRE360_MODE": "production",
            "SECRET_KEY": "production-secret-key-that-is-long-enough-0123456789",
        }
    )
    with TestClient(app=create_app(settings), base_url="https://testserver.local") as client:
        answer = client.get("/healthz")
        signed_in = client.post(
            "/login",
            data={"_csrf_token": csrf_token(client), "username": "member", "password": PASSWORD},
            follow_redirects=False,
        )
    assert answer.headers["strict-transport-security"].startswith("max-age=31536000")
    cookies = [v for k, v in signed_in.headers.multi_items() if k == "set-cookie"]
    assert len(cookies) >= 2 and all("Secure" in c and "HttpOnly" in c for c in cookies)
