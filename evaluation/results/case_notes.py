"""Case notes the assessment office publishes with a cycle's results (the article: results
are published with concrete cases). Shown on the public page once the cycle is published;
a note can be corrected or withdrawn (a withdrawn note leaves every page but stays on record,
and the audit log says who did it)."""

from __future__ import annotations

import msgspec

from evaluation.clock import now_local
from evaluation.cycles import service as cycle_service
from evaluation.errors import Invalid, NotFound
from evaluation.tables import CaseNote, Town

TITLE_MAX = 64
BODY_MAX = 2000


async def add(cycle_id: int, town_id: int | None, title: str, body: str) -> int:
    await cycle_service.get_cycle(cycle_id)  # 404 for an unknown cycle
    await _check(town_id, title, body)
    row = await CaseNote.insert(
        CaseNote(cycle=cycle_id, town=town_id, title=title.strip(), body=body.strip())
    ).returning(CaseNote.id)
    return int(row[0]["id"])


async def edit(note_id: int, town_id: int | None, title: str, body: str) -> int:
    """Correct a live note; returns its cycle."""
    cycle = await _live_cycle(note_id)
    await _check(town_id, title, body)
    await CaseNote.update(
        {
            CaseNote.town: town_id,
            CaseNote.title: title.strip(),
            CaseNote.body: body.strip(),
            CaseNote.updated_at: now_local(),
        }
    ).where(CaseNote.id == note_id)
    return cycle


async def withdraw(note_id: int) -> int:
    """Take a live note off every page; returns its cycle."""
    cycle = await _live_cycle(note_id)
    await CaseNote.update({CaseNote.withdrawn_at: now_local()}).where(CaseNote.id == note_id)
    return cycle


async def cycle_of(note_id: int) -> int:
    return await _live_cycle(note_id)


async def _live_cycle(note_id: int) -> int:
    row = (
        await CaseNote.select(CaseNote.cycle)
        .where((CaseNote.id == note_id) & CaseNote.withdrawn_at.is_null())
        .first()
    )
    if row is None:
        raise NotFound("案例不存在或已撤回")
    return int(row["cycle"])


async def _check(town_id: int | None, title: str, body: str) -> None:
    problems = {}
    if not title.strip() or len(title.strip()) > TITLE_MAX:
        problems["title"] = f"请填写案例标题（不超过 {TITLE_MAX} 个字）"
    if not body.strip() or len(body.strip()) > BODY_MAX:
        problems["body"] = f"请填写案例内容（不超过 {BODY_MAX} 个字）"
    if town_id is not None and not await Town.exists().where(Town.id == town_id):
        problems["town"] = "请选择乡镇"
    if problems:
        raise Invalid("案例未保存：" + "；".join(problems.values()), problems)


class CaseNoteView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    title: str
    body: str
    town: str | None  # the town's name, or None for a county-wide case
    town_id: int | None


async def notes(cycle_id: int) -> list[CaseNoteView]:
    rows = (
        await CaseNote.select(
            CaseNote.id,
            CaseNote.title,
            CaseNote.body,
            CaseNote.town.name.as_alias("town"),
            CaseNote.town.as_alias("town_id"),
        )
        .where((CaseNote.cycle == cycle_id) & CaseNote.withdrawn_at.is_null())
        .order_by(CaseNote.id)
    )
    return [CaseNoteView(**row) for row in rows]
