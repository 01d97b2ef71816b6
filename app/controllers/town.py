"""A town reporter's side of the scorecard — the town's page, the quarter's form, the contract
to confirm, the cards to answer — and the public results of finished years."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.accounts.auth import CurrentUser
from app.forms import FormReader, redirect_with_message, text_fields
from app.scorecard_views import (
    DIMENSIONS,
    FORM,
    MULTIPART,
    PRINCIPAL,
    REPORTER,
    TOWN_READERS,
    principal_of,
    reporter_town,
    town_of_viewer,
    town_page,
    year_or_current,
)
from app.templating import render
from evaluation.errors import Conflict, Invalid, PermissionDenied
from evaluation.results import case_notes, snapshots
from evaluation.scorecard import fault_tolerance, projects, service


@get("/town", guards=[TOWN_READERS])
async def town_home(
    request: Request[CurrentUser, str, Any], year: FromQuery[int | None] = None
) -> Template:
    """This year's page; `year` shows another (last year's during its 公示, say). The clerk
    reports and answers on it; the 党委书记 and 镇长 read it and sign the contract."""
    town_id = await town_of_viewer(request.user)
    return await town_page(request, await year_or_current(year), town_id, office=False)


@get("/town/report/{quarter:int}", guards=[REPORTER])
async def report_form(request: Request[CurrentUser, str, Any], quarter: FromPath[int]) -> Template:
    town_id = await reporter_town(request.user)
    year = await year_or_current()
    form = await service.quarter_form(year, town_id, quarter)
    values, notes = await service.draft_of(year, town_id, quarter) if form.open else ({}, {})
    return render(
        request,
        "scorecard/report.html",
        form=form,
        values=values,
        notes=notes,
        drafted=bool(values or notes),
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
    fields = text_fields(data)
    values = {k.removeprefix("v_"): v for k, v in fields.items() if k.startswith("v_")}
    notes = {k.removeprefix("n_"): v for k, v in fields.items() if k.startswith("n_")}
    if fields.get("action") == "draft":
        try:
            kept = await service.save_draft(
                year, town_id, quarter, values, notes, request.user.display_name
            )
        except Conflict as exc:
            return redirect_with_message("/town", exc.message)
        return redirect_with_message(
            f"/town/report/{quarter}",
            f"草稿已保存（已填 {kept} 项）；附件请在正式提交时上传，提交前草稿不计入任何结果",
        )
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


@post("/scorecard/{year:int}/contracts/{town_id:int}/confirm", guards=[PRINCIPAL])
async def confirm_contract(
    request: Request[CurrentUser, str, Any], year: FromPath[int], town_id: FromPath[int]
) -> Redirect:
    """The town's principal leader signs its 绩效责任书 (the clerk only prepares it)."""
    principal = await principal_of(request.user)
    if principal.town_id != town_id:
        raise PermissionDenied("只能确认本乡镇的绩效责任书")
    await service.confirm_contract(
        year, town_id, f"{principal.town_name}{principal.position} {principal.name}"
    )
    return redirect_with_message(f"/scorecard/{year}/contracts/{town_id}", "责任书已确认")


async def _card_action(
    request: Request[CurrentUser, str, Any], action: Any, message: str
) -> Template | Redirect:
    town_id = await reporter_town(request.user)
    try:
        await action(town_id)
    except Invalid as exc:
        year = await year_or_current()
        return await town_page(request, year, town_id, office=False, errors=exc.problems)
    return redirect_with_message("/town", message)


@post("/town/milestones/{milestone_id:int}/done", guards=[REPORTER])
async def milestone_done(
    request: Request[CurrentUser, str, Any],
    milestone_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    form = FormReader(text_fields(data))
    done_on, evidence = form.text("done_on"), form.text("done_evidence")
    return await _card_action(
        request,
        lambda town: projects.report_done(milestone_id, town, done_on, evidence),
        "节点完成情况已报送考核办",
    )


@post("/town/cards/{card_id:int}/plan", guards=[REPORTER])
async def card_plan(
    request: Request[CurrentUser, str, Any],
    card_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    text = FormReader(text_fields(data)).text("plan_text")
    return await _card_action(
        request, lambda town: projects.submit_plan(card_id, town, text), "整改方案已提交"
    )


@post("/town/cards/{card_id:int}/rectify", guards=[REPORTER])
async def card_rectify(
    request: Request[CurrentUser, str, Any],
    card_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    evidence = FormReader(text_fields(data)).text("evidence")
    return await _card_action(
        request, lambda town: projects.rectify(card_id, town, evidence), "整改情况已报送考核办"
    )


@post("/town/cards/{card_id:int}/exemption", guards=[REPORTER])
async def card_exemption(
    request: Request[CurrentUser, str, Any],
    card_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    form = FormReader(text_fields(data))
    return await _card_action(
        request,
        lambda town: fault_tolerance.apply_exemption(
            card_id,
            request.user.display_name,
            town,
            form.text("reform"),
            form.text("reason"),
            request.user.username,
        ),
        "豁免申请已提交，考核办审核后会在本页显示结果",
    )


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
        exemptions=await fault_tolerance.exemption_views(year),
    )


routes = [
    town_home,
    report_form,
    submit_report,
    confirm_contract,
    milestone_done,
    card_plan,
    card_rectify,
    card_exemption,
    public_towns,
]
