"""Login, logout and password change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from app import audit
from app.accounts import services
from app.accounts.auth import SESSION_COOKIE, CurrentUser
from app.accounts.roles import HOME_PATHS
from app.csrf import session_token
from app.forms import form_fields, redirect_with_message, safe_next
from app.templating import render
from evaluation import clock
from evaluation.errors import Invalid


def session_cookie(request: Request[Any, Any, Any], token: str, max_age: int | None) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=token,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.cookies_secure,
        max_age=max_age,
        path="/",
    )


def csrf_cookie(request: Request[Any, Any, Any], value: str, max_age: int | None = None) -> Cookie:
    return Cookie(
        key="c360_csrf",
        value=value,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.cookies_secure,
        max_age=max_age,
        path="/",
    )


def client_address(request: Request[Any, Any, Any]) -> str:
    """The connecting address (a trusted proxy's X-Forwarded-For is applied by the server)."""
    return request.client.host if request.client else "unknown"


@get("/login", exclude_from_auth=True)
async def login_page(
    request: Request[Any, Any, Any], next: FromQuery[str | None] = None
) -> Template:
    return render(request, "accounts/login.html", next=safe_next(next, ""), username="")


@post("/login", exclude_from_auth=True)
async def login(request: Request[Any, Any, Any]) -> Response[Any]:
    fields = await form_fields(request)
    username, password = fields.get("username", "").strip(), fields.get("password", "")
    target = safe_next(fields.get("next"), "")
    errors = {}
    if not username:
        errors["username"] = "请输入用户名"
    if not password:
        errors["password"] = "请输入密码"
    address = client_address(request)
    try:
        user = await services.authenticate(username, password, address) if not errors else None
    except services.Refused as refused:
        await audit.record_once(None, username, "lockout", "POST", "/login", 429)
        until = datetime.fromtimestamp(refused.retry_at, clock.LOCAL).strftime("%H:%M")
        return render(
            request,
            "accounts/login.html",
            status_code=429,
            errors={"password": f"尝试次数过多，请在 {until} 后再试；忘记密码请联系系统管理员重置"},
            username=username,
            next=target,
        )
    except services.Expired:
        user = None
        days = services.ONE_TIME_PASSWORD_DAYS["days"]
        errors = {
            "password": f"一次性密码已过期（发放后 {days} 天内有效），请联系系统管理员重新发放"
        }
    if user is None:
        errors = errors or {"password": "用户名或密码不正确"}
        return render(
            request,
            "accounts/login.html",
            status_code=400,
            errors=errors,
            username=username,
            next=target,
        )
    old_token = request.cookies.get(SESSION_COOKIE)
    if old_token:
        await services.end_session(old_token)
    token = await services.start_session(user.id)
    home = "/account/password" if user.must_change_password else target or HOME_PATHS[user.role]
    response: Response[Any] = Redirect(path=home)
    response.set_cookie(
        session_cookie(request, token, int(services.SESSION_LIFETIME.total_seconds()))
    )
    response.set_cookie(
        csrf_cookie(request, session_token(request.app.state.settings.secret_key, token))
    )
    return response


@post("/logout")
async def logout(request: Request[CurrentUser, str, Any]) -> Response[Any]:
    await services.end_session(request.auth)
    response: Response[Any] = Redirect(path="/login")
    response.set_cookie(session_cookie(request, "", 0))
    response.set_cookie(csrf_cookie(request, "", 0))
    return response


@get("/account/password")
async def password_page(request: Request[CurrentUser, str, Any]) -> Template:
    return render(request, "accounts/password.html", forced=request.user.must_change_password)


@post("/account/password")
async def change_password(request: Request[CurrentUser, str, Any]) -> Response[Any]:
    fields = await form_fields(request)
    try:
        await services.change_password(
            request.user.id,
            fields.get("current", ""),
            fields.get("new", ""),
            fields.get("confirm", ""),
            keep_session=request.auth,
        )
    except Invalid as exc:
        return render(
            request,
            "accounts/password.html",
            status_code=400,
            errors=exc.problems,
            forced=request.user.must_change_password,
        )
    return redirect_with_message(HOME_PATHS[request.user.role], "密码已修改")


@get("/")
async def home(request: Request[CurrentUser, str, Any]) -> Redirect:
    return Redirect(path=HOME_PATHS[request.user.role])


routes = [login_page, login, logout, password_page, change_password, home]
