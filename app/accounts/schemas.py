"""What the accounts service hands out: typed records, never rows keyed by join names."""

from __future__ import annotations

from datetime import datetime

import msgspec


class Account(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    username: str
    display_name: str
    role: str
    cadre_id: int | None
    active: bool
    must_change_password: bool


class AccountListing(msgspec.Struct, frozen=True, kw_only=True):
    """A row of the admin's user list."""

    id: int
    username: str
    display_name: str
    role: str
    cadre_name: str | None
    last_login_at: datetime | None
