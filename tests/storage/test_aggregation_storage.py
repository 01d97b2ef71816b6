"""Results from stored responses, snapshots, and publication that freezes them."""

from __future__ import annotations

import polars as pl
import pytest

from evaluation.cycles import service as cycle_service
from evaluation.errors import Conflict
from evaluation.organisation.importing import import_frame
from evaluation.results import compute as aggregation_service
from evaluation.tables import (
    GroupScore,
    ProfileSnapshot,
    RaterResult,
    Response,
    ResponseFlag,
    ScoreRow,
)
from tests.factories import answer_assignments, open_cycle, roster_frame


async def test_aggregate_store_publish_and_recompute(db: str) -> None:
    await import_frame(roster_frame(2, 15), county_name="测试县")
    cycle_id = await open_cycle(peers=3)
    await answer_assignments(cycle_id, varied=True)
    peer = await Response.select(Response.id).where(Response.rater_group == "peer").first()
    assert peer is not None
    await Response.delete().where(Response.id == peer["id"])  # one cadre: only two peers
    responses, _ = await aggregation_service.cycle_frames(cycle_id)
    assert responses.height == await stored_levels()
    results = await aggregation_service.compute(cycle_id)
    assert results.profiles["score"].is_between(1, 5).all()
    first = await aggregation_service.store_snapshot(cycle_id, results)
    assert await ScoreRow.count().where(ScoreRow.snapshot == first) == results.profiles.height
    groups = pl.DataFrame(
        await GroupScore.select(
            GroupScore.rater_group, GroupScore.n, GroupScore.raw_mean, GroupScore.reason
        ).where(GroupScore.snapshot == first)
    )
    assert groups.height == results.groups.height
    hidden = groups.filter(pl.col("reason").is_not_null())
    assert hidden.height > 0
    assert hidden["raw_mean"].is_null().all()
    assert (
        groups.filter((pl.col("rater_group") == "peer") & (pl.col("n") < 3))["raw_mean"]
        .is_null()
        .all()
    )
    assert await RaterResult.count().where(RaterResult.snapshot == first) > 0

    await cycle_service.move_cycle(cycle_id, "close")
    await cycle_service.move_cycle(cycle_id, "publish")
    published = await aggregation_service.published_snapshot(cycle_id)
    assert published is not None and published != first
    frozen = await ScoreRow.select(ScoreRow.ratee, ScoreRow.competency, ScoreRow.score).where(
        ScoreRow.snapshot == published
    )

    again = await aggregation_service.store_snapshot(
        cycle_id, await aggregation_service.compute(cycle_id)
    )
    assert again != published
    assert await aggregation_service.published_snapshot(cycle_id) == published
    assert (
        await ScoreRow.select(ScoreRow.ratee, ScoreRow.competency, ScoreRow.score).where(
            ScoreRow.snapshot == published
        )
        == frozen
    )
    assert await ProfileSnapshot.count().where(ProfileSnapshot.frozen.eq(True)) == 1


async def stored_levels() -> int:
    from evaluation.tables import ResponseItem

    return await ResponseItem.count().where(ResponseItem.level.is_not_null())


async def test_excluded_responses_leave_the_frames(db: str) -> None:
    from evaluation.tables import ResponseItem

    await import_frame(roster_frame(1, 15), county_name="测试县")
    cycle_id = await open_cycle(peers=3)
    await answer_assignments(cycle_id, varied=True)
    before, _ = await aggregation_service.cycle_frames(cycle_id)
    response = await Response.select(Response.id, Response.ratee).first()
    assert response is not None
    items = await ResponseItem.count().where(ResponseItem.response == response["id"])
    await ResponseFlag.insert(
        ResponseFlag(response=response["id"], reason="burst", decision="excluded")
    )
    await ResponseFlag.insert(
        ResponseFlag(response=response["id"], reason="identical", decision="kept")
    )
    after, _ = await aggregation_service.cycle_frames(cycle_id)
    assert before.height - after.height == items > 0
    assert pl.DataFrame(await Response.select(Response.id)).height > 1  # nothing deleted


async def test_a_cycle_without_responses_cannot_be_computed(db: str) -> None:
    await import_frame(roster_frame(1, 15), county_name="测试县")
    cycle_id = await open_cycle(peers=3)
    with pytest.raises(Conflict, match="还没有评价数据"):
        await aggregation_service.compute(cycle_id)
