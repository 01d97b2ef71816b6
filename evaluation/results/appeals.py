"""公示 and 申诉/复核 of a cadre's published 360 result — the `cadre_result` kind of appeal
(the flow, the store and 公示 are `evaluation.appeals`).

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
from typing import ClassVar

import msgspec

from evaluation.appeals import cases, store
from evaluation.appeals.publicity import Publicity
from evaluation.appeals.publicity import publicity_of as window
from evaluation.appeals.store import AppealRow
from evaluation.clock import today
from evaluation.cycles import service as cycle_service
from evaluation.cycles.schemas import CycleRecord
from evaluation.errors import Conflict, NotFound
from evaluation.infra.invalidation import cycle_changed
from evaluation.notices import Notice
from evaluation.organisation import directory
from evaluation.results import snapshots
from evaluation.results.amend import amended_snapshot
from evaluation.results.compute import freeze

KIND = store.CADRE_RESULT
CORRECTIONS = {"exclude": "该项不适用于本人岗位，不计入综合得分"}


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

    @property
    def heading(self) -> str:
        return f"{self.cadre_name} · {self.competency_name}（{self.lodged_on} 提出）"

    @property
    def correction_words(self) -> str:
        return f"{self.correction_text}。" if self.correction_text else ""


def publicity_of(cycle: CycleRecord, pending: int, on: dt.date | None = None) -> Publicity:
    """A 360 cycle's 公示 opens at its publication (always before today); cycles published
    before 公示 existed (no end date) are final."""
    published = dt.date.min if cycle.state == "published" else None
    return window(published, cycle.publicity_ends_on, pending, on or today())


async def publicity(cycle_id: int) -> Publicity:
    cycle = await cycle_service.get_cycle(cycle_id)
    return publicity_of(cycle, await store.pending(KIND, cycle_id))


class CadreResultAppeals:
    kind: ClassVar[str] = KIND
    reason_hint: ClassVar[str] = "请写明申诉理由（至少 10 个字）"
    already_pending: ClassVar[str] = "您已有一件待复核的申诉，考核办答复后可再提出"

    async def lodging(self, period: int, subject: int, item: str) -> dict[str, str]:
        cycle = await cycle_service.get_cycle(period)
        state = publicity_of(cycle, 0)
        if cycle.state != "published":
            raise Conflict("该周期的结果尚未发布，发布后公示期内可以申诉")
        if not state.open:
            ends = f"于 {state.ends_on} " if state.ends_on else ""
            raise Conflict(f"公示期已{ends}结束，不再受理申诉")
        snapshot = await snapshots.snapshot_for(period)
        mine = await snapshots.cells(snapshot.id, [subject])
        if mine.is_empty():
            raise NotFound("本周期没有您的评价结果")
        if item and item not in set(mine["competency"].to_list()):
            return {"competency": "请选择您结果中的一项能力，或“综合结果”"}
        return {}

    async def correction(self, case: AppealRow, raw: str) -> tuple[str, dict[str, str]]:
        if raw not in CORRECTIONS:
            return "", {"correction": "维持申诉须选择更正方式"}
        if not case.item:
            return "", {"correction": "针对综合结果的申诉没有可更正的单项：请驳回并说明理由"}
        return raw, {}

    async def apply(self, case: AppealRow, correction: str, reason: str, by: str) -> None:
        """The published result with the competency out of the overall, frozen again: only
        what an exclusion changes is computed again (`amend`)."""
        await freeze(await amended_snapshot(case.period))


POLICY = CadreResultAppeals()


async def _views(rows: list[AppealRow]) -> list[AppealView]:
    cycles: dict[int, tuple[str, dict[str, str]]] = {}
    people: dict[int, str] = {}
    views = []
    for r in rows:
        if r.period not in cycles:
            rubric = await cycle_service.rubric_for_cycle(r.period)
            cycles[r.period] = (
                (await cycle_service.get_cycle(r.period)).name,
                {c.id: c.name for c in rubric.competencies},
            )
        if r.subject not in people:
            people[r.subject] = (await directory.cadre(r.subject)).name
        cycle_name, names = cycles[r.period]
        views.append(
            AppealView(
                id=r.id,
                cycle_id=r.period,
                cycle_name=cycle_name,
                cadre_id=r.subject,
                cadre_name=people[r.subject],
                competency=r.item,
                competency_name=names.get(r.item, "综合结果") if r.item else "综合结果",
                reason=r.reason,
                state=r.state,
                correction=r.correction,
                correction_text=CORRECTIONS.get(r.correction, ""),
                decision_reason=r.decision_reason,
                lodged_on=r.lodged_on,
                decided_on=r.decided_on,
            )
        )
    return views


async def for_cycle(cycle_id: int) -> list[AppealView]:
    return await _views(await store.rows(KIND, period=cycle_id))


async def for_cadre(cadre_id: int, cycle_id: int | None = None) -> list[AppealView]:
    return await _views(await store.rows(KIND, period=cycle_id, subject=cadre_id))


async def lodge(cycle_id: int, cadre_id: int, account: str, competency: str, reason: str) -> int:
    """A cadre objects to their own result during 公示."""
    return await cases.lodge(POLICY, cycle_id, cadre_id, competency, reason, account)


async def decide(appeal_id: int, uphold: bool, correction: str, reason: str, by: str) -> AppealView:
    """Uphold (with the correction recorded and the result recomputed and frozen again, in
    one transaction) or reject, with written reasons."""
    decided = await cases.decide(POLICY, appeal_id, uphold, correction, reason, by)
    cycle_changed()
    return (await _views([decided]))[0]


async def pending_by_cycle() -> dict[int, int]:
    return await store.pending_by_period(KIND)


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
    return (await store.row(KIND, appeal_id)).period
