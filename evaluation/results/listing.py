"""A published cycle's results as other systems read them (the read API's
`/api/v1/results`): the released numbers the personnel list carries, never a rater or a group
the release rule withholds."""

from __future__ import annotations

import msgspec

from evaluation.results import county, snapshots


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


async def published_cycles() -> list[CycleOut]:
    return [CycleOut(id=c.id, name=c.name, year=c.year) for c in await snapshots.published_cycles()]


async def cycle_results(cycle_id: int) -> CycleResultsOut:
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
