"""Home pages of cadres and leaders: who I am in the roster, what needs me (notices), my
town's cards — on which a cadre may apply for a 容错 exemption — and whom I lead."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import Role
from app.forms import FormReader, redirect_with_message, text_fields
from app.home_notices import notices_for
from app.scorecard_views import FORM
from app.templating import render
from evaluation.errors import Invalid, NotFound
from evaluation.organisation import directory
from evaluation.organisation.vocabulary import TOWN_PRINCIPALS
from evaluation.results import snapshots
from evaluation.results.team import team_results
from evaluation.scorecard import fault_tolerance, projects, service

CADRES = requires(Role.cadre, Role.leader)


def _own(request: Request[CurrentUser, str, Any]) -> int:
    if request.user.cadre_id is None:
        raise NotFound("此账号未关联干部")
    return request.user.cadre_id


async def _me_page(
    request: Request[CurrentUser, str, Any],
    errors: dict[str, str] | None = None,
    failed: int | None = None,
) -> Template:
    cadre = await directory.cadre(_own(request))
    year = await service.current_year()
    cards = await projects.card_views(year, cadre.town_id) if year else []
    exemptions = await fault_tolerance.exemption_views(year) if year else []
    return render(
        request,
        "people/me.html",
        cadre=cadre,
        notices=await notices_for(request.user, cards, exemptions),
        red_cards=[c for c in cards if c.colour == "red"],
        exemptions=[e for e in exemptions if e.account == request.user.username],
        failed=failed,
        errors=errors or {},
        status_code=400 if errors else 200,
    )


@get("/me", guards=[CADRES])
async def my_page(request: Request[CurrentUser, str, Any]) -> Template:
    return await _me_page(request)


@post("/me/cards/{card_id:int}/exemption", guards=[CADRES])
async def apply_exemption(
    request: Request[CurrentUser, str, Any],
    card_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    """A cadre applies for a 容错 exemption on a red card of their own town."""
    form = FormReader(text_fields(data))
    cadre = await directory.cadre(_own(request))
    try:
        await fault_tolerance.apply_exemption(
            card_id,
            f"{cadre.name}（{cadre.position}）",
            cadre.town_id,
            form.text("reform"),
            form.text("reason"),
            request.user.username,
        )
    except Invalid as exc:
        return await _me_page(request, exc.problems, card_id)
    return redirect_with_message("/me#my-exemptions", "豁免申请已提交，考核办审核后会在首页通知您")


@get("/team", guards=[requires(Role.leader)])
async def team_page(request: Request[CurrentUser, str, Any]) -> Template:
    me = await directory.cadre(_own(request))
    team = await directory.team(me.id)
    snapshot = await snapshots.latest_published()
    results = await team_results(me.id, [m.id for m in team], snapshot) if snapshot else {}
    return render(
        request,
        "people/team.html",
        me=me,
        team=team,
        results=results,
        latest=snapshot.cycle if snapshot else None,
        notices=await notices_for(request.user),
        principal=me.position in TOWN_PRINCIPALS,  # the town's scorecard is theirs to read
    )


routes = [my_page, apply_exemption, team_page]
