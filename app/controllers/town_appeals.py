"""公示 and 申诉/复核 of the towns' year results: the office publishes the year for 公示 and
decides appeals; a town reporter objects during the period."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.accounts.auth import CurrentUser
from app.controllers.appeal_forms import decide_from_form
from app.forms import FormReader, redirect_with_message, text_fields
from app.scorecard_views import FORM, OFFICE, REPORTER, reporter_town, town_page, year_or_current
from app.templating import render
from evaluation.errors import Conflict, Invalid
from evaluation.scorecard import town_appeals


@post("/scorecard/{year:int}/results/publish", guards=[OFFICE])
async def publish_results(
    request: Request[CurrentUser, str, Any], year: FromPath[int]
) -> Redirect | Template:
    try:
        state = await town_appeals.publish_results(year, request.user.username)
    except Conflict as exc:
        return redirect_with_message(f"/scorecard/{year}", exc.message)
    except Invalid as exc:  # the list of what is missing, town by town
        return render(
            request,
            "scorecard/publish_blocked.html",
            status_code=409,
            year=year,
            message=exc.message,
            blockers=list(exc.problems.items()),
        )
    return redirect_with_message(
        f"/scorecard/{year}", f"{year} 年度结果已发布，公示至 {state.ends_on}"
    )


async def _office_page(
    request: Request[CurrentUser, str, Any],
    year: int,
    errors: dict[str, str] | None = None,
    failed: int | None = None,
) -> Template:
    return render(
        request,
        "scorecard/appeals.html",
        year=year,
        publicity=await town_appeals.year_publicity(year),
        appeals=await town_appeals.views(year),
        errors=errors or {},
        failed=failed,
        status_code=400 if errors else 200,
    )


@get("/scorecard/{year:int}/appeals", guards=[OFFICE])
async def appeals_page(request: Request[CurrentUser, str, Any], year: FromPath[int]) -> Template:
    return await _office_page(request, year)


@post("/scorecard/appeals/{appeal_id:int}/decide", guards=[OFFICE])
async def decide_appeal(
    request: Request[CurrentUser, str, Any],
    appeal_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    year = await town_appeals.year_of(appeal_id)

    async def decide(uphold: bool, value: str, reason: str, by: str) -> str:
        await town_appeals.decide(appeal_id, uphold, value, reason, by)
        return "复核意见已保存"

    return await decide_from_form(
        request,
        data,
        decide,
        correction_field="value",
        again=lambda problems: _office_page(request, year, problems, appeal_id),
        back_to=f"/scorecard/{year}/appeals",
    )


@post("/town/appeals", guards=[REPORTER])
async def lodge_appeal(
    request: Request[CurrentUser, str, Any], data: Annotated[dict[str, Any], FORM]
) -> Template | Redirect:
    form = FormReader(text_fields(data))
    town_id = await reporter_town(request.user)
    raw = form.text("year")
    year = int(raw) if raw.isdigit() and len(raw) == 4 else await year_or_current()
    try:
        await town_appeals.lodge(
            year, town_id, form.text("indicator"), form.text("reason"), request.user.display_name
        )
    except Invalid as exc:
        return await town_page(request, year, town_id, office=False, errors=exc.problems)
    return redirect_with_message(f"/town?year={year}#appeals", "申诉已提交，考核办复核后在本页答复")


routes = [publish_results, appeals_page, decide_appeal, lodge_appeal]
