"""Recording a response: the form, its items and the assignment's status in one transaction."""

from __future__ import annotations

from typing import Any

from evaluation import cycles
from evaluation.cycle_service import rubric_for_cycle
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.organisation import position_class
from evaluation.responses import CheckedForm, check_form, form_items
from evaluation.rubric_schema import Competency
from evaluation.tables import Assignment, Cadre, Cycle, Response, ResponseItem


async def ratee_context(cycle_id: int, ratee_id: int, group: str) -> dict[str, Any]:
    """The ratee as a form shows them, and the rubric items this group rates them on."""
    cadre = (
        await Cadre.select(
            Cadre.id,
            Cadre.name,
            Cadre.position,
            Cadre.active,
            Cadre.town.name,
            Cadre.town.town_type,
        )
        .where(Cadre.id == ratee_id)
        .first()
    )
    if cadre is None:
        raise NotFound("被评价干部不存在")
    rubric = await rubric_for_cycle(cycle_id)
    items = form_items(rubric, group, cadre["town.town_type"], position_class(cadre["position"]))
    return {"cadre": cadre, "items": items, "rubric": rubric}


async def record_response(
    *,
    cycle_id: int,
    ratee_id: int,
    group: str,
    fields: dict[str, str],
    channel: str,
    rater_id: int | None = None,
    assignment_id: int | None = None,
    code_id: int | None = None,
    batch_label: str = "",
    client_key: str | None = None,
    items: list[Competency] | None = None,
    verified: bool = False,
) -> int:
    """Validate and store one response. Raises Invalid (with per-item messages), Conflict
    (cycle not open, assignment already done) or NotFound. A repeated `client_key` returns
    the response it first created instead of storing a second one."""
    if client_key:
        existing = (
            await Response.select(Response.id).where(Response.client_key == client_key).first()
        )
        if existing:
            return int(existing["id"])
    state = await Cycle.select(Cycle.state).where(Cycle.id == cycle_id).first()
    if state is None:
        raise NotFound("考核周期不存在")
    cycles.require_accepting(state["state"])
    if items is None:
        items = (await ratee_context(cycle_id, ratee_id, group))["items"]
    checked: CheckedForm = check_form(
        items,
        fields,
        require_notes_at_extremes=group not in ("resident",),
        allow_cannot_observe=True,
    )
    if not checked.ok:
        raise Invalid("请修改标出的问题后再提交", checked.problems)
    async with Response._meta.db.transaction():
        if assignment_id is not None:
            done = (
                await Assignment.update({Assignment.status: "submitted"})
                .where(
                    (Assignment.id == assignment_id)
                    & (Assignment.status == "open")
                    & (Assignment.ratee == ratee_id)
                    & (Assignment.cycle == cycle_id)
                )
                .returning(Assignment.id)
            )
            if not done:
                raise Conflict("这份评价已经提交过了")
        created = await Response.insert(
            Response(
                cycle=cycle_id,
                ratee=ratee_id,
                rater_group=group,
                rater=rater_id,
                assignment=assignment_id,
                code=code_id,
                channel=channel,
                batch_label=batch_label[:64],
                comment=checked.comment,
                client_key=client_key,
                verified=verified,
            )
        ).returning(Response.id)
        response_id = int(created[0]["id"])
        await ResponseItem.insert(
            *[
                ResponseItem(
                    response=response_id,
                    competency=cid,
                    level=level,
                    note=checked.notes.get(cid, ""),
                )
                for cid, level in checked.levels.items()
            ]
        )
    return response_id
