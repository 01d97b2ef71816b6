"""What the cadre 360 gives the town scorecard, read from published snapshots only.

* 群众满意度 — the residents' ratings of the town's cadres: the pooled mean of the resident
  groups the snapshot *released*, weighted by their size, on a 0–100 scale. Only released
  group means enter, so the town figure is a function of numbers already public to the
  office and reveals no hidden group (the same anonymity rule as every other page); a town
  with fewer than `MIN_RESIDENTS` counted residents gets no figure.
* 领导班子360度评价 — the mean released overall score of the town's leadership team
  (班子成员), as the fourth quarter's value of the `team360` indicator.
"""

from __future__ import annotations

import polars as pl

from evaluation.organisation.vocabulary import LEADERSHIP_TEAM
from evaluation.results import snapshots

MIN_RESIDENTS = 10
TEAM_INDICATOR = "team_360"


async def feed_stamp(year: int) -> int | None:
    """Which published 360 snapshot the year's feeds come from: a stored standing read from
    another is out of date."""
    snapshot = await snapshots.latest_published(year)
    return snapshot.id if snapshot else None


async def resident_satisfaction(year: int) -> pl.DataFrame:
    empty = pl.DataFrame(
        schema={"town_id": pl.Int64, "satisfaction": pl.Float64, "residents": pl.Int64}
    )
    snapshot_id = await feed_stamp(year)
    if snapshot_id is None:
        return empty
    groups = (await snapshots.groups(snapshot_id)).filter(
        pl.col("rater_group") == "resident", pl.col("raw_mean").is_not_null()
    )
    people = (await snapshots.people(snapshot_id)).select("ratee_id", "town_id")
    pooled = (
        groups.join(people, on="ratee_id")
        .group_by("town_id")
        .agg(
            mean=(pl.col("raw_mean") * pl.col("n")).sum() / pl.col("n").sum(),
            residents=pl.col("n").sum(),
        )
        .filter(pl.col("residents") >= MIN_RESIDENTS)
    )
    return pooled.select(
        pl.col("town_id").cast(pl.Int64),
        satisfaction=((pl.col("mean") - 1) / 4 * 100).clip(0, 100),
        residents=pl.col("residents").cast(pl.Int64),
    )


async def leadership_scores(year: int) -> pl.DataFrame:
    empty = pl.DataFrame(
        schema={
            "town_id": pl.Int64,
            "indicator": pl.String,
            "quarter": pl.Int32,
            "value": pl.Float64,
        }
    )
    snapshot_id = await feed_stamp(year)
    if snapshot_id is None:
        return empty
    people = (await snapshots.people(snapshot_id)).filter(
        pl.col("position_class") == LEADERSHIP_TEAM
    )
    summaries = await snapshots.summaries(snapshot_id, people["ratee_id"].to_list())
    team = (
        summaries.join(people.select("ratee_id", "town_id"), on="ratee_id")
        .group_by("town_id")
        .agg(value=pl.col("overall").mean())
    )
    return team.select(
        pl.col("town_id").cast(pl.Int64),
        indicator=pl.lit(TEAM_INDICATOR),
        quarter=pl.lit(4, dtype=pl.Int32),
        value=pl.col("value").cast(pl.Float64),
    )
