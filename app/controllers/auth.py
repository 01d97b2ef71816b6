"""Login, logout and password change."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from app import audit
from app.accounts import services
from app.accounts.auth import SESSION_COOKIE, CurrentUser
from app.accounts.roles import HOME_PATHS
from app.forms import form_fields, redirect_with_message, safe_next
from app.templating import render
from evaluation.errors import Invalid

LOCAL_TIME = ZoneInfo("Asia/Shanghai")


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
    client = request.client.host if request.client else "unknown"
    limiter = request.app.state.login_limiter
    if limiter.exhausted(client):  # failed attempts only: an office behind one address logs in
        return render(
            request,
            "accounts/login.html",
            status_code=429,
            errors={"username": "登录尝试过于频繁，请一分钟后再试"},
            username=username,
            next=target,
        )
    try:
        user = await services.authenticate(username, password) if not errors else None
    except services.LockedOut as locked:
        await audit.record_event(None, username, "lockout", "POST", "/login", 429)
        until = locked.until.astimezone(LOCAL_TIME).strftime("%H:%M")
        return render(
            request,
            "accounts/login.html",
            status_code=429,
            errors={"password": f"密码连续输错次数过多，账号已临时锁定，请在 {until} 后再试"},
            username=username,
            next=target,
        )
    if user is None:
        limiter.allow(client)  # count the failure
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
    token = await services.start_session(user["id"])
    home = (
        "/account/password" if user["must_change_password"] else target or HOME_PATHS[user["role"]]
    )
    response: Response[Any] = Redirect(path=home)
    response.set_cookie(
        session_cookie(request, token, int(services.SESSION_LIFETIME.total_seconds()))
    )
    return response


@post("/logout")
async def logout(request: Request[CurrentUser, str, Any]) -> Response[Any]:
    await services.end_session(request.auth)
    response: Response[Any] = Redirect(path="/login")
    response.set_cookie(session_cookie(request, "", 0))
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
