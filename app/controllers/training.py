"""The training office's plan (optimiser run, review, publish) and catalogue; a cadre's own
training, post-session feedback and venue check-in."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import Role
from app.forms import FormReader, redirect_with_message
from app.templating import render
from evaluation import results_service
from evaluation.errors import NotFound
from training import plan_service

TRAINING = requires(Role.training_office, Role.admin)
CADRES = requires(Role.cadre, Role.leader)
FORM = Body(media_type=RequestEncodingType.URL_ENCODED)


async def _plan_page(
    request: Request[CurrentUser, str, Any], errors: dict[str, str], values: dict[str, str]
) -> Template:
    latest = await plan_service.latest_plan()
    cycles = await results_service.published_cycles()
    catalogue = await plan_service.offerings()
    titles = dict(catalogue.select("id", "title").iter_rows()) if catalogue.height else {}
    detail = await plan_service.plan_detail(int(latest["id"])) if latest else None
    if detail:
        detail["prices"] = [
            (titles.get(int(key), key), price)
            for key, price in sorted(detail["seat_prices"].items(), key=lambda kv: -kv[1])
            if price > 1e-6
        ][:5]
    basis = int(cycles[0]["id"]) if cycles else None
    return render(
        request,
        "training/plan.html",
        cycles=cycles,
        catalogue=catalogue.height,
        latest=detail,
        demand=(await plan_service.demand_report(basis)).to_dicts() if basis else [],
        exchanges=(await plan_service.exchange_plan(basis)).to_dicts() if basis else [],
        errors=errors,
        values=values,
    )


@get("/training/plan", guards=[TRAINING])
async def plan_page(request: Request[CurrentUser, str, Any]) -> Template:
    return await _plan_page(request, {}, {})


@post("/training/plan/run", guards=[TRAINING])
async def run_plan(
    request: Request[CurrentUser, str, Any],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    from evaluation.errors import Invalid

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
        plan_id = await plan_service.run_plan(
            cycle, per_cadre or 0, budget, share, pinned=pinned, excluded=excluded
        )
    except Invalid as exc:
        return await _plan_page(request, exc.problems, dict(data))
    return redirect_with_message("/training/plan", f"方案 {plan_id} 已生成：请核对后发布")


@post("/training/plans/{plan_id:int}/publish", guards=[TRAINING])
async def publish_plan(plan_id: FromPath[int]) -> Redirect:
    await plan_service.publish(plan_id)
    return redirect_with_message("/training/plan", "方案已发布：干部可在“我的培训”中看到安排")


@get("/training/catalogue", guards=[TRAINING])
async def catalogue_page(request: Request[CurrentUser, str, Any]) -> Template:
    catalogue = await plan_service.offerings()
    return render(
        request,
        "training/catalogue.html",
        offerings=catalogue.to_dicts() if catalogue.height else [],
    )


def _cadre(request: Request[CurrentUser, str, Any]) -> int:
    if request.user.cadre_id is None:
        raise NotFound("此账号未关联干部")
    return request.user.cadre_id


@get("/me/training", guards=[CADRES])
async def my_training(request: Request[CurrentUser, str, Any]) -> Template:
    return render(
        request,
        "training/mine.html",
        enrolments=await plan_service.my_training(_cadre(request)),
        errors={},
    )


@post("/me/training/{enrolment_id:int}/feedback", guards=[CADRES])
async def give_feedback(
    request: Request[CurrentUser, str, Any],
    enrolment_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    from evaluation.errors import Invalid

    form = FormReader(data)
    cadre = _cadre(request)
    try:
        await plan_service.record_feedback(
            enrolment_id,
            cadre,
            form.integer("reaction", "总体感受", required=False),
            form.integer("usefulness", "对工作的帮助", required=False),
            form.text("comment"),
        )
    except Invalid as exc:
        return render(
            request,
            "training/mine.html",
            enrolments=await plan_service.my_training(cadre),
            errors=exc.problems,
            failed=enrolment_id,
        )
    return redirect_with_message("/me/training", "谢谢！培训反馈已提交")


@get("/training/checkin/{token:str}", guards=[CADRES])
async def check_in(request: Request[CurrentUser, str, Any], token: FromPath[str]) -> Redirect:
    offering = await plan_service.check_in(token, _cadre(request))
    return redirect_with_message("/me/training", f"已签到：{offering['title']}")


routes = [plan_page, run_plan, publish_plan, catalogue_page, my_training, give_feedback, check_in]
