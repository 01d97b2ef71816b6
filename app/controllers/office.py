"""Home pages of the assessment and training offices: the county at a glance, town by town."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Template

from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import Role
from app.templating import render
from evaluation.organisation import directory
from evaluation.organisation.vocabulary import TOWN_TYPE_LABELS
from evaluation.reports.county_results import county_glance
from evaluation.reports.office_todos import office_todos

OFFICES = requires(Role.assessment_office, Role.training_office, Role.admin)


@get("/office", guards=[requires(Role.assessment_office, Role.admin)])
async def office_home(request: Request[CurrentUser, str, Any]) -> Template:
    return render(
        request,
        "office/home.html",
        notices=await office_todos(),
        county=await directory.county_name(),
        counts=await directory.counts(),
        towns=await directory.towns_overview(),
        glance=await county_glance(),
    )


@get("/training", guards=[requires(Role.training_office, Role.admin)])
async def training_home(request: Request[CurrentUser, str, Any]) -> Template:
    towns = await directory.towns_overview()
    return render(
        request,
        "training/home.html",
        county=await directory.county_name(),
        counts=await directory.counts(),
        by_class=directory.staff_by_class(towns),
        towns=towns,
    )


@get("/office/towns/{town_id:int}", guards=[OFFICES])
async def town_page(request: Request[CurrentUser, str, Any], town_id: FromPath[int]) -> Template:
    return render(
        request,
        "office/town.html",
        town=await directory.town(town_id),
        cadres=await directory.cadres_of_town(town_id),
        TOWN_TYPE_LABELS=TOWN_TYPE_LABELS,
    )


routes = [office_home, training_home, town_page]
