"""Training plans through the tables on both engines: optimise, wait-list, publish, my
training, feedback, check-in — and the clear message when pins cannot all be honoured."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from evaluation.clock import today
from evaluation.errors import Conflict, Invalid, NotFound
from tests.factories import small_demo_latest_published
from training import enrolment as enrolment_service
from training import sessions
from training.planning import service as plan_service
from training.tables import Enrolment, Offering


async def enrolments(plan_id: int) -> pl.DataFrame:
    return pl.DataFrame(
        await Enrolment.select(
            Enrolment.id,
            Enrolment.cadre,
            Enrolment.offering,
            Enrolment.status,
            Enrolment.waitlist_rank,
            Enrolment.reason,
        ).where(Enrolment.plan == plan_id),
        infer_schema_length=None,
    )


async def test_plan_waitlist_publish_feedback_and_check_in(db: str) -> None:
    cycle_id = await small_demo_latest_published()
    await Offering.update({Offering.capacity: 3}, force=True)  # scarce seats: a waiting list
    plan_id = await plan_service.run_plan(cycle_id, per_cadre=2, budget=None, town_share=0.5)
    rows = await enrolments(plan_id)
    assigned = rows.filter(pl.col("status") == "assigned")
    waiting = rows.filter(pl.col("status") == "waitlist")
    assert assigned.height > 0 and waiting.height > 0
    assert assigned["reason"].str.starts_with("针对短板").all()
    assert assigned.group_by("cadre").len()["len"].max() <= 2
    assert assigned.group_by("offering").len()["len"].max() <= 3
    for _, group in waiting.group_by("offering"):  # a full, recorded order per session
        assert sorted(group["waitlist_rank"].to_list()) == list(range(1, group.height + 1))

    fullest = assigned.group_by("offering").len().sort(["len", "offering"], descending=True)
    assert fullest["len"][0] == 3  # a full session: enough people to give feedback
    cadre = int(assigned.filter(pl.col("offering") == fullest["offering"][0])["cadre"][0])
    target = int(
        assigned.filter(
            (pl.col("offering") == fullest["offering"][0]) & (pl.col("cadre") == cadre)
        )["id"][0]
    )
    ours = set(rows["id"].to_list())

    async def in_this_plan() -> list[dict[str, object]]:  # the demo has an older plan too
        return [e for e in await enrolment_service.my_training(cadre) if e.id in ours]

    assert await in_this_plan() == []  # nothing before publication
    await plan_service.publish(plan_id)
    with pytest.raises(Conflict):
        await plan_service.publish(plan_id)
    mine = await in_this_plan()
    enrolment = next(e for e in mine if e.id == target)

    other = int(rows.filter(pl.col("cadre") != cadre)["cadre"][0])
    with pytest.raises(NotFound):
        await enrolment_service.record_feedback(enrolment.id, other, 4, 4, "")

    offering = (
        await Offering.select(Offering.checkin_token)
        .where(Offering.id == int(assigned.filter(pl.col("id") == enrolment.id)["offering"][0]))
        .first()
    )
    assert offering is not None
    token = offering["checkin_token"]
    in_three_weeks = today() + timedelta(days=21)  # a photo of the sheet, taken early
    await Offering.update({Offering.day: in_three_weeks}).where(Offering.checkin_token == token)
    with pytest.raises(Conflict, match="签到尚未开始"):
        await enrolment_service.check_in(token, cadre)
    assert not any(e.attended_at for e in await in_this_plan())
    await Offering.update(  # the session is on now: the whole of today
        {Offering.day: today(), Offering.start_minute: 0, Offering.end_minute: 24 * 60 - 1}
    ).where(Offering.checkin_token == token)
    with pytest.raises(Conflict, match="签到后才能反馈"):  # on now, but not checked in yet
        await enrolment_service.record_feedback(enrolment.id, cadre, 4, 5, "案例实用")
    await enrolment_service.check_in(token, cadre)
    assert any(e.attended_at for e in await in_this_plan())
    with pytest.raises(Invalid) as invalid:
        await enrolment_service.record_feedback(enrolment.id, cadre, None, 9, "")
    assert set(invalid.value.problems) == {"reaction", "usefulness"}
    await enrolment_service.record_feedback(enrolment.id, cadre, 4, 5, "案例实用")
    with pytest.raises(Conflict):
        await enrolment_service.record_feedback(enrolment.id, cadre, 4, 5, "")

    # the office's view of that session: the register names people, feedback does not
    session = int(assigned.filter(pl.col("id") == enrolment.id)["offering"][0])
    report = await sessions.session_report(session)
    placed = assigned.filter(pl.col("offering") == session)
    assert len(report.attendees) == placed.height and report.attended == 1
    assert report.feedback == 1 and report.reaction is None and report.comments == []
    classmates = [int(c) for c in placed["cadre"].to_list() if int(c) != cadre]
    assert len(classmates) == sessions.MIN_FEEDBACK - 1
    for n, mate in enumerate(classmates[: sessions.MIN_FEEDBACK - 1]):
        mine_too = next(
            e.id
            for e in await enrolment_service.my_training(mate)
            if e.id in ours and e.status == "assigned" and e.title == report.title
        )
        await enrolment_service.check_in(token, mate)
        await enrolment_service.record_feedback(mine_too, mate, 2 + n, 3, f"意见{n}")
    report = await sessions.session_report(session)
    answered = 1 + len(classmates[: sessions.MIN_FEEDBACK - 1])
    assert report.feedback == answered == sessions.MIN_FEEDBACK
    reactions = [4] + [2 + n for n in range(answered - 1)]
    assert report.reaction == pytest.approx(sum(reactions) / answered)
    assert report.usefulness == pytest.approx((5 + 3 * (answered - 1)) / answered)
    assert sorted(report.comments) == sorted(
        ["案例实用"] + [f"意见{n}" for n in range(answered - 1)]
    )
    counts = await sessions.attendance_by_session()
    assert counts[session] == (placed.height, answered, answered)
    with pytest.raises(NotFound):
        await enrolment_service.check_in("not-a-token", cadre)


async def test_impossible_pins_are_refused_with_the_binding_constraints(db: str) -> None:
    cycle_id = await small_demo_latest_published()
    offering = await Offering.select(Offering.id).where(Offering.day >= date.today()).first()
    assert offering is not None
    await Offering.update({Offering.capacity: 1}).where(Offering.id == offering["id"])
    built, _ = await plan_service.problem(cycle_id, 2, float("inf"), 1.0)
    cadres = built.cadres["cadre_id"].head(2).to_list()
    with pytest.raises(Invalid) as refused:
        await plan_service.run_plan(
            cycle_id,
            per_cadre=2,
            budget=None,
            town_share=1.0,
            pinned=frozenset((c, offering["id"]) for c in cadres),
        )
    assert f"场次 {offering['id']} 的指定人数 2 超过座位数 1" in refused.value.message


async def test_pins_on_sessions_already_held_are_refused(db: str) -> None:
    cycle_id = await small_demo_latest_published()
    past = await Offering.select(Offering.id).where(Offering.day < date.today()).first()
    assert past is not None
    with pytest.raises(Invalid, match="已经举办或不存在"):
        await plan_service.run_plan(
            cycle_id, per_cadre=2, budget=None, town_share=1.0, pinned=frozenset({(1, past["id"])})
        )
