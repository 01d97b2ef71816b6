"""The read API for other systems: the admin issues a token with scopes and can revoke it;
a token without the route's scope gets 403 problem+json, an unknown or revoked one 401;
every use (refusals included) is in the audit log; results are those of published cycles
only, with the numbers the office's personnel list carries."""

from __future__ import annotations

from litestar.testing import TestClient

from app.accounts.tables import ApiToken, AuditEntry
from evaluation.tables import Cadre
from tests.factories import (
    People,
    answer_assignments,
    close_and_publish,
    csrf_token,
    login,
    open_cycle,
    post_form,
)
from tests.web.html import text_of


def issue(client: TestClient, name: str, *scopes: str) -> str:
    login(client, "admin")
    answer = client.post(
        "/admin/tokens",
        data={
            "_csrf_token": csrf_token(client, "/admin/tokens"),
            "name": name,
            "scopes": list(scopes),
        },
    )
    assert answer.status_code == 200, answer.text
    return text_of(answer.text, "p", id="token")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_scopes_are_enforced_and_every_use_is_audited(
    client: TestClient, people: People
) -> None:
    roster_only = issue(client, "县数据平台", "roster:read")
    client.cookies.clear()  # the API needs no session, only the token
    roster = client.get("/api/v1/roster", headers=bearer(roster_only))
    assert roster.status_code == 200
    body = roster.json()
    assert len(body["cadres"]) == await Cadre.count()
    assert {t["town_type_label"] for t in body["towns"]} <= {
        "农业乡镇",
        "城关镇",
        "工业乡镇",
        "生态乡镇",
        "旅游乡镇",
    }
    assert any(c["leader_codes"] for c in body["cadres"])
    phones = {r["phone"] for r in await Cadre.select(Cadre.phone) if r["phone"]}
    assert phones and not any(p in roster.text for p in phones)  # contacts stay in the office

    refused = client.get("/api/v1/results", headers=bearer(roster_only))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "读取权限" in refused.json()["detail"]
    missing = client.get("/api/v1/roster")
    assert missing.status_code == 401 and missing.json()["status"] == 401
    forged = client.get("/api/v1/roster", headers=bearer("c360_" + "x" * 43))
    assert forged.status_code == 401

    uses = await AuditEntry.select(AuditEntry.username, AuditEntry.path, AuditEntry.status).where(
        AuditEntry.action == "api"
    )
    assert [(u["username"], u["path"], u["status"]) for u in uses] == [
        ("api:县数据平台", "/api/v1/roster", 200),
        ("api:县数据平台", "/api/v1/results", 403),
        ("api:（未带令牌）", "/api/v1/roster", 401),  # refused uses are on record too
        ("api:（无效令牌）", "/api/v1/roster", 401),
    ]
    assert (await ApiToken.select(ApiToken.last_used_at).first())["last_used_at"] is not None


async def test_a_revoked_token_stops_working(client: TestClient, people: People) -> None:
    token = issue(client, "组织部干部信息系统", "roster:read", "results:read")
    assert client.get("/api/v1/roster", headers=bearer(token)).status_code == 200
    row = await ApiToken.select(ApiToken.id).first()
    login(client, "admin")
    revoked = post_form(client, f"/admin/tokens/{row['id']}/revoke", {}, page="/admin/tokens")
    assert revoked.status_code == 302
    assert client.get("/api/v1/roster", headers=bearer(token)).status_code == 401
    assert "已吊销" in client.get("/admin/tokens").text


async def test_bad_token_requests_are_refused_in_words(client: TestClient, people: People) -> None:
    login(client, "admin")
    bad = post_form(client, "/admin/tokens", {"name": ""}, page="/admin/tokens")
    assert bad.status_code == 400
    assert "请填写使用方名称" in bad.text and "请至少选择一项" in bad.text
    assert await ApiToken.count() == 0


async def test_results_come_from_published_cycles_only(client: TestClient, people: People) -> None:
    cycle_id = await open_cycle()
    await answer_assignments(cycle_id, varied=True)
    token = issue(client, "组织部干部信息系统", "results:read")
    assert client.get("/api/v1/results", headers=bearer(token)).json() == []
    early = client.get(f"/api/v1/results/{cycle_id}", headers=bearer(token))
    assert early.status_code in (404, 409)
    assert early.headers["content-type"].startswith("application/problem+json")
    await close_and_publish(cycle_id)
    listed = client.get("/api/v1/results", headers=bearer(token)).json()
    assert [c["id"] for c in listed] == [cycle_id]
    results = client.get(f"/api/v1/results/{cycle_id}", headers=bearer(token)).json()
    assert results["cycle"]["id"] == cycle_id
    assert len(results["cadres"]) > 0
    assert all(set(c) >= {"code", "overall", "rank", "weaknesses"} for c in results["cadres"])
