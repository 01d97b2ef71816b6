"""Development plans over HTTP: a cadre writes 1–3 goals from their latest feedback and sends
them; their leader agrees or returns them; the cadre records progress mid-cycle; the office
(and a leader for their team) sees how many cadres of each town have a plan. The next
cycle's feedback page shows each goal beside the new score (`feedback.own_feedback_page`)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import Role
from app.controllers.feedback import courses_for
from app.forms import form_fields, redirect_with_message
from app.templating import render
from evaluation.cycles.service import rubric_for_cycle
from evaluation.development import plan_store
from evaluation.development.goals import MAX_GOALS, GoalInput, read_goals
from evaluation.errors import Invalid, NotFound
from evaluation.organisation import directory
from evaluation.results import snapshots
from evaluation.results.feedback import Feedback, cadre_feedback

CADRES = requires(Role.cadre, Role.leader)
LEADERS = requires(Role.leader)
OFFICE = requires(Role.assessment_office, Role.admin)


def _own(request: Request[CurrentUser, str, Any]) -> int:
    if request.user.cadre_id is None:
        raise NotFound("此账号未关联干部")
    return request.user.cadre_id


def _choices(profile: Feedback) -> list[tuple[str, str, bool]]:
    """The competencies to choose from, the cadre's weaknesses first: (id, name, weak)."""
    weak = [c.competency for c in profile.weaknesses]
    shown = {c.competency: c.name for c in profile.competencies}
    return [(c, shown[c], True) for c in weak if c in shown] + [
        (c, name, False) for c, name in shown.items() if c not in weak
    ]


async def _levels(cycle_id: int) -> list[tuple[int, str]]:
    rubric = await rubric_for_cycle(cycle_id)
    return [(a.level, a.label) for a in rubric.competencies[0].anchors]


async def _page(
    request: Request[CurrentUser, str, Any],
    errors: dict[str, str],
    typed: list[GoalInput] | None = None,
) -> Template:
    cadre = _own(request)
    profile = await cadre_feedback(cadre)
    plan = await plan_store.plan_for(cadre, profile.cycle.id)
    if typed is None:
        typed = [
            GoalInput(
                competency=g.competency, target=str(g.target), actions=g.actions, course=g.course
            )
            for g in (plan.goals if plan else [])
        ]
    if not typed and profile.weaknesses:  # a first plan starts from the first weakness
        typed = [GoalInput(competency=profile.weaknesses[0].competency, target="", actions="")]
    typed = typed + [GoalInput(competency="", target="", actions="")] * (MAX_GOALS - len(typed))
    return render(
        request,
        "development/mine.html",
        status_code=400 if errors else 200,
        p=profile,
        plan=plan,
        rows=typed[:MAX_GOALS],
        choices=_choices(profile),
        levels=await _levels(profile.cycle.id),
        courses=await courses_for(profile),
        errors=errors,
    )


@get("/me/plan", guards=[CADRES])
async def my_plan(request: Request[CurrentUser, str, Any]) -> Template:
    return await _page(request, {})


@post("/me/plan", guards=[CADRES])
async def save_plan(request: Request[CurrentUser, str, Any]) -> Template | Redirect:
    cadre = _own(request)
    fields = await form_fields(request)
    typed = [
        GoalInput(
            competency=fields.get(f"goal{n}_competency", ""),
            target=fields.get(f"goal{n}_target", ""),
            actions=fields.get(f"goal{n}_actions", ""),
            course=fields.get(f"goal{n}_course", ""),
        )
        for n in range(1, MAX_GOALS + 1)
    ]
    profile = await cadre_feedback(cadre)
    scores = {c.competency: c.score for c in profile.competencies}
    try:
        goals = read_goals(
            typed,
            {c: name for c, name, _ in _choices(profile)},
            scores,
            {r.title for r in await courses_for(profile)},
        )
    except Invalid as exc:
        return await _page(request, exc.problems, typed)
    send = fields.get("action") == "send"
    await plan_store.save(cadre, profile.cycle.id, goals, send)
    said = "计划已提交，等待领导确认" if send else "计划已保存（尚未提交）"
    return redirect_with_message("/me/plan", said)


@post("/me/plan/checkin", guards=[CADRES])
async def check_in(request: Request[CurrentUser, str, Any]) -> Template | Redirect:
    cadre = _own(request)
    profile = await cadre_feedback(cadre)
    plan = await plan_store.plan_for(cadre, profile.cycle.id)
    if plan is None:
        raise NotFound("还没有发展计划")
    fields = await form_fields(request)
    try:
        await plan_store.check_in(
            plan, {g.competency: fields.get(f"note_{g.competency}", "") for g in plan.goals}
        )
    except Invalid as exc:
        return await _page(request, exc.problems)
    return redirect_with_message("/me/plan", "进展已记录")


async def _member_plan(request: Request[CurrentUser, str, Any], member_id: int) -> Any:
    leader = _own(request)
    if not await directory.leads(leader, member_id):
        raise NotFound("找不到该干部")  # the same answer whether or not the cadre exists
    cycles = await snapshots.published_cycles()
    if not cycles:
        raise NotFound("还没有已发布的考核结果")
    return await plan_store.plan_for(member_id, cycles[0].id)


@get("/team/{member_id:int}/plan", guards=[LEADERS])
async def member_plan(
    request: Request[CurrentUser, str, Any], member_id: FromPath[int]
) -> Template:
    return await _member_page(request, member_id, {})


async def _member_page(
    request: Request[CurrentUser, str, Any], member_id: int, errors: dict[str, str]
) -> Template:
    plan = await _member_plan(request, member_id)
    return render(
        request,
        "development/member.html",
        status_code=400 if errors else 200,
        plan=plan,
        member=await directory.cadre(member_id),
        errors=errors,
    )


@post("/team/{member_id:int}/plan", guards=[LEADERS])
async def decide_plan(
    request: Request[CurrentUser, str, Any], member_id: FromPath[int]
) -> Template | Redirect:
    plan = await _member_plan(request, member_id)
    if plan is None:
        raise NotFound("该干部还没有发展计划")
    fields = await form_fields(request)
    agree = fields.get("decision") == "agree"
    try:
        await plan_store.decide(plan, request.user.display_name, agree, fields.get("comment", ""))
    except Invalid as exc:
        return await _member_page(request, member_id, exc.problems)
    said = "已确认该干部的发展计划" if agree else "已退回，干部会看到您的意见"
    return redirect_with_message(f"/team/{member_id}/plan", said)


@get("/office/development", guards=[OFFICE])
async def coverage(request: Request[CurrentUser, str, Any]) -> Template:
    cycles = await snapshots.published_cycles()
    if not cycles:
        raise NotFound("还没有已发布的考核结果")
    return render(
        request,
        "development/coverage.html",
        cycle=cycles[0],
        towns=await plan_store.coverage(cycles[0].id),
    )


routes = [my_plan, save_plan, check_in, member_plan, decide_plan, coverage]
