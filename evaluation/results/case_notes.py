"""Case notes the assessment office publishes with a cycle's results (the article: results
are published with concrete cases). Shown on the public page once the cycle is published."""

from __future__ import annotations

import msgspec

from evaluation.cycles import service as cycle_service
from evaluation.errors import Invalid
from evaluation.tables import CaseNote, Town

TITLE_MAX = 64
BODY_MAX = 2000


async def add(cycle_id: int, town_id: int | None, title: str, body: str) -> int:
    await cycle_service.get_cycle(cycle_id)  # 404 for an unknown cycle
    problems = {}
    if not title.strip() or len(title.strip()) > TITLE_MAX:
        problems["title"] = f"请填写案例标题（不超过 {TITLE_MAX} 个字）"
    if not body.strip() or len(body.strip()) > BODY_MAX:
        problems["body"] = f"请填写案例内容（不超过 {BODY_MAX} 个字）"
    if town_id is not None and not await Town.exists().where(Town.id == town_id):
        problems["town"] = "请选择乡镇"
    if problems:
        raise Invalid("案例未保存：" + "；".join(problems.values()), problems)
    row = await CaseNote.insert(
        CaseNote(cycle=cycle_id, town=town_id, title=title.strip(), body=body.strip())
    ).returning(CaseNote.id)
    return int(row[0]["id"])


class CaseNoteView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    title: str
    body: str
    town: str | None  # the town's name, or None for a county-wide case


async def notes(cycle_id: int) -> list[CaseNoteView]:
    rows = (
        await CaseNote.select(
            CaseNote.id, CaseNote.title, CaseNote.body, CaseNote.town.name.as_alias("town")
        )
        .where(CaseNote.cycle == cycle_id)
        .order_by(CaseNote.id)
    )
    return [CaseNoteView(**row) for row in rows]
