"""What training gives the town scorecard's 学习发展 dimension, through the scorecard's import
interface (training depends on the scorecard, never the reverse):

* 干部参训率 — per town and quarter, year to date: of the seats assigned to the town's cadres
  in sessions held that year up to the quarter's end, the share attended (percent);
* 培训后能力提升 — at the fourth quarter: the mean change in the released overall score of the
  town's cadres who attended training that year, from last year's published cycle to this
  year's (only where both are published).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from evaluation.organisation import directory
from evaluation.results import snapshots
from evaluation.scorecard import service as scorecard
from evaluation.scorecard.service import ImportResult
from training.tables import Enrolment

ATTENDANCE = "training_attendance"
IMPROVEMENT = "training_improvement"


async def seats(year: int) -> pl.DataFrame:
    rows = await Enrolment.select(
        Enrolment.cadre.as_alias("cadre_id"),
        Enrolment.cadre.town.as_alias("town_id"),
        Enrolment.offering.day.as_alias("day"),
        Enrolment.attended_at,
    ).where(
        Enrolment.status == "assigned",
        Enrolment.offering.day >= dt.date(year, 1, 1),
        Enrolment.offering.day <= dt.date(year, 12, 31),
    )
    return pl.DataFrame(
        rows,
        schema={
            "cadre_id": pl.Int64,
            "town_id": pl.Int64,
            "day": pl.Date,
            "attended_at": pl.Datetime(time_zone="UTC"),
        },
    )


def attendance(frame: pl.DataFrame, quarters: list[int]) -> pl.DataFrame:
    """Year-to-date attendance per town at the end of each quarter (pure)."""
    parts = []
    for quarter in quarters:
        upto = frame.filter(pl.col("day").dt.quarter() <= quarter)
        parts.append(
            upto.group_by("town_id").agg(
                value=pl.col("attended_at").is_not_null().mean() * 100,
                quarter=pl.lit(quarter, dtype=pl.Int32),
                indicator=pl.lit(ATTENDANCE),
            )
        )
    return (
        pl.concat(parts).select("town_id", "indicator", "quarter", "value")
        if parts
        else (
            pl.DataFrame(
                schema={
                    "town_id": pl.Int64,
                    "indicator": pl.String,
                    "quarter": pl.Int32,
                    "value": pl.Float64,
                }
            )
        )
    )


async def _overall(year: int) -> pl.DataFrame | None:
    snapshot = await snapshots.latest_published(year)
    if snapshot is None:
        return None
    return (await snapshots.summaries(snapshot.id)).select("ratee_id", "overall")


async def improvement(year: int, frame: pl.DataFrame) -> pl.DataFrame:
    now, before = await _overall(year), await _overall(year - 1)
    trained = (
        frame.filter(pl.col("attended_at").is_not_null()).select("cadre_id", "town_id").unique()
    )
    if now is None or before is None or trained.is_empty():
        return pl.DataFrame(
            schema={
                "town_id": pl.Int64,
                "indicator": pl.String,
                "quarter": pl.Int32,
                "value": pl.Float64,
            }
        )
    change = (
        trained.join(now.rename({"ratee_id": "cadre_id"}), on="cadre_id")
        .join(before.rename({"ratee_id": "cadre_id", "overall": "before"}), on="cadre_id")
        .group_by("town_id")
        .agg(value=(pl.col("overall") - pl.col("before")).mean())
    )
    return change.select(
        "town_id",
        indicator=pl.lit(IMPROVEMENT),
        quarter=pl.lit(4, dtype=pl.Int32),
        value=pl.col("value").clip(-5, 5),
    )


async def feed(year: int, quarters: list[int], by: str) -> ImportResult | None:
    """Send the quarters' 学习发展 values to the scorecard (as the `training` source);
    None when the year has no training to report."""
    frame = await seats(year)
    values = attendance(frame, quarters)
    if 4 in quarters:
        values = pl.concat([values, await improvement(year, frame)])
    towns = await directory.towns_with_cadres()
    values = values.filter(pl.col("town_id").is_in(list(towns)))
    if values.is_empty():
        return None
    return await scorecard.import_values(year, "training", values, by)
