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

from evaluation.errors import NotFound
from training.tables import Enrolment, Offering, SessionFeedback

MIN_FEEDBACK = 3


class Attendee(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    town: str
    attended_at: datetime | None  # None: did not check in


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
            Attendee(name=r["name"], town=r["town"], attended_at=r["attended_at"]) for r in assigned
        ],
        waiting=sum(1 for r in placed if r["status"] == "waitlist"),
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
