"""The 核查组 on site, on a phone: the towns of the current year, then a town's reported
figures of a quarter, each confirmed or corrected with a note and a photo. The office reads
the results in its 核查 page and beside each town's 实地核查 score."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import Role
from app.forms import redirect_with_message
from app.scorecard_views import MULTIPART
from app.templating import render
from evaluation.errors import Invalid, NotFound
from evaluation.scorecard import field_checks
from evaluation.scorecard import service as scorecard

CHECKERS = requires(Role.field_checker)


async def _year() -> int:
    year = await scorecard.current_year()
    if year is None:
        raise NotFound("还没有发布的乡镇考核方案")
    return year


@get("/check", guards=[CHECKERS])
async def towns(request: Request[CurrentUser, str, Any]) -> Template:
    year = await _year()
    return render(
        request,
        "scorecard/check_towns.html",
        year=year,
        towns=await scorecard.towns(),
        done=await field_checks.by_town(year),
    )


async def _sheet_page(
    request: Request[CurrentUser, str, Any],
    town_id: int,
    quarter: int | None,
    errors: dict[str, str],
    failed: int | None = None,
) -> Template:
    return render(
        request,
        "scorecard/check_town.html",
        status_code=400 if errors else 200,
        sheet=await field_checks.sheet(await _year(), town_id, quarter),
        errors=errors,
        failed=failed,
    )


@get("/check/{town_id:int}", guards=[CHECKERS])
async def town_sheet(
    request: Request[CurrentUser, str, Any],
    town_id: FromPath[int],
    quarter: FromQuery[int | None] = None,
) -> Template:
    return await _sheet_page(request, town_id, quarter, {})


@post("/check/values/{value_id:int}", guards=[CHECKERS])
async def check_value(
    request: Request[CurrentUser, str, Any],
    value_id: FromPath[int],
    data: Annotated[dict[str, Any], MULTIPART],
) -> Template | Redirect:
    def text(key: str) -> str:
        value = data.get(key)
        return value if isinstance(value, str) else ""

    upload = data.get("photo")
    photo = None
    if isinstance(upload, UploadFile) and upload.filename:
        photo = field_checks.Photo(upload.filename, upload.content_type or "", await upload.read())
    try:
        item = await field_checks.record(
            value_id,
            text("decision"),
            text("value"),
            text("note"),
            photo,
            request.user.display_name or request.user.username,
        )
    except Invalid as exc:
        town, quarter = await field_checks.place_of(value_id)
        return await _sheet_page(request, town, quarter, exc.problems, failed=value_id)
    said = (
        f"{item.name}：已确认与填报一致"
        if item.status == "confirmed"
        else f"{item.name}：已更正为 {item.after:g} {item.unit}"
    )
    where = f"/check/{item.town_id}?quarter={item.quarter}#v{value_id}"
    return redirect_with_message(where, said)


routes = [towns, town_sheet, check_value]
