"""Account administration: list users, create one, reset a password."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Template

from app.accounts import services
from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import ROLE_LABELS, Role
from app.forms import form_fields
from app.templating import render
from evaluation.errors import Conflict, Invalid

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


routes = [users_page, new_user_page, create_user, reset_password]
