from __future__ import annotations

from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from evaluation.infra.now_default import ClockNow
from evaluation.tables import Cadre


class User(Table, tablename="account_user"):
    id: Serial
    username = Varchar(length=64, unique=True)
    display_name = Varchar(length=64)
    password_hash = Varchar(length=256)
    role = Varchar(length=32, index=True)
    cadre = ForeignKey(references=Cadre, on_delete=OnDelete.set_null, null=True, default=None)
    active = Boolean(default=True)
    must_change_password = Boolean(default=True)
    created_at = Timestamptz(default=ClockNow())
    last_login_at = Timestamptz(null=True, default=None)
    failed_logins = Integer(default=0)  # wrong passwords since the last success or lockout
    locked_until = Timestamptz(null=True, default=None)
    # a one-time password (reset, bulk slip) stops working after this moment (physical time)
    password_expires_at = Timestamptz(null=True, default=None)


class Session(Table, tablename="account_session"):
    """A login. Only a hash of the cookie's token is stored, so a leaked table logs nobody in."""

    id: Serial
    token_hash = Varchar(length=64, unique=True)
    user = ForeignKey(references=User, on_delete=OnDelete.cascade, null=False, index=True)
    created_at = Timestamptz(default=ClockNow())
    expires_at = Timestamptz()


class AuditEntry(Table, tablename="audit_entry"):
    """Who changed what, and who exported what: one row per change or export, written by the
    app itself and never updated or deleted by any route."""

    id: Serial
    at = Timestamptz(default=ClockNow(), index=True)
    user = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True, default=None)
    username = Varchar(length=64, default="")
    role = Varchar(length=32, default="")
    action = Varchar(length=16)  # change | export | login | lockout
    method = Varchar(length=8, default="")
    path = Text(default="")
    status = Integer(default=0)


class LoginThrottle(Table, tablename="login_throttle"):
    """Failed sign-ins counted where they come from: per account *and* address (five wrong
    passwords lock that pair, so nobody elsewhere can lock an account out — the admin
    included), and per address across accounts (a guessing run is slowed). Every attempt
    is counted before its password is checked, in one atomic statement, so concurrent
    attempts cannot slip past the limit. Times are epoch seconds (portable comparisons)."""

    id: Serial
    key = Varchar(length=64, unique=True)  # a hash of (username, address) or (address)
    username = Varchar(length=64, default="", index=True)  # as typed, lower case ("" per address)
    failures = Integer(default=0)
    window_started = Integer(default=0)
    locked_until = Integer(default=0)


class ApiToken(Table, tablename="api_token"):
    """A read-only access token for another system (组织部 personnel system, the county data
    platform): only its hash is stored; `scopes` lists what it may read; revoked ones stay."""

    id: Serial
    name = Varchar(length=64)
    prefix = Varchar(length=12)  # the token's first characters, to tell tokens apart
    token_hash = Varchar(length=64, unique=True)
    scopes = Text(default="")  # space-separated, e.g. "results:read roster:read"
    created_by = Varchar(length=64, default="")
    created_at = Timestamptz(default=ClockNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
