"""Key projects and their cards (红黄牌督办), and 容错 exemptions, for the assessment office."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.accounts.auth import CurrentUser
from app.forms import FormReader, redirect_with_message, text_fields
from app.scorecard_views import FORM, OFFICE
from app.templating import render
from evaluation.errors import Conflict, Invalid
from evaluation.scorecard import fault_tolerance, projects, service


async def _projects_page(
    request: Request[CurrentUser, str, Any],
    year: int,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Template:
    return render(
        request,
        "scorecard/projects.html",
        year=year,
        projects=await projects.project_views(year),
        cards=await projects.card_views(year),
        towns=await service.towns(),
        errors=errors or {},
        values=values or {},
        status_code=400 if errors else 200,
    )


@get("/scorecard/{year:int}/projects", guards=[OFFICE])
async def projects_page(request: Request[CurrentUser, str, Any], year: FromPath[int]) -> Template:
    return await _projects_page(request, year)


@post("/scorecard/{year:int}/projects", guards=[OFFICE])
async def add_project(
    request: Request[CurrentUser, str, Any],
    year: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    form = FormReader(text_fields(data))
    town = form.text("town")
    try:
        await projects.add_project(
            year,
            int(town) if town.isdigit() else 0,
            form.text("name"),
            form.text("starts_on"),
            form.text("ends_on"),
            request.user.username,
        )
    except Invalid as exc:
        return await _projects_page(request, year, exc.problems, form.fields)
    return redirect_with_message(f"/scorecard/{year}/projects", "重点项目已添加，请添加节点")


@post("/scorecard/projects/{project_id:int}/milestones", guards=[OFFICE])
async def add_milestone(
    request: Request[CurrentUser, str, Any],
    project_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    form = FormReader(text_fields(data))
    year = await projects.year_of_project(project_id)
    try:
        await projects.add_milestone(
            project_id,
            form.text("due_on"),
            form.text("deliverable"),
            form.text("responsible"),
            form.text("evidence_required"),
            past=form.text("past"),
            done_on=form.text("done_on"),
        )
    except Invalid as exc:
        problems = {f"m{project_id}_{k}": v for k, v in exc.problems.items()}
        return await _projects_page(request, year, problems, form.fields)
    return redirect_with_message(f"/scorecard/{year}/projects", "节点已添加")


@post("/scorecard/milestones/{milestone_id:int}/card", guards=[OFFICE])
async def issue_card(
    request: Request[CurrentUser, str, Any],
    milestone_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    form = FormReader(text_fields(data))
    year = await projects.year_of_milestone(milestone_id)
    try:
        await projects.issue_card(milestone_id, form.text("colour"), form.text("reason"))
    except Invalid as exc:
        problems = {f"c{milestone_id}_{k}": v for k, v in exc.problems.items()}
        return await _projects_page(request, year, problems, form.fields)
    return redirect_with_message(f"/scorecard/{year}/projects", "督办牌已发出，乡镇首页可见")


@post("/scorecard/milestones/{milestone_id:int}/done-review", guards=[OFFICE])
async def review_done(
    request: Request[CurrentUser, str, Any],
    milestone_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    form = FormReader(text_fields(data))
    year = await projects.year_of_milestone(milestone_id)
    accept = form.text("decision") == "accept"
    try:
        await projects.review_done(
            milestone_id, accept, form.text("done_note"), request.user.username
        )
    except Invalid as exc:
        problems = {f"c{milestone_id}_{k}": v for k, v in exc.problems.items()}
        return await _projects_page(request, year, problems, form.fields)
    except Conflict as exc:
        return redirect_with_message(f"/scorecard/{year}/projects", exc.message)
    return redirect_with_message(
        f"/scorecard/{year}/projects",
        "已确认节点完成" if accept else "已退回：节点重新计为未完成，乡镇首页可见退回理由",
    )


@post("/scorecard/cards/{card_id:int}/close", guards=[OFFICE])
async def close_card(request: Request[CurrentUser, str, Any], card_id: FromPath[int]) -> Redirect:
    year = await projects.year_of_card(card_id)
    await projects.close_card(card_id, request.user.username)
    return redirect_with_message(f"/scorecard/{year}/projects", "督办牌已关闭，记录保留")


async def _exemptions_page(
    request: Request[CurrentUser, str, Any],
    year: int,
    errors: dict[str, str],
    failed: int | None,
) -> Template:
    return render(
        request,
        "scorecard/exemptions.html",
        year=year,
        exemptions=await fault_tolerance.exemption_views(year),
        criteria=fault_tolerance.CRITERIA,
        errors=errors,
        failed=failed,
        status_code=400 if errors else 200,
    )


@get("/scorecard/{year:int}/exemptions", guards=[OFFICE])
async def exemptions_page(request: Request[CurrentUser, str, Any], year: FromPath[int]) -> Template:
    return await _exemptions_page(request, year, {}, None)


@post("/scorecard/exemptions/{exemption_id:int}/decide", guards=[OFFICE])
async def decide_exemption(
    request: Request[CurrentUser, str, Any],
    exemption_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    form = FormReader(text_fields(data))
    checklist = data.get("checklist", [])
    ticked = [checklist] if isinstance(checklist, str) else [str(c) for c in checklist]
    year = await fault_tolerance.year_of_exemption(exemption_id)
    try:
        await fault_tolerance.decide_exemption(
            exemption_id,
            form.text("decision") == "approve",
            ticked,
            form.text("decision_reason"),
            request.user.username,
        )
    except Invalid as exc:
        return await _exemptions_page(request, year, exc.problems, exemption_id)
    return redirect_with_message(f"/scorecard/{year}/exemptions", "审核意见已保存")


routes = [
    projects_page,
    add_project,
    add_milestone,
    review_done,
    issue_card,
    close_card,
    exemptions_page,
    decide_exemption,
]
