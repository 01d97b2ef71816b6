"""Seats of a published training plan, kept full: an apology in advance (请假) frees a seat
and the seat goes at once to the first on the session's waiting list who is free that day,
told through the outbox; the office may put a cadre on a session's waiting list (straight
into a free seat when there is one); a cadre who misses sessions without an apology is
counted, and their leader is told once the count reaches the plan's limit.

Each change is one transaction: the seat is never both freed and kept, and the waiting list
stays numbered 1, 2, 3… in the order people joined it."""

from __future__ import annotations

from typing import Any

import msgspec

from evaluation import clock
from evaluation.clock import now_local
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.organisation import directory
from evaluation.outbox import store as outbox
from evaluation.outbox.messages import render
from evaluation.outbox.worker import nudge
from training.enrolment import clock_time
from training.tables import Enrolment, Offering
from training.timing import started

ABSENCE_LIMIT = 2  # absences without an apology, in one plan, before the leader is told
REASON_LENGTH = (2, 200)


class SeatChange(msgspec.Struct, frozen=True, kw_only=True):
    """What a cancellation or a waiting-list entry did, in words for the person who did it."""

    title: str
    promoted: str | None = None  # the cadre who got the freed seat
    rank: int | None = None  # the new entry's place on the waiting list (None: seated)


SEAT_LOCK = 7  # the advisory lock space of a session's seats (PostgreSQL)


def _transaction() -> Any:
    return Enrolment._meta.db.transaction()


async def _lock(offering_id: int) -> None:
    """Inside the transaction on PostgreSQL: changes to one session's seats take turns (two
    apologies at once must not hand one seat to the same waiting cadre twice). SQLite's
    single writer already serialises them."""
    if Enrolment._meta.db.engine_type == "postgres":
        await Enrolment.raw(
            "SELECT pg_advisory_xact_lock(CAST({} AS integer), CAST({} AS integer))",
            SEAT_LOCK,
            offering_id,
        )


def _reason(text: str) -> str:
    text = text.strip()
    least, most = REASON_LENGTH
    if not least <= len(text) <= most:
        raise Invalid("未请假", {"reason": f"请写明请假原因（{least}–{most} 字）"})
    return text


async def _enrolment(enrolment_id: int) -> dict[str, Any]:
    row = (
        await Enrolment.select(
            Enrolment.id,
            Enrolment.plan,
            Enrolment.offering,
            Enrolment.cadre,
            Enrolment.status,
            Enrolment.waitlist_rank,
            Enrolment.offering.title.as_alias("title"),
            Enrolment.offering.day.as_alias("day"),
            Enrolment.offering.start_minute.as_alias("start_minute"),
            Enrolment.offering.capacity.as_alias("capacity"),
        )
        .where((Enrolment.id == enrolment_id) & Enrolment.plan.published_at.is_not_null())
        .first()
    )
    if row is None:
        raise NotFound("找不到这条培训安排")
    return row


async def cancel(
    enrolment_id: int, reason: str, by: str, channel: str, cadre_id: int | None = None
) -> SeatChange:
    """An apology in advance for a session that has not started (`cadre_id`: the cadre's own,
    refused for anyone else's; None: the office recording it for them). A waiting cadre
    leaves the list; an assigned one's seat goes to the list."""
    text = _reason(reason)
    async with _transaction():
        row = await _enrolment(enrolment_id)
        await _lock(int(row["offering"]))
        row = await _enrolment(enrolment_id)  # as it is now that the session is ours
        if cadre_id is not None and int(row["cadre"]) != cadre_id:
            raise NotFound("找不到这条培训安排")
        if row["status"] not in ("assigned", "waitlist"):
            raise Conflict("这次培训已经请过假了")
        if started(row["day"], row["start_minute"], now_local()):
            raise Conflict("培训已经开始，不能再请假；如未能参加，请联系培训办说明情况")
        await Enrolment.update(
            {
                Enrolment.status: "cancelled",
                Enrolment.waitlist_rank: None,
                Enrolment.cancelled_at: clock.now(),
                Enrolment.cancel_reason: text,
                Enrolment.cancelled_by: by[:64],
            }
        ).where(Enrolment.id == enrolment_id)
        promoted = None
        if row["status"] == "waitlist":
            await _close_gap(row["plan"], row["offering"], int(row["waitlist_rank"]))
        else:
            promoted = await _fill_seat(row, channel)
    if promoted:
        nudge()  # the message goes out now, not at the next periodic run
    return SeatChange(title=str(row["title"]), promoted=promoted)


async def _close_gap(plan: int, offering: int, rank: int) -> None:
    """Everyone after `rank` on the list moves up one place."""
    await Enrolment.update({Enrolment.waitlist_rank: Enrolment.waitlist_rank - 1}).where(
        (Enrolment.plan == plan)
        & (Enrolment.offering == offering)
        & (Enrolment.status == "waitlist")
        & (Enrolment.waitlist_rank > rank)
    )


async def _fill_seat(session: dict[str, Any], channel: str) -> str | None:
    """The freed seat of `session` to the first on its waiting list not already seated in
    another session that day; returns their name (None: nobody waiting could take it)."""
    busy = await Enrolment.select(Enrolment.cadre).where(
        (Enrolment.plan == session["plan"])
        & (Enrolment.status == "assigned")
        & (Enrolment.offering.day == session["day"])
    )
    waiting = (
        await Enrolment.select(Enrolment.id, Enrolment.cadre, Enrolment.waitlist_rank)
        .where(
            (Enrolment.plan == session["plan"])
            & (Enrolment.offering == session["offering"])
            & (Enrolment.status == "waitlist")
        )
        .order_by(Enrolment.waitlist_rank)
    )
    seated = {int(r["cadre"]) for r in busy}
    first = next((w for w in waiting if int(w["cadre"]) not in seated), None)
    if first is None:
        return None
    await Enrolment.update(
        {
            Enrolment.status: "assigned",
            Enrolment.waitlist_rank: None,
            Enrolment.promoted_at: clock.now(),
        }
    ).where(Enrolment.id == first["id"])
    await _close_gap(session["plan"], session["offering"], int(first["waitlist_rank"]))
    return await _tell_promoted(int(first["cadre"]), int(session["offering"]), channel)


async def _tell_promoted(cadre_id: int, offering_id: int, channel: str) -> str:
    person = await directory.cadre(cadre_id)
    session = await _session_words(offering_id)
    await outbox.queue(
        [
            outbox.Queued(
                message=render("training_promoted", name=person.name, **session),
                recipient=cadre_id,
                town=person.town_name,
            )
        ],
        channel,
    )
    return person.name


async def _session_words(offering_id: int) -> dict[str, str]:
    row = (
        await Offering.select(
            Offering.title,
            Offering.day,
            Offering.start_minute,
            Offering.venue_town.name.as_alias("venue"),
        )
        .where(Offering.id == offering_id)
        .first()
    )
    assert row is not None
    return {
        "title": str(row["title"]),
        "when": f"{row['day'].isoformat()} {clock_time(int(row['start_minute']))}",
        "venue": str(row["venue"] or "地点另行通知"),
    }


async def join_waitlist(offering_id: int, cadre_id: int, by: str, channel: str) -> SeatChange:
    """The office puts a cadre on a session of the latest published plan that has it: into
    a free seat at once (and told), else at the end of its waiting list."""
    await directory.cadre(cadre_id)  # NotFound for an unknown cadre
    async with _transaction():
        await _lock(offering_id)
        plan = (
            await Enrolment.select(Enrolment.plan)
            .where((Enrolment.offering == offering_id) & Enrolment.plan.published_at.is_not_null())
            .order_by(Enrolment.plan, ascending=False)
            .first()
        )
        session = (
            await Offering.select(
                Offering.title, Offering.day, Offering.start_minute, Offering.capacity
            )
            .where(Offering.id == offering_id)
            .first()
        )
        if session is None:
            raise NotFound("场次不存在")
        if plan is None:
            raise Conflict("这个场次不在已发布的培训方案中，不能候补")
        if started(session["day"], session["start_minute"], now_local()):
            raise Conflict("培训已经开始，不能再加入")
        plan_id = int(plan["plan"])
        places = await Enrolment.select(Enrolment.cadre, Enrolment.status).where(
            (Enrolment.plan == plan_id) & (Enrolment.offering == offering_id)
        )
        if any(int(p["cadre"]) == cadre_id and p["status"] != "cancelled" for p in places):
            raise Conflict("该干部已在这个场次的名单上")
        seated = sum(1 for p in places if p["status"] == "assigned")
        waiting = sum(1 for p in places if p["status"] == "waitlist")
        free = seated < int(session["capacity"]) and waiting == 0
        await Enrolment.insert(
            Enrolment(
                plan=plan_id,
                offering=offering_id,
                cadre=cadre_id,
                status="assigned" if free else "waitlist",
                waitlist_rank=None if free else waiting + 1,
                reason="培训办安排加入",
                promoted_at=clock.now() if free else None,
            )
        )
        if free:
            await _tell_promoted(cadre_id, offering_id, channel)
    if free:
        nudge()
    return SeatChange(title=str(session["title"]), rank=None if free else waiting + 1)


async def tell_leaders_of_absences(limit: int, channel: str) -> int:
    """Absences without an apology (a seat kept, the session over, no check-in), counted per
    cadre and published plan: once a cadre has `limit` of them, each of their leaders is
    told — again only when a further absence comes. Returns the messages queued."""
    now = now_local()
    rows = await Enrolment.select(
        Enrolment.id,
        Enrolment.plan,
        Enrolment.cadre,
        Enrolment.absence_reported_at,
        Enrolment.plan.cycle.name.as_alias("plan_name"),  # type: ignore[union-attr]
        Enrolment.offering.title.as_alias("title"),
        Enrolment.offering.day.as_alias("day"),
        Enrolment.offering.start_minute.as_alias("start_minute"),
        Enrolment.offering.end_minute.as_alias("end_minute"),
    ).where(
        (Enrolment.status == "assigned")
        & Enrolment.attended_at.is_null()
        & Enrolment.plan.published_at.is_not_null()
        & (Enrolment.offering.day <= now.date())
    )
    missed: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for row in rows:
        if started(row["day"], int(row["end_minute"]), now):  # over, not just begun
            missed.setdefault((int(row["plan"]), int(row["cadre"])), []).append(row)
    queued: list[outbox.Queued] = []
    reported: list[int] = []
    for (_, cadre_id), absences in missed.items():
        if len(absences) < limit or all(a["absence_reported_at"] for a in absences):
            continue
        person = await directory.cadre(cadre_id)
        latest = max(absences, key=lambda a: (a["day"], a["start_minute"]))
        for leader in person.leaders:
            queued.append(
                outbox.Queued(
                    message=render(
                        "training_absences",
                        leader=leader.name,
                        name=person.name,
                        plan=f"{absences[0]['plan_name']}培训方案",
                        absences=len(absences),
                        title=latest["title"],
                        when=f"{latest['day'].isoformat()} {clock_time(int(latest['start_minute']))}",
                    ),
                    recipient=leader.id,
                    town=person.town_name,
                )
            )
        reported += [int(a["id"]) for a in absences]
    if reported:
        async with _transaction():
            await outbox.queue(queued, channel)
            await Enrolment.update({Enrolment.absence_reported_at: clock.now()}).where(
                Enrolment.id.is_in(reported)
            )
        nudge()
    return len(queued)
