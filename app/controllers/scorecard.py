"""The township scorecard for the assessment office: the county board, the year's plan and
its weights, contracts, imports from other systems, 核查 and year-end scores. Parse, call the
scorecard service, render."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from app.accounts.auth import CurrentUser
from app.charts import score_heatmap
from app.downloads import download_headers
from app.forms import FormReader, redirect_with_message, text_fields
from app.scorecard_views import (
    DIMENSIONS,
    FORM,
    MULTIPART,
    OFFICE,
    OFFICE_OR_REPORTER,
    OFFICE_OR_TOWN,
    may_see_town,
    town_page,
)
from app.templating import render
from evaluation.errors import Invalid, NotFound
from evaluation.scorecard import service, town_appeals
from evaluation.scorecard.sources import known_sources
from evaluation.words import DIMENSION_LABELS


@get("/scorecard", guards=[OFFICE])
async def scorecard_home(request: Request[CurrentUser, str, Any]) -> Template | Redirect:
    year = await service.current_year()
    if year is None:
        return render(request, "scorecard/empty.html", now_year=service.today().year)
    return Redirect(path=f"/scorecard/{year}")


@get("/scorecard/{year:int}", guards=[OFFICE])
async def board(request: Request[CurrentUser, str, Any], year: FromPath[int]) -> Template:
    data = await service.board(year)
    return render(
        request,
        "scorecard/board.html",
        board=data,
        publicity=await town_appeals.year_publicity(year),
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
    fields = text_fields(data)
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


@get("/scorecard/{year:int}/contracts/{town_id:int}", guards=[OFFICE_OR_TOWN])
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
    form = FormReader(text_fields(data))
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
        rules=await service.check_rules(year),
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
    form = FormReader(text_fields(data))
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
    record = await service.latest_version(year)
    return render(
        request,
        "scorecard/imports.html",
        year=year,
        sources=known_sources(),
        indicator_names={i.code: i.name for i in record.plan.indicators} if record else {},
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
        headers=download_headers(file.filename),
    )


@get("/scorecard/{year:int}/towns/{town_id:int}", guards=[OFFICE])
async def office_town(
    request: Request[CurrentUser, str, Any], year: FromPath[int], town_id: FromPath[int]
) -> Template:
    return await town_page(request, year, town_id, office=True)


@post("/scorecard/{year:int}/towns/{town_id:int}/year-end", guards=[OFFICE])
async def year_end(
    request: Request[CurrentUser, str, Any],
    year: FromPath[int],
    town_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    form = FormReader(text_fields(data))
    try:
        await service.set_year_end(
            year, town_id, form.text("field_check"), form.text("third_party"), request.user.username
        )
    except Invalid as exc:
        return await town_page(request, year, town_id, office=True, errors=exc.problems)
    return redirect_with_message(f"/scorecard/{year}/towns/{town_id}", "年终评分已保存")


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
    review_page,
    review_value,
    imports_page,
    import_source,
    attachment,
    office_town,
    year_end,
]
