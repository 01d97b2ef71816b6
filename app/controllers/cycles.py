"""Assessment office: cycles — create, weights, state moves, assignments, rater loads."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import Role
from app.forms import FormReader, form_fields, redirect_with_message
from app.paging import list_params
from app.templating import render
from evaluation.clock import today
from evaluation.cycles import service as cycle_service
from evaluation.cycles.calendar import move_warnings, propose_cycle
from evaluation.cycles.progress_repository import cycle_progress
from evaluation.cycles.states import DEFAULT_WEIGHTS, available_moves
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.evidence.service import evidence_summary
from evaluation.groups import GROUPS
from evaluation.infra.listing import paginate, search
from evaluation.organisation import directory
from evaluation.responses.campaigns import code_batches
from evaluation.results import publication
from evaluation.rubrics import versions as rubric_versions_store
from evaluation.words import GROUP_LABELS, STATE_LABELS

OFFICE = requires(Role.assessment_office, Role.admin)
WEIGHT_GROUPS = GROUPS


@get("/office/cycles", guards=[OFFICE])
async def cycles_page(request: Request[CurrentUser, str, Any]) -> Template:
    return render(
        request,
        "cycles/list.html",
        cycles=await cycle_service.list_cycles(),
        STATE_LABELS=STATE_LABELS,
    )


async def _new_form(
    request: Request[Any, Any, Any], values: dict[str, Any], errors: dict[str, str]
) -> Template:
    await rubric_versions_store.register_default_rubric()
    return render(
        request,
        "cycles/new.html",
        status_code=400 if errors else 200,
        values=values,
        errors=errors,
        rubrics=await rubric_versions_store.rubric_versions(),
        GROUP_LABELS=GROUP_LABELS,
        WEIGHT_GROUPS=WEIGHT_GROUPS,
    )


@get("/office/cycles/new", guards=[OFFICE])
async def new_cycle_page(request: Request[CurrentUser, str, Any]) -> Template:
    proposed = propose_cycle(today(), await cycle_service.list_cycles())
    values: dict[str, Any] = {
        "name": proposed.name,
        "period": "annual",
        "year": str(proposed.year),
        "opens_on": proposed.opens_on.isoformat(),
        "closes_on": proposed.closes_on.isoformat(),
        "remind_on": proposed.remind_on.isoformat(),
        "peers_per_cadre": "4",
        "publicity_days": "7",
        "min_response_rate": "60",
        **{f"weight_{g}": str(round(DEFAULT_WEIGHTS[g] * 100)) for g in WEIGHT_GROUPS},
    }
    return await _new_form(request, values, {})


def read_weights(form: FormReader) -> dict[str, float]:
    return {g: form.number(f"weight_{g}", f"{GROUP_LABELS[g]}权重") / 100 for g in WEIGHT_GROUPS}


@post("/office/cycles/new", guards=[OFFICE])
async def create_cycle(request: Request[CurrentUser, str, Any]) -> Response[Any]:
    fields = await form_fields(request)
    form = FormReader(fields)
    year, rubric = form.integer("year", "年份"), form.integer("rubric", "量表")
    quarter = form.integer("quarter", "季度", required=False)
    peers = form.integer("peers_per_cadre", "同事评价人数")
    publicity = form.integer("publicity_days", "公示天数", required=False)
    min_rate = form.number("min_response_rate", "发布所需最低回收率", default=60.0)
    opens_on, closes_on = form.day("opens_on", "开始日期"), form.day("closes_on", "截止日期")
    remind_on = form.day("remind_on", "提醒日期", required=False)
    weights = read_weights(form)
    if (
        form.problems
        or year is None
        or rubric is None
        or peers is None
        or opens_on is None
        or closes_on is None
    ):
        return await _new_form(request, fields, form.problems)
    try:
        cycle_id = await cycle_service.create_cycle(
            name=form.text("name"),
            period=form.text("period"),
            year=year,
            quarter=quarter,
            rubric_id=rubric,
            opens_on=opens_on,
            closes_on=closes_on,
            remind_on=remind_on,
            weights=weights,
            peers_per_cadre=peers,
            publicity_days=7 if publicity is None else publicity,
            min_response_rate=min_rate / 100,
        )
    except Invalid as exc:
        return await _new_form(request, fields, exc.problems)
    return Redirect(path=f"/office/cycles/{cycle_id}")


@get("/office/cycles/{cycle_id:int}", guards=[OFFICE])
async def cycle_page(request: Request[CurrentUser, str, Any], cycle_id: FromPath[int]) -> Template:
    cycle = await cycle_service.get_cycle(cycle_id)
    counts = await cycle_service.live_assignment_counts(cycle_id)
    return render(
        request,
        "cycles/detail.html",
        cycle=cycle,
        moves=available_moves(cycle.state),
        counts=counts,
        STATE_LABELS=STATE_LABELS,
        GROUP_LABELS=GROUP_LABELS,
        WEIGHT_GROUPS=WEIGHT_GROUPS,
        towns=await directory.towns_overview(),
        batches=await code_batches(cycle_id),
        evidence=await evidence_summary(cycle_id),
    )


MOVE_EFFECTS = {"open", "close", "reopen"}


@get("/office/cycles/{cycle_id:int}/move/{action:str}", guards=[OFFICE])
async def confirm_move(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int], action: FromPath[str]
) -> Template:
    """Before a state move: what will happen, to how many people."""
    cycle = await cycle_service.get_cycle(cycle_id)
    move = next((m for m in available_moves(cycle.state) if m.action == action), None)
    if move is None or action not in MOVE_EFFECTS:
        raise NotFound("这个周期现在不能这样操作")
    progress = await cycle_progress(cycle_id)
    return render(
        request,
        "cycles/move.html",
        cycle=cycle,
        move=move,
        overall=progress.overall,
        raters=progress.raters,
        outstanding=progress.outstanding,
        warnings=move_warnings(action, cycle, await cycle_service.list_cycles(), today()),
        today=today(),
    )


@post("/office/cycles/{cycle_id:int}/move", guards=[OFFICE])
async def move_cycle(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int]
) -> Response[Any]:
    fields = await form_fields(request)
    action = fields.get("action", "")
    try:
        if action == "publish":  # irreversible: the confirmation page says what will happen
            await publication.require_publishable(cycle_id)
            return Redirect(path=f"/office/cycles/{cycle_id}/publish")
        state = await cycle_service.move_cycle(cycle_id, action)
    except (Conflict, Invalid) as exc:
        return redirect_with_message(f"/office/cycles/{cycle_id}", exc.message)
    return redirect_with_message(f"/office/cycles/{cycle_id}", MOVED[state])


MOVED = {  # what the office is told after a move (the labels already say 已…: no 周期已已截止)
    "draft": "周期已退回草稿",
    "open": "周期已开放评价",
    "closed": "周期已截止评价",
    "published": "结果已发布",
}


@post("/office/cycles/{cycle_id:int}/weights", guards=[OFFICE])
async def set_weights(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int]
) -> Response[Any]:
    form = FormReader(await form_fields(request))
    weights = read_weights(form)
    try:
        if form.problems:
            raise Invalid("权重设置有误", form.problems)
        await cycle_service.set_weights(cycle_id, weights)
    except (Invalid, Conflict) as exc:
        details = "；".join(exc.problems.values()) if isinstance(exc, Invalid) else exc.message
        return redirect_with_message(f"/office/cycles/{cycle_id}", details)
    return redirect_with_message(f"/office/cycles/{cycle_id}", "权重已保存")


@post("/office/cycles/{cycle_id:int}/assignments/generate", guards=[OFFICE])
async def generate(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int]
) -> Response[Any]:
    try:
        counts = await cycle_service.generate_cycle_assignments(cycle_id)
    except Conflict as exc:
        return redirect_with_message(f"/office/cycles/{cycle_id}", exc.message)
    return redirect_with_message(
        f"/office/cycles/{cycle_id}", f"已生成 {sum(counts.values())} 条评价任务"
    )


@get("/office/cycles/{cycle_id:int}/assignments", guards=[OFFICE])
async def assignments_page(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int]
) -> Template:
    return await _assignments(request, cycle_id, {}, {})


async def _assignments(
    request: Request[Any, Any, Any], cycle_id: int, errors: dict[str, str], values: dict[str, str]
) -> Template:
    cycle = await cycle_service.get_cycle(cycle_id)
    loads, manual = await cycle_service.assignment_overview(cycle_id)
    query, page = list_params(request)
    return render(
        request,
        "cycles/assignments.html",
        status_code=400 if errors else 200,
        cycle=cycle,
        loads=paginate(search(loads, query, ["name", "town"]), page, query),
        manual=manual,
        GROUP_LABELS=GROUP_LABELS,
        errors=errors,
        values=values,
    )


@post("/office/cycles/{cycle_id:int}/assignments/add", guards=[OFFICE])
async def add_assignment(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int]
) -> Response[Any]:
    fields = await form_fields(request)
    ids = {}
    for key in ("rater", "ratee"):
        found = await directory.cadre_id_for(fields.get(key, ""))
        ids[key] = found if found is not None else -1
    try:
        await cycle_service.add_assignment(
            cycle_id,
            ids["rater"],
            ids["ratee"],
            fields.get("rater_group", ""),
            fields.get("reason", ""),
        )
    except Invalid as exc:
        return await _assignments(request, cycle_id, exc.problems, fields)
    except Conflict as exc:
        return await _assignments(request, cycle_id, {"rater": exc.message}, fields)
    return redirect_with_message(f"/office/cycles/{cycle_id}/assignments", "已添加评价任务")


@post("/office/assignments/{assignment_id:int}/remove", guards=[OFFICE])
async def remove_assignment(
    request: Request[CurrentUser, str, Any], assignment_id: FromPath[int]
) -> Response[Any]:
    fields = await form_fields(request)
    cycle_id = await cycle_service.remove_assignment(assignment_id, fields.get("reason", ""))
    return redirect_with_message(f"/office/cycles/{cycle_id}/assignments", "已移除评价任务")


routes = [
    cycles_page,
    new_cycle_page,
    create_cycle,
    cycle_page,
    confirm_move,
    move_cycle,
    set_weights,
    generate,
    assignments_page,
    add_assignment,
    remove_assignment,
]
