"""Many forms at once (a county's history, forms keyed in later) go through the same checks
and the same writes as one form: `submit_many` refuses what `submit` refuses — a missing
note at an extreme, a top-rating quota exceeded, a second answer to an assignment — says
which of the many it was, and stores the rest exactly as `submit` would, at the time each
came in; inside a caller's transaction (the demo loads all or nothing) it joins it."""

from __future__ import annotations

import datetime as dt

import msgspec
import polars as pl
import pytest

from evaluation.cycles import service as cycle_service
from evaluation.errors import Conflict, Invalid
from evaluation.organisation.importing import import_frame
from evaluation.responses.context import ratee_context
from evaluation.responses.raters import top_level_allowance
from evaluation.responses.submit import Intake, submit_many
from evaluation.tables import Assignment, Response, ResponseItem
from tests.factories import answers, open_cycle, roster_frame

WHEN = dt.datetime(2026, 12, 3, 1, 30, tzinfo=dt.UTC)


async def open_forms(cycle_id: int) -> list[tuple[int, int, int, str]]:
    frame = (await cycle_service.assignment_frame(cycle_id)).filter(
        (pl.col("status") == "open") & (pl.col("rater_group") != "self")
    )
    return list(frame.sort("id").select("id", "rater_id", "ratee_id", "rater_group").iter_rows())


async def intake(cycle_id: int, form: tuple[int, int, int, str], level: str = "3") -> Intake:
    assignment, rater, ratee, group = form
    items = (await ratee_context(cycle_id, ratee, group)).items
    return Intake(
        channel="online",
        cycle_id=cycle_id,
        ratee_id=ratee,
        group=group,
        fields=answers(items, level),
        rater_id=rater,
        assignment_id=assignment,
        client_key=f"many-{assignment}",
    )


@pytest.fixture
async def cycle(db: str) -> int:
    await import_frame(roster_frame(1, 15), county_name="测试县")
    return await open_cycle()


async def test_many_forms_are_stored_as_one_form_is_at_the_time_each_came_in(cycle: int) -> None:
    forms = (await open_forms(cycle))[:12]
    intakes = [await intake(cycle, f, level=str(2 + i % 3)) for i, f in enumerate(forms)]
    times = [WHEN + dt.timedelta(minutes=i) for i in range(len(intakes))]
    ids = await submit_many(intakes, times, at_once=5)  # three batches
    rows = await Response.select(Response.id, Response.submitted_at, Response.client_key).where(
        Response.id.is_in(ids)
    )
    by_id = {r["id"]: r for r in rows}
    assert [by_id[i]["submitted_at"] for i in ids] == times
    assert [by_id[i]["client_key"] for i in ids] == [f"online:many-{f[0]}" for f in forms]
    levels = await ResponseItem.select(ResponseItem.response, ResponseItem.level).where(
        ResponseItem.response.is_in(ids)
    )
    for position, response in enumerate(ids):
        mine = {r["level"] for r in levels if r["response"] == response}
        assert mine == {2 + position % 3}
    states = await Assignment.select(Assignment.status).where(
        Assignment.id.is_in([f[0] for f in forms])
    )
    assert {s["status"] for s in states} == {"submitted"}
    again = await submit_many(intakes[:3], times[:3])  # a retry of the same keys: the same ids
    assert again == ids[:3]


async def test_a_form_submit_refuses_is_refused_with_its_position(cycle: int) -> None:
    forms = await open_forms(cycle)
    good = await intake(cycle, forms[0])
    silent = await intake(cycle, forms[1], level="5")
    silent = msgspec.structs.replace(
        silent, fields={k: v for k, v in silent.fields.items() if not k.startswith("note_")}
    )
    with pytest.raises(Invalid, match="第 2 份") as refused:
        await submit_many([good, silent], [WHEN, WHEN])
    assert any("依据" in message for message in refused.value.problems.values())
    assert await Response.count() == 0  # checked before anything is stored
    twice = await intake(cycle, forms[2])
    other_key = msgspec.structs.replace(twice, client_key="other")
    with pytest.raises(Conflict, match=r"第 [12] 份：这份评价已经提交过了"):  # sent together
        await submit_many([twice, other_key], [WHEN, WHEN])
    assert await Response.count().where(Response.assignment == forms[2][0]) == 1


async def test_the_quota_holds_across_many_forms(cycle: int) -> None:
    forms = await open_forms(cycle)
    rater = forms[0][1]
    mine = [f for f in forms if f[1] == rater]
    allowed = await top_level_allowance(cycle, rater, 0.3)
    tops = [await intake(cycle, f, level="5") for f in mine]
    per_form = len(tops[0].fields) // 2
    assert allowed < per_form * len(tops)  # all top: more than the quota allows
    with pytest.raises(Invalid, match=r"第 \d+ 份：最高等级配额不足"):
        await submit_many(tops, [WHEN] * len(tops))
    counted = await ResponseItem.count().where(
        (ResponseItem.response.rater == rater) & (ResponseItem.level == 5)
    )
    assert counted <= allowed


async def test_inside_a_callers_transaction_all_or_nothing(cycle: int) -> None:
    forms = (await open_forms(cycle))[:4]
    intakes = [await intake(cycle, f) for f in forms]
    seen: list[int] = []

    async def then_fail() -> None:
        async with Response._meta.db.transaction():
            await submit_many(intakes, [WHEN] * len(intakes))
            seen.append(await Response.count())  # seen inside the transaction
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError, match="rolled back"):
        await then_fail()
    assert seen == [4] and await Response.count() == 0
    async with Response._meta.db.transaction():
        await submit_many(intakes, [WHEN] * len(intakes))
    assert await Response.count() == 4
