"""What a form shows: the ratee, and the rubric items this rater group rates them on."""

from __future__ import annotations

import msgspec

from evaluation.errors import NotFound
from evaluation.infra.invalidation import on_cycle_change
from evaluation.infra.sqlite_reader import active_reader
from evaluation.infra.ttl_cache import TTLCache
from evaluation.organisation.vocabulary import position_class
from evaluation.responses.forms import form_items
from evaluation.rubrics.schema import Competency, Rubric
from evaluation.rubrics.versions import parsed_rubric
from evaluation.tables import Cadre, Cycle


class Ratee(msgspec.Struct, frozen=True):
    id: int
    name: str
    position: str
    active: bool
    town_name: str
    town_type: str


class FormContext(msgspec.Struct, frozen=True):
    cadre: Ratee
    items: list[Competency]
    rubric: Rubric


_contexts: TTLCache[tuple[int, int, str], FormContext] = TTLCache(ttl_s=60)
on_cycle_change(_contexts.clear)
_CADRE_COLUMNS = (
    Cadre.id,
    Cadre.name,
    Cadre.position,
    Cadre.active,
    Cadre.town.name,
    Cadre.town.town_type,
)
CONTEXT_SQL = (
    "SELECT cadre.id, cadre.name, cadre.position, cadre.active, town.name, town.town_type, rv.source"
    " FROM cadre JOIN town ON town.id = cadre.town JOIN cycle ON cycle.id = ?2"
    " JOIN rubric_version rv ON rv.id = cycle.rubric WHERE cadre.id = ?1"
)


async def ratee_context(cycle_id: int, ratee_id: int, group: str) -> FormContext:
    """Cached for a minute: the rubric is pinned per cycle, and a cadre's town and post
    change by roster upkeep, not between two taps."""
    key = (cycle_id, ratee_id, group)
    cached = _contexts.get(key)
    if cached is not None:
        return cached
    reader = active_reader()
    if reader is not None and not Cadre._meta.db.transaction_exists():
        # SQLite hot path: one query on a persistent connection (which cannot see what a
        # caller's open transaction wrote)
        rows = await reader.fetch(CONTEXT_SQL, (ratee_id, cycle_id))
    else:
        rows = await _rows(cycle_id, ratee_id)
    if not rows:
        raise NotFound("被评价干部或考核周期不存在")
    *person, source = rows[0]
    cadre = _ratee(tuple(person))
    rubric = parsed_rubric(str(source))
    items = form_items(rubric, group, cadre.town_type, position_class(cadre.position))
    return _contexts.put(key, FormContext(cadre=cadre, items=items, rubric=rubric))


def _ratee(row: tuple[object, ...]) -> Ratee:
    """id, name, position, active, town name, town type (`_CADRE_COLUMNS`' order)."""
    cadre_id, name, position, active, town_name, town_type = row
    return Ratee(
        id=int(cadre_id),  # type: ignore[call-overload]
        name=str(name),
        position=str(position),
        active=bool(active),
        town_name=str(town_name),
        town_type=str(town_type),
    )


async def prefetch_contexts(cycle_id: int, ratee_ids: set[int], groups: set[str]) -> None:
    """Fill the cache with the forms of many cadres for these groups, in two queries (a
    county's history, a rater's allowance over every form they fill)."""
    wanted = [r for r in ratee_ids if any(_contexts.get((cycle_id, r, g)) is None for g in groups)]
    if not wanted:
        return
    cycle = await Cycle.select(Cycle.rubric.source).where(Cycle.id == cycle_id).first()
    if cycle is None:
        return
    rubric = parsed_rubric(cycle["rubric.source"])
    for start in range(0, len(wanted), 500):
        for row in await Cadre.select(*_CADRE_COLUMNS).where(
            Cadre.id.is_in(wanted[start : start + 500])
        ):
            cadre = _ratee(tuple(row.values()))
            for group in groups:
                items = form_items(rubric, group, cadre.town_type, position_class(cadre.position))
                _contexts.put(
                    (cycle_id, cadre.id, group),
                    FormContext(cadre=cadre, items=items, rubric=rubric),
                )


async def _rows(cycle_id: int, ratee_id: int) -> list[tuple[object, ...]]:
    cadre = await Cadre.select(*_CADRE_COLUMNS).where(Cadre.id == ratee_id).first()
    cycle = await Cycle.select(Cycle.rubric.source).where(Cycle.id == cycle_id).first()
    if cadre is None or cycle is None:
        return []
    return [(*cadre.values(), cycle["rubric.source"])]
