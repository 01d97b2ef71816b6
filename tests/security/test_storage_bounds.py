"""Anonymous failures cannot grow storage without bound (issue 29, #6). Before: every failed
sign-in left a throttle row for good (a run of new names from new addresses grew the table
by one row each) and every refused attempt an audit row (the audit page shows the last 500,
so noise pushed real entries off)."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from app.accounts import services, throttle
from app.accounts.tables import AuditEntry, LoginThrottle
from evaluation import clock
from tests.factories import People, csrf_token


async def test_throttle_rows_are_pruned_once_their_window_passed(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = clock.epoch_seconds()
    monkeypatch.setattr(clock, "epoch_seconds", lambda: start)
    for n in range(20):
        assert (
            await services.authenticate(f"guess-{n}", "wrong-password-1", f"198.18.{n}.1") is None
        )
    assert await LoginThrottle.count() == 40  # a pair and an address row each, for now
    later = start + throttle.WINDOW_S + throttle.ADDRESS_WINDOW_S + 1
    monkeypatch.setattr(clock, "epoch_seconds", lambda: later)
    await services.authenticate("guess-late", "wrong-password-1", "198.18.255.1")
    assert await LoginThrottle.count() == 2  # only the newest attempt's rows remain


def test_a_hammered_lock_leaves_one_audit_entry(client: TestClient, people: People) -> None:
    for _ in range(12):  # five wrong guesses lock the pair; seven more are refused
        client.post(
            "/login",
            data={
                "_csrf_token": csrf_token(client, "/login"),
                "username": "office",
                "password": "wrong-password-1",
            },
        )
    entries = [e for e in AuditEntry.select().run_sync() if e["action"] == "lockout"]
    assert len(entries) == 1, len(entries)
