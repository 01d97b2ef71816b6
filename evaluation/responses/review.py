"""The assessment office's review queue of suspicious resident responses."""

from __future__ import annotations

from datetime import datetime

import msgspec

from evaluation import clock
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.tables import ResponseFlag

DECISIONS = {"kept": "保留", "excluded": "排除（不计入结果）"}
REASONS = {"burst": "短时间大量提交", "identical": "同一地址答案雷同"}


class FlagView(msgspec.Struct, frozen=True, kw_only=True):
    """A flag as the office reviews it: the ratee and when — never the answers or address."""

    id: int
    reason: str
    detail: str
    created_at: datetime
    decision: str
    ratee_name: str
    verified: bool


async def flags(cycle_id: int) -> list[FlagView]:
    """Flags with the ratee and when — never the answers, never the address."""
    rows = (
        await ResponseFlag.select(
            ResponseFlag.id,
            ResponseFlag.reason,
            ResponseFlag.detail,
            ResponseFlag.created_at,
            ResponseFlag.decision,
            ResponseFlag.response._.ratee._.name,
            ResponseFlag.response.verified,
        )
        .where(ResponseFlag.response.cycle == cycle_id)
        .order_by(ResponseFlag.decision)
        .order_by(ResponseFlag.id, ascending=False)
    )
    return [
        FlagView(
            id=r["id"],
            reason=r["reason"],
            detail=r["detail"],
            created_at=r["created_at"],
            decision=r["decision"],
            ratee_name=r["response.ratee.name"],
            verified=bool(r["response.verified"]),
        )
        for r in rows
    ]


async def undecided(cycle_id: int) -> int:
    """Flags of the cycle still waiting for the office's decision."""
    return await ResponseFlag.count().where(
        (ResponseFlag.decision == "") & (ResponseFlag.response._.cycle == cycle_id)
    )


async def decide(flag_id: int, decision: str) -> int:
    """Keep or exclude a flagged response; returns its cycle. Decisions are final."""
    if decision not in DECISIONS:
        raise Invalid("请选择处理方式", {"decision": "保留或排除"})
    row = (
        await ResponseFlag.select(ResponseFlag.decision, ResponseFlag.response.cycle)
        .where(ResponseFlag.id == flag_id)
        .first()
    )
    if row is None:
        raise NotFound("标记不存在")
    if row["decision"]:
        raise Conflict("该标记已处理")
    await ResponseFlag.update(
        {ResponseFlag.decision: decision, ResponseFlag.decided_at: clock.now()}
    ).where((ResponseFlag.id == flag_id) & (ResponseFlag.decision == ""))
    return int(row["response.cycle"])
