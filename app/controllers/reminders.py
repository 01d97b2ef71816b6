"""Assessment office: reminder rounds — who is still to finish, send a round, print the
per-town notices, download the per-town lists."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import Role
from app.config import transport
from app.exports import XLSX, workbook
from app.forms import redirect_with_message
from app.templating import render
from evaluation.cycles import reminders
from evaluation.cycles import service as cycle_service
from evaluation.errors import Conflict

OFFICE = requires(Role.assessment_office, Role.admin)


async def _page(request: Request[Any, Any, Any], cycle_id: int, refusal: str = "") -> Template:
    chased = await reminders.outstanding_by_town(cycle_id)
    return render(
        request,
        "cycles/reminders.html",
        status_code=409 if refusal else 200,
        cycle=await cycle_service.get_cycle(cycle_id),
        raters=chased.raters,
        open_tasks=chased.open_tasks,
        towns=chased.towns,
        rounds=await reminders.rounds(cycle_id),
        channel=transport(request.app.state.settings),
        refusal=refusal,
    )


@get("/office/cycles/{cycle_id:int}/reminders", guards=[OFFICE])
async def reminders_page(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int]
) -> Template:
    return await _page(request, cycle_id)


def _chosen_towns(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v.strip()[:64] for v in values if v.strip()))[:500]


@get("/office/cycles/{cycle_id:int}/reminders/confirm", guards=[OFFICE])
async def confirm_round(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int]
) -> Template:
    """What a round to the chosen towns will do, to how many people — before it is sent."""
    towns = _chosen_towns(request.query_params.getall("town", []))
    if not towns:
        return await _page(request, cycle_id, "请至少选择一个乡镇")
    chased = await reminders.outstanding_by_town(cycle_id, towns)
    if not chased.raters:
        return await _page(request, cycle_id, "所选乡镇的评价人都已完成评价")
    return render(
        request,
        "cycles/reminder_confirm.html",
        cycle=await cycle_service.get_cycle(cycle_id),
        chased=chased,
        channel=transport(request.app.state.settings),
    )


@post("/office/cycles/{cycle_id:int}/reminders", guards=[OFFICE])
async def send_round(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int]
) -> Response[Any]:
    """Send a round: to the towns the confirmation page names (every town without any)."""
    chosen = _chosen_towns((await request.form()).getall("town", []))
    try:
        round_id = await reminders.send_round(
            cycle_id,
            request.user.username,
            transport(request.app.state.settings).name,
            chosen or None,
        )
    except Conflict as exc:
        return await _page(request, cycle_id, exc.message)
    return redirect_with_message(
        f"/office/cycles/{cycle_id}/reminders/{round_id}", "本轮催办已发出"
    )


@get("/office/cycles/{cycle_id:int}/reminders/{round_id:int}", guards=[OFFICE])
async def round_page(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int], round_id: FromPath[int]
) -> Template:
    messages = await reminders.round_messages(cycle_id, round_id)
    return render(
        request,
        "cycles/reminder_round.html",
        cycle=await cycle_service.get_cycle(cycle_id),
        round=await reminders.round_record(cycle_id, round_id),
        messages=messages,
    )


@get("/office/cycles/{cycle_id:int}/reminders/{round_id:int}/notices", guards=[OFFICE])
async def round_notices(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int], round_id: FromPath[int]
) -> Template:
    return render(
        request,
        "cycles/reminder_notices.html",
        cycle=await cycle_service.get_cycle(cycle_id),
        round=await reminders.round_record(cycle_id, round_id),
        messages=await reminders.round_messages(cycle_id, round_id),
    )


@get("/office/cycles/{cycle_id:int}/reminders/{round_id:int}/reminders.xlsx", guards=[OFFICE])
async def round_workbook(cycle_id: FromPath[int], round_id: FromPath[int]) -> Response[bytes]:
    messages = await reminders.round_messages(cycle_id, round_id)
    return Response(
        workbook(reminders.round_sheets(messages)),
        media_type=XLSX,
        headers={
            "content-disposition": f"attachment; filename=reminders-{cycle_id}-{round_id}.xlsx"
        },
    )


routes = [reminders_page, confirm_round, send_round, round_page, round_notices, round_workbook]
