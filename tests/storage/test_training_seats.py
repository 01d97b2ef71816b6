"""Seats of a published training plan on both engines: an apology in advance frees a seat
and the first on the waiting list free that day gets it and is told; the list stays numbered
1, 2, 3…; nothing moves once the session has begun; the office adds a cadre (seated when a
seat is free); two apologies at once give two different people the two seats."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import polars as pl
import pytest

from evaluation.clock import today
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.tables import OutboxMessage
from tests.factories import small_demo_latest_published
from training import enrolment as enrolment_service
from training import seat_store
from training.planning import service as plan_service
from training.tables import Enrolment, Offering


async def places(offering: int, plan: int) -> pl.DataFrame:
    return pl.DataFrame(
        await Enrolment.select(
            Enrolment.id,
            Enrolment.cadre,
            Enrolment.status,
            Enrolment.waitlist_rank,
            Enrolment.promoted_at,
            Enrolment.offering.day.as_alias("day"),
        ).where((Enrolment.plan == plan) & (Enrolment.offering == offering)),
        schema={
            "id": pl.Int64,
            "cadre": pl.Int64,
            "status": pl.String,
            "waitlist_rank": pl.Int64,
            "promoted_at": pl.Datetime("us", "UTC"),
            "day": pl.Date,
        },
    )


async def published_plan_with_a_waiting_list() -> tuple[int, int, int]:
    """A published plan whose two busiest sessions (in ten days) have three seats and a
    waiting list of at least three; returns (plan, the busiest, the next)."""
    cycle_id = await small_demo_latest_published()
    await Offering.update({Offering.capacity: 3}, force=True)
    plan = await plan_service.run_plan(cycle_id, per_cadre=2, budget=None, town_share=0.5)
    await plan_service.publish(plan)
    waiting = pl.DataFrame(
        await Enrolment.select(Enrolment.offering).where(
            (Enrolment.plan == plan) & (Enrolment.status == "waitlist")
        )
    )
    busiest = waiting.group_by("offering").len().sort(["len", "offering"], descending=True)
    assert busiest["len"][1] >= 3
    first, second = int(busiest["offering"][0]), int(busiest["offering"][1])
    for offering, days in ((first, 10), (second, 11)):
        await Offering.update({Offering.day: today() + timedelta(days=days)}).where(
            Offering.id == offering
        )
    return plan, first, second


async def messages_to(cadre: int) -> list[str]:
    rows = await OutboxMessage.select(OutboxMessage.body).where(
        (OutboxMessage.recipient == cadre) & (OutboxMessage.kind == "training_promoted")
    )
    return [r["body"] for r in rows]


def ranks(frame: pl.DataFrame) -> list[int]:
    return sorted(frame.filter(pl.col("status") == "waitlist")["waitlist_rank"].to_list())


async def test_seats_of_a_published_plan_stay_full_and_in_order(db: str) -> None:
    plan, offering, another = await published_plan_with_a_waiting_list()
    await the_seat_skips_a_waiting_cadre_seated_elsewhere_that_day(plan, offering, another)
    await an_apology_gives_the_seat_to_the_first_waiting_who_is_told(plan, offering)
    await two_apologies_at_once_seat_two_different_people(plan, another)
    await the_office_adds_a_cadre_to_a_seat_or_the_end_of_the_list(plan, another)
    # once the session has begun nothing moves: the seat is kept, absence or not
    await Offering.update({Offering.day: today() - timedelta(days=1)}).where(
        Offering.id == offering
    )
    still = (await places(offering, plan)).filter(pl.col("status") == "assigned")
    with pytest.raises(Conflict, match="培训已经开始"):
        await seat_store.cancel(int(still["id"][0]), "临时有事", "office", "outbox")
    with pytest.raises(Conflict, match="培训已经开始"):
        await seat_store.join_waitlist(offering, int(still["cadre"][0]), "training", "outbox")
    await absences_reach_the_leader_once(plan, offering, another)


async def absences_reach_the_leader_once(plan: int, offering: int, another: int) -> None:
    """A cadre seated in two sessions that are over, checked in at neither: at a limit of 2
    their leaders are told once (not again at the next sweep); at 3, nobody is."""
    from evaluation.organisation import directory

    seated = (await places(offering, plan)).filter(pl.col("status") == "assigned")
    there = (await places(another, plan)).filter(pl.col("status") != "cancelled")
    absent = None
    for cadre in seated["cadre"].to_list():
        if cadre in there["cadre"].to_list():
            continue
        if (await directory.cadre(int(cadre))).leaders:
            absent = int(cadre)
            break
    assert absent is not None
    await seat_store.join_waitlist(another, absent, "training", "outbox")  # a free seat there
    await Offering.update({Offering.day: today() - timedelta(days=2)}).where(Offering.id == another)
    leaders = [p.id for p in (await directory.cadre(absent)).leaders]
    assert await seat_store.tell_leaders_of_absences(3, "outbox") == 0
    told = await seat_store.tell_leaders_of_absences(2, "outbox")
    rows = await OutboxMessage.select(OutboxMessage.recipient, OutboxMessage.body).where(
        OutboxMessage.kind == "training_absences"
    )
    assert told == len(rows) >= len(leaders)
    name = (await directory.cadre(absent)).name
    mine = [r for r in rows if name in r["body"]]
    assert sorted(r["recipient"] for r in mine) == sorted(leaders)
    assert all("已有 2 次培训未请假也未签到" in r["body"] for r in mine)
    assert await seat_store.tell_leaders_of_absences(2, "outbox") == 0  # told once


async def an_apology_gives_the_seat_to_the_first_waiting_who_is_told(
    plan: int, offering: int
) -> None:
    before = await places(offering, plan)
    seated = before.filter(pl.col("status") == "assigned")
    waiting = before.filter(pl.col("status") == "waitlist").sort("waitlist_rank")
    leaving, first = int(seated["cadre"][0]), int(waiting["cadre"][0])
    enrolment = int(seated["id"][0])

    with pytest.raises(Invalid) as no_reason:
        await seat_store.cancel(enrolment, " ", "cadre", "outbox", cadre_id=leaving)
    assert "请写明请假原因" in no_reason.value.problems["reason"]
    with pytest.raises(NotFound):  # someone else's place
        await seat_store.cancel(enrolment, "家中有事", "x", "outbox", cadre_id=first)
    assert (await places(offering, plan)).equals(before)  # refusals change nothing

    change = await seat_store.cancel(enrolment, "防汛值班", "cadre", "outbox", cadre_id=leaving)
    after = await places(offering, plan)
    promoted = after.filter(pl.col("cadre") == first).row(0, named=True)
    assert promoted["status"] == "assigned" and promoted["promoted_at"] is not None
    assert change.promoted is not None and change.promoted in (await messages_to(first))[0]
    assert after.filter(pl.col("cadre") == leaving)["status"].to_list() == ["cancelled"]
    assert after.filter(pl.col("status") == "assigned").height == seated.height  # still full
    assert ranks(after) == list(range(1, waiting.height))  # everyone moved up one
    assert (await messages_to(leaving)) == []
    mine = [e for e in await enrolment_service.my_training(first) if e.id == promoted["id"]]
    assert mine[0].promoted and not mine[0].started
    assert change.title in (await enrolment_service.training_notices(first))[0].body
    with pytest.raises(Conflict, match="已经请过假"):
        await seat_store.cancel(enrolment, "防汛值班", "cadre", "outbox", cadre_id=leaving)

    # a waiting cadre who withdraws leaves a list still numbered 1, 2, …
    second = after.filter(pl.col("status") == "waitlist").sort("waitlist_rank")
    if second.height >= 2:
        middle = second.row(0, named=True)
        await seat_store.cancel(middle["id"], "另有安排", "office", "outbox")
        assert ranks(await places(offering, plan)) == list(range(1, second.height))


async def the_seat_skips_a_waiting_cadre_seated_elsewhere_that_day(
    plan: int, offering: int, other: int
) -> None:
    rows = await places(offering, plan)
    waiting = rows.filter(pl.col("status") == "waitlist").sort("waitlist_rank")
    first, second = int(waiting["cadre"][0]), int(waiting["cadre"][1])
    # the first waiting cadre holds a seat in another session on the same day
    day = rows["day"][0]
    await Offering.update({Offering.day: day}).where(Offering.id == other)
    await Enrolment.insert(
        Enrolment(plan=plan, offering=other, cadre=first, status="assigned", reason="x")
    )
    seated = rows.filter(pl.col("status") == "assigned")
    await seat_store.cancel(int(seated["id"][0]), "下乡督查", "office", "outbox")
    after = await places(offering, plan)
    assert after.filter(pl.col("cadre") == second)["status"].to_list() == ["assigned"]
    assert after.filter(pl.col("cadre") == first)["waitlist_rank"].to_list() == [1]
    assert await messages_to(first) == [] and len(await messages_to(second)) == 1
    await Enrolment.delete().where(  # (the planted seat goes again, and the other day)
        (Enrolment.offering == other) & (Enrolment.cadre == first) & (Enrolment.reason == "x")
    )
    await Offering.update({Offering.day: day + timedelta(days=1)}).where(Offering.id == other)


async def two_apologies_at_once_seat_two_different_people(plan: int, offering: int) -> None:
    rows = await places(offering, plan)
    seated = rows.filter(pl.col("status") == "assigned")
    waiting = rows.filter(pl.col("status") == "waitlist").sort("waitlist_rank")
    changes = await asyncio.gather(
        *(seat_store.cancel(int(e), "会议冲突", "office", "outbox") for e in seated["id"][:2])
    )
    after = await places(offering, plan)
    assert len({c.promoted for c in changes}) == 2
    assert after.filter(pl.col("status") == "assigned").height == seated.height
    assert set(after.filter(pl.col("promoted_at").is_not_null())["cadre"].to_list()) == set(
        waiting["cadre"][:2].to_list()
    )
    assert ranks(after) == list(range(1, waiting.height - 1))


async def the_office_adds_a_cadre_to_a_seat_or_the_end_of_the_list(
    plan: int, offering: int
) -> None:
    rows = await places(offering, plan)
    outsiders = await Enrolment.select(Enrolment.cadre).where(Enrolment.plan != plan)
    known = set(rows["cadre"].to_list())
    newcomer = next(int(r["cadre"]) for r in outsiders if int(r["cadre"]) not in known)
    change = await seat_store.join_waitlist(offering, newcomer, "training", "outbox")
    assert change.rank == ranks(rows)[-1] + 1
    with pytest.raises(Conflict, match="已在这个场次"):
        await seat_store.join_waitlist(offering, newcomer, "training", "outbox")
    # a session with free seats and nobody waiting: straight in, and told
    await Offering.update({Offering.capacity: 50}).where(Offering.id == offering)
    for e in (await places(offering, plan)).filter(pl.col("status") == "waitlist")["id"]:
        await seat_store.cancel(int(e), "不再候补", "office", "outbox")
    other = next(int(r["cadre"]) for r in outsiders if int(r["cadre"]) not in known | {newcomer})
    seated = await seat_store.join_waitlist(offering, other, "training", "outbox")
    assert seated.rank is None and len(await messages_to(other)) == 1
