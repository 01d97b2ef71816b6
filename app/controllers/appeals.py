"""申诉/复核 of a published 360 result: a cadre objects to their own result during 公示; the
assessment office upholds (with a correction, the result recomputed) or rejects in writing."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import Role
from app.controllers.appeal_forms import decide_from_form
from app.controllers.feedback import own_feedback_page
from app.forms import FormReader, redirect_with_message, text_fields
from app.scorecard_views import FORM
from app.templating import render
from evaluation.cycles import service as cycle_service
from evaluation.errors import Invalid, NotFound
from evaluation.results import appeals

OFFICE = requires(Role.assessment_office, Role.admin)


@post("/me/appeals", guards=[requires(Role.cadre, Role.leader)])
async def lodge_appeal(
    request: Request[CurrentUser, str, Any], data: Annotated[dict[str, Any], FORM]
) -> Template | Redirect:
    form = FormReader(text_fields(data))
    if request.user.cadre_id is None:
        raise NotFound("此账号未关联干部")
    raw = form.text("cycle")
    cycle = int(raw) if raw.isdigit() and len(raw) < 10 else 0
    try:
        await appeals.lodge(
            cycle,
            request.user.cadre_id,
            request.user.username,
            form.text("competency"),
            form.text("reason"),
        )
    except Invalid as exc:
        return await own_feedback_page(request, cycle, exc.problems, form.fields)
    return redirect_with_message(
        f"/me/feedback?cycle={cycle}#appeals", "申诉已提交，考核办复核后会在本页和首页答复"
    )


async def _office_page(
    request: Request[CurrentUser, str, Any],
    cycle_id: int,
    errors: dict[str, str] | None = None,
    failed: int | None = None,
) -> Template:
    return render(
        request,
        "cycles/appeals.html",
        cycle=await cycle_service.get_cycle(cycle_id),
        publicity=await appeals.publicity(cycle_id),
        appeals=await appeals.for_cycle(cycle_id),
        corrections=appeals.CORRECTIONS,
        errors=errors or {},
        failed=failed,
        status_code=400 if errors else 200,
    )


@get("/office/cycles/{cycle_id:int}/appeals", guards=[OFFICE])
async def appeals_page(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int]
) -> Template:
    return await _office_page(request, cycle_id)


@post("/office/appeals/{appeal_id:int}/decide", guards=[OFFICE])
async def decide_appeal(
    request: Request[CurrentUser, str, Any],
    appeal_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    cycle_id = await appeals.cycle_of(appeal_id)

    async def decide(uphold: bool, correction: str, reason: str, by: str) -> str:
        decided = await appeals.decide(appeal_id, uphold, correction, reason, by)
        if decided.state == "upheld":
            return "已维持申诉：更正已记录，结果已重新计算并冻结"
        return "已驳回申诉，理由已告知本人"

    return await decide_from_form(
        request,
        data,
        decide,
        correction_field="correction",
        again=lambda problems: _office_page(request, cycle_id, problems, appeal_id),
        back_to=f"/office/cycles/{cycle_id}/appeals",
    )


routes = [lodge_appeal, appeals_page, decide_appeal]
