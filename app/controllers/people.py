"""Home pages of cadres and leaders: who I am in the roster; whom I lead."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import Role
from app.templating import render
from evaluation.errors import NotFound
from evaluation.organisation import directory
from evaluation.results import feedback as feedback_service
from evaluation.results import snapshots as results_service


@get("/me", guards=[requires(Role.cadre, Role.leader)])
async def my_page(request: Request[CurrentUser, str, Any]) -> Template:
    if request.user.cadre_id is None:
        raise NotFound("此账号未关联干部")
    return render(request, "people/me.html", cadre=await directory.cadre(request.user.cadre_id))


@get("/team", guards=[requires(Role.leader)])
async def team_page(request: Request[CurrentUser, str, Any]) -> Template:
    if request.user.cadre_id is None:
        raise NotFound("此账号未关联干部")
    me = await directory.cadre(request.user.cadre_id)
    cycles = await results_service.published_cycles()
    results = {}
    if cycles:
        snapshot = await results_service.snapshot_for(int(cycles[0]["id"]))
        results = {
            row["id"]: row
            for row in await feedback_service.team_results(request.user.cadre_id, snapshot.id)
        }
    return render(
        request,
        "people/team.html",
        me=me,
        team=await directory.team(request.user.cadre_id),
        results=results,
        latest=cycles[0] if cycles else None,
    )


routes = [my_page, team_page]
