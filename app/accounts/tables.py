from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, OnDelete, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

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
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)


class Session(Table, tablename="account_session"):
    """A login. Only a hash of the cookie's token is stored, so a leaked table logs nobody in."""

    id: Serial
    token_hash = Varchar(length=64, unique=True)
    user = ForeignKey(references=User, on_delete=OnDelete.cascade, null=False, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
