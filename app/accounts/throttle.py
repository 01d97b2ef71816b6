"""Counting failed sign-ins in the database, atomically, where they come from.

* per account and address: MAX_PAIR wrong passwords within WINDOW lock that pair for LOCK —
  an attacker elsewhere can lock only themself out, never the admin at the office;
* per address across accounts: more than MAX_ADDRESS failed attempts within a minute slow a
  guessing run (successful sign-ins are taken back out of the count).

An attempt is counted *before* its password is checked (one `INSERT … ON CONFLICT DO
UPDATE … RETURNING`), so twelve attempts sent at once cannot all get a guess in; a correct
password clears the pair's count. Unknown usernames are counted the same way as known ones,
so a lock says nothing about whether an account exists. Works in every worker process
alike: the counts live in the database."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from app.accounts.tables import LoginThrottle
from evaluation import clock

MAX_PAIR = 5
WINDOW_S = 15 * 60
LOCK_S = 15 * 60
MAX_ADDRESS = 30
ADDRESS_WINDOW_S = 60

UPSERT = (
    "INSERT INTO login_throttle (key, username, failures, window_started, locked_until)"
    " VALUES ({}, {}, 1, {}, 0)"
    " ON CONFLICT (key) DO UPDATE SET"
    " failures = CASE WHEN login_throttle.window_started < {} THEN 1"
    " ELSE login_throttle.failures + 1 END,"
    " window_started = CASE WHEN login_throttle.window_started < {} THEN {}"
    " ELSE login_throttle.window_started END"
    " RETURNING failures, locked_until"
)


@dataclass(frozen=True)
class Attempt:
    allowed: bool
    retry_at: int  # epoch seconds when a refused attempt may try again


def pair_key(username: str, address: str) -> str:
    return "p:" + hashlib.sha256(f"{username.strip().lower()}|{address}".encode()).hexdigest()[:60]


def address_key(address: str) -> str:
    return "a:" + hashlib.sha256(address.encode()).hexdigest()[:60]


async def _count(key: str, username: str, window: int, now: int) -> tuple[int, int]:
    rows = await LoginThrottle.raw(UPSERT, key, username, now, now - window, now - window, now)
    row = rows[0]
    return int(row["failures"]), int(row["locked_until"])


async def prune(now: int) -> None:
    """Counts whose window has passed and that lock nothing are gone: guessing with ever new
    names cannot grow the table past what the windows hold (issue 29, #6)."""
    await LoginThrottle.delete().where(
        (LoginThrottle.window_started < now - max(WINDOW_S, ADDRESS_WINDOW_S))
        & (LoginThrottle.locked_until < now)
    )


async def attempt(username: str, address: str) -> Attempt:
    """Count one sign-in attempt; refused when the pair is locked or the address is busy."""
    now = int(clock.epoch_seconds())
    await prune(now)
    name = username.strip().lower()[:64]
    failures, locked_until = await _count(pair_key(username, address), name, WINDOW_S, now)
    if locked_until > now:
        return Attempt(False, locked_until)
    if failures > MAX_PAIR:
        until = now + LOCK_S
        await LoginThrottle.update({LoginThrottle.locked_until: until}).where(
            LoginThrottle.key == pair_key(username, address)
        )
        return Attempt(False, until)
    busy, _ = await _count(address_key(address), "", ADDRESS_WINDOW_S, now)
    if busy > MAX_ADDRESS:
        return Attempt(False, now + ADDRESS_WINDOW_S)
    return Attempt(True, 0)


async def succeeded(username: str, address: str) -> None:
    """A correct password: the pair starts afresh, and the attempt is taken back from the
    address's count — a town office behind one address signs in all morning unslowed."""
    await LoginThrottle.delete().where(LoginThrottle.key == pair_key(username, address))
    await LoginThrottle.raw(
        "UPDATE login_throttle SET failures = failures - 1 WHERE key = {} AND failures > 0",
        address_key(address),
    )


async def unlock(username: str) -> None:
    """From the console (and with a password reset): clear this account's counts and locks
    from every address."""
    await LoginThrottle.delete().where(LoginThrottle.username == username.strip().lower()[:64])
