"""Signing in under attack: guesses sent at once, one address hammering, an outsider trying to
lock the admin out, sessions left open after a password change, CSRF tokens carried across
sessions. The concurrency and address tests run against a real server."""

from __future__ import annotations

import re
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
from litestar.testing import TestClient

from app.accounts.tables import AuditEntry
from tests.factories import PASSWORD, People, csrf_token, login, post_form
from tests.security.live import live_site
from tests.servers import CLI

LOCKED = "尝试次数过多"
WRONG = "用户名或密码不正确"
RESPONSIVE_S = 2.0  # a liveness bound, not a speed target: argon2 on the loop took 5.8 s


def attempt(client: TestClient, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/login",
        data={"username": username, "password": password, "_csrf_token": csrf_token(client)},
        follow_redirects=False,
    )


def test_twelve_wrong_passwords_at_once_lock_the_account_and_the_site_stays_responsive(
    tmp_path: Path,
) -> None:
    with live_site(tmp_path) as site:
        guesser = site.browser()
        token = guesser.token()
        go = threading.Barrier(12 + 1)
        statuses: list[int] = []
        health: list[float] = []
        done = threading.Event()

        def guess(n: int) -> None:
            with httpx.Client(base_url=site.url, cookies=guesser.client.cookies, timeout=60) as c:
                go.wait()
                answer = c.post(
                    "/login",
                    data={"_csrf_token": token, "username": "member", "password": f"guess-{n:04d}"},
                )
                statuses.append(answer.status_code)

        def watch() -> None:
            go.wait()
            while not done.is_set():
                started = time.monotonic()
                try:
                    httpx.get(f"{site.url}/healthz", timeout=RESPONSIVE_S).raise_for_status()
                    health.append(time.monotonic() - started)
                except httpx.HTTPError:
                    health.append(float("inf"))
                time.sleep(0.02)

        threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
        watcher = threading.Thread(target=watch)
        for thread in [*threads, watcher]:
            thread.start()
        for thread in threads:
            thread.join()
        done.set()
        watcher.join()

        assert sorted(statuses) == [400] * 5 + [429] * 7  # five guesses, then the lock
        right = site.browser().login("member")
        assert right.status_code == 429 and LOCKED in right.text
        assert health and max(health) < RESPONSIVE_S, f"/healthz took up to {max(health):.1f} s"


def test_outsiders_cannot_lock_the_admin_out(tmp_path: Path) -> None:
    """Locks are per account *and* address: six wrong admin passwords from outside lock out
    that address only. The same answer comes back for an unknown account, and the console
    clears a lock (`cadre360 unlock`)."""
    with live_site(tmp_path, TRUSTED_PROXIES="127.0.0.1") as site:
        outside = site.browser(**{"X-Forwarded-For": "203.0.113.9"})
        office = site.browser(**{"X-Forwarded-For": "198.51.100.7"})
        for n in range(5):
            assert WRONG in outside.login("admin", f"guess-{n:04d}").text
        for name in ("admin", "no-such-user"):
            for n in range(6):
                refused = outside.login(name, f"guess-{n:04d}")
        locked, unknown = outside.login("admin", PASSWORD), outside.login("no-such-user", "x")
        assert locked.status_code == unknown.status_code == 429
        assert strip_times(locked.text) == strip_times(unknown.text)  # same answer
        assert refused.status_code == 429

        assert office.login("admin").status_code == 302  # the admin at the office signs in
        subprocess.run([*CLI, "unlock", "admin"], env=site.env, check=True, capture_output=True)
        assert outside.login("admin").status_code == 302


def strip_times(page: str) -> str:
    """The pages without the lock's end time and the form's CSRF token."""
    page = re.sub(r"\d{2}:\d{2}", "", page)
    page = re.sub(r'value="[^"]*"', "", page)
    return page


async def test_one_address_cannot_hammer_the_login(client: TestClient, people: People) -> None:
    # a town office behind one address: successful logins never count against it
    assert all(attempt(client, "leader", PASSWORD).status_code == 302 for _ in range(35))
    statuses = [attempt(client, f"nobody{i}", "x-wrong-password").status_code for i in range(36)]
    assert statuses[:30] == [400] * 30
    assert statuses[30:] == [429] * 6
    assert LOCKED in attempt(client, "nobody0", "x").text
    assert attempt(client, "leader", PASSWORD).status_code == 429  # until the minute passes


async def test_wrong_passwords_lock_the_account_for_a_while(
    client: TestClient, people: People
) -> None:
    for _ in range(5):
        assert attempt(client, "member", "wrong-password-1").status_code == 400
    locked = attempt(client, "member", "wrong-password-1")
    assert locked.status_code == 429
    assert LOCKED in locked.text
    right = attempt(client, "member", PASSWORD)  # even the right password waits
    assert right.status_code == 429 and "session" not in right.headers.get("set-cookie", "")
    assert await AuditEntry.count().where(AuditEntry.action == "lockout") >= 1
    assert attempt(client, "leader", PASSWORD).status_code == 302  # others are unaffected


async def test_a_password_change_ends_the_accounts_other_sessions(
    settings,
    people: People,  # type: ignore[no-untyped-def]
) -> None:
    from app.asgi import create_app

    app = create_app(settings)
    with (
        TestClient(app=app, base_url="http://testserver.local") as phone,
        TestClient(app=app, base_url="http://testserver.local") as office_pc,
        TestClient(app=app, base_url="http://testserver.local") as admin,
    ):
        login(phone, "member")
        login(office_pc, "member")
        assert office_pc.get("/me", follow_redirects=False).status_code == 200
        changed = post_form(
            phone,
            "/account/password",
            {"current": PASSWORD, "new": "Another-pass-2027", "confirm": "Another-pass-2027"},
            page="/account/password",
        )
        assert changed.status_code in (302, 303)
        assert phone.get("/me", follow_redirects=False).status_code == 200  # this one stays
        ended = office_pc.get("/me", follow_redirects=False)
        assert ended.status_code in (302, 303) and ended.headers["location"].startswith("/login")

        login(admin, "admin")
        users = admin.get("/admin/users").text
        assert "member" in users
        from app.accounts.tables import User

        member = await User.select(User.id).where(User.username == "member").first()
        assert member is not None
        reset = post_form(
            admin, f"/admin/users/{member['id']}/reset-password", {}, page="/admin/users"
        )
        assert reset.status_code in (200, 302, 303)
        assert phone.get("/me", follow_redirects=False).status_code in (302, 303)


async def test_a_csrf_token_works_only_with_its_own_session(
    settings,
    people: People,  # type: ignore[no-untyped-def]
) -> None:
    from app.asgi import create_app

    app = create_app(settings)
    with (
        TestClient(app=app, base_url="http://testserver.local") as attacker,
        TestClient(app=app, base_url="http://testserver.local") as victim,
    ):
        login(attacker, "member")
        login(victim, "leader")
        planted = csrf_token(attacker, "/account/password")
        forged = victim.post(
            "/account/password",
            data={
                "_csrf_token": planted,
                "current": PASSWORD,
                "new": "x" * 12,
                "confirm": "x" * 12,
            },
            follow_redirects=False,
        )
        assert forged.status_code == 403
        carried = csrf_token(victim, "/account/password")  # and a token from before a login
        post_form(victim, "/logout", {}, page="/account/password")
        login(victim, "leader")
        stale = victim.post(
            "/account/password",
            data={
                "_csrf_token": carried,
                "current": PASSWORD,
                "new": "x" * 12,
                "confirm": "x" * 12,
            },
            follow_redirects=False,
        )
        assert stale.status_code == 403
        own = post_form(victim, "/logout", {}, page="/account/password")
        assert own.status_code in (302, 303)


async def test_an_unknown_username_costs_the_same_password_check(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No timing difference to find which usernames exist or which still hold their slip
    password: every path checks one full-cost hash and one light (one-time) hash."""
    from app.accounts import passwords, services
    from app.accounts.tables import User

    checks: list[str] = []
    real = passwords.verify_password

    def counted(stored: str, password: str) -> bool:
        checks.append("light" if passwords.is_one_time_hash(stored) else "full")
        return real(stored, password)

    monkeypatch.setattr(passwords, "verify_password", counted)
    [slip] = await passwords.hash_one_time_passwords(["abcde-fghjk7"])
    await User.update({User.password_hash: slip}).where(User.username == "outsider")
    for name in ("no-such-user", "member", "outsider"):
        checks.clear()
        assert await services.authenticate(name, "guess-0001", "198.51.100.1") is None
        assert sorted(checks) == ["full", "light"], (name, checks)
