"""Personal feedback: a cadre's own profile (page and PDF), and a leader's view of the people
they lead. Nobody else's profile is reachable here: the cadre id comes from the session, and
a leader's request for anyone outside their team is a 404."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import Role
from app.charts import Interval, bars, radar, sparkline
from app.pdf_report import feedback_pdf
from app.templating import render
from evaluation.development import plan_store
from evaluation.development.plan_store import Growth
from evaluation.errors import NotFound
from evaluation.organisation import directory
from evaluation.results import appeals
from evaluation.results.feedback import Feedback, cadre_feedback
from training.planning import suggestions
from training.schemas import Recommendation

PDF = "application/pdf"


def charts(profile: Feedback) -> dict[str, Any]:
    points = [
        Interval(
            label=c.name,
            score=c.score,
            lo=c.lo,
            hi=c.hi,
            raw=c.raw_mean,
            light=c.light or "yellow",
            norm=c.norm,
        )
        for c in profile.competencies
        if c.score is not None and c.lo is not None and c.hi is not None and c.norm is not None
    ]
    return {
        "radar": radar(points, "各项能力得分（虚线为同类干部常模）"),
        "bars": bars(points, "得分与可能范围（空心点为原始均分）"),
        "trend": sparkline([(h.label, h.overall) for h in profile.history], "历年综合得分"),
    }


def _own_cadre(request: Request[CurrentUser, str, Any]) -> int:
    if request.user.cadre_id is None:
        raise NotFound("此账号未关联干部")
    return request.user.cadre_id


async def own_feedback_page(
    request: Request[CurrentUser, str, Any],
    cycle: int | None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Template:
    cadre = _own_cadre(request)
    profile = await cadre_feedback(cadre, cycle)
    return render(
        request,
        "feedback/profile.html",
        p=profile,
        own=True,
        training=await courses_for(profile),
        growth=await growth_for(profile),
        publicity=await appeals.publicity(profile.cycle.id),
        appeals=await appeals.for_cadre(cadre, profile.cycle.id),
        errors=errors or {},
        values=values or {},
        status_code=400 if errors else 200,
        **charts(profile),
    )


async def growth_for(profile: Feedback) -> Growth | None:
    """The goals of the cadre's plan from an earlier published cycle, beside this one's
    scores (shown to the cadre and to their leader, who read these scores anyway)."""
    older = [(c.id, c.name) for c in profile.cycles if c.year < profile.cycle.year]
    scores = {c.competency: c.score for c in profile.competencies}
    return await plan_store.growth_since(profile.person.id, older, scores)


async def courses_for(profile: Feedback) -> list[Recommendation]:
    """Upcoming courses for the weaknesses this page shows."""
    shown = [
        (c.competency, c.name, c.norm - c.score)
        for c in profile.weaknesses
        if c.norm is not None and c.score is not None
    ]
    return await suggestions.recommendations(profile.person.id, shown)


@get("/me/feedback", guards=[requires(Role.cadre, Role.leader)])
async def my_feedback(
    request: Request[CurrentUser, str, Any], cycle: FromQuery[int | None] = None
) -> Template:
    return await own_feedback_page(request, cycle)


@get("/me/feedback.pdf", guards=[requires(Role.cadre, Role.leader)])
async def my_feedback_pdf(
    request: Request[CurrentUser, str, Any], cycle: FromQuery[int | None] = None
) -> Response[bytes]:
    cadre = _own_cadre(request)
    profile = await cadre_feedback(cadre, cycle)
    corrections = [
        f"{a.competency_name}：{a.correction_text}（{a.decided_on}，{a.decision_reason}）"
        for a in await appeals.for_cadre(cadre, profile.cycle.id)
        if a.state == "upheld"
    ]
    return Response(
        feedback_pdf(profile, corrections, await courses_for(profile)),
        media_type=PDF,
        headers={"content-disposition": f"attachment; filename=feedback-{profile.cycle.year}.pdf"},
    )


@get("/team/{member_id:int}/feedback", guards=[requires(Role.leader)])
async def member_feedback(
    request: Request[CurrentUser, str, Any],
    member_id: FromPath[int],
    cycle: FromQuery[int | None] = None,
) -> Template:
    leader = _own_cadre(request)
    if not await directory.leads(leader, member_id):
        raise NotFound("找不到该干部")  # the same answer whether or not the cadre exists
    profile = await cadre_feedback(member_id, cycle, reader=leader)
    upheld = [
        a for a in await appeals.for_cadre(member_id, profile.cycle.id) if a.state == "upheld"
    ]
    return render(
        request,
        "feedback/profile.html",
        p=profile,
        own=False,
        publicity=await appeals.publicity(profile.cycle.id),
        appeals=upheld,  # the corrections are part of the result; the cadre's reasons are not
        training=await courses_for(profile),
        growth=await growth_for(profile),
        **charts(profile),
    )


routes = [my_feedback, my_feedback_pdf, member_feedback]
