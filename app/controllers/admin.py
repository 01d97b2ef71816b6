"""Account administration: list users, create one, reset a password; accounts for a whole
roster and per-town password resets, printed as slips."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.accounts import api_tokens, bulk, services
from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import ROLE_LABELS, Role
from app.forms import form_fields, ids, redirect_with_message
from app.templating import render
from evaluation.errors import Conflict, Invalid, NotFound

ADMIN = requires(Role.admin)


@get("/admin/users", guards=[ADMIN])
async def users_page(request: Request[CurrentUser, str, Any]) -> Template:
    return render(request, "admin/users.html", users=await services.list_users())


@get("/admin/users/new", guards=[ADMIN])
async def new_user_page(request: Request[CurrentUser, str, Any]) -> Template:
    return render(request, "admin/user_new.html", roles=ROLE_LABELS, values={})


@post("/admin/users/new", guards=[ADMIN])
async def create_user(request: Request[CurrentUser, str, Any]) -> Template:
    fields = await form_fields(request)
    temporary = services.generate_temporary_password()
    try:
        await services.create_user(
            username=fields.get("username", ""),
            display_name=fields.get("display_name", "").strip(),
            password=temporary,
            role=fields.get("role", ""),
            cadre_external_id=fields.get("cadre", ""),
        )
    except (Invalid, Conflict) as exc:
        errors = exc.problems if isinstance(exc, Invalid) else {"username": exc.message}
        return render(
            request,
            "admin/user_new.html",
            status_code=400,
            roles=ROLE_LABELS,
            values=fields,
            errors=errors,
        )
    return render(
        request,
        "admin/password_issued.html",
        username=fields["username"].strip(),
        password=temporary,
    )


@post("/admin/users/{user_id:int}/reset-password", guards=[ADMIN])
async def reset_password(
    request: Request[CurrentUser, str, Any], user_id: FromPath[int]
) -> Template:
    temporary = await services.reset_password(user_id)
    users = {u.id: u.username for u in await services.list_users()}
    return render(
        request, "admin/password_issued.html", username=users[user_id], password=temporary
    )


@get("/admin/accounts/bulk", guards=[ADMIN])
async def bulk_page(request: Request[CurrentUser, str, Any]) -> Template:
    return await _bulk_page(request, {})


async def _bulk_page(request: Request[Any, Any, Any], errors: dict[str, str]) -> Template:
    return render(
        request,
        "admin/accounts_bulk.html",
        status_code=400 if errors else 200,
        towns=await bulk.overview(),
        errors=errors,
    )


@post("/admin/accounts/bulk", guards=[ADMIN])
async def create_accounts(request: Request[CurrentUser, str, Any]) -> Template:
    form = await request.form()
    towns = ids(form.getall("towns", []))
    try:
        slips = await bulk.create_accounts(towns, form.get("reporters") == "on")
    except Invalid as exc:
        return await _bulk_page(request, exc.problems)
    return _slips(request, slips, "新建账号")


@get("/admin/accounts/reset/{town_id:int}", guards=[ADMIN])
async def reset_town_page(
    request: Request[CurrentUser, str, Any], town_id: FromPath[int]
) -> Template:
    town = next((t for t in await bulk.overview() if t.town_id == town_id), None)
    if town is None:
        raise NotFound("乡镇不存在")
    return render(request, "admin/accounts_reset.html", town=town)


@post("/admin/accounts/reset/{town_id:int}", guards=[ADMIN])
async def reset_town(request: Request[CurrentUser, str, Any], town_id: FromPath[int]) -> Template:
    try:
        slips = await bulk.reset_town(town_id)
    except Invalid as exc:
        return await _bulk_page(request, exc.problems)
    return _slips(request, slips, "重置密码")


def _slips(request: Request[Any, Any, Any], slips: list[bulk.Slip], action: str) -> Template:
    login_url = str(request.base_url).rstrip("/") + "/login"
    return render(request, "admin/slips.html", slips=slips, action=action, login_url=login_url)


@get("/admin/tokens", guards=[ADMIN])
async def tokens_page(request: Request[CurrentUser, str, Any]) -> Template:
    return await _tokens_page(request)


async def _tokens_page(
    request: Request[Any, Any, Any],
    errors: dict[str, str] | None = None,
    issued: str = "",
    values: dict[str, str] | None = None,
) -> Template:
    return render(
        request,
        "admin/tokens.html",
        status_code=400 if errors else 200,
        tokens=await api_tokens.tokens(),
        SCOPES=api_tokens.SCOPES,
        errors=errors or {},
        issued=issued,
        values=values or {},
    )


@post("/admin/tokens", guards=[ADMIN])
async def issue_token(request: Request[CurrentUser, str, Any]) -> Template:
    form = await request.form()
    name = str(form.get("name", ""))[:200]
    scopes = [s for s in form.getall("scopes", []) if isinstance(s, str)]
    try:
        token = await api_tokens.issue(name, scopes, request.user.username)
    except Invalid as exc:
        return await _tokens_page(request, exc.problems, values={"name": name})
    return await _tokens_page(request, issued=token)


@post("/admin/tokens/{token_id:int}/revoke", guards=[ADMIN])
async def revoke_token(token_id: FromPath[int]) -> Redirect:
    await api_tokens.revoke(token_id)
    return redirect_with_message("/admin/tokens", "令牌已吊销，使用它的系统将无法再读取")


routes = [
    tokens_page,
    issue_token,
    revoke_token,
    users_page,
    new_user_page,
    create_user,
    reset_password,
    bulk_page,
    create_accounts,
    reset_town_page,
    reset_town,
]
