"""Feedback pages read a published cycle's comments and what each rater covered from the
snapshot, never from the responses (issue 33). Snapshots published before these were kept
get them from the upgrade: it must reproduce exactly what publication writes — the same
texts in the same order, the same coverage — so no published page changes."""

from __future__ import annotations

import importlib

import polars as pl
import polars.testing

from evaluation.results import published
from evaluation.results.tables import SnapshotComment, SnapshotReading
from evaluation.tables import ProfileSnapshot
from tests.factories import small_demo_latest_published

FILL = "evaluation.piccolo_migrations.evaluation_2026_12_07t07_36_00_000000"


async def kept() -> dict[str, pl.DataFrame]:
    snapshots = await ProfileSnapshot.select(ProfileSnapshot.id).output(as_list=True)
    frames: dict[str, list[pl.DataFrame]] = {"comments": [], "readings": []}
    for snapshot in snapshots:
        frames["comments"].append(
            (await published.read(published.COMMENTS, snapshot)).with_columns(
                snapshot=pl.lit(snapshot)
            )
        )
        frames["readings"].append(
            (await published.read(published.READINGS, snapshot)).with_columns(
                snapshot=pl.lit(snapshot)
            )
        )
    return {
        "comments": pl.concat(frames["comments"]).sort("snapshot", "ratee_id", "position"),
        "readings": pl.concat(frames["readings"]).sort(
            "snapshot", "rater_id", "ratee_id", "rater_group"
        ),
    }


async def test_the_upgrade_fills_earlier_snapshots_as_publication_writes_them(db: str) -> None:
    await small_demo_latest_published()
    written = await kept()
    assert written["comments"].height > 20 and written["readings"].height > 100
    assert written["comments"]["comment"].str.strip_chars().ne("").all()
    await SnapshotComment.delete(force=True)
    await SnapshotReading.delete(force=True)
    await importlib.import_module(FILL).fill()
    filled = await kept()
    polars.testing.assert_frame_equal(filled["comments"], written["comments"])
    polars.testing.assert_frame_equal(filled["readings"], written["readings"])
