"""The training office's view of one session: who was placed on it by a published plan and
who checked in, and what participants said afterwards.

Attendance is a register and names people. Feedback is not: it is shown as counts and
averages, and its comments only once at least MIN_FEEDBACK people answered, without names and
in a fixed order unrelated to who wrote them — so a trainer reading the page cannot tell which
participant said what."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import msgspec
import polars as pl

from evaluation.clock import now_local
from evaluation.errors import NotFound
from training.tables import Enrolment, Offering, SessionFeedback
from training.timing import started

MIN_FEEDBACK = 3


class Attendee(msgspec.Struct, frozen=True, kw_only=True):
    enrolment_id: int
    cadre_id: int
    name: str
    town: str
    attended_at: datetime | None  # None: did not check in
    promoted: bool = False  # got the seat from the waiting list


class Waiting(msgspec.Struct, frozen=True, kw_only=True):
    enrolment_id: int
    cadre_id: int
    rank: int
    name: str
    town: str


class Apology(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    town: str
    at: datetime
    reason: str
    by: str


class SessionReport(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    title: str
    kind: str
    day: date
    start_minute: int
    end_minute: int
    venue: str | None
    trainer: str
    capacity: int
    attendees: list[Attendee]
    waiting: int
    waiting_list: list[Waiting]
    apologies: list[Apology]
    started: bool  # from its start time on, no apology or joining
    attended: int
    feedback: int
    reaction: float | None
    usefulness: float | None
    comments: list[str]  # empty below MIN_FEEDBACK answers


async def session_report(offering_id: int) -> SessionReport:
    offering = (
        await Offering.select(
            Offering.id,
            Offering.title,
            Offering.kind,
            Offering.day,
            Offering.start_minute,
            Offering.end_minute,
            Offering.venue_town.name.as_alias("venue"),
            Offering.trainer,
            Offering.capacity,
        )
        .where(Offering.id == offering_id)
        .first()
    )
    if offering is None:
        raise NotFound("场次不存在")
    placed = await Enrolment.select(
        Enrolment.id,
        Enrolment.status,
        Enrolment.attended_at,
        Enrolment.cadre,
        Enrolment.waitlist_rank,
        Enrolment.promoted_at,
        Enrolment.cancelled_at,
        Enrolment.cancel_reason,
        Enrolment.cancelled_by,
        Enrolment.cadre.name.as_alias("name"),
        Enrolment.cadre.town.name.as_alias("town"),  # type: ignore[union-attr]
    ).where((Enrolment.offering == offering_id) & Enrolment.plan.published_at.is_not_null())
    assigned = sorted(
        (r for r in placed if r["status"] == "assigned"), key=lambda r: (r["town"], r["name"])
    )
    answers = pl.DataFrame(
        await SessionFeedback.select(
            SessionFeedback.reaction, SessionFeedback.usefulness, SessionFeedback.comment
        ).where(SessionFeedback.enrolment.offering == offering_id),
        schema={"reaction": pl.Int64, "usefulness": pl.Int64, "comment": pl.String},
    )
    enough = answers.height >= MIN_FEEDBACK
    comments = [c for c in answers["comment"].to_list() if c and c.strip()] if enough else []
    return SessionReport(
        id=offering["id"],
        title=offering["title"],
        kind=offering["kind"],
        day=offering["day"],
        start_minute=offering["start_minute"],
        end_minute=offering["end_minute"],
        venue=offering["venue"],
        trainer=offering["trainer"],
        capacity=offering["capacity"],
        attendees=[
            Attendee(
                enrolment_id=r["id"],
                cadre_id=r["cadre"],
                name=r["name"],
                town=r["town"],
                attended_at=r["attended_at"],
                promoted=r["promoted_at"] is not None,
            )
            for r in assigned
        ],
        waiting=sum(1 for r in placed if r["status"] == "waitlist"),
        waiting_list=sorted(
            (
                Waiting(
                    enrolment_id=r["id"],
                    cadre_id=r["cadre"],
                    rank=r["waitlist_rank"],
                    name=r["name"],
                    town=r["town"],
                )
                for r in placed
                if r["status"] == "waitlist"
            ),
            key=lambda w: w.rank,
        ),
        apologies=sorted(
            (
                Apology(
                    name=r["name"],
                    town=r["town"],
                    at=r["cancelled_at"],
                    reason=r["cancel_reason"],
                    by=r["cancelled_by"],
                )
                for r in placed
                if r["status"] == "cancelled"
            ),
            key=lambda a: a.at,
        ),
        started=started(offering["day"], offering["start_minute"], now_local()),
        attended=sum(1 for r in assigned if r["attended_at"] is not None),
        feedback=answers.height,
        reaction=float(answers["reaction"].mean()) if enough else None,  # type: ignore[arg-type]
        usefulness=float(answers["usefulness"].mean()) if enough else None,  # type: ignore[arg-type]
        comments=sorted(comments, key=lambda c: hashlib.sha256(c.encode()).hexdigest()),
    )


async def attendance_by_session() -> dict[int, tuple[int, int, int]]:
    """Offering id → (placed by a published plan, checked in, feedback answers)."""
    rows = await Enrolment.select(Enrolment.offering, Enrolment.attended_at).where(
        (Enrolment.status == "assigned") & Enrolment.plan.published_at.is_not_null()
    )
    placed = pl.DataFrame(  # the time itself is not needed, and engines differ in its type
        {
            "offering": [r["offering"] for r in rows],
            "attended": [r["attended_at"] is not None for r in rows],
        },
        schema={"offering": pl.Int64, "attended": pl.Boolean},
    )
    answered = pl.DataFrame(
        await SessionFeedback.select(SessionFeedback.enrolment.offering.as_alias("offering")),
        schema={"offering": pl.Int64},
    )
    counts = placed.group_by("offering").agg(
        pl.len().alias("placed"), pl.col("attended").sum().alias("attended")
    )
    feedback = answered.group_by("offering").agg(pl.len().alias("feedback"))
    joined = counts.join(feedback, on="offering", how="full", coalesce=True).fill_null(0)
    return {
        int(r["offering"]): (int(r["placed"]), int(r["attended"]), int(r["feedback"]))
        for r in joined.iter_rows(named=True)
    }


class Candidate(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    position: str


class TownCandidates(msgspec.Struct, frozen=True, kw_only=True):
    town: str
    cadres: list[Candidate]


async def candidates(report: SessionReport) -> list[TownCandidates]:
    """Who the office can add to the session, town by town: every cadre of the roster not
    already seated or waiting on it (a list to choose from, never an id to type)."""
    from evaluation.organisation import directory

    taken = [a.cadre_id for a in report.attendees] + [w.cadre_id for w in report.waiting_list]
    frame = (
        (await directory.cadre_frame())
        .filter(~pl.col("cadre_id").is_in(taken))
        .sort("town_external_id", "external_id")
    )
    return [
        TownCandidates(
            town=str(town),
            cadres=[
                Candidate(id=int(i), name=str(n), position=str(p))
                for i, n, p in group.select("cadre_id", "name", "position").iter_rows()
            ],
        )
        for (town,), group in frame.group_by("town", maintain_order=True)
    ]
