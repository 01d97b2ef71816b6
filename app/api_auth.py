"""Bearer-token guards for the API of other systems: no session, a token (`Authorization: Bearer …`)
that must be live and hold the route's scope. Unknown or revoked → 401; live but without
the scope → 403; both as problem+json. The caller's name goes into the request scope, so
the audit log records every use (`audit.auditable`)."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from app.accounts import api_tokens


def token_scope(needed: str) -> Guard:
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        kind, _space, token = connection.headers.get("authorization", "").partition(" ")
        found = await api_tokens.caller(token.strip()) if kind.lower() == "bearer" else None
        if found is None:  # audited too: someone is trying tokens that are not (or no longer) live
            connection.scope["api_token"] = "（无效令牌）" if token.strip() else "（未带令牌）"  # type: ignore[typeddict-unknown-key]
            raise NotAuthorizedException("需要有效的访问令牌：Authorization: Bearer <令牌>")
        connection.scope["api_token"] = found.name  # type: ignore[typeddict-unknown-key]
        if needed not in found.scopes:
            kind = "写入" if needed.endswith(":write") else "读取"
            raise PermissionDeniedException(f"该令牌没有“{api_tokens.SCOPES[needed]}”的{kind}权限")

    guard.scope = needed  # type: ignore[attr-defined]  # the route table reads it
    return guard
