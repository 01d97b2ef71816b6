"""Recording a response: the form, its items and the assignment's status in one transaction."""

from __future__ import annotations

import hashlib
from typing import Any

from evaluation.cycles.service import parsed_rubric, rubric_for_cycle
from evaluation.errors import Invalid, NotFound
from evaluation.infra.group_commit import active_writer
from evaluation.infra.sqlite_reader import active_reader
from evaluation.infra.ttl_cache import TTLCache
from evaluation.organisation.vocabulary import position_class
from evaluation.responses.forms import CheckedForm, check_form, form_items
from evaluation.responses.store import Submission, run_async, run_sync, submission_steps
from evaluation.rubrics.schema import Competency
from evaluation.tables import Cadre, Response

_contexts: TTLCache[tuple[int, int, str], dict[str, Any]] = TTLCache(ttl_s=60)
CONTEXT_SQL = (
    "SELECT cadre.id, cadre.name, cadre.position, cadre.active, town.name, town.town_type, rv.source"
    " FROM cadre JOIN town ON town.id = cadre.town JOIN cycle ON cycle.id = ?2"
    " JOIN rubric_version rv ON rv.id = cycle.rubric WHERE cadre.id = ?1"
)
CONTEXT_KEYS = ("id", "name", "position", "active", "town.name", "town.town_type")


async def ratee_context(cycle_id: int, ratee_id: int, group: str) -> dict[str, Any]:
    """The ratee as a form shows them, and the rubric items this group rates them on.
    Cached for a minute: the rubric is pinned per cycle, and a cadre's town and post
    change by roster import, not between two taps."""
    key = (cycle_id, ratee_id, group)
    cached = _contexts.get(key)
    if cached is not None:
        return cached
    reader = active_reader()
    if reader is not None:  # SQLite hot path: one query on a persistent connection
        rows = await reader.fetch(CONTEXT_SQL, (ratee_id, cycle_id))
        if not rows:
            raise NotFound("被评价干部或考核周期不存在")
        *values, source = rows[0]
        cadre: dict[str, Any] | None = dict(zip(CONTEXT_KEYS, values, strict=True))
        rubric = parsed_rubric(source)
    else:
        cadre = (
            await Cadre.select(
                Cadre.id,
                Cadre.name,
                Cadre.position,
                Cadre.active,
                Cadre.town.name,
                Cadre.town.town_type,
            )
            .where(Cadre.id == ratee_id)
            .first()
        )
        if cadre is None:
            raise NotFound("被评价干部不存在")
        rubric = await rubric_for_cycle(cycle_id)
    assert cadre is not None
    items = form_items(rubric, group, cadre["town.town_type"], position_class(cadre["position"]))
    return _contexts.put(key, {"cadre": cadre, "items": items, "rubric": rubric})


def fingerprint(levels: dict[str, int | None]) -> str:
    joined = ";".join(f"{k}={v}" for k, v in sorted(levels.items()))
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


async def record_response(
    *,
    cycle_id: int,
    ratee_id: int,
    group: str,
    fields: dict[str, str],
    channel: str,
    rater_id: int | None = None,
    assignment_id: int | None = None,
    code_id: int | None = None,
    batch_label: str = "",
    client_key: str | None = None,
    items: list[Competency] | None = None,
    verified: bool = False,
    device: str = "",
    source_hash: str = "",
    link_id: int | None = None,
    verification_hash: str | None = None,
) -> int:
    """Validate and store one response, durably. Raises Invalid (per-item Chinese messages),
    Conflict (cycle not open, assignment done, device already rated, dead link) or NotFound.
    A repeated `client_key` returns the response it first created: a double tap, a retry or
    a replayed request never stores a second one."""
    if items is None:
        items = (await ratee_context(cycle_id, ratee_id, group))["items"]
    checked: CheckedForm = check_form(
        items, fields, require_notes_at_extremes=group != "resident", allow_cannot_observe=True
    )
    if not checked.ok:
        raise Invalid("请修改标出的问题后再提交", checked.problems)
    return await store_submission(
        Submission(
            cycle_id=cycle_id,
            ratee_id=ratee_id,
            group=group,
            channel=channel,
            levels=checked.levels,
            notes=checked.notes,
            comment=checked.comment,
            rater_id=rater_id,
            assignment_id=assignment_id,
            code_id=code_id,
            batch_label=batch_label,
            client_key=client_key,
            verified=verified,
            device=device,
            source_hash=source_hash,
            link_id=link_id,
            verification_hash=verification_hash,
            fingerprint=fingerprint(checked.levels) if source_hash else "",
        )
    )


async def store_submission(submission: Submission) -> int:
    """On SQLite through the group-commit writer; otherwise in a piccolo transaction."""
    writer = active_writer()
    if writer is not None:
        return await writer.run(lambda conn: run_sync(conn, submission_steps(submission)))
    engine = Response._meta.db
    async with engine.transaction():
        return await run_async(engine, submission_steps(submission))
