"""A cadre's side of a published plan: my training, venue check-in and post-session
feedback."""

from __future__ import annotations

from datetime import date, datetime

from evaluation import clock
from evaluation.clock import now_local
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.outbox import store as outbox
from evaluation.outbox.store import Notice
from training.schemas import MyEnrolment
from training.tables import Enrolment, Offering, SessionFeedback
from training.timing import started


async def my_training(cadre_id: int) -> list[MyEnrolment]:
    """The cadre's enrolments in published plans, with attendance and feedback state."""
    rows = (
        await Enrolment.select(
            Enrolment.id,
            Enrolment.status,
            Enrolment.waitlist_rank,
            Enrolment.reason,
            Enrolment.attended_at,
            Enrolment.promoted_at,
            Enrolment.cancel_reason,
            Enrolment.offering.title.as_alias("title"),
            Enrolment.offering.kind.as_alias("kind"),
            Enrolment.offering.day.as_alias("day"),
            Enrolment.offering.start_minute.as_alias("start_minute"),
            Enrolment.offering.format.as_alias("format"),
            Enrolment.offering.venue_town.name.as_alias("venue"),  # type: ignore[union-attr]
        )
        .where((Enrolment.cadre == cadre_id) & Enrolment.plan.published_at.is_not_null())
        .order_by(Enrolment.offering.day)
    )
    given = {
        r["enrolment"]
        for r in await SessionFeedback.select(SessionFeedback.enrolment).where(
            SessionFeedback.enrolment.is_in([r["id"] for r in rows] or [0])
        )
    }
    now = now_local()
    return [
        MyEnrolment(
            **{k: v for k, v in row.items() if k != "promoted_at"},
            feedback_given=row["id"] in given,
            promoted=row["promoted_at"] is not None,
            started=started(row["day"], row["start_minute"], now),
        )
        for row in rows
    ]


async def record_feedback(
    enrolment_id: int, cadre_id: int, reaction: int | None, usefulness: int | None, comment: str
) -> None:
    enrolment = (
        await Enrolment.select(
            Enrolment.id,
            Enrolment.status,
            Enrolment.attended_at,
            Enrolment.offering.day.as_alias("day"),
            Enrolment.offering.start_minute.as_alias("start_minute"),
        )
        .where(
            (Enrolment.id == enrolment_id)
            & (Enrolment.cadre == cadre_id)
            & Enrolment.plan.published_at.is_not_null()
        )
        .first()
    )
    if enrolment is None or enrolment["status"] != "assigned":
        raise NotFound("找不到这条培训安排")
    if not started(enrolment["day"], enrolment["start_minute"], now_local()):
        raise Conflict("培训还没有开始，参加之后再来反馈")
    if enrolment["attended_at"] is None:
        raise Conflict("没有这次培训的签到记录：签到后才能反馈（漏签请联系培训办补录）")
    problems = {}
    if reaction is None or not 1 <= reaction <= 5:
        problems["reaction"] = "请为培训的总体感受打分（1–5）"
    if usefulness is None or not 1 <= usefulness <= 5:
        problems["usefulness"] = "请为对工作的帮助打分（1–5）"
    if len(comment) > 500:
        problems["comment"] = "意见不超过 500 字"
    if problems:
        raise Invalid("反馈未提交", problems)
    if await SessionFeedback.exists().where(SessionFeedback.enrolment == enrolment_id):
        raise Conflict("这次培训的反馈已经提交过了")
    await SessionFeedback.insert(
        SessionFeedback(
            enrolment=enrolment_id,
            reaction=reaction,
            usefulness=usefulness,
            comment=comment.strip(),
        )
    )


CHECKIN_EARLY = 60  # minutes before the start a scan counts
CHECKIN_LATE = 30  # minutes after the end


def clock_time(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def checkin_refusal(day: date, start: int, end: int, now: datetime) -> str | None:
    """Why a scan at `now` (local time) is not attendance, or None when it is: a session's
    code counts from an hour before it starts to half an hour after it ends, on its day —
    a photo of the sheet taken three weeks early proves nothing."""
    opens, closes = max(start - CHECKIN_EARLY, 0), min(end + CHECKIN_LATE, 24 * 60 - 1)
    window = f"{day} {clock_time(opens)}–{clock_time(closes)}"
    minute = now.hour * 60 + now.minute
    if (now.date(), minute) < (day, opens):
        return f"签到尚未开始：本场在 {day} {clock_time(start)} 开始，签到时间为 {window}"
    if (now.date(), minute) > (day, closes):
        return f"签到已经结束：本场签到时间为 {window}，如确有参训请联系培训办补录"
    return None


async def check_in(token: str, cadre_id: int) -> str:
    """The QR code at the venue: a logged-in cadre scanning it around the session's time
    is marked present; returns the session's title."""
    offering = (
        await Offering.select(
            Offering.id, Offering.title, Offering.day, Offering.start_minute, Offering.end_minute
        )
        .where((Offering.checkin_token == token) & (Offering.checkin_token != ""))
        .first()
    )
    if offering is None:
        raise NotFound("签到码无效")
    refusal = checkin_refusal(
        offering["day"], offering["start_minute"], offering["end_minute"], now_local()
    )
    if refusal:
        raise Conflict(refusal)
    updated = (
        await Enrolment.update({Enrolment.attended_at: clock.now()})
        .where(
            (Enrolment.offering == offering["id"])
            & (Enrolment.cadre == cadre_id)
            & (Enrolment.status == "assigned")
            & Enrolment.plan.published_at.is_not_null()
        )
        .returning(Enrolment.id)
    )
    if not updated:
        raise NotFound("您不在这次培训的名单上")
    return str(offering["title"])


async def training_notices(cadre_id: int) -> list[Notice]:
    """What the cadre was told about their training lately (a seat from the waiting list)."""
    return await outbox.recent_for(cadre_id, ["training_promoted"])
