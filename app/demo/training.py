"""The demo's past training: most assigned cadres attend, and what they attended lifts them
in the next cycle — the planted effect the effects page should find."""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import polars as pl

from evaluation import clock
from training.tables import Enrolment

CHECK_IN_AFTER_MIDNIGHT = timedelta(hours=8, minutes=40)  # Beijing time


async def simulate_attendance(plan_id: int, seed: int, effect: float) -> pl.DataFrame:
    """The demo's past plan: most assigned cadres attend (recorded as checked in); returns
    cadre_id, competency, effect for the competencies their sessions targeted."""
    rows = pl.DataFrame(
        await Enrolment.select(
            Enrolment.id,
            Enrolment.cadre,
            Enrolment.offering,
            Enrolment.offering.competencies,
            Enrolment.offering.day,
        ).where((Enrolment.plan == plan_id) & (Enrolment.status == "assigned")),
        schema={
            "id": pl.Int64,
            "cadre": pl.Int64,
            "offering": pl.Int64,
            "offering.competencies": pl.Object,
            "offering.day": pl.Date,
        },
    )
    rng = np.random.default_rng(seed + plan_id)
    attended = rows.filter(pl.Series(rng.random(rows.height) < 0.9))
    for day, group in attended.group_by("offering.day"):
        ids = group["id"].to_list()
        at = clock.day_start(day[0]) + CHECK_IN_AFTER_MIDNIGHT  # checked in on the day
        for start in range(0, len(ids), 500):
            await Enrolment.update({Enrolment.attended_at: at}).where(
                Enrolment.id.is_in(ids[start : start + 500])
            )
    boosts = [
        {"cadre_id": cadre, "competency": competency, "effect": effect * float(relevance)}
        for cadre, targets_json in attended.select("cadre", "offering.competencies").iter_rows()
        for competency, relevance in (
            json.loads(targets_json) if isinstance(targets_json, str) else targets_json
        ).items()
    ]
    frame = pl.DataFrame(
        boosts, schema={"cadre_id": pl.Int64, "competency": pl.String, "effect": pl.Float64}
    )
    return frame.group_by("cadre_id", "competency").agg(pl.col("effect").max())
