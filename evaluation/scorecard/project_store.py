"""Key projects, milestones, cards and exemptions in the tables, as frames and records."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import polars as pl

from evaluation import clock
from evaluation.errors import NotFound
from evaluation.infra.lookups import insert_one, one
from evaluation.scorecard.standings import store as standings
from evaluation.scorecard.tables import Card, Exemption, KeyProject, Milestone


async def projects(plan_id: int, town_id: int | None = None) -> list[dict[str, Any]]:
    query = KeyProject.select(
        KeyProject.id,
        KeyProject.town,
        KeyProject.name,
        KeyProject.starts_on,
        KeyProject.ends_on,
    ).where(KeyProject.plan == plan_id)
    if town_id is not None:
        query = query.where(KeyProject.town == town_id)
    return await query.order_by(KeyProject.id)


async def project(project_id: int) -> dict[str, Any]:
    return await one(
        KeyProject,
        project_id,
        [
            KeyProject.id,
            KeyProject.plan,
            KeyProject.town,
            KeyProject.name,
            KeyProject.starts_on,
            KeyProject.ends_on,
        ],
        "没有这个重点项目",
    )


async def insert_project(
    plan_id: int, town_id: int, name: str, starts_on: dt.date, ends_on: dt.date, by: str
) -> int:
    return await insert_one(
        KeyProject,
        plan=plan_id,
        town=town_id,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=by,
    )


async def insert_milestone(
    project_id: int, due_on: dt.date, deliverable: str, responsible: str, evidence: str
) -> int:
    return await insert_one(
        Milestone,
        project=project_id,
        due_on=due_on,
        deliverable=deliverable,
        responsible=responsible,
        evidence_required=evidence,
    )


MILESTONE_SCHEMA = {
    "milestone_id": pl.Int64,
    "project_id": pl.Int64,
    "town_id": pl.Int64,
    "due_on": pl.Date,
    "done_on": pl.Date,
    "deliverable": pl.String,
    "responsible": pl.String,
    "project": pl.String,
    "done_state": pl.String,
    "done_evidence": pl.String,
    "done_note": pl.String,
}
CARD_SCHEMA = {
    "card_id": pl.Int64,
    "milestone_id": pl.Int64,
    "colour": pl.String,
    "state": pl.String,
    "issued_on": pl.Date,
    "red_on": pl.Date,
    "deduction": pl.Float64,
    "plan_text": pl.String,
    "evidence": pl.String,
    "closed_by": pl.String,
    "reason": pl.String,
}


async def milestones(plan_id: int) -> pl.DataFrame:
    rows = await Milestone.select(
        Milestone.id.as_alias("milestone_id"),
        Milestone.project.as_alias("project_id"),
        Milestone.project.town.as_alias("town_id"),
        Milestone.due_on,
        Milestone.done_on,
        Milestone.deliverable,
        Milestone.responsible,
        Milestone.project.name.as_alias("project"),
        Milestone.done_state,
        Milestone.done_evidence,
        Milestone.done_note,
    ).where(Milestone.project.plan == plan_id)
    return pl.DataFrame(rows, schema=MILESTONE_SCHEMA)


async def cards(plan_id: int) -> pl.DataFrame:
    rows = await Card.select(
        Card.id.as_alias("card_id"),
        Card.milestone.as_alias("milestone_id"),
        Card.colour,
        Card.state,
        Card.issued_on,
        Card.red_on,
        Card.deduction,
        Card.plan_text,
        Card.evidence,
        Card.closed_by,
        Card.reason,
    ).where(Card.milestone.project.plan == plan_id)  # type: ignore[union-attr]
    return pl.DataFrame(rows, schema=CARD_SCHEMA)


async def card(card_id: int) -> dict[str, Any]:
    return await one(
        Card,
        card_id,
        [
            Card.id,
            Card.milestone,
            Card.state,
            Card.colour,
            Card.milestone.project.town.as_alias("town_id"),  # type: ignore[union-attr]
            Card.milestone.project.plan.as_alias("plan_id"),  # type: ignore[union-attr]
        ],
        "没有这张督办牌",
    )


@standings.invalidates
async def issue_yellow(milestone_ids: list[int], on: dt.date) -> None:
    """A card per milestone; two sweeps at once (two pages read together) issue it once —
    the open-card index refuses the second and it is skipped, not an error."""
    for milestone_id in milestone_ids:
        await Card.insert(Card(milestone=milestone_id, colour="yellow", issued_on=on)).on_conflict(
            action="DO NOTHING"
        )


@standings.invalidates
async def issue_card(
    milestone_id: int, colour: str, on: dt.date, deduction: float, reason: str
) -> bool:
    """A card the office issues by hand; False when the milestone has an open card already
    (the open-card index refuses the second, also when two are sent at once)."""
    rows = (
        await Card.insert(
            Card(
                milestone=milestone_id,
                colour=colour,
                issued_on=on,
                red_on=on if colour == "red" else None,
                deduction=deduction if colour == "red" else 0.0,
                reason=reason,
            )
        )
        .on_conflict(action="DO NOTHING")
        .returning(Card.id)
    )
    return bool(rows)


async def milestone_plan(milestone_id: int) -> int:
    row = (
        await Milestone.select(Milestone.project.plan.as_alias("plan"))
        .where(Milestone.id == milestone_id)
        .first()
    )
    if row is None:
        raise NotFound("没有这个节点")
    return int(row["plan"])


class MilestoneRow(msgspec.Struct, frozen=True):
    id: int
    town_id: int
    due_on: dt.date
    done_on: dt.date | None
    project_starts_on: dt.date
    done_state: str


async def milestone(milestone_id: int) -> MilestoneRow:
    row = (
        await Milestone.select(
            Milestone.id,
            Milestone.project.town.as_alias("town_id"),
            Milestone.due_on,
            Milestone.done_on,
            Milestone.project.starts_on.as_alias("project_starts_on"),
            Milestone.done_state,
        )
        .where(Milestone.id == milestone_id)
        .first()
    )
    if row is None:
        raise NotFound("没有这个节点")
    return MilestoneRow(**row)


@standings.invalidates
async def turn_red(card_ids: list[int], on: dt.date, deduction: float) -> None:
    if card_ids:
        await Card.update({Card.colour: "red", Card.red_on: on, Card.deduction: deduction}).where(
            Card.id.is_in(card_ids), Card.colour == "yellow"
        )


@standings.invalidates
async def set_card(card_id: int, values: dict[Any, Any]) -> None:
    await Card.update(values).where(Card.id == card_id)


@standings.invalidates
async def finish_milestone(
    milestone_id: int, on: dt.date, evidence: str, state: str = "reported"
) -> None:
    await Milestone.update(
        {
            Milestone.done_on: on,
            Milestone.done_evidence: evidence,
            Milestone.done_state: state,
            Milestone.done_note: "",
        }
    ).where(Milestone.id == milestone_id, Milestone.done_on.is_null())


@standings.invalidates
async def review_done(milestone_id: int, accepted: bool, note: str) -> bool:
    """The office's word on a reported completion; False when it is not waiting for one."""
    values: dict[Any, Any] = (
        {Milestone.done_state: "accepted", Milestone.done_note: note}
        if accepted
        else {
            Milestone.done_state: "",
            Milestone.done_on: None,
            Milestone.done_evidence: "",
            Milestone.done_note: note,
        }
    )
    updated = (
        await Milestone.update(values)
        .where((Milestone.id == milestone_id) & (Milestone.done_state == "reported"))
        .returning(Milestone.id)
    )
    return bool(updated)


@standings.invalidates
async def close_open_cards(milestone_id: int, by: str) -> None:
    """Close the milestone's card (an accepted late completion): state, who and when; its
    colour, deduction and the earlier steps stay as they were."""
    await Card.update(
        {Card.state: "closed", Card.closed_by: by, Card.closed_at: clock.now()}
    ).where((Card.milestone == milestone_id) & (Card.state != "closed"))


async def insert_exemption(
    card_id: int, applicant: str, applicant_town: int, reform: str, reason: str, account: str
) -> int:
    return await insert_one(
        Exemption,
        card=card_id,
        applicant=applicant,
        applicant_account=account,
        applicant_town=applicant_town,
        reform=reform,
        reason=reason,
    )


async def exemptions(plan_id: int) -> list[dict[str, Any]]:
    return (
        await Exemption.select(
            Exemption.id,
            Exemption.card,
            Exemption.applicant,
            Exemption.applicant_account,
            Exemption.reform,
            Exemption.reason,
            Exemption.state,
            Exemption.checklist,
            Exemption.decision_reason,
            Exemption.decided_by,
            Exemption.applied_at,
            Exemption.decided_at,
            Exemption.card.milestone.project.town.as_alias("town_id"),  # type: ignore[union-attr]
            Exemption.card.milestone.project.name.as_alias("project"),  # type: ignore[union-attr]
            Exemption.card.milestone.deliverable.as_alias("deliverable"),  # type: ignore[union-attr]
            Exemption.card.deduction.as_alias("deduction"),
        )
        .where(Exemption.card.milestone.project.plan == plan_id)  # type: ignore[union-attr]
        .order_by(Exemption.id)
    )


async def exemption(exemption_id: int) -> dict[str, Any]:
    return await one(
        Exemption, exemption_id, [Exemption.id, Exemption.state, Exemption.card], "没有这份豁免申请"
    )


@standings.invalidates
async def decide_exemption(
    exemption_id: int, state: str, checklist: str, reason: str, by: str
) -> int:
    updated = (
        await Exemption.update(
            {
                Exemption.state: state,
                Exemption.checklist: checklist,
                Exemption.decision_reason: reason,
                Exemption.decided_by: by,
                Exemption.decided_at: clock.now(),
            }
        )
        .where(Exemption.id == exemption_id, Exemption.state == "pending")
        .returning(Exemption.id)
    )
    return len(updated)


async def approved_cards(plan_id: int) -> set[int]:
    rows = await Exemption.select(Exemption.card).where(
        Exemption.state == "approved",
        Exemption.card.milestone.project.plan == plan_id,  # type: ignore[union-attr]
    )
    return {int(r["card"]) for r in rows}


async def pending_for(card_id: int) -> bool:
    return await Exemption.exists().where(Exemption.card == card_id, Exemption.state == "pending")


async def deductions(plan_id: int) -> pl.DataFrame:
    """Red cards' deductions per town, and whether an approved exemption neutralises them."""
    red = (await cards(plan_id)).filter(pl.col("colour") == "red")
    towns = (await milestones(plan_id)).select("milestone_id", "town_id")
    exempted = await approved_cards(plan_id)
    return red.join(towns, on="milestone_id").select(
        "town_id",
        "red_on",
        "deduction",
        exempted=pl.col("card_id").is_in(list(exempted)),
    )
