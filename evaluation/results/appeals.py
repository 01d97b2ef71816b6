"""公示 and 申诉/复核 of a cadre's published 360 result.

A published cycle is in 公示 until `publicity_ends_on`: a cadre may object to their own result
(as a whole or one competency) with reasons; the office upholds the objection with a
correction — the competency does not apply to the cadre's post and leaves their overall —
and the result is recomputed and frozen again at once, or rejects it, always in writing.
A result is final (定稿) once the period is over and every appeal is decided; an appeal
after the period is refused.

Anonymity holds inside an appeal: nobody's answers are read or shown, and a correction
changes only how released numbers combine, never which responses count (two results that
differ by one response would show that response)."""

from __future__ import annotations

import datetime as dt

import msgspec

from evaluation.clock import today
from evaluation.cycles import service as cycle_service
from evaluation.cycles.schemas import CycleRecord
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.infra.invalidation import cycle_changed
from evaluation.notices import Notice
from evaluation.results import appeal_store as store
from evaluation.results import snapshots
from evaluation.results.compute import compute, freeze, store_snapshot

MAX_TEXT = 1000
CORRECTIONS = {"exclude": "该项不适用于本人岗位，不计入综合得分"}


class Publicity(msgspec.Struct, frozen=True):
    cycle_id: int
    ends_on: dt.date | None
    open: bool  # appeals are accepted today
    pending: int  # appeals waiting for a decision
    final: bool  # the period is over and every appeal decided: the result is 定稿


class AppealView(msgspec.Struct, frozen=True):
    id: int
    cycle_id: int
    cycle_name: str
    cadre_id: int
    cadre_name: str
    competency: str  # the competency's code, "" for the result as a whole
    competency_name: str
    reason: str
    state: str  # pending | upheld | rejected
    correction: str
    correction_text: str
    decision_reason: str
    lodged_on: dt.date
    decided_on: dt.date | None


def publicity_of(cycle: CycleRecord, pending: int, on: dt.date | None = None) -> Publicity:
    """Cycles published before 公示 existed (no end date) are final."""
    on = on or today()
    is_open = cycle.state == "published" and (
        cycle.publicity_ends_on is not None and on <= cycle.publicity_ends_on
    )
    return Publicity(
        cycle_id=cycle.id,
        ends_on=cycle.publicity_ends_on,
        open=is_open,
        pending=pending,
        final=cycle.state == "published" and not is_open and pending == 0,
    )


async def publicity(cycle_id: int) -> Publicity:
    cycle = await cycle_service.get_cycle(cycle_id)
    return publicity_of(cycle, await store.pending_count(cycle_id))


async def _views(rows: list[dict[str, object]]) -> list[AppealView]:
    names: dict[int, dict[str, str]] = {}
    views = []
    for r in rows:
        cycle_id = int(r["cycle"])  # type: ignore[call-overload]
        if cycle_id not in names:
            rubric = await cycle_service.rubric_for_cycle(cycle_id)
            names[cycle_id] = {c.id: c.name for c in rubric.competencies}
        code = str(r["competency"])
        views.append(
            AppealView(
                id=int(r["id"]),  # type: ignore[call-overload]
                cycle_id=cycle_id,
                cycle_name=str(r["cycle_name"]),
                cadre_id=int(r["cadre"]),  # type: ignore[call-overload]
                cadre_name=str(r["cadre_name"]),
                competency=code,
                competency_name=names[cycle_id].get(code, "综合结果") if code else "综合结果",
                reason=str(r["reason"]),
                state=str(r["state"]),
                correction=str(r["correction"]),
                correction_text=CORRECTIONS.get(str(r["correction"]), ""),
                decision_reason=str(r["decision_reason"]),
                lodged_on=r["lodged_on"],  # type: ignore[arg-type]
                decided_on=r["decided_on"],  # type: ignore[arg-type]
            )
        )
    return views


async def for_cycle(cycle_id: int) -> list[AppealView]:
    return await _views(await store.appeals(cycle_id=cycle_id))


async def for_cadre(cadre_id: int, cycle_id: int | None = None) -> list[AppealView]:
    return await _views(await store.appeals(cycle_id=cycle_id, cadre_id=cadre_id))


async def lodge(cycle_id: int, cadre_id: int, account: str, competency: str, reason: str) -> int:
    """A cadre objects to their own result during 公示."""
    cycle = await cycle_service.get_cycle(cycle_id)
    state = publicity_of(cycle, 0)
    if cycle.state != "published":
        raise Conflict("该周期的结果尚未发布，发布后公示期内可以申诉")
    if not state.open:
        ends = f"于 {state.ends_on} " if state.ends_on else ""
        raise Conflict(f"公示期已{ends}结束，不再受理申诉")
    problems: dict[str, str] = {}
    snapshot = await snapshots.snapshot_for(cycle_id)
    mine = await snapshots.cells(snapshot.id, [cadre_id])
    if mine.is_empty():
        raise NotFound("本周期没有您的评价结果")
    if competency and competency not in set(mine["competency"].to_list()):
        problems["competency"] = "请选择您结果中的一项能力，或“综合结果”"
    why = (reason or "").strip()[:MAX_TEXT]
    if len(why) < 10:
        problems["reason"] = "请写明申诉理由（至少 10 个字）"
    if problems:
        raise Invalid("申诉未提交", problems)
    appeal_id = await store.insert(cycle_id, cadre_id, account, competency, why)
    if appeal_id is None:
        raise Conflict("您已有一件待复核的申诉，考核办答复后可再提出")
    return appeal_id


async def decide(appeal_id: int, uphold: bool, correction: str, reason: str, by: str) -> AppealView:
    """Uphold (with the correction recorded and the result recomputed and frozen again, in
    one transaction) or reject, with written reasons."""
    appeal = await store.appeal(appeal_id)
    problems: dict[str, str] = {}
    why = (reason or "").strip()[:MAX_TEXT]
    if len(why) < 4:
        problems["decision_reason"] = "请写明复核意见（至少 4 个字）"
    if uphold and correction not in CORRECTIONS:
        problems["correction"] = "维持申诉须选择更正方式"
    elif uphold and not appeal["competency"]:
        problems["correction"] = "针对综合结果的申诉没有可更正的单项：请驳回并说明理由"
    if problems:
        raise Invalid("复核意见未保存", problems)
    cycle_id = int(appeal["cycle"])
    async with store.transaction():
        moved = await store.decide(
            appeal_id, "upheld" if uphold else "rejected", correction if uphold else "", why, by
        )
        if not moved:
            raise Conflict("该申诉已复核")
        if uphold:
            results, cadres = await compute(cycle_id)
            await freeze(await store_snapshot(cycle_id, results, cadres))
    cycle_changed()
    return (await _views(await store.appeals(appeal_id=appeal_id)))[0]


async def appeal_notices(cadre_id: int) -> list[Notice]:
    """Decisions on the cadre's appeals, and 公示 open on a result of theirs."""
    found = []
    for a in await for_cadre(cadre_id):
        if a.state == "pending":
            continue
        upheld = a.state == "upheld"
        found.append(
            Notice(
                kind="appeal",
                title=f"申诉复核{'维持' if upheld else '未予支持'}：{a.cycle_name} · {a.competency_name}",
                detail=(f"{a.correction_text}。" if upheld else "")
                + f"考核办意见：{a.decision_reason}",
                on=a.decided_on,
                link=f"/me/feedback?cycle={a.cycle_id}#appeals",
                tone="green" if upheld else "yellow",
            )
        )
    return found


async def cycle_of(appeal_id: int) -> int:
    return int((await store.appeal(appeal_id))["cycle"])
