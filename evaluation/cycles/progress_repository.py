"""Frames for the progress computation, read from the database."""

from __future__ import annotations

import polars as pl

from evaluation.cycles.progress import Progress, compute_progress
from evaluation.tables import Assignment, Cadre, Response


async def cycle_progress(cycle_id: int) -> Progress:
    assignments = pl.DataFrame(
        await Assignment.select(
            Assignment.rater.as_alias("rater_id"),
            Assignment.ratee.as_alias("ratee_id"),
            Assignment.rater_group,
            Assignment.status,
        ).where(Assignment.cycle == cycle_id),
        schema={
            "rater_id": pl.Int64,
            "ratee_id": pl.Int64,
            "rater_group": pl.String,
            "status": pl.String,
        },
    )
    responses = pl.DataFrame(
        await Response.select(
            Response.ratee.as_alias("ratee_id"),
            Response.rater_group,
            Response.assignment.as_alias("assignment_id"),
        ).where(Response.cycle == cycle_id),
        schema={"ratee_id": pl.Int64, "rater_group": pl.String, "assignment_id": pl.Int64},
    )
    cadres = pl.DataFrame(
        await Cadre.select(
            Cadre.id.as_alias("cadre_id"),
            Cadre.name,
            Cadre.town.as_alias("town_id"),
            Cadre.town.name.as_alias("town"),
        ),
        schema={"cadre_id": pl.Int64, "name": pl.String, "town_id": pl.Int64, "town": pl.String},
    )
    return compute_progress(assignments, responses, cadres)
