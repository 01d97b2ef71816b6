"""Results from stored responses, snapshots as released, and publication that freezes them."""

from __future__ import annotations

import polars as pl
import polars.testing
import pytest

from evaluation.cycles import service as cycle_service
from evaluation.errors import Conflict
from evaluation.organisation.importing import import_frame
from evaluation.results import compute, publication, published, snapshots
from evaluation.results.tables import CellResult, GroupResult, RaterResult, SnapshotCadre
from evaluation.tables import ProfileSnapshot, Response, ResponseFlag
from tests.factories import answer_assignments, open_cycle, roster_frame


async def frozen_snapshot(cycle_id: int) -> int:
    row = (
        await ProfileSnapshot.select(ProfileSnapshot.id)
        .where((ProfileSnapshot.cycle == cycle_id) & ProfileSnapshot.frozen.eq(True))
        .first()
    )
    assert row is not None
    return int(row["id"])


async def test_preview_store_publish_and_frozen_for_good(db: str) -> None:
    await import_frame(roster_frame(2, 15), county_name="测试县")
    cycle_id = await open_cycle(peers=3)
    await answer_assignments(cycle_id, varied=True)
    peer = await Response.select(Response.id).where(Response.rater_group == "peer").first()
    assert peer is not None
    await Response.delete().where(Response.id == peer["id"])  # one cadre: only two peers
    responses, _ = await compute.cycle_frames(cycle_id)
    assert responses.height == await stored_levels()
    with pytest.raises(Conflict, match="评价进行中"):
        await publication.preview(cycle_id)  # no scores while a cycle collects
    await cycle_service.move_cycle(cycle_id, "close")
    first = await publication.preview(cycle_id)
    stored = await snapshots.cells(first)
    assert stored.filter(pl.col("score").is_not_null())["score"].is_between(1, 5).all()
    groups = await snapshots.groups(first)
    hidden = groups.filter(pl.col("reason").is_not_null())
    assert hidden.height > 0
    assert hidden["raw_mean"].is_null().all() and hidden["corrected_mean"].is_null().all()
    assert (
        groups.filter((pl.col("rater_group") == "peer") & (pl.col("n") < 3))["raw_mean"]
        .is_null()
        .all()
    )
    assert await RaterResult.count().where(RaterResult.snapshot == first) > 0
    assert await SnapshotCadre.count().where(SnapshotCadre.snapshot == first) == 30
    again = await publication.preview(cycle_id)  # recomputing a closed cycle: same numbers
    pl.testing.assert_frame_equal(await snapshots.cells(again), stored)
    with pytest.raises(Conflict, match="不能再重新开放"):
        await cycle_service.move_cycle(cycle_id, "reopen")

    published = await publication.publish(cycle_id)
    assert published == await frozen_snapshot(cycle_id)
    frozen = await snapshots.cells(published)
    pl.testing.assert_frame_equal(frozen, stored)
    with pytest.raises(Conflict, match="已发布"):
        await publication.preview(cycle_id)
    await compute.store_snapshot(
        cycle_id, await compute.compute(cycle_id)
    )  # a stray recomputation …
    assert await frozen_snapshot(cycle_id) == published  # … never replaces the frozen one
    pl.testing.assert_frame_equal(await snapshots.cells(published), frozen)
    assert await ProfileSnapshot.count().where(ProfileSnapshot.frozen.eq(True)) == 1
    assert await CellResult.count().where(CellResult.snapshot == published) == frozen.height
    assert await GroupResult.count().where(GroupResult.snapshot == published) == groups.height


async def stored_levels() -> int:
    from evaluation.tables import ResponseItem

    return await ResponseItem.count().where(ResponseItem.level.is_not_null())


async def test_excluded_and_unreviewed_responses_do_not_count(db: str) -> None:
    from evaluation.tables import ResponseItem

    await import_frame(roster_frame(1, 15), county_name="测试县")
    cycle_id = await open_cycle(peers=3)
    await answer_assignments(cycle_id, varied=True)
    before, _ = await compute.cycle_frames(cycle_id)
    first, second, third = await Response.select(Response.id).limit(3)
    items = await ResponseItem.count().where(
        ResponseItem.response.is_in([first["id"], second["id"]])
    )
    await ResponseFlag.insert(
        ResponseFlag(response=first["id"], reason="burst", decision="excluded")
    )
    await ResponseFlag.insert(ResponseFlag(response=second["id"], reason="burst", decision=""))
    await ResponseFlag.insert(
        ResponseFlag(response=third["id"], reason="identical", decision="kept")
    )
    after, _ = await compute.cycle_frames(cycle_id)
    assert before.height - after.height == items > 0  # excluded and pending both left out
    assert pl.DataFrame(await Response.select(Response.id)).height > 2  # nothing deleted
    await cycle_service.move_cycle(cycle_id, "close")
    with pytest.raises(Conflict, match="待复核"):
        await publication.preview(cycle_id)  # a pending flag must be decided first


async def test_a_cycle_without_responses_cannot_be_computed(db: str) -> None:
    await import_frame(roster_frame(1, 15), county_name="测试县")
    cycle_id = await open_cycle(peers=3)
    await cycle_service.move_cycle(cycle_id, "close")
    with pytest.raises(Conflict, match="还没有评价数据"):
        await publication.publish(cycle_id)
    assert (await cycle_service.get_cycle(cycle_id)).state == "closed"


async def test_a_snapshot_gives_back_the_analytics_frames_as_they_were(db: str) -> None:
    """The published interface (issue 33): each part is read back in the analytics' own
    names and types — every column the analytics hand over, values equal, nothing renamed
    (a cell's `missing_groups` is a list on both sides)."""
    await import_frame(roster_frame(2, 15), county_name="测试县")
    cycle_id = await open_cycle(peers=3)
    await answer_assignments(cycle_id, varied=True)
    await cycle_service.move_cycle(cycle_id, "close")
    computed = await compute.compute(cycle_id)
    snapshot = await compute.store_snapshot(cycle_id, computed)
    results, people = computed.results, computed.people
    handed = {
        published.CELLS: results.profiles.with_columns(pl.col("redistributed").fill_null(False)),
        published.GROUPS: results.groups.with_columns(pl.col("rater_group").cast(pl.String)),
        published.SUMMARIES: results.cadres.with_columns(pl.col("competencies").cast(pl.Int64)),
        published.AGREEMENT: results.agreement,
        published.PEOPLE: people.filter(
            pl.col("ratee_id").is_in(results.profiles["ratee_id"].implode())
        ),
    }
    assert results.profiles.schema["missing_groups"] == pl.List(pl.String)
    for part, frame in handed.items():
        read = await published.read(part, snapshot)
        columns = list(published.schema(part))
        assert set(columns) <= set(frame.columns), part.table  # the analytics' names
        key = [c for c in ("ratee_id", "competency", "rater_group") if c in columns]
        pl.testing.assert_frame_equal(
            read.sort(key),
            frame.select(columns).sort(key),
            check_dtypes=False,
            check_exact=False,
            rel_tol=1e-12,
        )
        assert read.schema == published.schema(part)
    some = results.profiles["ratee_id"].unique().sort()[:2].to_list()
    cells = await published.read(published.CELLS, snapshot, some)
    assert set(cells["ratee_id"]) == set(some)
