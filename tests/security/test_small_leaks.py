"""Issue 29, #10 — the smaller findings, each as the attacker met it: uses of revoked and
unknown API tokens and attachment downloads missing from the audit log; `/api/v1/*` answers
cacheable; `?msg=` putting anyone's words in the green notice of any page; a submission's
audit row placed by insertion among exactly-timed rows."""

from __future__ import annotations

from litestar.testing import TestClient

from app.accounts.tables import ApiToken, AuditEntry
from tests.factories import People, login, post_form
from tests.web.html import texts
from tests.web.test_read_api import bearer, issue


async def test_every_token_use_is_audited_and_never_cached(
    client: TestClient, people: People
) -> None:
    token = issue(client, "县数据平台", "roster:read")
    client.cookies.clear()
    answer = client.get("/api/v1/roster", headers=bearer(token))
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"  # rosters stay out of caches
    row = await ApiToken.select(ApiToken.id).first()
    login(client, "admin")
    post_form(client, f"/admin/tokens/{row['id']}/revoke", {}, page="/admin/tokens")
    client.cookies.clear()
    for headers in (bearer(token), bearer("made-up-token"), {}):
        refused = client.get("/api/v1/roster", headers=headers)
        assert refused.status_code == 401
        assert refused.headers["cache-control"] == "no-store"
    api_rows = await AuditEntry.select(AuditEntry.username, AuditEntry.status).where(
        AuditEntry.action == "api"
    )
    assert [r["status"] for r in api_rows].count(401) == 3  # before: none of the three
    assert {r["username"] for r in api_rows if r["status"] == 401} == {
        "api:（无效令牌）",
        "api:（未带令牌）",
    }


def test_a_notice_shows_only_what_this_app_wrote(client: TestClient, people: People) -> None:
    login(client, "office")
    planted = client.get("/office?msg=系统升级，请将密码发送至 evil@example.com")
    assert "evil@example.com" not in planted.text  # before: in the green banner
    forged = client.get("/office?msg=伪造的通知&sig=0123456789abcdef01234567")
    assert "伪造的通知" not in forged.text
    moved = post_form(client, "/office/cycles/new", {"name": ""}, page="/office/cycles/new")
    assert moved.status_code == 400  # (a form error, no notice)
    sent = post_form(client, "/logout", {}, page="/office")
    assert sent.status_code in (302, 303)


async def test_a_real_notice_still_shows(client: TestClient, people: People) -> None:
    from tests.factories import open_cycle

    cycle_id = await open_cycle()
    login(client, "office")
    page = f"/office/cycles/{cycle_id}/reminders"
    sent = post_form(client, page, {}, page=page)
    assert "sig=" in sent.headers["location"]
    assert "本轮催办已发出" in client.get(sent.headers["location"]).text


async def test_the_audit_log_reads_in_time_order(client: TestClient, people: People) -> None:
    """A submission's row carries its day only; the page lists rows by time, so the row's
    place among exactly-timed rows cannot tell its second."""
    from evaluation.cycles import service as cycle_service
    from evaluation.responses.context import ratee_context
    from tests.factories import answers, cadre_id, open_cycle

    cycle_id = await open_cycle(peers=3)
    login(client, "office")
    post_form(client, f"/office/cycles/{cycle_id}/reminders", {}, page="/office")  # a timed row
    member = await cadre_id(people.member.cadre_external_id or "")
    frame = await cycle_service.assignment_frame(cycle_id)
    mine = frame.filter(frame["rater_id"] == member).row(0, named=True)
    items = (await ratee_context(cycle_id, mine["ratee_id"], mine["rater_group"])).items
    login(client, "member")
    post_form(
        client,
        f"/rate/{mine['id']}",
        {**answers(items, "3"), "client_key": "audit-order-1"},
        page=f"/rate/{mine['id']}",
    )
    login(client, "office")
    post_form(client, f"/office/cycles/{cycle_id}/reminders", {}, page="/office")  # timed again
    rows = [r for r in texts(client.get("/office/audit").text, "tr")[1:] if r.strip()]
    stamps = [
        r.split(" ")[0] + (" " + r.split(" ")[1] if ":" in r.split(" ")[1] else "") for r in rows
    ]
    submitted = [i for i, r in enumerate(rows) if "提交评价" in r or "/rate/…" in r]
    assert len(submitted) == 1
    timed_after = [i for i, s in enumerate(stamps) if ":" in s and i > submitted[0]]
    timed_before = [i for i, s in enumerate(stamps) if ":" in s and i < submitted[0]]
    assert timed_before and not timed_after  # the day-only row sits after the day's timed rows
    assert ":" not in stamps[submitted[0]]


def test_attachment_downloads_are_audited_as_exports() -> None:
    from types import SimpleNamespace

    from app.audit import auditable

    office = SimpleNamespace(role="assessment_office")
    scope = {"method": "GET", "path": "/scorecard/attachments/7", "user": office}
    assert auditable(scope, 200) == "export"  # type: ignore[arg-type]
    assert auditable({**scope, "path": "/scorecard/2026"}, 200) is None  # type: ignore[arg-type]
