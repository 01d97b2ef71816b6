"""Assessment office: find a cadre, edit them, transfer or record a departure, set leaders,
edit a town — one person at a time, each change kept as history."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import Role
from app.forms import FormReader, form_fields, redirect_with_message
from app.paging import list_params
from app.templating import render
from evaluation.errors import Invalid
from evaluation.organisation import directory, upkeep
from evaluation.organisation.vocabulary import TOWN_TYPE_LABELS

OFFICE = requires(Role.assessment_office, Role.admin)


@get("/office/cadres", guards=[OFFICE])
async def cadres_page(request: Request[CurrentUser, str, Any]) -> Template:
    query, page = list_params(request)
    return render(
        request,
        "office/cadres.html",
        query=query,
        found=await directory.search_cadres(query, page),
    )


async def _cadre_page(
    request: Request[Any, Any, Any],
    cadre_id: int,
    errors: dict[str, str] | None = None,
    form: str = "",
    values: dict[str, str] | None = None,
) -> Template:
    towns = [{"id": i, "name": n} for i, n in sorted((await directory.town_names()).items())]
    return render(
        request,
        "office/cadre.html",
        status_code=400 if errors else 200,
        cadre=await directory.cadre(cadre_id),
        contacts=await directory.contacts(cadre_id),
        history=await upkeep.history(cadre_id),
        towns=towns,
        errors=errors or {},
        form=form,
        values=values or {},
    )


@get("/office/cadres/{cadre_id:int}", guards=[OFFICE])
async def cadre_page(request: Request[CurrentUser, str, Any], cadre_id: FromPath[int]) -> Template:
    return await _cadre_page(request, cadre_id)


@post("/office/cadres/{cadre_id:int}/transfer", guards=[OFFICE])
async def transfer(
    request: Request[CurrentUser, str, Any], cadre_id: FromPath[int]
) -> Response[Any]:
    fields = await form_fields(request)
    form = FormReader(fields)
    town = form.integer("town", "调入乡镇")
    effective_on = form.day("effective_on", "生效日期")
    try:  # missing or malformed values arrive as None, which the domain names too
        await upkeep.transfer(
            cadre_id,
            town_id=town,
            position=form.text("position"),
            effective_on=effective_on,
            reason=form.text("reason"),
            by=request.user.username,
        )
    except Invalid as exc:
        problems = {**exc.problems, **form.problems}
        return await _cadre_page(request, cadre_id, problems, "transfer", fields)
    return redirect_with_message(f"/office/cadres/{cadre_id}", "调动已记录")


@post("/office/cadres/{cadre_id:int}/depart", guards=[OFFICE])
async def depart(request: Request[CurrentUser, str, Any], cadre_id: FromPath[int]) -> Response[Any]:
    fields = await form_fields(request)
    form = FormReader(fields)
    effective_on = form.day("effective_on", "生效日期")
    try:
        await upkeep.depart(
            cadre_id,
            effective_on=effective_on,
            reason=form.text("reason"),
            by=request.user.username,
        )
    except Invalid as exc:
        problems = {**exc.problems, **form.problems}
        return await _cadre_page(request, cadre_id, problems, "depart", fields)
    return redirect_with_message(f"/office/cadres/{cadre_id}", "离任已记录")


@post("/office/cadres/{cadre_id:int}/edit", guards=[OFFICE])
async def edit(request: Request[CurrentUser, str, Any], cadre_id: FromPath[int]) -> Response[Any]:
    fields = await form_fields(request)
    try:
        await upkeep.edit(
            cadre_id,
            name=fields.get("name", ""),
            rank=fields.get("rank", ""),
            phone=fields.get("phone"),
            email=fields.get("email"),
            by=request.user.username,
        )
    except Invalid as exc:
        return await _cadre_page(request, cadre_id, exc.problems, "edit", fields)
    return redirect_with_message(f"/office/cadres/{cadre_id}", "已保存")


@post("/office/cadres/{cadre_id:int}/leaders", guards=[OFFICE])
async def leaders(
    request: Request[CurrentUser, str, Any], cadre_id: FromPath[int]
) -> Response[Any]:
    fields = await form_fields(request)
    numbers = fields.get("leaders", "").replace("，", ",").replace("；", ",").replace(";", ",")
    try:
        await upkeep.set_leaders(cadre_id, numbers.split(","), by=request.user.username)
    except Invalid as exc:
        return await _cadre_page(request, cadre_id, exc.problems, "leaders", fields)
    return redirect_with_message(f"/office/cadres/{cadre_id}", "领导已更新")


@post("/office/towns/{town_id:int}/edit", guards=[OFFICE])
async def edit_town(
    request: Request[CurrentUser, str, Any], town_id: FromPath[int]
) -> Response[Any]:
    fields = await form_fields(request)
    try:
        await upkeep.edit_town(
            town_id, name=fields.get("name", ""), town_type=fields.get("town_type", "")
        )
    except Invalid as exc:
        return render(
            request,
            "office/town.html",
            status_code=400,
            town=await directory.town(town_id),
            cadres=await directory.cadres_of_town(town_id),
            errors=exc.problems,
            TOWN_TYPE_LABELS=TOWN_TYPE_LABELS,
        )
    return redirect_with_message(f"/office/towns/{town_id}", "乡镇信息已保存")


routes = [cadres_page, cadre_page, transfer, depart, edit, leaders, edit_town]
