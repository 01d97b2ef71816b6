"""The training office's plan (optimiser run, review, publish), catalogue and sessions (the
register, the waiting list, apologies recorded for cadres). A cadre's own side is
`my_training`."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import Role
from app.config import transport
from app.exports import XLSX, workbook
from app.forms import FormReader, redirect_with_message
from app.paging import list_params
from app.qr import qr_svg
from app.templating import render
from evaluation.clock import today
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.infra.listing import paginate, search
from evaluation.results import snapshots as results_service
from training import seat_store, sessions
from training.catalogue import repository as catalogue_service
from training.catalogue.importing import check_offering, check_sheet, read_sheet
from training.effects import service as effects_service
from training.effects.service import describe
from training.insight import views as insight_views
from training.planning import jobs as plan_jobs
from training.planning import plan_store
from training.planning import service as plan_service

TRAINING = requires(Role.training_office, Role.admin)
CADRES = requires(Role.cadre, Role.leader)
FORM = Body(media_type=RequestEncodingType.URL_ENCODED)


async def _plan_page(
    request: Request[CurrentUser, str, Any], errors: dict[str, str], values: dict[str, str]
) -> Template:
    history = await plan_store.plan_history()
    raw = request.query_params.get("plan", "")
    chosen = int(raw) if raw.isdigit() and len(raw) < 10 else None
    if chosen is not None and chosen not in {p.id for p in history}:
        raise NotFound("培训方案不存在")
    shown = chosen if chosen is not None else (history[0].id if history else None)
    latest = await plan_store.plan_detail(shown) if shown is not None else None
    query, page = list_params(request)
    enrolments = (
        paginate(
            search(plan_store.plan_frame(latest), query, ["场次", "干部", "乡镇", "状态"]),
            page,
            query,
            keep={"plan": str(latest.id)} if chosen is not None and latest else {},
        )
        if latest
        else None
    )
    cycles = await results_service.published_cycles()
    titles = await catalogue_service.offering_titles()
    prices = (
        [
            (titles.get(int(key), key), price)
            for key, price in sorted(latest.seat_prices.items(), key=lambda kv: -kv[1])
            if price > 1e-6
        ][:5]
        if latest
        else []
    )
    basis = cycles[0].id if cycles else None
    scorecard_year, scorecard_pairs = await insight_views.scorecard_exchanges()
    return render(
        request,
        "training/plan.html",
        running=await plan_jobs.running_job(),
        cycles=cycles,
        catalogue=len(titles),
        latest=latest,
        newest=history[0].id if history else None,
        history=history,
        enrolments=enrolments,
        prices=prices,
        demand=await insight_views.demand_messages(basis) if basis else [],
        exchanges=await insight_views.exchange_pairs(basis) if basis else [],
        basis=basis,
        scorecard_year=scorecard_year,
        scorecard_exchanges=scorecard_pairs,
        errors=errors,
        values=values,
    )


@get("/training/plans/{plan_id:int}/plan.xlsx", guards=[TRAINING])
async def plan_export(plan_id: FromPath[int]) -> Response[bytes]:
    """The whole plan — every enrolment and waiting place with its reason — for the office
    that sends out the notices."""
    plan = await plan_store.plan_detail(plan_id)
    return Response(
        workbook([(f"培训方案{plan.id}", plan_store.plan_frame(plan))]),
        media_type=XLSX,
        headers={"content-disposition": f"attachment; filename=training-plan-{plan.id}.xlsx"},
    )


@post("/training/exchanges", guards=[TRAINING])
async def add_exchange_sessions(
    request: Request[CurrentUser, str, Any], data: Annotated[dict[str, Any], FORM]
) -> Template | Redirect:
    """The ticked exchange pairs become catalogue sessions (one per host and competency) in
    one step; the pairing is recomputed here, so only pairs it proposes are accepted."""
    ticked = data.get("pair", [])
    chosen = {ticked} if isinstance(ticked, str) else {str(t) for t in ticked}
    form = FormReader({k: v for k, v in data.items() if isinstance(v, str) and k != "pair"})
    basis = form.integer("cycle", "考核周期")
    first_day = form.day("first_day", "第一场日期")
    capacity = form.integer("capacity", "每场名额")
    if first_day is not None and first_day <= today():
        form.problems["first_day"] = "第一场日期应晚于今天"
    if capacity is not None and not 1 <= capacity <= 200:
        form.problems["capacity"] = "每场名额应在 1–200 之间"
    if basis is not None and basis not in {c.id for c in await results_service.published_cycles()}:
        form.problems["cycle"] = "请依据已公布的考核周期生成交流场次"
        basis = None
    if not chosen:
        form.problems["pairs"] = "请至少勾选一组结对"
    drafts = (
        await insight_views.exchange_sessions(basis, chosen, first_day, capacity)
        if not form.problems and basis is not None and first_day is not None and capacity
        else []
    )
    if not drafts:
        form.problems.setdefault("pairs", "请至少勾选一组结对")
    if form.problems:
        values = {k: str(v) for k, v in data.items() if k != "pair"}
        return await _plan_page(request, form.problems, values | {"pair": "\n".join(chosen)})
    await catalogue_service.add_offerings(drafts)
    return redirect_with_message(
        "/training/catalogue",
        f"已生成 {len(drafts)} 个跨乡镇交流场次（{drafts[0].day} 起），可在下一次优化中安排座位",
    )


@get("/training/plan", guards=[TRAINING])
async def plan_page(request: Request[CurrentUser, str, Any]) -> Template:
    return await _plan_page(request, {}, {})


@post("/training/plan/run", guards=[TRAINING])
async def run_plan(
    request: Request[CurrentUser, str, Any],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    """Check the request and start the solve in the background; the job's page follows it."""
    form = FormReader(data)
    cycle = form.integer("cycle", "考核周期")
    per_cadre = form.integer("per_cadre", "每人场次上限")
    budget = form.number("budget", "预算") if form.text("budget") else None
    share = form.number("town_share", "同一天外出比例", default=100.0) / 100
    if form.problems or cycle is None:
        return await _plan_page(request, form.problems, dict(data))
    try:
        pinned = await plan_service.parse_pairs(form.text("pinned"), "指定")
        excluded = await plan_service.parse_pairs(form.text("excluded"), "排除")
        prepared = await plan_service.prepare(
            cycle, per_cadre or 0, budget, share, pinned=pinned, excluded=excluded
        )
    except Invalid as exc:
        return await _plan_page(request, exc.problems, dict(data))
    try:
        job_id = await plan_jobs.start(prepared)
    except Conflict as exc:
        return await _plan_page(request, {"cycle": exc.message}, dict(data))
    return Redirect(path=f"/training/plan/jobs/{job_id}")


@get("/training/plan/jobs/{job_id:int}", guards=[TRAINING])
async def plan_job_page(request: Request[CurrentUser, str, Any], job_id: FromPath[int]) -> Template:
    return render(request, "training/plan_job.html", job=await plan_jobs.view(job_id))


@post("/training/plan/jobs/{job_id:int}/cancel", guards=[TRAINING])
async def cancel_plan_job(job_id: FromPath[int]) -> Redirect:
    await plan_jobs.cancel(job_id)
    return redirect_with_message(f"/training/plan/jobs/{job_id}", "已请求取消：正在停止求解")


@get("/training/plans/{plan_id:int}/publish", guards=[TRAINING])
async def confirm_publish_plan(
    request: Request[CurrentUser, str, Any], plan_id: FromPath[int]
) -> Template:
    plan = await plan_store.plan_detail(plan_id)
    if plan.published_at is not None:
        raise Conflict("该方案已经发布")
    sessions = {e.offering_id for e in plan.enrolments if e.status == "assigned"}
    return render(request, "training/plan_publish.html", plan=plan, sessions=len(sessions))


@post("/training/plans/{plan_id:int}/publish", guards=[TRAINING])
async def publish_plan(plan_id: FromPath[int]) -> Redirect:
    await plan_service.publish(plan_id)
    return redirect_with_message("/training/plan", "方案已发布：干部可在“我的培训”中看到安排")


@get("/training/catalogue", guards=[TRAINING])
async def catalogue_page(request: Request[CurrentUser, str, Any]) -> Template:
    return await _catalogue_page(request, {}, {})


async def _catalogue_page(
    request: Request[CurrentUser, str, Any], errors: dict[str, str], values: dict[str, Any]
) -> Template:
    return render(
        request,
        "training/catalogue.html",
        offerings=await catalogue_service.offering_rows(),
        attendance=await sessions.attendance_by_session(),
        towns=(await catalogue_service.catalogue_lookups())[1],
        errors=errors,
        values=values,
        status_code=400 if errors else 200,
    )


@post("/training/offerings", guards=[TRAINING])
async def add_offering(
    request: Request[CurrentUser, str, Any], data: Annotated[dict[str, Any], FORM]
) -> Template | Redirect:
    competencies, towns = await catalogue_service.catalogue_lookups()
    fields, problems = check_offering(dict(data), competencies, towns)
    if problems or fields is None:
        return await _catalogue_page(request, problems, dict(data))
    await catalogue_service.add_offerings([fields])
    return redirect_with_message("/training/catalogue", f"已添加：{fields.title}")


@post("/training/catalogue/import", guards=[TRAINING])
async def import_catalogue(
    request: Request[CurrentUser, str, Any],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
) -> Template | Redirect:
    upload = data.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _catalogue_page(request, {"file": "请选择要导入的 Excel 或 CSV 文件"}, {})
    try:
        frame = await asyncio.to_thread(read_sheet, await upload.read(), upload.filename)
    except Invalid as exc:
        hint = exc.problems.get("file", "")
        return await _catalogue_page(
            request, {"file": f"{exc.message}：{hint}" if hint else exc.message}, {}
        )
    rows, problems = check_sheet(frame, *await catalogue_service.catalogue_lookups())
    if problems:
        return await _catalogue_page(request, problems, {})
    count = await catalogue_service.add_offerings(rows)
    return redirect_with_message("/training/catalogue", f"已导入 {count} 个场次")


@get("/training/offerings/{offering_id:int}", guards=[TRAINING])
async def session_page(
    request: Request[CurrentUser, str, Any], offering_id: FromPath[int]
) -> Template:
    """One session: the register, its waiting list and apologies, and what participants
    said afterwards."""
    return await _session_page(request, offering_id, {})


async def _session_page(
    request: Request[CurrentUser, str, Any], offering_id: int, errors: dict[str, str]
) -> Template:
    report = await sessions.session_report(offering_id)
    return render(
        request,
        "training/session.html",
        status_code=400 if errors else 200,
        s=report,
        candidates=[] if report.started else await sessions.candidates(report),
        min_feedback=sessions.MIN_FEEDBACK,
        errors=errors,
    )


@post("/training/offerings/{offering_id:int}/waitlist", guards=[TRAINING])
async def add_to_session(
    request: Request[CurrentUser, str, Any],
    offering_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    """The office puts a cadre on the session: a free seat at once, else the waiting list."""
    cadre = FormReader(data).integer("cadre", "干部", required=False)
    if cadre is None:
        return await _session_page(request, offering_id, {"cadre": "请从名单中选择干部"})
    change = await seat_store.join_waitlist(
        offering_id, cadre, request.user.username, transport(request.app.state.settings).name
    )
    said = "已安排入座并已通知本人" if change.rank is None else f"已加入候补，排第 {change.rank} 位"
    return redirect_with_message(f"/training/offerings/{offering_id}", said)


@post("/training/enrolments/{enrolment_id:int}/cancel", guards=[TRAINING])
async def record_apology(
    request: Request[CurrentUser, str, Any],
    enrolment_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    """The office records an apology a cadre sent by phone or note."""
    form = FormReader(data)
    offering = form.integer("offering", "场次", required=False) or 0
    try:
        change = await seat_store.cancel(
            enrolment_id,
            form.text("reason"),
            request.user.username,
            transport(request.app.state.settings).name,
        )
    except Invalid as exc:
        return await _session_page(request, offering, exc.problems)
    said = f"已登记请假：{change.title}。" + (
        f"名额已转给候补的{change.promoted}，并已通知本人"
        if change.promoted
        else "没有可以递补的候补学员，名额空出"
    )
    return redirect_with_message(f"/training/offerings/{offering}", said)


@get("/training/offerings/{offering_id:int}/checkin-sheet", guards=[TRAINING])
async def checkin_sheet(
    request: Request[CurrentUser, str, Any], offering_id: FromPath[int]
) -> Template:
    offering = await catalogue_service.offering(offering_id)
    url = str(request.base_url).rstrip("/") + f"/training/checkin/{offering.checkin_token}"
    return render(
        request, "training/checkin_sheet.html", offering=offering, qr=qr_svg(url), url=url
    )


@get("/training/effects", guards=[TRAINING])
async def effects_page(request: Request[CurrentUser, str, Any]) -> Template:
    effects = await effects_service.latest_plan_effects()
    return render(request, "training/effects.html", effects=effects, describe=describe)


routes = [
    effects_page,
    plan_page,
    plan_export,
    add_exchange_sessions,
    run_plan,
    plan_job_page,
    cancel_plan_job,
    confirm_publish_plan,
    publish_plan,
    catalogue_page,
    add_offering,
    import_catalogue,
    checkin_sheet,
    session_page,
    add_to_session,
    record_apology,
]
