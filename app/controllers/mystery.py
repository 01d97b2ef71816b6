"""Mystery visitors (暗访): rate the cadres at the service windows they visited."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import Role
from app.forms import form_fields, redirect_with_message
from app.templating import render
from evaluation.cycles import service as cycle_service
from evaluation.cycles.schemas import CycleRecord
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.organisation import directory
from evaluation.responses.context import ratee_context
from evaluation.responses.submit import Intake, submit

MYSTERY = requires(Role.mystery)


async def _open_cycle() -> CycleRecord:
    cycle = await cycle_service.current_open_cycle()
    if cycle is None:
        raise NotFound("目前没有进行中的考核周期")
    return cycle


def visitor_key(user: CurrentUser) -> str:
    """Stands in for the device check: one visit report per visitor, cadre and cycle."""
    return f"mystery-{user.id}"


@get("/visit", guards=[MYSTERY])
async def visit_home(
    request: Request[CurrentUser, str, Any], town: FromQuery[int | None] = None
) -> Template:
    cycle = await cycle_service.current_open_cycle()
    cadres = []
    if town is not None and cycle is not None:
        cadres = [c for c in await directory.cadres_of_town(town) if c.active]
    return render(
        request,
        "mystery/home.html",
        cycle=cycle,
        town=town,
        cadres=cadres,
        towns=(await directory.towns_overview()).to_dicts(),
    )


async def _form(
    request: Request[CurrentUser, str, Any],
    ratee_id: int,
    errors: dict[str, str],
    values: dict[str, str],
) -> Template:
    cycle = await _open_cycle()
    context = await ratee_context(cycle.id, ratee_id, "mystery")
    return render(
        request,
        "mystery/form.html",
        status_code=400 if errors else 200,
        cycle=cycle,
        errors=errors,
        values=values,
        cadre=context.cadre,
        items=context.items,
    )


@get("/visit/{ratee_id:int}", guards=[MYSTERY])
async def visit_form(request: Request[CurrentUser, str, Any], ratee_id: FromPath[int]) -> Template:
    return await _form(request, ratee_id, {}, {})


@post("/visit/{ratee_id:int}", guards=[MYSTERY])
async def visit_submit(
    request: Request[CurrentUser, str, Any], ratee_id: FromPath[int]
) -> Response[Any]:
    fields = await form_fields(request)
    cycle = await _open_cycle()
    try:
        await submit(
            Intake(
                channel="mystery",
                cycle_id=cycle.id,
                ratee_id=ratee_id,
                group="mystery",
                fields=fields,
                visitor_id=request.user.id,
                device=visitor_key(request.user),
                batch_label=fields.get("visit_note", "")[:64],
                client_key=fields.get("client_key"),
            )
        )
    except Invalid as exc:
        return await _form(request, ratee_id, exc.problems, fields)
    except Conflict as exc:
        return redirect_with_message("/visit", exc.message)
    return redirect_with_message("/visit", "暗访评价已提交")


routes = [visit_home, visit_form, visit_submit]
