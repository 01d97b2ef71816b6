"""An upheld exclusion re-freezes the result without running the pipeline again
(`results.amend`): the new snapshot must equal what the whole pipeline gives with the
exclusion, and the published snapshot before it stays byte for byte as it was."""

from __future__ import annotations

import polars as pl
import polars.testing

from evaluation.analytics.pipeline import EXCLUDED
from evaluation.appeals import store
from evaluation.clock import today
from evaluation.results import appeals, published, snapshots
from evaluation.results.compute import compute, store_snapshot
from tests.factories import small_demo_latest_published


async def parts(snapshot_id: int) -> dict[str, pl.DataFrame]:
    return {
        part.table._meta.tablename: await published.read(part, snapshot_id)
        for part in published.PARTS
    }


async def test_an_upheld_exclusion_changes_only_what_it_excludes(db: str) -> None:
    cycle = await small_demo_latest_published()
    first = await snapshots.snapshot_for(cycle)
    before = await parts(first.id)
    cells = before["cell_result"]
    # a cadre's weakness (a light, a finding and a severity to take away), and their class
    weak = cells.filter(pl.col("finding") == "weakness").row(0, named=True)
    cadre, competency = int(weak["ratee_id"]), str(weak["competency"])
    lodged = await store.insert(appeals.KIND, cycle, cadre, competency, "不适用", "me", today())
    assert lodged is not None
    await appeals.decide(lodged, True, "exclude", "该项不适用于其岗位", "office")

    amended = await snapshots.snapshot_for(cycle)
    assert amended.id != first.id and amended.published
    after = await parts(amended.id)
    for name, frame in (await parts(first.id)).items():  # the published one, as it was
        polars.testing.assert_frame_equal(frame, before[name])

    # what the exclusion changes: the cell's light, finding and severity, nothing else of it
    mine = (pl.col("ratee_id") == cadre) & (pl.col("competency") == competency)
    cell = after["cell_result"].filter(mine).row(0, named=True)
    assert (cell["light"], cell["finding"], cell["severity"]) == (None, EXCLUDED, None)
    assert cell["score"] == weak["score"]
    polars.testing.assert_frame_equal(
        after["cell_result"].filter(~mine), before["cell_result"].filter(~mine)
    )
    for name in ("group_result", "snapshot_cadre", "rater_result", "agreement_row"):
        polars.testing.assert_frame_equal(after[name], before[name])
    summary = after["cadre_summary"].filter(pl.col("ratee_id") == cadre).row(0, named=True)
    previous = before["cadre_summary"].filter(pl.col("ratee_id") == cadre).row(0, named=True)
    assert summary["competencies"] == previous["competencies"] - 1
    assert summary["overall"] != previous["overall"]

    await same_as_the_whole_pipeline(cycle, after)
    polars.testing.assert_frame_equal(after["snapshot_comment"], before["snapshot_comment"])

    # a second exclusion, of another cadre's competency, amends the amended snapshot
    other = cells.filter(pl.col("ratee_id") != cadre, pl.col("score").is_not_null()).row(
        0, named=True
    )
    second = await store.insert(
        appeals.KIND,
        cycle,
        int(other["ratee_id"]),
        str(other["competency"]),
        "不适用",
        "x",
        today(),
    )
    assert second is not None
    await appeals.decide(second, True, "exclude", "该项同样不适用", "office")
    again = await snapshots.snapshot_for(cycle)
    assert again.id not in (first.id, amended.id)
    both = await parts(again.id)
    excluded = both["cell_result"].filter(pl.col("finding") == EXCLUDED)
    assert sorted(excluded.select("ratee_id", "competency").rows()) == sorted(
        [(cadre, competency), (int(other["ratee_id"]), str(other["competency"]))]
    )
    await same_as_the_whole_pipeline(cycle, both)


async def same_as_the_whole_pipeline(cycle: int, amended: dict[str, pl.DataFrame]) -> None:
    """Every part of `amended` as a full recomputation with the cycle's exclusions gives it."""
    full = await parts(await store_snapshot(cycle, await compute(cycle)))
    for name in ("cell_result", "group_result", "snapshot_cadre", "cadre_summary"):
        polars.testing.assert_frame_equal(amended[name], full[name], check_exact=True)
    # (these parts' row order is not fixed by the pipeline; α moves in its 16th digit
    # between two runs of the pipeline itself)
    for name, keys in (
        ("rater_result", ["rater_id"]),
        ("agreement_row", ["rater_group", "competency"]),
        ("snapshot_reading", ["rater_id", "ratee_id", "rater_group"]),
    ):
        polars.testing.assert_frame_equal(
            amended[name].sort(keys), full[name].sort(keys), rel_tol=1e-12
        )

    # the comments: the same texts (a full recomputation reshuffles them; an amendment
    # keeps them as published)
    def texts(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.select("ratee_id", "comment").sort("ratee_id", "comment")

    polars.testing.assert_frame_equal(
        texts(amended["snapshot_comment"]), texts(full["snapshot_comment"])
    )
