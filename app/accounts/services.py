"""Account operations: create, authenticate, sessions, password change and reset."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from app.accounts import throttle
from app.accounts.passwords import (
    hash_password,
    hash_password_async,
    needs_rehash,
    password_problems,
    verify_equal_time_async,
    verify_password_async,
)
from app.accounts.roles import ROLES_WITH_CADRE, Role
from app.accounts.schemas import Account, AccountListing
from app.accounts.tables import Session, User
from evaluation import clock
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.organisation import directory

SESSION_LIFETIME = timedelta(hours=12)
USER_COLUMNS = (
    User.id,
    User.username,
    User.display_name,
    User.role,
    User.cadre,
    User.active,
    User.must_change_password,
)


def _account(row: dict[str, Any]) -> Account:
    return Account(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        role=row["role"],
        cadre_id=row["cadre"],
        active=row["active"],
        must_change_password=row["must_change_password"],
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_user(
    *,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    cadre_id: int | None = None,
    cadre_external_id: str | None = None,
    must_change_password: bool = True,
) -> int:
    """Create an account; the cadre is given by id, or by their roster number (干部编号)
    as the admin types it."""
    username = username.strip()
    problems: dict[str, str] = {}
    if cadre_external_id and cadre_external_id.strip():
        cadre_id = await directory.cadre_id_for(cadre_external_id)
        if cadre_id is None:
            problems["cadre"] = f"花名册中没有编号为 {cadre_external_id.strip()[:32]} 的干部"
    if not username or len(username) > 64:
        problems["username"] = "请填写用户名（不超过 64 个字符）"
    if role not in Role.__members__:
        problems["role"] = f"未知角色：{role}"
    elif role in ROLES_WITH_CADRE and cadre_id is None and "cadre" not in problems:
        problems["cadre"] = (
            "领导干部、干部和乡镇填报员账号必须关联一名花名册中的干部（填报员按其所在乡镇填报）"
        )
    if pw := password_problems(password, username):
        problems["password"] = "；".join(pw)
    if cadre_id is not None and not await directory.cadre_exists(cadre_id):
        problems["cadre"] = "关联的干部不存在"
    if problems:
        raise Invalid("账号信息有误", problems)
    if await User.exists().where(User.username == username):
        raise Conflict(f"用户名 {username} 已被使用")
    row = await User.insert(
        User(
            username=username,
            display_name=display_name or username,
            password_hash=hash_password(password),
            role=role,
            cadre=cadre_id,
            must_change_password=must_change_password,
        )
    ).returning(User.id)
    return int(row[0]["id"])


ONE_TIME_PASSWORD_DAYS = {"days": 30}  # how long a slip or reset password works (a setting)


def one_time_expiry() -> datetime:
    return clock.instant() + timedelta(days=ONE_TIME_PASSWORD_DAYS["days"])


class Expired(Exception):
    """The right one-time password, past its expiry: the admin issues a new one."""


class Refused(Exception):
    """Too many attempts from this address for this account (or from this address at all):
    the attempt was not even checked. Said the same way whether or not the account exists."""

    def __init__(self, retry_at: int) -> None:
        super().__init__(str(retry_at))
        self.retry_at = retry_at


async def authenticate(username: str, password: str, address: str) -> Account | None:
    """The account when the credentials are right and the account active, else None.
    Every attempt is counted first (`throttle`); a refused one raises Refused."""
    counted = await throttle.attempt(username, address)
    if not counted.allowed:
        raise Refused(counted.retry_at)
    row = (
        await User.select(*USER_COLUMNS, User.password_hash, User.password_expires_at)
        .where(User.username == username.strip())
        .first()
    )
    correct = await verify_equal_time_async(row["password_hash"] if row else None, password)
    if row is None or not correct or not row["active"]:
        return None
    expires = row["password_expires_at"]
    if expires is not None and _aware(expires) < clock.instant():
        raise Expired()
    await throttle.succeeded(username, address)
    updates: dict[Any, Any] = {User.last_login_at: clock.now()}
    if needs_rehash(row["password_hash"]):
        updates[User.password_hash] = await hash_password_async(password)
    await User.update(updates).where(User.id == row["id"])
    return _account(row)


async def start_session(user_id: int) -> str:
    """A fresh random token for a new login; the caller sets it as the cookie."""
    token = secrets.token_urlsafe(32)
    now = clock.instant()  # physical time: a pinned day must not stretch a session
    await Session.insert(
        Session(
            token_hash=_token_hash(token),
            user=user_id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return token


async def user_for_session(token: str) -> Account | None:
    if not token or len(token) > 128:
        return None
    session = (
        await Session.select(Session.user, Session.expires_at)
        .where(Session.token_hash == _token_hash(token))
        .first()
    )
    if session is None or _aware(session["expires_at"]) < clock.instant():
        return None
    user = await User.select(*USER_COLUMNS).where(User.id == session["user"]).first()
    if user is None or not user["active"]:
        return None
    return _account(user)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def end_session(token: str) -> None:
    await Session.delete().where(Session.token_hash == _token_hash(token))


async def change_password(
    user_id: int, current: str, new: str, confirm: str, keep_session: str = ""
) -> None:
    """Change the password and end every other session of the account (a stolen session
    does not survive its owner changing the password); `keep_session` is the current one."""
    row = await User.select(User.username, User.password_hash).where(User.id == user_id).first()
    if row is None:
        raise NotFound("账号不存在")
    problems: dict[str, str] = {}
    if not await verify_password_async(row["password_hash"], current):
        problems["current"] = "当前密码不正确"
    if pw := password_problems(new, row["username"]):
        problems["new"] = "；".join(pw)
    elif new == current:
        problems["new"] = "新密码不能与当前密码相同"
    if new != confirm:
        problems["confirm"] = "两次输入的新密码不一致"
    if problems:
        raise Invalid("密码未修改", problems)
    async with User._meta.db.transaction():
        await User.update(
            {
                User.password_hash: await hash_password_async(new),
                User.must_change_password: False,
                User.password_expires_at: None,
            }
        ).where(User.id == user_id)
        await Session.delete().where(
            (Session.user == user_id) & (Session.token_hash != _token_hash(keep_session))
        )


async def reset_password(user_id: int) -> str:
    """Give the user a one-time password and end all their sessions; they must change it."""
    if not await User.exists().where(User.id == user_id):
        raise NotFound("账号不存在")
    temporary = generate_temporary_password()
    row = await User.select(User.username).where(User.id == user_id).first()
    async with User._meta.db.transaction():
        await User.update(
            {
                User.password_hash: hash_password(temporary),
                User.must_change_password: True,
                User.password_expires_at: one_time_expiry(),
            }
        ).where(User.id == user_id)
        await Session.delete().where(Session.user == user_id)
    if row:
        await throttle.unlock(row["username"])
    return temporary


def generate_temporary_password() -> str:
    # Unambiguous characters so it can be read out over the phone.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    body = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"{body[:5]}-{body[5:]}7"


async def list_users() -> list[AccountListing]:
    rows = (
        await User.select(*USER_COLUMNS, User.cadre.name, User.last_login_at)
        .order_by(User.role)
        .order_by(User.username)
    )
    return [
        AccountListing(
            id=r["id"],
            username=r["username"],
            display_name=r["display_name"],
            role=r["role"],
            cadre_name=r["cadre.name"],
            last_login_at=r["last_login_at"],
        )
        for r in rows
    ]
