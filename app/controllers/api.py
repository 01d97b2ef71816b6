"""JSON API for submissions (a future WeChat mini-program): resident QR forms and raters'
assignments. Bodies are msgspec Structs (so the OpenAPI document describes them); errors are
problem+json; writes accept `application/json` only."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post, put
from litestar.exceptions import TooManyRequestsException
from litestar.params import FromPath, JSONBody

from app.accounts.auth import CurrentUser, json_body_only, requires
from app.accounts.roles import Role
from app.errors import API_PROBLEMS
from app.resident import remember_device, resident_client, within_rate_limit
from evaluation.errors import Conflict, NotFound
from evaluation.responses import campaigns as campaign_service
from evaluation.responses import raters as rater_service
from evaluation.responses.context import FormContext, ratee_context
from evaluation.responses.raters import RaterTask
from evaluation.responses.submit import Intake, submit

RATERS = requires(Role.leader, Role.cadre)
Level = Annotated[int, msgspec.Meta(ge=1, le=5)]
Text = Annotated[str, msgspec.Meta(max_length=1000)]
Key = Annotated[str, msgspec.Meta(min_length=8, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")]


class Option(msgspec.Struct):
    level: int
    text: str


class Item(msgspec.Struct):
    id: str
    name: str
    question: str
    options: list[Option]


class Ratee(msgspec.Struct):
    name: str
    town: str
    position: str


class FormOut(msgspec.Struct):
    ratee: Ratee
    items: list[Item]
    top_levels_left: int | None = None


class Answers(msgspec.Struct, forbid_unknown_fields=True):
    """`answers` maps each item id to a level 1–5, or null for "cannot observe"."""

    answers: Annotated[
        dict[Annotated[str, msgspec.Meta(max_length=32)], Level | None], msgspec.Meta(max_length=20)
    ]
    notes: Annotated[
        dict[Annotated[str, msgspec.Meta(max_length=32)], Text], msgspec.Meta(max_length=20)
    ] = {}
    comment: Text = ""
    client_key: Key | None = None
    verification_code: Annotated[str, msgspec.Meta(max_length=16)] | None = None


class Submitted(msgspec.Struct):
    id: int


class AssignmentOut(msgspec.Struct):
    id: int
    cycle: str
    ratee: str
    position: str
    rater_group: str
    status: str
    closes_on: str


def as_fields(body: Answers) -> dict[str, str]:
    fields = {f"level_{k}": ("na" if v is None else str(v)) for k, v in body.answers.items()}
    fields.update({f"note_{k}": v for k, v in body.notes.items()})
    fields["comment"] = body.comment
    return fields


def _form_out(context: FormContext, resident: bool, left: int | None = None) -> FormOut:
    cadre = context.cadre
    items = []
    for item in context.items:
        if resident and item.resident:
            options = [Option(level=i + 1, text=t) for i, t in enumerate(item.resident.options)]
            question = item.resident.question
        else:
            options = [
                Option(level=a.level, text=f"{a.label}：{a.behaviour}") for a in item.anchors
            ]
            question = item.definition
        items.append(Item(id=item.id, name=item.name, question=question, options=options))
    return FormOut(
        ratee=Ratee(name=cadre.name, town=cadre.town_name, position=cadre.position),
        items=items,
        top_levels_left=left,
    )


@get("/api/r/{token:str}/form", exclude_from_auth=True, tags=["resident"], responses=API_PROBLEMS)
async def resident_form_api(token: FromPath[str]) -> FormOut:
    """The plain-language form behind a QR code."""
    link = await campaign_service.resolve_resident_link(token)
    return _form_out(await ratee_context(link.cycle_id, link.ratee_id, "resident"), resident=True)


@post(
    "/api/r/{token:str}/responses",
    exclude_from_auth=True,
    status_code=201,
    tags=["resident"],
    responses=API_PROBLEMS,
)
async def resident_response_api(
    request: Request[Any, Any, Any], token: FromPath[str], data: JSONBody[Answers]
) -> Response[Submitted]:
    """Submit a resident's answers: one per device per cadre per cycle; rate limited per address."""
    client = resident_client(request)
    if not within_rate_limit(request, client):
        raise TooManyRequestsException("提交过于频繁，请稍后再试")
    link = await campaign_service.resolve_resident_link(token)
    response_id = await submit(
        Intake(
            channel="qr",
            cycle_id=link.cycle_id,
            ratee_id=link.ratee_id,
            group="resident",
            fields=as_fields(data),
            link_id=link.id,
            client_key=data.client_key,
            device=client.device,
            source_hash=client.source_hash,
            verification_code=data.verification_code,
        )
    )
    response = Response(Submitted(id=response_id), status_code=201)
    remember_device(request, response, client)
    return response


@get("/api/assignments", guards=[RATERS], tags=["rater"], responses=API_PROBLEMS)
async def my_assignments_api(request: Request[CurrentUser, str, Any]) -> list[AssignmentOut]:
    """The signed-in rater's assignments in open cycles."""
    if request.user.cadre_id is None:
        raise NotFound("此账号未关联干部")
    return [
        AssignmentOut(
            id=t.id,
            cycle=c.name,
            ratee=t.ratee_name,
            position=t.ratee_position,
            rater_group=t.rater_group,
            status=t.status,
            closes_on=str(c.closes_on),
        )
        for c in await rater_service.open_cycles_for(request.user.cadre_id)
        for t in c.tasks
    ]


async def _assignment(request: Request[CurrentUser, str, Any], assignment_id: int) -> RaterTask:
    if request.user.cadre_id is None:
        raise NotFound("此账号未关联干部")
    return await rater_service.rater_assignment(assignment_id, request.user.cadre_id)


@get(
    "/api/assignments/{assignment_id:int}/form",
    guards=[RATERS],
    tags=["rater"],
    responses=API_PROBLEMS,
)
async def assignment_form_api(
    request: Request[CurrentUser, str, Any], assignment_id: FromPath[int]
) -> FormOut:
    task = await _assignment(request, assignment_id)
    context = await ratee_context(task.cycle_id, task.ratee_id, task.rater_group)
    status = await rater_service.rubric_quota(
        task.cycle_id, a_rater(request), context.rubric, task.rater_group
    )
    return _form_out(context, resident=False, left=status.left if status else None)


@put(
    "/api/assignments/{assignment_id:int}/draft",
    guards=[RATERS, json_body_only],
    status_code=204,
    tags=["rater"],
    responses=API_PROBLEMS,
)
async def draft_api(
    request: Request[CurrentUser, str, Any], assignment_id: FromPath[int], data: JSONBody[Answers]
) -> None:
    task = await _assignment(request, assignment_id)
    if task.status != "open" or task.cycle_state != "open":
        raise Conflict("这份评价已提交或周期已截止")
    await rater_service.save_draft(assignment_id, as_fields(data))


@post(
    "/api/assignments/{assignment_id:int}/response",
    guards=[RATERS, json_body_only],
    status_code=201,
    tags=["rater"],
    responses=API_PROBLEMS,
)
async def assignment_response_api(
    request: Request[CurrentUser, str, Any], assignment_id: FromPath[int], data: JSONBody[Answers]
) -> Submitted:
    """Submit once: a repeated `client_key` returns the first response's id; the same key
    used for another assignment is refused."""
    task = await _assignment(request, assignment_id)
    response_id = await submit(
        Intake(
            channel="online",
            cycle_id=task.cycle_id,
            ratee_id=task.ratee_id,
            group=task.rater_group,
            fields=as_fields(data),
            rater_id=a_rater(request),
            assignment_id=assignment_id,
            client_key=data.client_key,
        )
    )
    return Submitted(id=response_id)


def a_rater(request: Request[CurrentUser, str, Any]) -> int:
    assert request.user.cadre_id is not None
    return request.user.cadre_id


routes = [
    resident_form_api,
    resident_response_api,
    my_assignments_api,
    assignment_form_api,
    draft_api,
    assignment_response_api,
]
