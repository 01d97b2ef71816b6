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
from evaluation.results import snapshots
from evaluation.results.team import team_results


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
    team = await directory.team(request.user.cadre_id)
    snapshot = await snapshots.latest_published()
    results = (
        await team_results(request.user.cadre_id, [m.id for m in team], snapshot)
        if snapshot
        else {}
    )
    return render(
        request,
        "people/team.html",
        me=me,
        team=team,
        results=results,
        latest=snapshot.cycle if snapshot else None,
    )


routes = [my_page, team_page]
