"""Cycles, assignments, responses and progress against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

import polars as pl
import pytest

from evaluation.cycles import service as cycle_service
from evaluation.cycles.progress_repository import cycle_progress
from evaluation.errors import Conflict, Invalid
from evaluation.organisation.importing import import_frame
from evaluation.responses.context import ratee_context
from evaluation.results import publication
from evaluation.tables import Assignment, Cycle, Response, ResponseItem
from tests.factories import (
    answer_assignments,
    answers,
    draft_cycle,
    open_cycle,
    record_response,
    roster_frame,
)

ACTIONS = ("open", "close", "reopen", "publish")


async def cycle_row(cycle_id: int) -> dict[str, object]:
    row = await Cycle.select().where(Cycle.id == cycle_id).first()
    assert row is not None
    return row


async def test_every_legal_move_and_every_illegal_one_changes_nothing(db: str) -> None:
    await import_frame(roster_frame(2, 15), county_name="测试县")
    cycle_id = await draft_cycle()
    path = [
        ("draft", "open", "open"),
        ("open", "close", "closed"),
        ("closed", "reopen", "open"),
        ("open", "close", "closed"),
        ("closed", "publish", "published"),
    ]
    await cycle_service.generate_cycle_assignments(cycle_id)
    for state, action, target in path:
        assert (await cycle_row(cycle_id))["state"] == state
        for other in ACTIONS:
            if other == action or (state, other) in {("closed", "reopen"), ("closed", "publish")}:
                continue
            before = await cycle_row(cycle_id)
            with pytest.raises(Conflict):
                await cycle_service.move_cycle(cycle_id, other)
            assert await cycle_row(cycle_id) == before
        if action == "publish":  # publishing computes and freezes the results first
            with pytest.raises(Conflict, match="发布结果"):
                await cycle_service.move_cycle(cycle_id, action)
            await publication.publish(cycle_id)
        else:
            assert await cycle_service.move_cycle(cycle_id, action) == target
        if action == "open":
            await answer_assignments(cycle_id, every=3)
        assert (await cycle_row(cycle_id))["state"] == target
    final = await cycle_row(cycle_id)
    assert final["published_at"] is not None
    for action in ACTIONS:
        with pytest.raises(Conflict):
            await cycle_service.move_cycle(cycle_id, action)
    with pytest.raises(Conflict):
        await publication.publish(cycle_id)


async def test_a_cycle_cannot_open_without_assignments_or_change_weights_once_open(db: str) -> None:
    await import_frame(roster_frame(1, 15), county_name="测试县")
    cycle_id = await draft_cycle()
    with pytest.raises(Conflict, match="生成评价任务"):
        await cycle_service.move_cycle(cycle_id, "open")
    with pytest.raises(Invalid):
        await cycle_service.set_weights(cycle_id, {"superior": 0.5, "peer": 0.5, "resident": 0.0})
    await cycle_service.set_weights(cycle_id, {"superior": 0.3, "peer": 0.3, "resident": 0.4})
    await cycle_service.generate_cycle_assignments(cycle_id)
    await cycle_service.move_cycle(cycle_id, "open")
    before = await cycle_row(cycle_id)
    with pytest.raises(Conflict, match="不能再修改"):
        await cycle_service.set_weights(cycle_id, {"superior": 0.35, "peer": 0.35, "resident": 0.3})
    with pytest.raises(Conflict):
        await cycle_service.generate_cycle_assignments(cycle_id)
    assert await cycle_row(cycle_id) == before


async def test_generated_assignments_are_stored_and_regeneration_keeps_manual_ones(db: str) -> None:
    await import_frame(roster_frame(2, 15), county_name="测试县")
    cycle_id = await draft_cycle(peers=3)
    counts = await cycle_service.generate_cycle_assignments(cycle_id)
    stored = await cycle_service.assignment_frame(cycle_id)
    assert stored.height == sum(counts.values())
    peers = stored.filter(pl.col("rater_group") == "peer")
    assert peers.filter(pl.col("rater_id") == pl.col("ratee_id")).is_empty()
    manual = await cycle_service.add_assignment(
        cycle_id, int(peers["rater_id"][0]), int(peers["rater_id"][1]), "mystery", "暗访安排"
    )
    await cycle_service.generate_cycle_assignments(cycle_id)
    again = await cycle_service.assignment_frame(cycle_id)
    assert again.height == stored.height + 1
    assert manual in again["id"].to_list()
    with pytest.raises(Invalid):
        await cycle_service.remove_assignment(manual, "")
    await cycle_service.remove_assignment(manual, "安排变更")
    assert (
        await Assignment.select(Assignment.status, Assignment.reason)
        .where(Assignment.id == manual)
        .first()
    ) == {"status": "removed", "reason": "安排变更"}


async def test_progress_numbers_equal_direct_counts(db: str) -> None:
    await import_frame(roster_frame(3, 15), county_name="测试县")
    cycle_id = await open_cycle(peers=3)
    assignments = (await cycle_service.assignment_frame(cycle_id)).sort("id")
    # a known set: every 3rd assignment answered online, two residents for one cadre, one paper form
    answered = await answer_assignments(cycle_id, every=3)
    resident_ratee = int(assignments["ratee_id"][0])
    resident_items = (await ratee_context(cycle_id, resident_ratee, "resident")).items
    for _ in range(2):
        await record_response(
            cycle_id=cycle_id,
            ratee_id=resident_ratee,
            group="resident",
            fields=answers(resident_items, "4"),
            channel="qr",
            items=resident_items,
        )
    paper_items = (await ratee_context(cycle_id, resident_ratee, "peer")).items
    await record_response(
        cycle_id=cycle_id,
        ratee_id=resident_ratee,
        group="peer",
        fields=answers(paper_items),
        channel="paper",
        items=paper_items,
        batch_label="第1批",
    )

    progress = await cycle_progress(cycle_id)
    total = await Assignment.count().where(
        (Assignment.cycle == cycle_id) & (Assignment.status != "removed")
    )
    submitted = await Assignment.count().where(
        (Assignment.cycle == cycle_id) & (Assignment.status == "submitted")
    )
    assert progress.overall["assigned"] == total == assignments.height
    assert progress.overall["submitted"] == submitted == answered.height
    assert progress.overall["responses"] == await Response.count().where(Response.cycle == cycle_id)
    assert progress.overall["resident_responses"] == 2
    for group, assigned, done, unassigned in progress.by_group.select(
        "rater_group", "assigned", "submitted", "unassigned_responses"
    ).iter_rows():
        assert assigned == await Assignment.count().where(
            (Assignment.cycle == cycle_id) & (Assignment.rater_group == group)
        )
        assert done == await Assignment.count().where(
            (Assignment.cycle == cycle_id)
            & (Assignment.rater_group == group)
            & (Assignment.status == "submitted")
        )
        assert unassigned == await Response.count().where(
            (Response.cycle == cycle_id)
            & (Response.rater_group == group)
            & Response.assignment.is_null()
        )
    for town_id, assigned in progress.by_town.select("town_id", "assigned").iter_rows():
        assert assigned == await Assignment.count().where(
            (Assignment.cycle == cycle_id) & (Assignment.ratee.town == town_id)
        )
    by_rater = dict(progress.by_rater.select("rater_id", "open").iter_rows())
    for rater_id in assignments["rater_id"].unique().to_list()[:10]:
        assert by_rater[rater_id] == await Assignment.count().where(
            (Assignment.cycle == cycle_id)
            & (Assignment.rater == rater_id)
            & (Assignment.status == "open")
        )


async def test_a_bad_response_writes_nothing_and_a_done_assignment_is_not_answered_twice(
    db: str,
) -> None:
    await import_frame(roster_frame(1, 15), county_name="测试县")
    cycle_id = await open_cycle()
    assignment_id, rater_id, ratee_id, group = (
        (await cycle_service.assignment_frame(cycle_id))
        .select("id", "rater_id", "ratee_id", "rater_group")
        .row(0)
    )
    items = (await ratee_context(cycle_id, ratee_id, group)).items
    bad = answers(items, "5")
    bad.pop(f"note_{items[0].id}")
    bad[f"level_{items[1].id}"] = "9"
    with pytest.raises(Invalid) as caught:
        await record_response(
            cycle_id=cycle_id,
            ratee_id=ratee_id,
            group=group,
            fields=bad,
            channel="online",
            rater_id=rater_id,
            assignment_id=assignment_id,
            items=items,
        )
    assert set(caught.value.problems) == {f"note_{items[0].id}", f"level_{items[1].id}"}
    assert await Response.count() == 0
    assert await ResponseItem.count() == 0
    kwargs = dict(
        cycle_id=cycle_id,
        ratee_id=ratee_id,
        group=group,
        fields=answers(items),
        channel="online",
        rater_id=rater_id,
        assignment_id=assignment_id,
        items=items,
    )
    await record_response(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        await record_response(**kwargs)  # type: ignore[arg-type]
    assert await Response.count() == 1
    assert await ResponseItem.count() == len(items)
    await cycle_service.move_cycle(cycle_id, "close")
    resident_items = (await ratee_context(cycle_id, ratee_id, "resident")).items
    with pytest.raises(Conflict, match="不在评价期内"):
        await record_response(
            cycle_id=cycle_id,
            ratee_id=ratee_id,
            group="resident",
            channel="qr",
            fields=answers(resident_items),
            items=resident_items,
        )
    assert await Response.count() == 1


async def test_racing_resident_submissions_store_one_response_per_device_and_per_key(
    db: str,
) -> None:
    """The database, not a check before the insert, keeps one response per device per cadre
    per cycle: concurrent transactions (PostgreSQL) cannot slip a second one in, and
    concurrent retries of one client_key all get the response it created."""
    await import_frame(roster_frame(1, 15), county_name="测试县")
    cycle_id = await open_cycle()
    first, second = (await cycle_service.assignment_frame(cycle_id))["ratee_id"].unique()[:2]
    items = (await ratee_context(cycle_id, first, "resident")).items

    async def submit(device: str, key: str, ratee_id: int = first) -> int | Exception:
        try:
            return await record_response(
                cycle_id=cycle_id,
                ratee_id=ratee_id,
                group="resident",
                channel="qr",
                fields=answers(items),
                items=items,
                client_key=key,
                device=device,
                source_hash="0123456789abcdef",
            )
        except Conflict as exc:
            return exc

    same_device = await asyncio.gather(*[submit("device-a", f"qr:a-{i}") for i in range(8)])
    assert len([r for r in same_device if isinstance(r, int)]) == 1
    assert all("已经评价过" in str(r) for r in same_device if isinstance(r, Conflict))
    same_key = await asyncio.gather(*[submit(f"device-b{i}", "qr:b-retry") for i in range(8)])
    assert len(set(same_key)) == 1 and isinstance(same_key[0], int)
    assert isinstance(await submit("device-a", "qr:a-other-cadre", ratee_id=second), int)
    assert await Response.count() == 3
    assert await ResponseItem.count() == 3 * len(items)
