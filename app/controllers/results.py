"""Assessment office results (county view, Excel export, preview, publication, case notes)
and the public town-level results page, which needs no login and never shows an individual."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from markupsafe import Markup

from app import charts
from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import Role
from app.exports import XLSX, workbook
from app.forms import FormReader, redirect_with_message
from app.templating import render
from evaluation.cycles import service as cycle_service
from evaluation.cycles.progress import needs_reason, require_responses
from evaluation.cycles.progress_repository import cycle_progress
from evaluation.errors import Conflict, Invalid, NotFound, NotReady
from evaluation.organisation import directory
from evaluation.reports import county_results
from evaluation.reports.county_results import Heatmap
from evaluation.results import case_notes, county, publication, snapshots
from evaluation.scorecard import service as scorecard_service
from evaluation.words import GROUP_LABELS

OFFICE = requires(Role.assessment_office, Role.admin)


def drawn(heatmap: Heatmap, title: str) -> Markup:
    return charts.heatmap(heatmap.rows, heatmap.columns, heatmap.cells, title)


@get("/office/cycles/{cycle_id:int}/results", guards=[OFFICE])
async def county_page(request: Request[CurrentUser, str, Any], cycle_id: FromPath[int]) -> Template:
    page = await county_results.county_page(cycle_id)
    return render(
        request,
        "results/county.html",
        cycle=page.snapshot.cycle,
        published=page.snapshot.published,
        heatmap=drawn(page.heatmap, "乡镇 × 能力 校准均分"),
        towns=page.towns,
        bottlenecks=page.bottlenecks,
        town_spread=charts.distribution(page.town_spread, "各乡镇干部综合得分分布"),
        group_spread=charts.distribution(page.group_spread, "各评价组校准后给分分布"),
        raters=page.raters,
        rater_count=page.rater_count,
        rankings=page.rankings,
        lists=page.lists,
        standing=page.standing,
        standing_rule=county.STANDING_RULE,
        list_counts=page.list_counts,
        agreement=page.agreement,
        unlinked=page.unlinked,
        evidence=page.evidence,
        notes=await case_notes.notes(cycle_id),
        town_names=await directory.town_names(),
    )


@get("/office/cycles/{cycle_id:int}/results.xlsx", guards=[OFFICE])
async def results_export(cycle_id: FromPath[int]) -> Response[bytes]:
    """Every table of the county view, one sheet each, exactly as released: a withheld
    number is an empty cell, never a value."""
    return Response(
        workbook(await county_results.county_sheets(cycle_id)),
        media_type=XLSX,
        headers={"content-disposition": f"attachment; filename=results-cycle-{cycle_id}.xlsx"},
    )


@post("/office/cycles/{cycle_id:int}/results/compute", guards=[OFFICE])
async def compute_preview(cycle_id: FromPath[int]) -> Redirect:
    """A preview snapshot of a closed cycle (publishing freezes its own)."""
    try:
        await publication.preview(cycle_id)
    except Conflict as exc:
        return redirect_with_message(f"/office/cycles/{cycle_id}", exc.message)
    return redirect_with_message(f"/office/cycles/{cycle_id}/results", "已计算结果预览")


async def _publish_page(
    request: Request[CurrentUser, str, Any],
    cycle_id: int,
    errors: dict[str, str],
    values: dict[str, str],
) -> Template:
    """What publishing will do, to how many people, and whether the rate allows it."""
    cycle = await cycle_service.get_cycle(cycle_id)
    progress = await cycle_progress(cycle_id)
    refusal = ""
    try:  # what would stop it whatever the office writes: the state, pending flags, no answers
        await publication.require_publishable(cycle_id)
        require_responses(progress.overall)
    except Conflict as exc:
        refusal = exc.message
    return render(
        request,
        "cycles/publish.html",
        cycle=cycle,
        overall=progress.overall,
        groups=progress.groups(rated_only=True),
        below=needs_reason(progress.overall, cycle.min_response_rate),
        refusal=refusal,
        GROUP_LABELS=GROUP_LABELS,
        errors=errors,
        values=values,
        status_code=400 if errors else 200,
    )


@get("/office/cycles/{cycle_id:int}/publish", guards=[OFFICE])
async def publish_page(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int]
) -> Template:
    return await _publish_page(request, cycle_id, {}, {})


@post("/office/cycles/{cycle_id:int}/results/publish", guards=[OFFICE])
async def publish(
    request: Request[CurrentUser, str, Any],
    cycle_id: FromPath[int],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Template | Redirect:
    reason = FormReader(data).text("reason")
    try:
        await publication.publish(cycle_id, reason=reason)
    except Invalid as exc:
        return await _publish_page(request, cycle_id, exc.problems, {"reason": reason})
    except Conflict as exc:
        return redirect_with_message(f"/office/cycles/{cycle_id}", exc.message)
    return redirect_with_message(f"/office/cycles/{cycle_id}", "结果已发布并冻结")


def _case_fields(data: dict[str, Any]) -> tuple[int | None, str, str]:
    """A case note form: town (blank for the whole county), title, body."""
    form = FormReader(data)
    town = form.text("town")
    chosen = int(town) if town.isdigit() and len(town) < 10 else (-1 if town else None)
    return chosen, form.text("title"), form.text("body")  # -1: not a town, refused by name


@post("/office/cycles/{cycle_id:int}/cases", guards=[OFFICE])
async def add_case(
    cycle_id: FromPath[int],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Redirect:
    target = f"/office/cycles/{cycle_id}/results"
    try:
        await case_notes.add(cycle_id, *_case_fields(data))
    except Invalid as exc:
        return redirect_with_message(target, exc.message)
    return redirect_with_message(target, "案例已保存，结果公布后在公开页面展示")


@post("/office/cases/{note_id:int}/edit", guards=[OFFICE])
async def edit_case(
    note_id: FromPath[int],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Redirect:
    try:
        cycle_id = await case_notes.edit(note_id, *_case_fields(data))
    except Invalid as exc:
        cycle_id = await case_notes.cycle_of(note_id)
        return redirect_with_message(f"/office/cycles/{cycle_id}/results#cases", exc.message)
    return redirect_with_message(f"/office/cycles/{cycle_id}/results#cases", "案例已修改")


@post("/office/cases/{note_id:int}/withdraw", guards=[OFFICE])
async def withdraw_case(note_id: FromPath[int]) -> Redirect:
    cycle_id = await case_notes.withdraw(note_id)
    return redirect_with_message(
        f"/office/cycles/{cycle_id}/results#cases", "案例已撤回：不再在任何页面显示，记录留档"
    )


@get("/results", exclude_from_auth=True)
async def public_index(request: Request[Any, Any, Any]) -> Template:
    return render(
        request,
        "results/public_index.html",
        cycles=await snapshots.published_cycles(),
        town_years=await scorecard_service.finished_years(),
    )


@get("/method", exclude_from_auth=True)
async def method_page(request: Request[Any, Any, Any]) -> Template:
    """怎么算的: every statistical word the pages use, in plain words and then at length."""
    return render(request, "results/method.html")


@get("/results/{cycle_id:int}", exclude_from_auth=True)
async def public_results(
    request: Request[Any, Any, Any], cycle_id: FromPath[int], town: FromQuery[int | None] = None
) -> Template:
    try:
        page = await county_results.public_page(cycle_id)  # published only
    except NotReady:
        raise NotFound("没有这一期公布的结果") from None  # the public learns nothing of drafts
    return render(
        request,
        "results/public.html",
        cycle=page.snapshot.cycle,
        heatmap=drawn(page.heatmap, "各乡镇分项能力均分"),
        towns=page.towns,
        town_choices=page.town_choices,
        chosen=town,
        bottlenecks=page.bottlenecks,
        notes=await case_notes.notes(cycle_id),
        supervision_phone=request.app.state.settings.supervision_phone,
    )


routes = [
    county_page,
    results_export,
    compute_preview,
    publish_page,
    publish,
    add_case,
    edit_case,
    withdraw_case,
    public_index,
    public_results,
    method_page,
]
