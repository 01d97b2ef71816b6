"""Session-cookie authentication, the forced password change, and role guards."""

from __future__ import annotations

import msgspec
from litestar.connection import ASGIConnection
from litestar.exceptions import ClientException, NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import Guard

from app.accounts import services

SESSION_COOKIE = "c360_session"
PUBLIC_PATHS = ["^/static/", "^/login$", "^/healthz$", "^/schema", "^/favicon.ico$"]
# Reachable while a password change is pending.
PASSWORD_CHANGE_PATHS = ("/account/password", "/logout")


class CurrentUser(msgspec.Struct, frozen=True):
    id: int
    username: str
    display_name: str
    role: str
    cadre_id: int | None
    must_change_password: bool


class PasswordChangeRequired(Exception):
    """Raised for any page but the password form while a first-login change is pending."""


class SessionAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        token = connection.cookies.get(SESSION_COOKIE, "")
        account = await services.user_for_session(token)
        if account is None:
            raise NotAuthorizedException("请先登录")
        user = CurrentUser(
            id=account.id,
            username=account.username,
            display_name=account.display_name,
            role=account.role,
            cadre_id=account.cadre_id,
            must_change_password=account.must_change_password,
        )
        if user.must_change_password and connection.scope["path"] not in PASSWORD_CHANGE_PATHS:
            connection.scope["user"] = user
            raise PasswordChangeRequired
        return AuthenticationResult(user=user, auth=token)


def requires(*roles: str) -> Guard:
    """A guard allowing only the given roles (admin is not implied: least privilege)."""
    allowed = frozenset(roles)

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        user = connection.scope.get("user")
        if user is None:
            raise NotAuthorizedException("请先登录")
        if user.role not in allowed:
            raise PermissionDeniedException("您没有访问此页面的权限")

    guard.roles = allowed  # type: ignore[attr-defined]  # read by the permission-matrix test
    return guard


def user_or_none(connection: ASGIConnection) -> CurrentUser | None:
    user = connection.scope.get("user")
    return user if isinstance(user, CurrentUser) else None


async def json_body_only(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """API writes accept JSON only: a cross-site form cannot send it without a CORS preflight,
    which this app never grants — the API's CSRF protection for cookie sessions."""
    content_type = connection.headers.get("content-type", "")
    if not content_type.split(";")[0].strip().lower() == "application/json":
        raise ClientException("请求需使用 application/json", status_code=415)
