"""The training catalogue through the tables: offerings, what they target, the sessions
still to be held, additions by form or sheet."""

from __future__ import annotations

import json
import secrets
from datetime import date
from functools import cache

import msgspec
import polars as pl

from evaluation import clock
from evaluation.errors import NotFound
from evaluation.organisation import directory
from evaluation.rows import rows_of
from training.catalogue.schemas import OfferingDraft, OfferingRef, OfferingRow
from training.tables import Offering


async def offerings() -> pl.DataFrame:
    rows = await Offering.select(
        Offering.id,
        Offering.kind,
        Offering.title,
        Offering.competencies,
        Offering.format,
        Offering.trainer,
        Offering.venue_town,
        Offering.venue_town.name.as_alias("venue"),
        Offering.host_cadres,
        Offering.day,
        Offering.start_minute,
        Offering.end_minute,
        Offering.capacity,
        Offering.fee,
    ).order_by(Offering.day)
    names = competency_names()
    for row in rows:  # kept as JSON text: each offering targets different competencies
        if not isinstance(row["competencies"], str):
            row["competencies"] = json.dumps(row["competencies"], ensure_ascii=False)
        row["targets"] = "、".join(names.get(c, c) for c in json.loads(row["competencies"]))
    return pl.DataFrame(rows, infer_schema_length=None) if rows else pl.DataFrame()


async def offering_rows() -> list[OfferingRow]:
    catalogue = await offerings()
    return rows_of(catalogue, OfferingRow) if catalogue.height else []


async def offering_titles() -> dict[int, str]:
    catalogue = await offerings()
    return dict(catalogue.select("id", "title").iter_rows()) if catalogue.height else {}


def upcoming(catalogue: pl.DataFrame, today: date | None = None) -> pl.DataFrame:
    """Sessions not yet held: only these can be recommended or planned."""
    if catalogue.is_empty():
        return catalogue
    return catalogue.filter(pl.col("day") >= (today or clock.today()))


def targets(catalogue: pl.DataFrame) -> pl.DataFrame:
    """offering_id, competency, relevance."""
    return pl.DataFrame(
        [
            {"offering_id": row["id"], "competency": competency, "relevance": float(relevance)}
            for row in catalogue.select("id", "competencies").iter_rows(named=True)
            for competency, relevance in json.loads(row["competencies"]).items()
        ],
        schema={"offering_id": pl.Int64, "competency": pl.String, "relevance": pl.Float64},
    )


@cache
def competency_names() -> dict[str, str]:
    """Competency id → the name people read (the newest rubric's)."""
    from evaluation.rubrics.loader import load_default_rubric

    return {c.id: c.name for c in load_default_rubric().competencies}


async def catalogue_lookups() -> tuple[dict[str, str], dict[str, int]]:
    """Competency names and ids (of the newest rubric) → id; town names → id."""
    from evaluation.rubrics.loader import load_default_rubric

    rubric = load_default_rubric()
    competencies = {c.name: c.id for c in rubric.competencies} | {
        c.id: c.id for c in rubric.competencies
    }
    towns = {name: town_id for town_id, name in (await directory.town_names()).items()}
    return competencies, towns


async def add_offerings(drafts: list[OfferingDraft]) -> int:
    async with Offering._meta.db.transaction():  # all rows or none
        for draft in drafts:
            await Offering.insert(
                Offering(**msgspec.structs.asdict(draft), checkin_token=secrets.token_urlsafe(12))
            )
    return len(drafts)


async def offering(offering_id: int) -> OfferingRef:
    row = (
        await Offering.select(
            Offering.id,
            Offering.title,
            Offering.day,
            Offering.checkin_token,
            Offering.venue_town.name,
        )
        .where(Offering.id == offering_id)
        .first()
    )
    if row is None:
        raise NotFound("场次不存在")
    return OfferingRef(
        id=row["id"],
        title=row["title"],
        day=row["day"],
        checkin_token=row["checkin_token"],
        venue_name=row["venue_town.name"],
    )
