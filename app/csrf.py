"""CSRF tokens bound to the session.

Litestar's CSRF middleware checks a double-submit token: the form's token must match the
cookie's. Here a signed-in user's token is also derived from their session — HMAC of the
session token under the app's secret — so a token (or a cookie) planted from elsewhere, or
kept from before a login, is refused: a token works only with the session it was made for.
Visitors without a session (the login page, the resident form) keep the double-submit
check. The JSON API is excluded: it accepts `application/json` only, which a cross-site
form cannot send without a preflight this app never grants."""

from __future__ import annotations

import hashlib
import hmac
from secrets import compare_digest
from typing import Any

from litestar.config.csrf import CSRFConfig
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware._utils import should_bypass_middleware
from litestar.middleware.csrf import CSRFMiddleware, generate_csrf_hash, generate_csrf_token
from litestar.types import Receive, Scope, Send
from litestar.utils.scope.state import ScopeState


def session_token(secret: str, session: str) -> str:
    """The CSRF token of one session: a secret part derived from the session, then its
    signature (the format Litestar's templates and checks expect)."""
    part = hmac.new(secret.encode(), f"csrf:{session}".encode(), hashlib.sha256).hexdigest()
    return part + generate_csrf_hash(token=part, secret=secret)


class SessionCSRFMiddleware(CSRFMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or should_bypass_middleware(
            scope=scope,
            scopes=self.scopes,
            exclude_opt_key=self.config.exclude_from_csrf_key,
            exclude_path_pattern=self.exclude,
        ):
            await self.app(scope, receive, send)
            return
        session = scope.get("auth") if isinstance(scope.get("auth"), str) else None
        if not session:
            await super().__call__(scope, receive, send)
            return
        expected = session_token(self.config.secret, session)
        state = ScopeState.from_scope(scope)
        request: Any = scope["litestar_app"].request_class(scope=scope, receive=receive)
        cookie = request.cookies.get(self.config.cookie_name)
        if request.method in self.config.safe_methods:
            state.csrf_token = expected
            wrapped = (
                send
                if cookie == expected
                else self.create_send_wrapper(send=send, token=expected, csrf_cookie=None)
            )
            await self.app(scope, receive, wrapped)
            return
        sent = request.headers.get(self.config.header_name)
        content_type, _ = request.content_type
        if not sent and content_type in {
            RequestEncodingType.URL_ENCODED,
            RequestEncodingType.MULTI_PART,
        }:
            sent = (await request.form()).get("_csrf_token")
        if not isinstance(sent, str) or not compare_digest(sent, expected):
            raise PermissionDeniedException("CSRF token verification failed")
        state.csrf_token = expected
        await self.app(scope, receive, send)


def csrf_config(secret: str, secure: bool) -> CSRFConfig:
    return CSRFConfig(
        secret=secret,
        cookie_name="c360_csrf",
        cookie_secure=secure,
        cookie_httponly=True,
        exclude=["^/healthz$", "^/api/"],
    )


__all__ = ["SessionCSRFMiddleware", "csrf_config", "generate_csrf_token", "session_token"]
