"""The roster as other systems read it (the read API's `/api/v1/roster`): towns and cadres by
their roster codes, each cadre with the codes of their leaders."""

from __future__ import annotations

import msgspec
import polars as pl

from evaluation.organisation import repository as roster_repository
from evaluation.organisation.vocabulary import TOWN_TYPE_LABELS


class TownOut(msgspec.Struct):
    code: str
    name: str
    town_type: str
    town_type_label: str


class CadreOut(msgspec.Struct):
    code: str
    name: str
    town_code: str
    position: str
    rank: str
    active: bool
    leader_codes: list[str]


class RosterOut(msgspec.Struct):
    towns: list[TownOut]
    cadres: list[CadreOut]


async def roster_listing() -> RosterOut:
    towns, cadres, links = await roster_repository.stored_frames()
    leaders = links.group_by("member_id").agg(pl.col("leader_id").sort().alias("leader_codes"))
    people = cadres.join(leaders.rename({"member_id": "cadre_id"}), on="cadre_id", how="left").sort(
        "cadre_id"
    )
    return RosterOut(
        towns=[
            TownOut(
                code=t["town_id"],
                name=t["name"],
                town_type=t["town_type"],
                town_type_label=TOWN_TYPE_LABELS.get(t["town_type"], t["town_type"]),
            )
            for t in towns.sort("town_id").iter_rows(named=True)
        ],
        cadres=[
            CadreOut(
                code=c["cadre_id"],
                name=c["name"],
                town_code=c["town_id"],
                position=c["position"],
                rank=c["rank"] or "",
                active=bool(c["active"]),
                leader_codes=c["leader_codes"] or [],
            )
            for c in people.iter_rows(named=True)
        ],
    )
