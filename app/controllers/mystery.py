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
from evaluation.errors import Conflict, Invalid, NotReady
from evaluation.organisation import directory
from evaluation.responses.context import ratee_context
from evaluation.responses.submit import Intake, submit

MYSTERY = requires(Role.mystery)


async def _open_cycle(chosen: int | None) -> CycleRecord:
    """The open cycle the visitor chose (`?cycle=`), else the newest open one: several may
    run at once (an annual cycle and a quarterly pulse)."""
    running = await cycle_service.open_cycles()
    if not running:
        raise NotReady("目前没有进行中的考核周期，暗访评价将在周期开始后开放")
    if chosen is None:
        return running[0]
    found = next((c for c in running if c.id == chosen), None)
    if found is None:
        raise NotReady("这个考核周期不在进行中，请回到暗访首页选择进行中的周期")
    return found


def visitor_key(user: CurrentUser) -> str:
    """Stands in for the device check: one visit report per visitor, cadre and cycle."""
    return f"mystery-{user.id}"


@get("/visit", guards=[MYSTERY])
async def visit_home(
    request: Request[CurrentUser, str, Any],
    town: FromQuery[int | None] = None,
    cycle: FromQuery[int | None] = None,
) -> Template:
    running = await cycle_service.open_cycles()
    chosen = await _open_cycle(cycle) if running else None
    cadres = []
    if town is not None and chosen is not None:
        cadres = [c for c in await directory.cadres_of_town(town) if c.active]
    return render(
        request,
        "mystery/home.html",
        cycle=chosen,
        running=running,
        town=town,
        cadres=cadres,
        towns=await directory.towns_overview(),
    )


async def _form(
    request: Request[CurrentUser, str, Any],
    ratee_id: int,
    errors: dict[str, str],
    values: dict[str, str],
    chosen: int | None,
) -> Template:
    cycle = await _open_cycle(chosen)
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
async def visit_form(
    request: Request[CurrentUser, str, Any],
    ratee_id: FromPath[int],
    cycle: FromQuery[int | None] = None,
) -> Template:
    return await _form(request, ratee_id, {}, {}, cycle)


@post("/visit/{ratee_id:int}", guards=[MYSTERY])
async def visit_submit(
    request: Request[CurrentUser, str, Any],
    ratee_id: FromPath[int],
    cycle: FromQuery[int | None] = None,
) -> Response[Any]:
    fields = await form_fields(request)
    chosen = cycle
    cycle_record = await _open_cycle(chosen)
    try:
        await submit(
            Intake(
                channel="mystery",
                cycle_id=cycle_record.id,
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
        return await _form(request, ratee_id, exc.problems, fields, chosen)
    except Conflict as exc:
        return redirect_with_message(f"/visit?cycle={cycle_record.id}", exc.message)
    return redirect_with_message(f"/visit?cycle={cycle_record.id}", "暗访评价已提交")


routes = [visit_home, visit_form, visit_submit]
