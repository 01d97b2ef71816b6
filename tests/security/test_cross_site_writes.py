"""Cross-site writes over HTTP (issue 29, #2; the browser version is
tests/browser/test_cross_site.py): the resident API refuses bodies that are not JSON, and
every state-changing route refuses a request whose Origin (or Referer) is another site —
before any handler or token check runs; nothing is stored."""

from __future__ import annotations

import json

from litestar.testing import TestClient

from evaluation.responses import campaigns
from evaluation.tables import Response
from tests.factories import People, csrf_token, open_cycle


async def test_the_resident_api_takes_json_from_this_site_only(
    client: TestClient, people: People
) -> None:
    cycle_id = await open_cycle()
    token = (await campaigns.town_resident_cards(cycle_id, 1))[0].token
    form = client.get(f"/api/r/{token}/form").json()
    ballot = {"answers": {str(i["id"]): 5 for i in form["items"]}, "client_key": "cross-site-1"}
    url = f"/api/r/{token}/responses"
    as_text = client.post(url, content=json.dumps(ballot), headers={"Content-Type": "text/plain"})
    assert as_text.status_code == 415
    assert as_text.headers["content-type"].startswith("application/problem+json")
    foreign = client.post(url, json=ballot, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403
    referred = client.post(url, json=ballot, headers={"Referer": "http://evil.example/x"})
    assert referred.status_code == 403
    sandboxed = client.post(url, json=ballot, headers={"Origin": "null"})
    assert sandboxed.status_code == 403
    assert await Response.count() == 0
    behind_proxy = client.post(  # a proxy that rewrites Host passes the public name along
        url,
        json={**ballot, "client_key": "cross-site-0"},
        headers={
            "Origin": "https://kaohe.example.gov.cn",
            "X-Forwarded-Host": "kaohe.example.gov.cn",
        },
    )
    assert behind_proxy.status_code == 201, behind_proxy.text
    await Response.delete(force=True)
    own = client.post(url, json=ballot, headers={"Origin": "http://testserver.local"})
    assert own.status_code == 201, own.text
    assert await Response.count() == 1


def test_a_foreign_origin_cannot_post_any_form(client: TestClient, people: People) -> None:
    token = csrf_token(client, "/login")
    refused = client.post(
        "/login",
        data={"_csrf_token": token, "username": "office", "password": "x"},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert refused.status_code == 403 and "其他网站" in refused.text
