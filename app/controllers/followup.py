"""结果运用 for the towns: the year's tiers, 约谈 records (and whether their commitments were
met) and 专项督导 tasks, for the assessment office."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.accounts.auth import CurrentUser
from app.forms import FormReader, redirect_with_message, text_fields
from app.scorecard_views import FORM, OFFICE
from app.templating import render
from evaluation.errors import Invalid
from evaluation.scorecard import followup, group_boards, service


async def _page(
    request: Request[CurrentUser, str, Any],
    year: int,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    failed: str = "",
) -> Template:
    return render(
        request,
        "scorecard/followup.html",
        year=year,
        view=await followup.results_use(year),
        towns=await service.year_towns(year),
        outcomes=followup.OUTCOMES,
        errors=errors or {},
        values=values or {},
        failed=failed,
        status_code=400 if errors else 200,
    )


def _town(form: FormReader) -> int:
    town = form.text("town")
    return int(town) if town.isdigit() else 0


@get("/scorecard/{year:int}/followup", guards=[OFFICE])
async def followup_page(request: Request[CurrentUser, str, Any], year: FromPath[int]) -> Template:
    return await _page(request, year)


@post("/scorecard/{year:int}/interviews", guards=[OFFICE])
async def record_interview(
    request: Request[CurrentUser, str, Any],
    year: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    form = FormReader(text_fields(data))
    try:
        await followup.record_interview(
            year,
            _town(form),
            form.text("held_on"),
            form.text("held_by"),
            form.text("issues"),
            form.text("commitments"),
            request.user.username,
        )
    except Invalid as exc:
        return await _page(request, year, exc.problems, form.fields, "interview")
    return redirect_with_message(f"/scorecard/{year}/followup", "约谈记录已保存，乡镇首页可见")


@post("/scorecard/interviews/{interview_id:int}/review", guards=[OFFICE])
async def review_interview(
    request: Request[CurrentUser, str, Any],
    interview_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    form = FormReader(text_fields(data))
    # the review is made on the next year's page, where last year's 约谈 are listed
    year = await followup.year_of_interview(interview_id) + 1
    try:
        await followup.review_interview(
            interview_id, form.text("outcome"), form.text("outcome_note"), request.user.username
        )
    except Invalid as exc:
        return await _page(request, year, exc.problems, form.fields, f"review-{interview_id}")
    return redirect_with_message(f"/scorecard/{year}/followup", "承诺落实情况已记录")


@post("/scorecard/{year:int}/supervisions", guards=[OFFICE])
async def add_supervision(
    request: Request[CurrentUser, str, Any],
    year: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    form = FormReader(text_fields(data))
    try:
        await followup.add_supervision(
            year, _town(form), form.text("title"), form.text("due_on"), request.user.username
        )
    except Invalid as exc:
        return await _page(request, year, exc.problems, form.fields, "supervision")
    return redirect_with_message(f"/scorecard/{year}/followup", "督导任务已下达")


@post("/scorecard/supervisions/{task_id:int}/close", guards=[OFFICE])
async def close_supervision(
    request: Request[CurrentUser, str, Any],
    task_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    form = FormReader(text_fields(data))
    year = await followup.year_of_supervision(task_id)
    try:
        await followup.close_supervision(task_id, form.text("closing_note"), request.user.username)
    except Invalid as exc:
        return await _page(request, year, exc.problems, form.fields, f"close-{task_id}")
    return redirect_with_message(f"/scorecard/{year}/followup", "督导任务已关闭，记录保留")


async def _groups_page(
    request: Request[CurrentUser, str, Any],
    year: int,
    errors: dict[str, str] | None = None,
    failed: str = "",
) -> Template:
    return render(
        request,
        "scorecard/groups.html",
        year=year,
        boards=await group_boards.boards(year),
        towns=await service.year_towns(year),
        errors=errors or {},
        failed=failed,
        status_code=400 if errors else 200,
    )


@get("/scorecard/{year:int}/groups", guards=[OFFICE])
async def groups_page(request: Request[CurrentUser, str, Any], year: FromPath[int]) -> Template:
    return await _groups_page(request, year)


@post("/scorecard/{year:int}/groups/{code:str}/members", guards=[OFFICE])
async def set_group_members(
    request: Request[CurrentUser, str, Any],
    year: FromPath[int],
    code: FromPath[str],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    raw = data.get("towns", [])
    ticked = [raw] if isinstance(raw, str) else [str(t) for t in raw]
    towns = [int(t) for t in ticked if t.isdigit() and len(t) < 10]
    if len(towns) != len(ticked):
        towns.append(0)  # not a town: refused with the others' problems
    try:
        await group_boards.set_members(year, code, towns, request.user.username)
    except Invalid as exc:
        return await _groups_page(request, year, exc.problems, code)
    return redirect_with_message(
        f"/scorecard/{year}/groups", "组团成员已保存，得分已按组团规则重算"
    )


routes = [
    followup_page,
    record_interview,
    review_interview,
    add_supervision,
    close_supervision,
    groups_page,
    set_group_members,
]
