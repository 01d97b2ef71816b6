"""Reads the stored organisation as frames and applies a roster plan in one transaction."""

from __future__ import annotations

import polars as pl
from piccolo.engine.base import Engine

from evaluation.errors import Invalid
from evaluation.infra.bulk import insert_chunked
from evaluation.organisation.roster_plan import CADRE_SCHEMA, LINK_SCHEMA, TOWN_SCHEMA, RosterPlan
from evaluation.tables import Cadre, County, Leadership, Town


async def stored_frames() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    towns = await Town.select(
        Town.external_id.as_alias("town_id"),
        Town.name,
        Town.town_type,
        Town.latitude,
        Town.longitude,
    )
    cadres = await Cadre.select(
        Cadre.external_id.as_alias("cadre_id"),
        Cadre.name,
        Cadre.town.external_id.as_alias("town_id"),
        Cadre.position,
        Cadre.rank,
        Cadre.active,
        Cadre.phone,
        Cadre.email,
    )
    links = await Leadership.select(
        Leadership.leader.external_id.as_alias("leader_id"),
        Leadership.member.external_id.as_alias("member_id"),
    )
    return (
        pl.DataFrame(towns, schema=TOWN_SCHEMA),
        pl.DataFrame(cadres, schema=CADRE_SCHEMA).with_columns(pl.col("active").cast(pl.Boolean)),
        pl.DataFrame(links, schema=LINK_SCHEMA),
    )


async def known_cadre_ids() -> frozenset[str]:
    rows = await Cadre.select(Cadre.external_id).output(as_list=True)
    return frozenset(str(r) for r in rows)


async def ensure_county(name: str | None) -> int:
    """The county a roster belongs to: the one named, or the only one stored."""
    if name:
        row = await County.select(County.id).where(County.name == name).first()
        if row:
            return int(row["id"])
        created = await County.insert(County(name=name)).returning(County.id)
        return int(created[0]["id"])
    rows = await County.select(County.id)
    if len(rows) == 1:
        return int(rows[0]["id"])
    raise Invalid("请指定县（市、区）名称", {"county": "首次导入需指定县（市、区）名称"})


async def apply_plan(plan: RosterPlan, county_name: str | None) -> None:
    engine: Engine = Town._meta.db
    async with engine.transaction():
        county_id = await ensure_county(county_name)
        if not plan.towns_new.is_empty():
            await insert_chunked(
                Town,
                [
                    Town(
                        external_id=t["town_id"],
                        county=county_id,
                        name=t["name"],
                        town_type=t["town_type"],
                        latitude=t["latitude"],
                        longitude=t["longitude"],
                    )
                    for t in plan.towns_new.iter_rows(named=True)
                ],
            )
        for t in plan.towns_changed.iter_rows(named=True):
            await Town.update(
                {
                    Town.name: t["name"],
                    Town.town_type: t["town_type"],
                    Town.latitude: t["latitude"],
                    Town.longitude: t["longitude"],
                }
            ).where(Town.external_id == t["town_id"])
        town_ids = await _id_map(Town)
        if not plan.cadres_new.is_empty():
            await insert_chunked(
                Cadre,
                [
                    Cadre(
                        external_id=c["cadre_id"],
                        name=c["name"],
                        town=town_ids[c["town_id"]],
                        position=c["position"],
                        rank=c["rank"],
                        active=c["active"],
                        phone=c["phone"],
                        email=c["email"],
                    )
                    for c in plan.cadres_new.iter_rows(named=True)
                ],
            )
        for c in plan.cadres_changed.iter_rows(named=True):
            await Cadre.update(
                {
                    Cadre.name: c["name"],
                    Cadre.town: town_ids[c["town_id"]],
                    Cadre.position: c["position"],
                    Cadre.rank: c["rank"],
                    Cadre.active: c["active"],
                    Cadre.phone: c["phone"],
                    Cadre.email: c["email"],
                }
            ).where(Cadre.external_id == c["cadre_id"])
        cadre_ids = await _id_map(Cadre)
        for link in plan.links_remove.iter_rows(named=True):
            await Leadership.delete().where(
                (Leadership.leader == cadre_ids[link["leader_id"]])
                & (Leadership.member == cadre_ids[link["member_id"]])
            )
        if not plan.links_add.is_empty():
            await insert_chunked(
                Leadership,
                [
                    Leadership(
                        leader=cadre_ids[link["leader_id"]], member=cadre_ids[link["member_id"]]
                    )
                    for link in plan.links_add.iter_rows(named=True)
                ],
            )


async def _id_map(table: type[Town] | type[Cadre]) -> dict[str, int]:
    rows = await table.select(table.id, table.external_id)
    return {r["external_id"]: int(r["id"]) for r in rows}
