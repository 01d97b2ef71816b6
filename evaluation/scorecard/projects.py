"""Key projects and their cards (红黄牌督办): the use cases (exemptions, 容错纠错:
`fault_tolerance.py`).

A sweep on today's date (run before scores are read and before cards are listed) issues yellow cards on late milestones and turns them red after the grace
period; a red card's deduction reaches the town's total at once (`cards.apply_deductions`)
until an approved exemption neutralises it. Every step is recorded on the card or the
exemption with who and when."""

from __future__ import annotations

import datetime as dt

import msgspec
import polars as pl

from evaluation import clock
from evaluation.clock import today
from evaluation.errors import Conflict, Invalid, PermissionDenied
from evaluation.scorecard import project_store as store
from evaluation.scorecard import repository
from evaluation.scorecard.cards import new_yellow, turning_red
from evaluation.scorecard.inputs import MAX_TEXT
from evaluation.scorecard.inputs import date as _date
from evaluation.scorecard.inputs import text as _text
from evaluation.scorecard.plans import published_record, published_years


class CardView(msgspec.Struct, frozen=True):
    card_id: int
    town_id: int
    town_name: str
    project: str
    deliverable: str
    responsible: str
    due_on: dt.date
    colour: str
    state: str
    issued_on: dt.date
    red_on: dt.date | None
    deduction: float
    plan_text: str
    evidence: str
    reason: str  # why the office issued it by hand ("" for a late milestone)
    exempted: bool
    exemption_pending: bool
    exemption_rejected: bool


async def add_project(
    year: int, town_id: int, name: str, starts_on: str, ends_on: str, by: str
) -> int:
    record = await published_record(year)
    problems: dict[str, str] = {}
    title = _text(name, "name", "项目名称", problems)
    start = _date(starts_on, "starts_on", problems)
    end = _date(ends_on, "ends_on", problems)
    if start and end and end < start:
        problems["ends_on"] = "完成日期不能早于开工日期"
    if town_id not in {t.id for t in await repository.towns()}:
        problems["town"] = "请选择乡镇"
    if problems:
        raise Invalid("重点项目未保存", problems)
    assert start and end
    return await store.insert_project(record.id, town_id, title[:128], start, end, by)


async def add_milestone(
    project_id: int,
    due_on: str,
    deliverable: str,
    responsible: str,
    evidence: str,
    past: str = "",
    done_on: str = "",
) -> int:
    """A milestone; one whose date has already passed asks first whether it was done
    (`past`: "done" with `done_on`, or "open") — otherwise a finished task would be carded
    the moment it was entered (issue 30)."""
    project = await store.project(project_id)
    problems: dict[str, str] = {}
    due = _date(due_on, "due_on", problems)
    what = _text(deliverable, "deliverable", "交付成果", problems)
    who = _text(responsible, "responsible", "责任人", problems)
    if due and due < project["starts_on"]:
        problems["due_on"] = f"节点日期不能早于项目开工日期（{project['starts_on']}）"
    elif due and due > project["ends_on"]:
        problems["due_on"] = f"节点日期不能晚于项目完成日期（{project['ends_on']}）"
    done: dt.date | None = None
    if due and due < today() and not problems:
        if past not in ("done", "open"):
            problems["past"] = f"节点日期（{due}）已过：请先说明该节点是否已经完成"
        elif past == "done":
            done = _date(done_on, "done_on", problems)
            if done and done > today():
                problems["done_on"] = f"完成日期不能晚于今天（{today()}）"
    if problems:
        raise Invalid("节点未保存", problems)
    assert due
    async with repository.transaction():
        milestone = await store.insert_milestone(
            project_id, due, what, who[:64], evidence.strip()[:MAX_TEXT]
        )
        if done is not None:  # entered by the office as done: accepted as it is entered
            await store.finish_milestone(milestone, done, "考核办录入时已完成", "accepted")
    return milestone


async def sweep_all(on: dt.date | None = None) -> tuple[int, int]:
    """The daily sweep over every published year still running (`cadre360 sweep`, at start-up
    and hourly in the server): the cards due by `on` (today). Pages only read (issue 30:
    every scorecard read re-swept and could insert cards)."""
    day = on or today()
    yellow = red = 0
    for year in await published_years():
        if year in (day.year, day.year - 1):  # last year's late milestones still turn red
            y, r = await sweep(year, day)
            yellow, red = yellow + y, red + r
    return yellow, red


async def sweep(year: int, on: dt.date | None = None) -> tuple[int, int]:
    """Issue yellow cards on late milestones and turn cards red after the grace period.

    `sweep_all` runs it daily and at start-up (never a page read); it writes only when
    something is due and every write is idempotent on its own (a second yellow card is skipped by the open-card index; turning
    red updates only yellow cards): two sweeps at once never wait on each other's
    transaction, on SQLite or PostgreSQL."""
    record = await repository.published(year)
    if record is None:
        return 0, 0
    on = on or today()
    milestones = await store.milestones(record.id)
    cards = await store.cards(record.id)
    yellow = new_yellow(milestones, cards, on)
    red = turning_red(milestones, cards, on, record.plan.cards)
    if yellow:
        await store.issue_yellow(yellow, on)
    if red:
        await store.turn_red(red, on, record.plan.cards.red_deduction)
    return len(yellow), len(red)


async def issue_card(milestone_id: int, colour: str, reason: str) -> None:
    """督办 by hand: the office issues a yellow or red card on a milestone (a quality problem,
    say) with its reason; one open card per milestone."""
    record = await repository.plan(await store.milestone_plan(milestone_id))
    problems: dict[str, str] = {}
    if colour not in ("yellow", "red"):
        problems["colour"] = "请选择黄牌或红牌"
    why = _text(reason, "reason", "发牌理由（至少 4 个字）", problems, least=4)
    if problems:
        raise Invalid("督办牌未发出", problems)
    if not await store.issue_card(
        milestone_id, colour, today(), record.plan.cards.red_deduction, why
    ):
        raise Conflict("该节点已有未关闭的督办牌：请先整改、关闭后再发新牌")


async def card_views(year: int, town_id: int | None = None) -> list[CardView]:
    record = await published_record(year)
    names = {t.id: t.name for t in await repository.towns()}
    milestones = await store.milestones(record.id)
    cards = (await store.cards(record.id)).join(milestones, on="milestone_id")
    if town_id is not None:
        cards = cards.filter(pl.col("town_id") == town_id)
    exempted = await store.approved_cards(record.id)
    applications = await store.exemptions(record.id)
    pending = {int(e["card"]) for e in applications if e["state"] == "pending"}
    rejected = {int(e["card"]) for e in applications if e["state"] == "rejected"}
    return [
        CardView(
            card_id=r["card_id"],
            town_id=r["town_id"],
            town_name=names.get(r["town_id"], ""),
            project=r["project"],
            deliverable=r["deliverable"],
            responsible=r["responsible"],
            due_on=r["due_on"],
            colour=r["colour"],
            state=r["state"],
            issued_on=r["issued_on"],
            red_on=r["red_on"],
            deduction=r["deduction"],
            plan_text=r["plan_text"],
            evidence=r["evidence"],
            reason=r["reason"],
            exempted=r["card_id"] in exempted,
            exemption_pending=r["card_id"] in pending,
            exemption_rejected=r["card_id"] in rejected,
        )
        for r in cards.sort("state", "due_on").iter_rows(named=True)
    ]


async def _own_card(card_id: int, town_id: int | None) -> dict[str, object]:
    card = await store.card(card_id)
    if town_id is not None and card["town_id"] != town_id:
        raise PermissionDenied("只能处理本乡镇的督办牌")
    return card


async def submit_plan(card_id: int, town_id: int, text: str) -> None:
    card = await _own_card(card_id, town_id)
    problems: dict[str, str] = {}
    plan = _text(text, "plan_text", "整改方案（至少 10 个字）", problems, least=10)
    if problems:
        raise Invalid("整改方案未提交", problems)
    if card["state"] not in ("issued", "planned"):
        raise Conflict("该督办牌已整改或已关闭")
    await store.set_card(
        card_id,
        {
            store.Card.plan_text: plan,
            store.Card.state: "planned",
            store.Card.planned_at: clock.now(),
        },
    )


async def rectify(card_id: int, town_id: int, evidence: str) -> None:
    card = await _own_card(card_id, town_id)
    if card["state"] != "planned":
        raise Conflict(
            "请先提交整改方案" if card["state"] == "issued" else "该督办牌已整改或已关闭"
        )
    problems: dict[str, str] = {}
    proof = _text(evidence, "evidence", "整改佐证（至少 4 个字）", problems, least=4)
    if problems:
        raise Invalid("整改情况未提交", problems)
    async with repository.transaction():
        await store.set_card(
            card_id,
            {
                store.Card.evidence: proof,
                store.Card.state: "rectified",
                store.Card.rectified_at: clock.now(),
            },
        )
        await store.finish_milestone(int(card["milestone"]), today(), proof)  # type: ignore[call-overload]


async def report_done(milestone_id: int, town_id: int, done_on: str, evidence: str) -> None:
    """The town reports a milestone finished, with the day and its evidence: a milestone done
    by its date never gets a card; one done late keeps the card it has (the office closes
    it). The day cannot be in the future nor before the project started."""
    milestone = await store.milestone(milestone_id)
    if milestone.town_id != town_id:
        raise PermissionDenied("只能报告本乡镇的项目节点")
    if milestone.done_on is not None:
        raise Conflict(f"该节点已于 {milestone.done_on} 完成")
    problems: dict[str, str] = {}
    day = _date(done_on, "done_on", problems)
    proof = _text(evidence, "done_evidence", "完成佐证（至少 4 个字）", problems, least=4)
    if day and day > today():
        problems["done_on"] = f"完成日期不能晚于今天（{today()}）"
    elif day and day < milestone.project_starts_on:
        problems["done_on"] = f"完成日期不能早于项目开工日期（{milestone.project_starts_on}）"
    if problems:
        raise Invalid("节点完成情况未保存", problems)
    assert day
    await store.finish_milestone(milestone_id, day, proof)


async def review_done(milestone_id: int, accept: bool, note: str, by: str) -> None:
    """The office accepts a reported completion — a late one's card is closed with its
    history and deduction kept — or sends it back with a reason: the milestone is open
    again and cards follow as if it had never been reported."""
    problems: dict[str, str] = {}
    why = (
        _text(note, "done_note", "退回理由（至少 4 个字）", problems, least=4) if not accept else ""
    )
    if problems:
        raise Invalid("节点完成情况未处理", problems)
    async with repository.transaction():
        if not await store.review_done(milestone_id, accept, why[:MAX_TEXT]):
            raise Conflict("该节点没有待确认的完成报告")
        if accept:
            await store.close_open_cards(milestone_id, by)


async def close_card(card_id: int, by: str) -> None:
    card = await store.card(card_id)
    if card["state"] != "rectified":
        raise Conflict("只有已整改的督办牌可以关闭")
    await store.review_done(int(card["milestone"]), True, "")  # the rectification is accepted
    await store.set_card(
        card_id,
        {
            store.Card.state: "closed",
            store.Card.closed_by: by,
            store.Card.closed_at: clock.now(),
        },
    )


class MilestoneView(msgspec.Struct, frozen=True):
    id: int
    due_on: dt.date
    deliverable: str
    responsible: str
    done_on: dt.date | None
    done_state: str = ""  # "" open · reported (waiting for the office) · accepted
    done_evidence: str = ""
    done_note: str = ""  # the office's word: why it was sent back


class ProjectView(msgspec.Struct, frozen=True):
    id: int
    town_name: str
    name: str
    starts_on: dt.date
    ends_on: dt.date
    milestones: list[MilestoneView]


async def project_views(year: int, town_id: int | None = None) -> list[ProjectView]:
    """The year's key projects with their milestones (one town's where `town_id` is given)."""
    record = await published_record(year)
    names = {t.id: t.name for t in await repository.towns()}
    milestones = await store.milestones(record.id)
    return [
        ProjectView(
            id=int(p["id"]),
            town_name=names.get(int(p["town"]), ""),
            name=str(p["name"]),
            starts_on=p["starts_on"],
            ends_on=p["ends_on"],
            milestones=[
                MilestoneView(
                    id=m["milestone_id"],
                    due_on=m["due_on"],
                    deliverable=m["deliverable"],
                    responsible=m["responsible"],
                    done_on=m["done_on"],
                    done_state=m["done_state"],
                    done_evidence=m["done_evidence"],
                    done_note=m["done_note"],
                )
                for m in milestones.filter(pl.col("project_id") == int(p["id"]))
                .sort("due_on")
                .iter_rows(named=True)
            ],
        )
        for p in await store.projects(record.id, town_id)
    ]


async def year_of_project(project_id: int) -> int:
    return (await repository.plan(int((await store.project(project_id))["plan"]))).year


async def year_of_milestone(milestone_id: int) -> int:
    return (await repository.plan(await store.milestone_plan(milestone_id))).year


async def year_of_card(card_id: int) -> int:
    return (await repository.plan(int((await store.card(card_id))["plan_id"]))).year
