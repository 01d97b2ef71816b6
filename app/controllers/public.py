"""Pages without an account: the resident form behind a QR code, and meeting-room codes."""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.forms import form_fields
from app.resident import ResidentClient, remember_device, resident_client, within_rate_limit
from app.signing import sign, unsign
from app.templating import render
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.responses import campaigns as campaign_service
from evaluation.responses.campaigns import CodeSession
from evaluation.responses.context import ratee_context
from evaluation.responses.submit import Intake, submit

CODE_COOKIE = "c360_code"


async def _resident_page(
    request: Request[Any, Any, Any],
    token: str,
    errors: dict[str, str],
    values: dict[str, str],
    client: ResidentClient | None = None,
) -> Response[Any]:
    client = client or resident_client(request)
    try:
        link = await campaign_service.resolve_resident_link(token)
    except (NotFound, Conflict) as exc:
        return render(
            request,
            "public/link_dead.html",
            status_code=404 if isinstance(exc, NotFound) else 410,
            detail=exc.message,
        )
    context = await ratee_context(link.cycle_id, link.ratee_id, "resident")
    if not errors and await campaign_service.device_answered(
        link.cycle_id, link.ratee_id, client.device
    ):
        answered: Response[Any] = render(
            request, "public/already_answered.html", cadre_name=context.cadre.name
        )
        remember_device(request, answered, client)
        return answered
    response: Response[Any] = render(
        request,
        "public/resident_form.html",
        status_code=400 if errors else 200,
        token=token,
        errors=errors,
        values=values,
        form_key=values.get("client_key") or secrets.token_urlsafe(12),
        cadre=context.cadre,
        items=context.items,
    )
    remember_device(request, response, client)
    return response


@get("/r/{token:str}", exclude_from_auth=True)
async def resident_form(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
    return await _resident_page(request, token, {}, {})


@post("/r/{token:str}", exclude_from_auth=True)
async def resident_submit(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
    fields = await form_fields(request)
    client = resident_client(request)
    if not within_rate_limit(request, client):
        return render(
            request, "public/refused.html", status_code=429, detail="提交过于频繁，请稍后再试。"
        )
    try:
        link = await campaign_service.resolve_resident_link(token)
        await submit(
            Intake(
                channel="qr",
                cycle_id=link.cycle_id,
                ratee_id=link.ratee_id,
                group="resident",
                fields=fields,
                link_id=link.id,
                client_key=fields.get("client_key"),
                device=client.device,
                source_hash=client.source_hash,
                verification_code=fields.get("verify_code"),
            )
        )
    except Invalid as exc:
        return await _resident_page(request, token, exc.problems, fields, client)
    except NotFound:
        return await _resident_page(request, token, {}, {}, client)
    except Conflict as exc:
        response: Response[Any] = render(
            request, "public/refused.html", status_code=409, detail=exc.message
        )
        remember_device(request, response, client)
        return response
    response = render(request, "public/thanks.html")
    remember_device(request, response, client)
    return response


@get("/code", exclude_from_auth=True)
async def code_entry(request: Request[Any, Any, Any]) -> Template:
    return render(request, "public/code_entry.html", code="")


@post("/code", exclude_from_auth=True)
async def code_start(request: Request[Any, Any, Any]) -> Response[Any]:
    fields = await form_fields(request)
    code = fields.get("code", "").strip()[:32]
    try:
        row = await campaign_service.resolve_code(code)
    except (NotFound, Conflict) as exc:
        return render(
            request,
            "public/code_entry.html",
            status_code=400,
            errors={"code": exc.message},
            code=code,
        )
    response: Response[Any] = Redirect(path="/code/rate")
    secret = request.app.state.settings.secret_key
    response.set_cookie(
        Cookie(
            key=CODE_COOKIE,
            value=sign(secret, "code", str(row.id)),
            httponly=True,
            samesite="lax",
            secure=request.app.state.settings.cookies_secure,
            path="/code",
        )
    )
    return response


async def _code_session(request: Request[Any, Any, Any]) -> CodeSession:
    raw = unsign(request.app.state.settings.secret_key, "code", request.cookies.get(CODE_COOKIE))
    if raw is None or not raw.isdigit():
        raise Conflict("请先输入考核码")
    return await campaign_service.code_is_live(int(raw))


@get("/code/rate", exclude_from_auth=True)
async def code_ratees(request: Request[Any, Any, Any]) -> Template:
    try:
        session = await _code_session(request)
    except (NotFound, Conflict) as exc:
        return render(
            request,
            "public/code_entry.html",
            status_code=400,
            errors={"code": exc.message},
            code="",
        )
    return render(
        request,
        "public/code_ratees.html",
        session=session,
        ratees=await campaign_service.code_ratees(session),
    )


async def _require_in_scope(session: CodeSession, ratee_id: int) -> None:
    """A code rates only its town's leadership team."""
    if ratee_id not in {r.cadre_id for r in await campaign_service.code_ratees(session)}:
        raise NotFound("不在本次测评范围内")


async def _code_form(
    request: Request[Any, Any, Any], ratee_id: int, errors: dict[str, str], values: dict[str, str]
) -> Template:
    session = await _code_session(request)
    await _require_in_scope(session, ratee_id)
    context = await ratee_context(session.cycle_id, ratee_id, session.rater_group)
    return render(
        request,
        "public/code_form.html",
        status_code=400 if errors else 200,
        session=session,
        errors=errors,
        values=values,
        cadre=context.cadre,
        items=context.items,
    )


@get("/code/rate/{ratee_id:int}", exclude_from_auth=True)
async def code_form(request: Request[Any, Any, Any], ratee_id: FromPath[int]) -> Template:
    return await _code_form(request, ratee_id, {}, {})


@post("/code/rate/{ratee_id:int}", exclude_from_auth=True)
async def code_submit(request: Request[Any, Any, Any], ratee_id: FromPath[int]) -> Response[Any]:
    session = await _code_session(request)
    await _require_in_scope(session, ratee_id)
    fields = await form_fields(request)
    try:
        await submit(
            Intake(
                channel="code",
                cycle_id=session.cycle_id,
                ratee_id=ratee_id,
                group=session.rater_group,
                fields=fields,
                code_id=session.id,
                batch_label=session.label,
                client_key=fields.get("client_key"),
            )
        )
    except Invalid as exc:
        return await _code_form(request, ratee_id, exc.problems, fields)
    except Conflict:  # this code already rated this cadre (one ballot per code and ratee)
        return Redirect(path="/code/rate")
    return Redirect(path="/code/rate")


@post("/code/finish", exclude_from_auth=True)
async def code_finish(request: Request[Any, Any, Any]) -> Response[Any]:
    session = await _code_session(request)
    await campaign_service.finish_code(session.id)
    response: Response[Any] = render(request, "public/thanks.html")
    response.set_cookie(Cookie(key=CODE_COOKIE, value="", max_age=0, path="/code"))
    return response


routes = [
    resident_form,
    resident_submit,
    code_entry,
    code_start,
    code_ratees,
    code_form,
    code_submit,
    code_finish,
]
