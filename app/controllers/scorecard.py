"""The township scorecard: the office's plan, contracts, 核查, imports and county board; a town
reporter's page and quarterly form; the public town results. Parse, call the scorecard
service, render."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Response, Template

from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import Role
from app.charts import score_bars, score_heatmap, score_trend
from app.forms import MAX_FIELD_CHARS, FormReader, redirect_with_message
from app.labels import DIMENSION_LABELS
from app.templating import render
from evaluation.errors import Invalid, NotFound, NotReady, PermissionDenied
from evaluation.organisation import directory
from evaluation.results import case_notes, snapshots
from evaluation.scorecard import projects, service
from evaluation.scorecard.plan import Dimension
from evaluation.scorecard.sources import known_sources

OFFICE = requires(Role.assessment_office, Role.admin)
REPORTER = requires(Role.reporter)
OFFICE_OR_REPORTER = requires(Role.assessment_office, Role.admin, Role.reporter)
FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
MULTIPART = Body(media_type=RequestEncodingType.MULTI_PART)
DIMENSIONS = [str(d) for d in Dimension]
MAX_UPLOAD = service.MAX_ATTACHMENT_BYTES


async def reporter_town(user: CurrentUser) -> int:
    """The town a reporter reports for: the town of the cadre their account points at."""
    if user.cadre_id is None:
        raise PermissionDenied("填报员账号没有关联乡镇，请联系管理员")
    return (await directory.cadre(user.cadre_id)).town_id


async def may_see_town(user: CurrentUser, town_id: int) -> None:
    if user.role == Role.reporter and await reporter_town(user) != town_id:
        raise PermissionDenied("只能查看本乡镇的考核信息")


async def year_or_current(year: int | None = None) -> int:
    chosen = year or await service.current_year()
    if chosen is None:
        raise NotReady("还没有发布的乡镇绩效考核方案")
    return chosen


# ---- the office ---------------------------------------------------------------------------


@get("/scorecard", guards=[OFFICE])
async def scorecard_home(request: Request[CurrentUser, str, Any]) -> Template | Redirect:
    year = await service.current_year()
    if year is None:
        return render(request, "scorecard/empty.html", now_year=service.today().year)
    return Redirect(path=f"/scorecard/{year}")


@get("/scorecard/{year:int}", guards=[OFFICE])
async def board(request: Request[CurrentUser, str, Any], year: FromPath[int]) -> Template:
    await projects.sweep(year)
    data = await service.board(year)
    return render(
        request,
        "scorecard/board.html",
        board=data,
        dimensions=DIMENSIONS,
        heatmap=score_heatmap(
            [t.name for t in data.towns],
            [DIMENSION_LABELS[d] for d in DIMENSIONS],
            {(t.name, DIMENSION_LABELS[d]): v for t in data.towns for d, v in t.dimensions.items()},
            f"{year} 年第 {data.quarter} 季度各乡镇四个维度得分",
        )
        if data.towns
        else "",
        years=await _years(),
    )


async def _years() -> list[int]:
    years = await service.published_years()
    return years


@get("/scorecard/{year:int}/plan", guards=[OFFICE])
async def plan_page(request: Request[CurrentUser, str, Any], year: FromPath[int]) -> Template:
    return await _plan_page(request, year, {}, {})


async def _plan_page(
    request: Request[CurrentUser, str, Any],
    year: int,
    errors: dict[str, str],
    values: dict[str, str],
    status_code: int = 200,
) -> Template:
    try:
        comparison = await service.comparison(year)
    except NotFound:
        comparison = None
    return render(
        request,
        "scorecard/plan.html",
        year=year,
        comparison=comparison,
        dimensions=DIMENSIONS,
        errors=errors,
        values=values,
        status_code=status_code,
    )


@post("/scorecard/{year:int}/plan/draft", guards=[OFFICE])
async def start_draft(request: Request[CurrentUser, str, Any], year: FromPath[int]) -> Redirect:
    if not 2000 <= year <= 2100:
        raise NotFound("年度应在 2000–2100 之间")
    await service.start_draft(year, request.user.username)
    return redirect_with_message(
        f"/scorecard/{year}/plan", f"已起草 {year} 年度方案，请调整权重后发布"
    )


@post("/scorecard/plans/{plan_id:int}/weights", guards=[OFFICE])
async def set_weights(
    request: Request[CurrentUser, str, Any],
    plan_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    fields = {k: str(v)[:MAX_FIELD_CHARS] for k, v in data.items() if isinstance(v, str)}
    record = await service.plan_record(plan_id)
    try:
        await service.set_weights(
            plan_id,
            {k.removeprefix("dim_"): v for k, v in fields.items() if k.startswith("dim_")},
            {k.removeprefix("ind_"): v for k, v in fields.items() if k.startswith("ind_")},
            fields.get("note", ""),
            request.user.username,
        )
    except Invalid as exc:
        return await _plan_page(request, record.year, exc.problems, fields, status_code=400)
    return redirect_with_message(f"/scorecard/{record.year}/plan", "权重已保存（草稿）")


@post("/scorecard/plans/{plan_id:int}/publish", guards=[OFFICE])
async def publish_plan(request: Request[CurrentUser, str, Any], plan_id: FromPath[int]) -> Redirect:
    record = await service.publish(plan_id, request.user.username)
    return redirect_with_message(
        f"/scorecard/{record.year}/plan",
        f"{record.year} 年度方案已发布（第 {record.version} 版），各乡镇责任书已按默认目标生成",
    )


@get("/scorecard/{year:int}/contracts", guards=[OFFICE])
async def contracts(request: Request[CurrentUser, str, Any], year: FromPath[int]) -> Template:
    return render(
        request, "scorecard/contracts.html", year=year, contracts=await service.contracts(year)
    )


@get("/scorecard/{year:int}/contracts/{town_id:int}", guards=[OFFICE_OR_REPORTER])
async def contract(
    request: Request[CurrentUser, str, Any], year: FromPath[int], town_id: FromPath[int]
) -> Template:
    await may_see_town(request.user, town_id)
    return render(
        request,
        "scorecard/contract.html",
        contract=await service.contract(year, town_id),
        values={},
    )


@post("/scorecard/{year:int}/contracts/{town_id:int}/targets", guards=[OFFICE])
async def adjust_target(
    request: Request[CurrentUser, str, Any],
    year: FromPath[int],
    town_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    form = FormReader({k: str(v)[:MAX_FIELD_CHARS] for k, v in data.items() if isinstance(v, str)})
    try:
        await service.adjust_target(
            year, town_id, form.text("indicator"), form.text("target"), form.text("reason")
        )
    except Invalid as exc:
        return render(
            request,
            "scorecard/contract.html",
            contract=await service.contract(year, town_id),
            errors=exc.problems,
            values=form.fields,
            status_code=400,
        )
    return redirect_with_message(
        f"/scorecard/{year}/contracts/{town_id}", "目标已调整，需乡镇重新确认责任书"
    )


@post("/scorecard/{year:int}/contracts/{town_id:int}/confirm", guards=[REPORTER])
async def confirm_contract(
    request: Request[CurrentUser, str, Any], year: FromPath[int], town_id: FromPath[int]
) -> Redirect:
    await may_see_town(request.user, town_id)
    await service.confirm_contract(year, town_id, request.user.display_name)
    return redirect_with_message("/town", "责任书已确认")


@get("/scorecard/{year:int}/review", guards=[OFFICE])
async def review_page(request: Request[CurrentUser, str, Any], year: FromPath[int]) -> Template:
    return await _review_page(request, year, {}, None)


async def _review_page(
    request: Request[CurrentUser, str, Any],
    year: int,
    errors: dict[str, str],
    failed: int | None,
    status_code: int = 200,
) -> Template:
    return render(
        request,
        "scorecard/review.html",
        year=year,
        queue=await service.review_queue(year),
        decisions=await service.decisions(year),
        errors=errors,
        failed=failed,
        status_code=status_code,
    )


@post("/scorecard/values/{value_id:int}/review", guards=[OFFICE])
async def review_value(
    request: Request[CurrentUser, str, Any],
    value_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    form = FormReader({k: str(v)[:MAX_FIELD_CHARS] for k, v in data.items() if isinstance(v, str)})
    year = await service.year_of_value(value_id)
    try:
        await service.decide(
            value_id,
            form.text("decision"),
            form.text("value"),
            form.text("reason"),
            request.user.username,
        )
    except Invalid as exc:
        return await _review_page(request, year, exc.problems, value_id, status_code=400)
    return redirect_with_message(f"/scorecard/{year}/review", "核查结论已保存")


@get("/scorecard/{year:int}/imports", guards=[OFFICE])
async def imports_page(request: Request[CurrentUser, str, Any], year: FromPath[int]) -> Template:
    return await _imports_page(request, year, {})


async def _imports_page(
    request: Request[CurrentUser, str, Any],
    year: int,
    errors: dict[str, str],
    status_code: int = 200,
    message: str | None = None,
) -> Template:
    context: dict[str, Any] = {}
    if message is not None:
        context["message"] = message
    return render(
        request,
        "scorecard/imports.html",
        year=year,
        sources=known_sources(),
        history=await service.import_history(year),
        errors=errors,
        status_code=status_code,
        **context,
    )


@post("/scorecard/{year:int}/imports", guards=[OFFICE])
async def import_source(
    request: Request[CurrentUser, str, Any],
    year: FromPath[int],
    data: Annotated[dict[str, Any], MULTIPART],
) -> Template | Redirect:
    upload = data.get("file")
    source = data.get("source")
    names = {m.source for m in known_sources()}
    if not isinstance(source, str) or source not in names:
        return await _imports_page(request, year, {"source": "请选择数据来源"}, 400)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _imports_page(request, year, {"file": "请选择要导入的文件"}, 400)
    try:
        result = await service.import_source(
            year, source, upload.filename, await upload.read(), request.user.username
        )
    except Invalid as exc:
        problems = {k: v for k, v in exc.problems.items()}
        return await _imports_page(
            request, year, problems or {"file": exc.message}, 400, message=exc.message
        )
    quarters = "、".join(str(q) for q in result.quarters)
    return redirect_with_message(
        f"/scorecard/{year}/imports",
        f"已导入第 {quarters} 季度 {result.records} 条记录，生成 {result.towns} 个乡镇的 {result.values} 个指标值",
    )


@get("/scorecard/attachments/{attachment_id:int}", guards=[OFFICE_OR_REPORTER])
async def attachment(
    request: Request[CurrentUser, str, Any], attachment_id: FromPath[int]
) -> Response[bytes]:
    file = await service.attachment(attachment_id)
    await may_see_town(request.user, file.town_id)
    return Response(
        content=file.content,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{file.quoted_name}"},
    )


@get("/scorecard/{year:int}/towns/{town_id:int}", guards=[OFFICE])
async def office_town(
    request: Request[CurrentUser, str, Any], year: FromPath[int], town_id: FromPath[int]
) -> Template:
    return await _town_page(request, year, town_id, office=True)


@post("/scorecard/{year:int}/towns/{town_id:int}/year-end", guards=[OFFICE])
async def year_end(
    request: Request[CurrentUser, str, Any],
    year: FromPath[int],
    town_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    form = FormReader({k: str(v)[:MAX_FIELD_CHARS] for k, v in data.items() if isinstance(v, str)})
    try:
        await service.set_year_end(
            year, town_id, form.text("field_check"), form.text("third_party"), request.user.username
        )
    except Invalid as exc:
        return await _town_page(request, year, town_id, office=True, errors=exc.problems)
    return redirect_with_message(f"/scorecard/{year}/towns/{town_id}", "年终评分已保存")


async def _town_page(
    request: Request[CurrentUser, str, Any],
    year: int,
    town_id: int,
    *,
    office: bool,
    errors: dict[str, str] | None = None,
) -> Template:
    await projects.sweep(year)
    view = await service.town_view(year, town_id)
    return render(
        request,
        "scorecard/town.html",
        view=view,
        cards=await projects.card_views(year, town_id),
        criteria=projects.CRITERIA,
        office=office,
        dimensions=DIMENSIONS,
        bars=score_bars(
            [(DIMENSION_LABELS[d], view.score.dimensions.get(d)) for d in DIMENSIONS]
            if view.score
            else [],
            f"{view.town_name}四个维度得分",
        ),
        trend=score_trend(
            [(f"Q{i + 1}", v) for i, v in enumerate(view.score.trend) if v is not None]
            if view.score
            else [],
            f"{view.town_name}各季度总分",
        ),
        errors=errors or {},
        status_code=400 if errors else 200,
    )


# ---- the town reporter ------------------------------------------------------------------


@get("/town", guards=[REPORTER])
async def town_home(request: Request[CurrentUser, str, Any]) -> Template:
    town_id = await reporter_town(request.user)
    return await _town_page(request, await year_or_current(), town_id, office=False)


@get("/town/report/{quarter:int}", guards=[REPORTER])
async def report_form(request: Request[CurrentUser, str, Any], quarter: FromPath[int]) -> Template:
    town_id = await reporter_town(request.user)
    form = await service.quarter_form(await year_or_current(), town_id, quarter)
    return render(
        request,
        "scorecard/report.html",
        form=form,
        values={},
        notes={},
        labels={i.code: i.name for i in form.items},
    )


@post("/town/report/{quarter:int}", guards=[REPORTER])
async def submit_report(
    request: Request[CurrentUser, str, Any],
    quarter: FromPath[int],
    data: Annotated[dict[str, Any], MULTIPART],
) -> Template | Redirect:
    town_id = await reporter_town(request.user)
    year = await year_or_current()
    fields = {k: str(v)[:MAX_FIELD_CHARS] for k, v in data.items() if isinstance(v, str)}
    values = {k.removeprefix("v_"): v for k, v in fields.items() if k.startswith("v_")}
    notes = {k.removeprefix("n_"): v for k, v in fields.items() if k.startswith("n_")}
    uploads = []
    for key, item in data.items():
        files = item if isinstance(item, list) else [item]
        for upload in files:
            if key.startswith("f_") and isinstance(upload, UploadFile) and upload.filename:
                uploads.append(
                    service.Upload(
                        indicator=key.removeprefix("f_"),
                        filename=upload.filename,
                        content_type=upload.content_type or "application/octet-stream",
                        content=await upload.read(),
                    )
                )
    try:
        flagged = await service.report(
            year, town_id, quarter, values, notes, uploads, request.user.display_name
        )
    except Invalid as exc:
        form = await service.quarter_form(year, town_id, quarter)
        return render(
            request,
            "scorecard/report.html",
            form=form,
            values=values,
            notes=notes,
            labels={i.code: i.name for i in form.items},
            errors=exc.problems,
            status_code=400,
        )
    message = f"第 {quarter} 季度数据已提交"
    if flagged:
        message += f"；{'、'.join(flagged)}需考核办核查，请在备注中说明依据"
    return redirect_with_message("/town", message)


# ---- the public -----------------------------------------------------------------------------


@get("/results/towns/{year:int}", exclude_from_auth=True)
async def public_towns(request: Request[Any, Any, Any], year: FromPath[int]) -> Template:
    results = await service.public_results(year)
    notes = []
    for cycle in await snapshots.published_cycles():
        if cycle.year == year:
            notes.extend(await case_notes.notes(cycle.id))
    return render(
        request,
        "scorecard/public.html",
        results=results,
        dimensions=DIMENSIONS,
        notes=notes,
    )


# ---- key projects, cards and exemptions -------------------------------------------------


def _fields(data: dict[str, Any]) -> FormReader:
    return FormReader({k: str(v)[:MAX_FIELD_CHARS] for k, v in data.items() if isinstance(v, str)})


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
    form = _fields(data)
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
    form = _fields(data)
    year = await projects.year_of_project(project_id)
    try:
        await projects.add_milestone(
            project_id,
            form.text("due_on"),
            form.text("deliverable"),
            form.text("responsible"),
            form.text("evidence_required"),
        )
    except Invalid as exc:
        problems = {f"m{project_id}_{k}": v for k, v in exc.problems.items()}
        return await _projects_page(request, year, problems, form.fields)
    return redirect_with_message(f"/scorecard/{year}/projects", "节点已添加")


@post("/scorecard/cards/{card_id:int}/close", guards=[OFFICE])
async def close_card(request: Request[CurrentUser, str, Any], card_id: FromPath[int]) -> Redirect:
    year = await projects.year_of_card(card_id)
    await projects.close_card(card_id, request.user.username)
    return redirect_with_message(f"/scorecard/{year}/projects", "督办牌已关闭，记录保留")


@get("/scorecard/{year:int}/exemptions", guards=[OFFICE])
async def exemptions_page(request: Request[CurrentUser, str, Any], year: FromPath[int]) -> Template:
    return await _exemptions_page(request, year, {}, None)


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
        exemptions=await projects.exemption_views(year),
        criteria=projects.CRITERIA,
        errors=errors,
        failed=failed,
        status_code=400 if errors else 200,
    )


@post("/scorecard/exemptions/{exemption_id:int}/decide", guards=[OFFICE])
async def decide_exemption(
    request: Request[CurrentUser, str, Any],
    exemption_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    form = _fields(data)
    checklist = data.get("checklist", [])
    ticked = [checklist] if isinstance(checklist, str) else [str(c) for c in checklist]
    year = await projects.year_of_exemption(exemption_id)
    try:
        await projects.decide_exemption(
            exemption_id,
            form.text("decision") == "approve",
            ticked,
            form.text("decision_reason"),
            request.user.username,
        )
    except Invalid as exc:
        return await _exemptions_page(request, year, exc.problems, exemption_id)
    return redirect_with_message(f"/scorecard/{year}/exemptions", "审核意见已保存")


async def _card_action(
    request: Request[CurrentUser, str, Any], action: Any, message: str
) -> Template | Redirect:
    town_id = await reporter_town(request.user)
    try:
        await action(town_id)
    except Invalid as exc:
        year = await year_or_current()
        return await _town_page(request, year, town_id, office=False, errors=exc.problems)
    return redirect_with_message("/town", message)


@post("/town/cards/{card_id:int}/plan", guards=[REPORTER])
async def card_plan(
    request: Request[CurrentUser, str, Any],
    card_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    text = _fields(data).text("plan_text")
    return await _card_action(
        request, lambda town: projects.submit_plan(card_id, town, text), "整改方案已提交"
    )


@post("/town/cards/{card_id:int}/rectify", guards=[REPORTER])
async def card_rectify(
    request: Request[CurrentUser, str, Any],
    card_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    evidence = _fields(data).text("evidence")
    return await _card_action(
        request, lambda town: projects.rectify(card_id, town, evidence), "整改情况已报送考核办"
    )


@post("/town/cards/{card_id:int}/exemption", guards=[REPORTER])
async def card_exemption(
    request: Request[CurrentUser, str, Any],
    card_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    form = _fields(data)
    return await _card_action(
        request,
        lambda town: projects.apply_exemption(
            card_id, request.user.display_name, town, form.text("reform"), form.text("reason")
        ),
        "豁免申请已提交，考核办审核后会在本页显示结果",
    )


routes = [
    scorecard_home,
    board,
    plan_page,
    start_draft,
    set_weights,
    publish_plan,
    contracts,
    contract,
    adjust_target,
    confirm_contract,
    review_page,
    review_value,
    imports_page,
    import_source,
    attachment,
    office_town,
    year_end,
    town_home,
    report_form,
    submit_report,
    public_towns,
    projects_page,
    add_project,
    add_milestone,
    close_card,
    exemptions_page,
    decide_exemption,
    card_plan,
    card_rectify,
    card_exemption,
]
