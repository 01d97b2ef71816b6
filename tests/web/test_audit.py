"""The audit log over HTTP: who changed and exported what, and what it never records."""

from __future__ import annotations

from litestar.testing import TestClient

from app.accounts.tables import AuditEntry
from tests.factories import PASSWORD, People, csrf_token, draft_cycle, login, post_form


async def test_changes_and_exports_are_audited_and_only_readable(
    client: TestClient, people: People
) -> None:
    login(client, "office")
    cycle_id = await draft_cycle()
    generated = post_form(
        client,
        f"/office/cycles/{cycle_id}/assignments/generate",
        {},
        page=f"/office/cycles/{cycle_id}",
    )
    assert generated.status_code in (302, 303)
    assert client.get("/office/roster/template.xlsx").status_code == 200
    entries = await AuditEntry.select(AuditEntry.action, AuditEntry.path, AuditEntry.username)
    assert ("export", "/office/roster/template.xlsx", "office") in {
        (e["action"], e["path"], e["username"]) for e in entries
    }
    changed = f"/office/cycles/{cycle_id}/assignments/generate"
    assert any(e["action"] == "change" and e["path"] == changed for e in entries)
    page = client.get("/office/audit")
    assert page.status_code == 200 and "/office/roster/template.xlsx" in page.text
    assert client.post(
        "/office/audit", data={"_csrf_token": csrf_token(client, "/office/audit")}
    ).status_code in (404, 405)
    login(client, "member")
    assert client.get("/office/audit").status_code == 403


async def test_a_password_change_is_audited_without_the_password(
    client: TestClient, people: People
) -> None:
    login(client, "member")
    changed = post_form(
        client,
        "/account/password",
        {"current": PASSWORD, "new": "Another-pass-2027", "confirm": "Another-pass-2027"},
        page="/account/password",
    )
    assert changed.status_code in (302, 303)
    entries = await AuditEntry.select(AuditEntry.username, AuditEntry.path).where(
        AuditEntry.action == "change"
    )
    assert {"username": "member", "path": "/account/password"} in entries
    assert not any("Another-pass" in e["path"] for e in entries)


async def test_a_submission_is_audited_without_whom_or_the_second(
    client: TestClient, people: People
) -> None:
    from evaluation import clock
    from evaluation.cycles import service as cycle_service
    from evaluation.responses.context import ratee_context
    from tests.factories import answers, cadre_id, open_cycle

    cycle_id = await open_cycle(peers=3)
    member = await cadre_id(people.member.cadre_external_id or "")
    frame = await cycle_service.assignment_frame(cycle_id)
    mine = frame.filter((frame["rater_id"] == member) & (frame["rater_group"] == "peer")).row(
        0, named=True
    )
    items = (await ratee_context(cycle_id, mine["ratee_id"], "peer")).items
    login(client, "member")
    sent = post_form(
        client,
        f"/rate/{mine['id']}",
        {**answers(items, "3"), "client_key": "audit-check-1"},
        page=f"/rate/{mine['id']}",
    )
    assert sent.status_code in (302, 303)
    entries = await AuditEntry.select(AuditEntry.action, AuditEntry.path, AuditEntry.at)
    submitted = [e for e in entries if e["action"] == "submit"]
    assert len(submitted) == 1 and submitted[0]["path"] == "/rate/…"
    at = clock.local(submitted[0]["at"])  # the day in Beijing, never the moment
    assert (at.hour, at.minute, at.second, at.microsecond) == (0, 0, 0, 0)
    assert at.date() == clock.today()
    assert not any(
        str(mine["id"]) in e["path"].split("/") for e in entries if e["path"].startswith("/rate")
    )
