"""Read-side queries over the organisation: towns with their counts, a cadre, a leader's team."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
import polars as pl

from evaluation.errors import NotFound
from evaluation.organisation.contacts import Contacts
from evaluation.organisation.schemas import (
    CadreRecord,
    PersonRef,
    StaffByClass,
    TeamMember,
    TownOverview,
    TownRecord,
)
from evaluation.organisation.vocabulary import POSITIONS, STAFF
from evaluation.rows import rows_of
from evaluation.tables import Cadre, CadreChange, County, Leadership, Town


async def county_name() -> str:
    row = await County.select(County.name).first()
    return str(row["name"]) if row else "本县"


async def cadre_frame(as_of: date | None = None) -> pl.DataFrame:
    """Every cadre with their town and position class: cadre_id, external_id, name,
    position, position_class, town_id, town_external_id, town, town_type — what analytics,
    results and the demo join on. `as_of` a day: the town and post each cadre held that day
    (transfers recorded later are undone, `upkeep.transfer`)."""
    frame = await _current_cadre_frame()
    if as_of is None:
        return frame
    later = pl.DataFrame(
        await CadreChange.select(
            CadreChange.id,
            CadreChange.cadre.as_alias("cadre_id"),
            CadreChange.from_town,
            CadreChange.from_position,
        ).where((CadreChange.kind == "transfer") & (CadreChange.effective_on > as_of)),
        schema={
            "id": pl.Int64,
            "cadre_id": pl.Int64,
            "from_town": pl.Int64,
            "from_position": pl.String,
        },
    )
    if later.is_empty():
        return frame
    towns = pl.DataFrame(
        await Town.select(
            Town.id.as_alias("from_town"),
            Town.external_id.as_alias("then_town_external_id"),
            Town.name.as_alias("then_town"),
            Town.town_type.as_alias("then_town_type"),
        )
    )
    then = later.sort("id").group_by("cadre_id").first().join(towns, on="from_town", how="left")
    replaced = {
        "town_id": "from_town",
        "position": "from_position",
        "town_external_id": "then_town_external_id",
        "town": "then_town",
        "town_type": "then_town_type",
    }
    return (
        frame.join(then, on="cadre_id", how="left")
        .with_columns(
            pl.coalesce(pl.col(old), pl.col(now)).alias(now) for now, old in replaced.items()
        )
        .select(frame.columns)
        .with_columns(position_class=pl.col("position").replace_strict(POSITIONS, default=STAFF))
    )


async def _current_cadre_frame() -> pl.DataFrame:
    return pl.DataFrame(
        await Cadre.select(
            Cadre.id.as_alias("cadre_id"),
            Cadre.external_id,
            Cadre.name,
            Cadre.position,
            Cadre.town.as_alias("town_id"),
            Cadre.town.external_id.as_alias("town_external_id"),
            Cadre.town.name.as_alias("town"),
            Cadre.town.town_type.as_alias("town_type"),
        ),
        schema={
            "cadre_id": pl.Int64,
            "external_id": pl.String,
            "name": pl.String,
            "position": pl.String,
            "town_id": pl.Int64,
            "town_external_id": pl.String,
            "town": pl.String,
            "town_type": pl.String,
        },
    ).with_columns(position_class=pl.col("position").replace_strict(POSITIONS, default=STAFF))


async def towns_overview() -> list[TownOverview]:
    """One row per town: type, active cadres, and cadres per position class."""
    return rows_of(await _towns_overview_frame(), TownOverview)


def staff_by_class(towns: list[TownOverview]) -> StaffByClass:
    return StaffByClass(
        leadership=sum(t.leadership for t in towns),
        station_head=sum(t.station_head for t in towns),
        staff=sum(t.staff for t in towns),
        village=sum(t.village for t in towns),
    )


async def _towns_overview_frame() -> pl.DataFrame:
    towns = pl.DataFrame(
        await Town.select(Town.id, Town.external_id, Town.name, Town.town_type),
        schema={
            "id": pl.Int64,
            "external_id": pl.String,
            "name": pl.String,
            "town_type": pl.String,
        },
    )
    cadres = pl.DataFrame(
        await Cadre.select(Cadre.town, Cadre.position, Cadre.active),
        schema={"town": pl.Int64, "position": pl.String, "active": pl.Boolean},
    ).with_columns(
        pl.col("position")
        .replace_strict(POSITIONS, default=STAFF, return_dtype=pl.String)
        .alias("class")
    )
    counts = cadres.group_by("town").agg(
        pl.len().alias("cadres"),
        pl.col("active").sum().alias("active"),
        *[
            (pl.col("class") == c).sum().alias(c)
            for c in ("leadership", "station_head", "staff", "village")
        ],
    )
    return (
        towns.join(counts, left_on="id", right_on="town", how="left")
        .fill_null(0)
        .sort("external_id")
    )


async def town(town_id: int) -> TownRecord:
    row = (
        await Town.select(
            Town.id, Town.external_id, Town.name, Town.town_type, Town.latitude, Town.longitude
        )
        .where(Town.id == town_id)
        .first()
    )
    if row is None:
        raise NotFound("乡镇不存在")
    return TownRecord(**row)


CADRE_FIELDS = (
    Cadre.id,
    Cadre.external_id,
    Cadre.name,
    Cadre.position,
    Cadre.rank,
    Cadre.active,
    Cadre.town.id.as_alias("town_id"),
    Cadre.town.name.as_alias("town_name"),
    Cadre.town.town_type.as_alias("town_type"),
)


def _cadre(row: dict[str, Any], leaders: tuple[PersonRef, ...] = ()) -> CadreRecord:
    return CadreRecord(**row, leaders=leaders)


async def cadres_of_town(town_id: int) -> list[CadreRecord]:
    rows = (
        await Cadre.select(*CADRE_FIELDS).where(Cadre.town == town_id).order_by(Cadre.external_id)
    )
    return [_cadre(row) for row in rows]


async def cadre(cadre_id: int) -> CadreRecord:
    row = await Cadre.select(*CADRE_FIELDS).where(Cadre.id == cadre_id).first()
    if row is None:
        raise NotFound("干部不存在")
    leaders = await Leadership.select(
        Leadership.leader.id.as_alias("id"),
        Leadership.leader.name.as_alias("name"),
        Leadership.leader.position.as_alias("position"),
        Leadership.leader.external_id.as_alias("external_id"),
    ).where(Leadership.member == cadre_id)
    return _cadre(row, tuple(PersonRef(**leader) for leader in leaders))


async def cadre_exists(cadre_id: int) -> bool:
    return bool(await Cadre.exists().where(Cadre.id == cadre_id))


async def cadre_id_for(external_id: str) -> int | None:
    """A cadre's id from their roster number (干部编号), as people type it."""
    row = await Cadre.select(Cadre.id).where(Cadre.external_id == external_id.strip()).first()
    return int(row["id"]) if row else None


async def team(leader_cadre_id: int) -> list[TeamMember]:
    """The cadres this leader leads directly, in roster order."""
    rows = (
        await Leadership.select(
            Leadership.member.id.as_alias("id"),
            Leadership.member.external_id.as_alias("external_id"),
            Leadership.member.name.as_alias("name"),
            Leadership.member.position.as_alias("position"),
            Leadership.member.rank.as_alias("rank"),
            Leadership.member.active.as_alias("active"),
        )
        .where(Leadership.leader == leader_cadre_id)
        .order_by(Leadership.member.external_id)
    )
    return [TeamMember(**row) for row in rows]


async def counts() -> dict[str, int]:
    return {
        "towns": await Town.count(),
        "cadres": await Cadre.count(),
        "active": await Cadre.count().where(Cadre.active.eq(True)),
        "links": await Leadership.count(),
    }


async def town_names() -> dict[int, str]:
    return {int(r["id"]): r["name"] for r in await Town.select(Town.id, Town.name)}


async def towns_with_cadres() -> set[int]:
    """Towns at least one cadre (serving or not) belongs to."""
    return {int(r["id"]) for r in await Cadre.select(Cadre.town.as_alias("id")).distinct()}


async def town_coordinates() -> pl.DataFrame:
    """id, latitude, longitude of the towns whose coordinates the roster gives."""
    return pl.DataFrame(
        await Town.select(Town.id, Town.latitude, Town.longitude),
        schema={"id": pl.Int64, "latitude": pl.Float64, "longitude": pl.Float64},
    ).drop_nulls()


async def leads(leader_id: int, member_id: int) -> bool:
    return await Leadership.exists().where(
        (Leadership.leader == leader_id) & (Leadership.member == member_id)
    )


class CadrePage(msgspec.Struct, frozen=True, kw_only=True):
    rows: list[CadreRecord]
    total: int
    page: int
    pages: int


async def search_cadres(query: str, page: int = 1, per_page: int = 50) -> CadrePage:
    """Cadres whose name, roster number, post or town contains `query` (all when empty),
    in roster order, one page at a time."""
    text = query.strip()[:32]
    counting, selecting = Cadre.count(), Cadre.select(*CADRE_FIELDS)
    if text:
        like = f"%{text}%"  # Chinese has no case; roster numbers are stored upper-case
        condition = (
            Cadre.name.like(like)
            | Cadre.external_id.like(f"%{text.upper()}%")
            | Cadre.position.like(like)
            | Cadre.town.name.like(like)
        )
        counting, selecting = counting.where(condition), selecting.where(condition)
    total = await counting
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = await selecting.order_by(Cadre.external_id).limit(per_page).offset((page - 1) * per_page)
    return CadrePage(rows=[_cadre(r) for r in rows], total=total, page=page, pages=pages)


async def contacts(cadre_id: int) -> Contacts:
    """How notices reach this cadre (the office's cadre page and the edit form only)."""
    row = await Cadre.select(Cadre.phone, Cadre.email).where(Cadre.id == cadre_id).first()
    if row is None:
        raise NotFound("干部不存在")
    return Contacts(phone=row["phone"] or "", email=row["email"] or "")
