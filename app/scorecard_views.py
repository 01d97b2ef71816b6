"""What the scorecard's controllers share: whose town a reporter or a principal leader works
for, the year a page shows, and a town's page (the office's, the clerk's and the leaders'
views are one template)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template

from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import Role
from app.charts import score_bars, score_trend
from app.home_notices import notices_for
from app.templating import render
from evaluation.errors import NotReady, PermissionDenied
from evaluation.organisation import directory
from evaluation.organisation.schemas import CadreRecord
from evaluation.organisation.vocabulary import TOWN_PRINCIPALS
from evaluation.scorecard import (
    fault_tolerance,
    field_checks,
    followup,
    projects,
    service,
    town_appeals,
)
from evaluation.scorecard.plan import Dimension
from evaluation.words import DIMENSION_LABELS

OFFICE = requires(Role.assessment_office, Role.admin)
REPORTER = requires(Role.reporter)
# the town's own: its data clerk, and its principal leaders (a leader account is checked for
# the post by `town_of_viewer`)
TOWN_READERS = requires(Role.reporter, Role.leader)
PRINCIPAL = requires(Role.leader)
OFFICE_OR_REPORTER = requires(Role.assessment_office, Role.admin, Role.reporter)
OFFICE_OR_TOWN = requires(Role.assessment_office, Role.admin, Role.reporter, Role.leader)
FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
MULTIPART = Body(media_type=RequestEncodingType.MULTI_PART)
DIMENSIONS = [str(d) for d in Dimension]


async def reporter_town(user: CurrentUser) -> int:
    """The town a reporter reports for: the town of the cadre their account points at."""
    if user.cadre_id is None:
        raise PermissionDenied("填报员账号没有关联乡镇，请联系管理员")
    return (await directory.cadre(user.cadre_id)).town_id


async def principal_of(user: CurrentUser) -> CadreRecord:
    """The cadre behind a leader account that holds one of its town's principal posts
    (党委书记, 镇长/乡长); other leaders are refused."""
    cadre = await directory.cadre(user.cadre_id) if user.cadre_id is not None else None
    if user.role != Role.leader or cadre is None or cadre.position not in TOWN_PRINCIPALS:
        raise PermissionDenied("乡镇考核页面供本镇党委书记、镇长（乡长）和填报员使用")
    return cadre


async def town_of_viewer(user: CurrentUser) -> int:
    """The town whose scorecard the account reads: its reporter's, or its principal's."""
    if user.role == Role.reporter:
        return await reporter_town(user)
    return (await principal_of(user)).town_id


async def may_see_town(user: CurrentUser, town_id: int) -> None:
    if user.role in (Role.reporter, Role.leader) and await town_of_viewer(user) != town_id:
        raise PermissionDenied("只能查看本乡镇的考核信息")


async def year_or_current(year: int | None = None) -> int:
    chosen = year or await service.current_year()
    if chosen is None:
        raise NotReady("还没有发布的乡镇绩效考核方案")
    return chosen


async def town_page(
    request: Request[CurrentUser, str, Any],
    year: int,
    town_id: int,
    *,
    office: bool,
    errors: dict[str, str] | None = None,
) -> Template:
    """The town's page: for the office, for the town's clerk (who reports and answers), or
    for its principal leaders (who read it and sign the contract)."""
    view = await service.town_view(year, town_id)
    principal = not office and request.user.role == Role.leader
    cards = await projects.card_views(year, town_id)
    interviews, tasks = await followup.town_followups(year, town_id)
    years = await service.published_years()
    earlier = (
        (year - 1)
        if not office and year - 1 in years and (await town_appeals.year_publicity(year - 1)).open
        else None
    )
    return render(
        request,
        "scorecard/town.html",
        view=view,
        cards=cards,
        open_milestones=[
            (project, milestone)
            for project in await projects.project_views(year, town_id)
            for milestone in project.milestones
            if milestone.done_on is None
        ],
        criteria=fault_tolerance.CRITERIA,
        field=(await field_checks.by_town(year, town_id)).get(town_id) if office else None,
        today=service.today(),
        interviews=interviews,
        group=view.group,
        publicity=await town_appeals.year_publicity(year),
        appeals=await town_appeals.views(year, town_id),
        earlier_in_publicity=earlier,
        notices=[]
        if office
        else await notices_for(
            request.user, cards if year == await service.current_year() else None
        ),
        tasks=tasks,
        outcomes=followup.OUTCOMES,
        office=office,
        principal=principal,
        clerk=not office and not principal,
        dimensions=DIMENSIONS,
        bars=score_bars(
            [(DIMENSION_LABELS[d], view.score.dimensions.get(d)) for d in DIMENSIONS]
            if view.score
            else [],
            f"{view.town_name}四个维度得分",
        ),
        trend=score_trend(
            [(f"Q{i + 1}", v) for i, v in enumerate(view.score.trend) if v is not None]
            if view.score
            else [],
            f"{view.town_name}各季度总分",
        ),
        errors=errors or {},
        status_code=400 if errors else 200,
    )
