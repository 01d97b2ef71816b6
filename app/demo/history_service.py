"""Writing the demo's simulated cycles through the product's own paths: past cycles are
created, assigned, answered (every form through `submit_many`, as raters and residents send
them), closed and published exactly as the assessment office does it; the current one is left
open and partly answered."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

import polars as pl

from app.demo.history import (
    SimulatedAnswers,
    form_fields,
    resident_counts,
    simulate_answers,
    story,
    within_quota,
)
from evaluation import clock
from evaluation.cycles import service as cycle_service
from evaluation.organisation.directory import cadre_frame
from evaluation.responses import campaigns
from evaluation.responses.submit import Intake, submit_many

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
    """Every simulated form through `submit_many` — the same checks and writes as a rater's
    or a resident's own submission (its form, notes at the extremes, the quota, one per
    assignment or device) — received over the cycle's first days. Residents answer through
    their cadre's QR card, each on a device of their own."""
    first, minutes = answering_span(opened, closes)
    rubric = await cycle_service.rubric_for_cycle(cycle_id)
    if rubric.quota is not None:
        answers = within_quota(answers, rubric.quota.top_level_share)
    links = await resident_links(cycle_id, answers.responses)
    intakes = [
        Intake(
            channel=channel,
            cycle_id=cycle_id,
            ratee_id=ratee_id,
            group=group,
            fields=fields,
            rater_id=rater_id,
            assignment_id=assignment_id,
            link_id=links.get(ratee_id) if channel == "qr" else None,
            client_key=f"demo-{cycle_id}-{key}",
            device=f"demo-{key}" if channel == "qr" else "",
            source_hash=hashlib.sha256(f"demo-{cycle_id}-{key}".encode()).hexdigest()[:16]
            if channel == "qr"
            else "",
        )
        for (key, ratee_id, rater_id, group, assignment_id, channel), fields in zip(
            answers.responses.select(
                "key", "ratee_id", "rater_id", "rater_group", "assignment_id", "channel"
            ).iter_rows(),
            form_fields(answers),
            strict=True,
        )
    ]
    received = [first + timedelta(minutes=int(k) % minutes) for k in answers.responses["key"]]
    await submit_many(intakes, received)


async def resident_links(cycle_id: int, responses: pl.DataFrame) -> dict[int, int]:
    """ratee → the QR link residents answer through (each town's cards, created as the
    office prints them)."""
    towns = (await cadre_frame()).filter(
        pl.col("cadre_id").is_in(
            responses.filter(pl.col("channel") == "qr")["ratee_id"].unique().implode()
        )
    )["town_id"]
    links: dict[int, int] = {}
    for town_id in sorted(set(towns.to_list())):
        for card in await campaigns.town_resident_cards(cycle_id, town_id):
            links[card.cadre_id] = card.link_id
    return links
