"""Writing the demo's simulated cycles through the real tables: past cycles are created,
assigned, answered, closed and published exactly as the assessment office does it; the
current one is left open and partly answered."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl

from app.demo.history import SimulatedAnswers, resident_counts, simulate_answers, story
from evaluation import clock
from evaluation.cycles import service as cycle_service
from evaluation.infra.bulk import insert_values
from evaluation.organisation.directory import cadre_frame
from evaluation.tables import Assignment, Response, ResponseItem

FORM_GROUPS = ("superior", "peer", "self", "resident")


async def people_with_story(seed: int, weak_in_service: tuple[int, ...] = ()) -> pl.DataFrame:
    """cadre_id, town_id, position, town_type, position_class and the story's traits."""
    cadres = (await cadre_frame()).select(
        "cadre_id", "town_id", "position", "town_type", "position_class"
    )
    return story(cadres, seed, weak_in_service).join(
        cadres.select("cadre_id", "town_type", "position_class"), on="cadre_id"
    )


async def form_items(cycle_id: int, people: pl.DataFrame) -> pl.DataFrame:
    rubric = await cycle_service.rubric_for_cycle(cycle_id)
    kinds = people.select("town_type", "position_class").unique()
    return pl.DataFrame(
        [
            {
                "rater_group": group,
                "town_type": town_type,
                "position_class": position_class,
                "competency": item.id,
            }
            for group in FORM_GROUPS
            for town_type, position_class in kinds.iter_rows()
            for item in rubric.items_for(group, town_type, position_class)
        ]
    )


async def answer_cycle(
    cycle_id: int,
    people: pl.DataFrame,
    seed: int,
    cycle_index: int,
    answered: float,
    keep_open: tuple[int, ...] = (),
    boost: pl.DataFrame | None = None,
) -> int:
    """Simulate and store answers to the cycle's open assignments (and resident forms);
    raters in `keep_open` keep theirs for a person to fill in. Returns the responses written."""
    assignments = (
        (await cycle_service.assignment_frame(cycle_id))
        .filter((pl.col("status") == "open") & ~pl.col("rater_id").is_in(keep_open))
        .select(
            assignment_id="id", rater_id="rater_id", ratee_id="ratee_id", rater_group="rater_group"
        )
    )
    residents = resident_counts(people, seed + cycle_index).with_columns(
        count=(pl.col("count") * answered).round().cast(pl.Int64)
    )
    answers = simulate_answers(
        assignments,
        people,
        await form_items(cycle_id, people),
        residents,
        seed=seed,
        cycle_index=cycle_index,
        answered=answered,
        boost=boost,
    )
    cycle = await cycle_service.get_cycle(cycle_id)
    await store_answers(cycle_id, answers, cycle.opens_on, cycle.closes_on)
    return answers.responses.height


def answering_span(opened: date, closes: date) -> tuple[datetime, int]:
    """When the demo's answers came in: from 08:00 (Beijing) on the opening day, spread over
    the first days of the cycle and never later than its closing day or the present."""
    first = clock.day_start(opened) + timedelta(hours=8)
    last = min(clock.day_start(closes) + timedelta(hours=18), clock.now() - timedelta(minutes=10))
    return first, max(1, min(5000, int((last - first).total_seconds() // 60)))


async def store_answers(
    cycle_id: int, answers: SimulatedAnswers, opened: date, closes: date
) -> None:
    first, minutes = answering_span(opened, closes)
    prefix = f"demo-{cycle_id}-"
    responses = answers.responses.with_columns(
        cycle=pl.lit(cycle_id),
        verified=pl.col("rater_group") == "resident",
        client_key=pl.lit(prefix) + pl.col("key").cast(pl.String),
        submitted_at=pl.lit(first) + pl.duration(minutes=pl.col("key") % minutes),
        batch_label=pl.lit(""),
        device=pl.lit(""),
        source_hash=pl.lit(""),
        fingerprint=pl.lit(""),
    ).select(
        "cycle",
        ratee="ratee_id",
        rater_group="rater_group",
        rater="rater_id",
        assignment="assignment_id",
        channel="channel",
        comment="comment",
        verified="verified",
        client_key="client_key",
        submitted_at="submitted_at",
        batch_label="batch_label",
        device="device",
        source_hash="source_hash",
        fingerprint="fingerprint",
    )
    await insert_values(Response, responses.columns, responses.rows())
    stored = pl.DataFrame(
        await Response.select(Response.id, Response.client_key).where(
            (Response.cycle == cycle_id) & Response.client_key.like(f"{prefix}%")
        ),
        schema={"id": pl.Int64, "client_key": pl.String},
    ).select(response="id", key=pl.col("client_key").str.strip_prefix(prefix).cast(pl.UInt32))
    items = answers.items.join(stored, on="key")
    items = items.select("response", "competency", "level", note=pl.lit(""))
    await insert_values(ResponseItem, items.columns, items.rows())
    done = answers.responses["assignment_id"].drop_nulls().to_list()
    for start in range(0, len(done), 500):
        await Assignment.update({Assignment.status: "submitted"}).where(
            Assignment.id.is_in(done[start : start + 500])
        )
