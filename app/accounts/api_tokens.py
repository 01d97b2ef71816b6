"""Read-only access tokens for other systems: issued and revoked by the admin, each with the
scopes it may read; only a hash is stored, the token is shown once."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime

import msgspec

from app.accounts.tables import ApiToken
from evaluation import clock
from evaluation.errors import Invalid, NotFound

SCOPES: dict[str, str] = {
    "results:read": "已发布的干部评价结果（与人事部门名单相同的数字）",
    "roster:read": "花名册：乡镇、干部、职务",
    "scorecard:read": "已公布的乡镇绩效考核结果",
    "scorecard:write": "推送乡镇考核指标数据（与导入文件同样校验，季度结算前可替换）",
}
TOKEN_PREFIX = "c360_"


class TokenRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class Caller(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    scopes: frozenset[str]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(name: str, scopes: Sequence[str], by: str) -> str:
    """A new token (returned once) for `name` with these scopes."""
    name = name.strip()
    problems: dict[str, str] = {}
    if not name or len(name) > 64:
        problems["name"] = "请填写使用方名称（不超过 64 字），如“组织部干部信息系统”"
    chosen = [s for s in SCOPES if s in scopes]
    if not chosen:
        problems["scopes"] = "请至少选择一项权限"
    if problems:
        raise Invalid("令牌信息有误", problems)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await ApiToken.insert(
        ApiToken(
            name=name,
            prefix=token[:12],
            token_hash=_hash(token),
            scopes=" ".join(chosen),
            created_by=by,
        )
    )
    return token


async def revoke(token_id: int) -> None:
    if not await ApiToken.exists().where(ApiToken.id == token_id):
        raise NotFound("令牌不存在")
    await ApiToken.update({ApiToken.revoked_at: clock.now()}).where(
        (ApiToken.id == token_id) & ApiToken.revoked_at.is_null()
    )


async def tokens() -> list[TokenRow]:
    rows = await ApiToken.select(
        ApiToken.id,
        ApiToken.name,
        ApiToken.prefix,
        ApiToken.scopes,
        ApiToken.created_by,
        ApiToken.created_at,
        ApiToken.last_used_at,
        ApiToken.revoked_at,
    ).order_by(ApiToken.id, ascending=False)
    return [TokenRow(**{**r, "scopes": r["scopes"].split()}) for r in rows]


async def caller(token: str) -> Caller | None:
    """The live token's holder, its use noted; None for an unknown or revoked token."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    row = (
        await ApiToken.select(ApiToken.id, ApiToken.name, ApiToken.scopes)
        .where((ApiToken.token_hash == _hash(token)) & ApiToken.revoked_at.is_null())
        .first()
    )
    if row is None:
        return None
    await ApiToken.update({ApiToken.last_used_at: clock.now()}).where(ApiToken.id == row["id"])
    return Caller(id=row["id"], name=row["name"], scopes=frozenset(row["scopes"].split()))
