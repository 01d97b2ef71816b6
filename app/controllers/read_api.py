"""Read-only JSON for other systems (组织部 personnel system, the county data platform):
published cadre results, the roster and the published township scorecard. Each route needs
a bearer token holding its scope (`app.api_auth`); every use is in the audit log. Results
are the released numbers the office's personnel list carries, never a rater or a group the
release rule withholds."""

from __future__ import annotations

from typing import Any

import msgspec
import polars as pl
from litestar import get
from litestar.params import FromPath

from app.api_auth import token_scope
from app.errors import API_PROBLEMS
from evaluation.organisation import repository as roster_repository
from evaluation.organisation.vocabulary import TOWN_TYPE_LABELS
from evaluation.results import county, snapshots
from evaluation.scorecard.standing import PublicResults, public_results

SECURITY: list[dict[str, list[str]]] = [{"BearerToken": []}]
COMMON: dict[str, Any] = {
    "exclude_from_auth": True,
    "tags": ["read"],
    "responses": API_PROBLEMS,
    "security": SECURITY,
}


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


class CycleOut(msgspec.Struct):
    id: int
    name: str
    year: int


class CadreResultOut(msgspec.Struct):
    code: str
    name: str
    town: str
    position: str
    position_class: str
    overall: float | None
    rank: int | None
    peers: int | None
    red_lights: int
    green_lights: int
    weaknesses: list[str]


class CycleResultsOut(msgspec.Struct):
    cycle: CycleOut
    cadres: list[CadreResultOut]


@get("/api/v1/roster", guards=[token_scope("roster:read")], **COMMON)
async def roster() -> RosterOut:
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


@get("/api/v1/results", guards=[token_scope("results:read")], **COMMON)
async def published_cycles() -> list[CycleOut]:
    return [CycleOut(id=c.id, name=c.name, year=c.year) for c in await snapshots.published_cycles()]


@get("/api/v1/results/{cycle_id:int}", guards=[token_scope("results:read")], **COMMON)
async def cycle_results(cycle_id: FromPath[int]) -> CycleResultsOut:
    snapshot = await snapshots.snapshot_for(cycle_id)  # published (frozen) snapshots only
    cadres = await county.cadre_frame(snapshot)
    names = {c.id: c.name for c in snapshot.rubric.competencies}
    return CycleResultsOut(
        cycle=CycleOut(id=snapshot.cycle.id, name=snapshot.cycle.name, year=snapshot.cycle.year),
        cadres=[
            CadreResultOut(
                code=c["external_id"],
                name=c["name"],
                town=c["town"],
                position=c["position"],
                position_class=c["position_class"],
                overall=c["overall"],
                rank=c["rank"],
                peers=c["peers"],
                red_lights=c["red"],
                green_lights=c["green"],
                weaknesses=[names.get(w, w) for w in c["weaknesses"] or []],
            )
            for c in cadres.sort("external_id").iter_rows(named=True)
        ],
    )


@get("/api/v1/scorecard/{year:int}", guards=[token_scope("scorecard:read")], **COMMON)
async def scorecard_year(year: FromPath[int]) -> PublicResults:
    return await public_results(year)


routes = [roster, published_cycles, cycle_results, scorecard_year]
