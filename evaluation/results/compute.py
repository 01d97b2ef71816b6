"""Reading a cycle's analytics frames from the database and storing result snapshots."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from evaluation.analytics.pipeline import CycleResults, aggregate
from evaluation.cycles import service as cycle_service
from evaluation.errors import Conflict
from evaluation.infra.bulk import insert_values
from evaluation.organisation.directory import cadre_frame
from evaluation.tables import (
    GroupScore,
    ProfileSnapshot,
    RaterResult,
    ResponseFlag,
    ResponseItem,
    ScoreRow,
)

RESPONSE_SCHEMA = {
    "response_id": pl.Int64,
    "ratee_id": pl.Int64,
    "rater_id": pl.Int64,
    "rater_group": pl.String,
    "competency": pl.String,
    "level": pl.Int64,
}


async def cycle_frames(cycle_id: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The analytics contract's frames. Responses the office excluded in review are left out."""
    rows = await ResponseItem.select(
        ResponseItem.response.as_alias("response_id"),
        ResponseItem.response.ratee.as_alias("ratee_id"),
        ResponseItem.response.rater.as_alias("rater_id"),
        ResponseItem.response.rater_group.as_alias("rater_group"),
        ResponseItem.competency,
        ResponseItem.level,
    ).where(ResponseItem.response.cycle == cycle_id)
    excluded = (
        await ResponseFlag.select(ResponseFlag.response)
        .where((ResponseFlag.decision == "excluded") & (ResponseFlag.response.cycle == cycle_id))
        .output(as_list=True)
    )
    responses = pl.DataFrame(rows, schema=RESPONSE_SCHEMA).filter(
        ~pl.col("response_id").is_in(excluded)
    )
    ratees = (await cadre_frame()).select(
        pl.col("cadre_id").alias("ratee_id"), "town_id", "position", "position_class"
    )
    return responses.drop("response_id"), ratees


async def compute(cycle_id: int) -> CycleResults:
    cycle = await cycle_service.get_cycle(cycle_id)
    responses, ratees = await cycle_frames(cycle_id)
    if responses.is_empty():
        raise Conflict("本周期还没有评价数据，无法计算结果")
    return aggregate(
        responses, ratees, await cycle_service.rubric_for_cycle(cycle_id), cycle["weights"]
    )


async def store_snapshot(cycle_id: int, results: CycleResults) -> int:
    """A new snapshot; the frozen (published) one, if any, is never changed."""
    async with ProfileSnapshot._meta.db.transaction():
        created = await ProfileSnapshot.insert(
            ProfileSnapshot(
                cycle=cycle_id,
                sigma=results.calibration.sigma,
                components=results.calibration.components,
                created_at=datetime.now(UTC),
            )
        ).returning(ProfileSnapshot.id)
        snapshot_id = int(created[0]["id"])
        for table, frame in (
            (ScoreRow, score_rows(results.profiles)),
            (GroupScore, group_rows(results.groups)),
            (RaterResult, rater_rows(results.raters)),
        ):
            frame = frame.with_columns(snapshot=pl.lit(snapshot_id))
            await insert_values(table, frame.columns, frame.rows())
    return snapshot_id


async def freeze(snapshot_id: int) -> None:
    """The cycle's published result, for good: nothing ever writes to a frozen snapshot."""
    await ProfileSnapshot.update({ProfileSnapshot.frozen: True}).where(
        ProfileSnapshot.id == snapshot_id
    )


async def published_snapshot(cycle_id: int) -> int | None:
    row = (
        await ProfileSnapshot.select(ProfileSnapshot.id)
        .where((ProfileSnapshot.cycle == cycle_id) & ProfileSnapshot.frozen.eq(True))
        .first()
    )
    return int(row["id"]) if row else None


def score_rows(profiles: pl.DataFrame) -> pl.DataFrame:
    """ScoreRow's columns (all but id and snapshot) from the profiles frame."""
    columns = [
        c._meta.name
        for c in ScoreRow._meta.columns
        if c._meta.name not in ("id", "snapshot", "ratee")
    ]
    return profiles.select(pl.col("ratee_id").alias("ratee"), *columns).with_columns(
        pl.col("redistributed").fill_null(False)
    )


def group_rows(groups: pl.DataFrame) -> pl.DataFrame:
    return groups.select(
        ratee="ratee_id",
        competency="competency",
        rater_group=pl.col("rater_group").cast(pl.String),
        n="n",
        raw_mean="raw_mean",
        corrected_mean="corrected_mean",
        reason="reason",
    )


def rater_rows(raters: pl.DataFrame) -> pl.DataFrame:
    """Raters who are cadres (one-off raters such as residents have no row)."""
    return raters.filter(pl.col("rater_id") > 0).select(
        rater="rater_id",
        severity="severity",
        misfit="misfit",
        extreme="extreme",
        straight_lining="straight_lining",
        identical_cluster="identical_cluster",
    )
