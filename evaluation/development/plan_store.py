"""Development plans in their table: a cadre's plan for a published cycle (saved, sent,
agreed or returned by a leader, checked in), the one before a cycle, and coverage per town."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from evaluation import clock
from evaluation.development.goals import Goal, Progress, progress
from evaluation.development.tables import DevelopmentPlan
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.organisation import directory

STATUS_WORDS = {
    "draft": "草稿（未提交）",
    "submitted": "已提交，等待领导确认",
    "agreed": "领导已确认",
    "returned": "领导退回修改",
}


class PlanRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    cadre_id: int
    cycle_id: int
    goals: list[Goal]
    status: str
    leader_comment: str
    decided_by: str
    decided_at: dt.datetime | None
    checkin: dict[str, str]
    checkin_at: dt.datetime | None

    @property
    def status_words(self) -> str:
        return STATUS_WORDS[self.status]


class TownCoverage(msgspec.Struct, frozen=True, kw_only=True):
    town: str
    cadres: int
    submitted: int  # sent or agreed
    agreed: int


COLUMNS = (
    DevelopmentPlan.id,
    DevelopmentPlan.cadre,
    DevelopmentPlan.cycle,
    DevelopmentPlan.goals,
    DevelopmentPlan.status,
    DevelopmentPlan.leader_comment,
    DevelopmentPlan.decided_by,
    DevelopmentPlan.decided_at,
    DevelopmentPlan.checkin,
    DevelopmentPlan.checkin_at,
)


def _record(row: dict[str, Any]) -> PlanRecord:
    return PlanRecord(
        id=int(row["id"]),
        cadre_id=int(row["cadre"]),
        cycle_id=int(row["cycle"]),
        goals=msgspec.json.decode(row["goals"] or "[]", type=list[Goal]),
        status=str(row["status"]),
        leader_comment=str(row["leader_comment"]),
        decided_by=str(row["decided_by"]),
        decided_at=row["decided_at"],
        checkin=msgspec.json.decode(row["checkin"] or "{}", type=dict[str, str]),
        checkin_at=row["checkin_at"],
    )


async def plan_for(cadre_id: int, cycle_id: int) -> PlanRecord | None:
    row = (
        await DevelopmentPlan.select(*COLUMNS)
        .where((DevelopmentPlan.cadre == cadre_id) & (DevelopmentPlan.cycle == cycle_id))
        .first()
    )
    return _record(row) if row else None


async def save(cadre_id: int, cycle_id: int, goals: list[Goal], send: bool) -> PlanRecord:
    """Save the cadre's plan (and send it to their leader when `send`); an agreed plan is
    fixed — the check-in records progress on it."""
    async with DevelopmentPlan._meta.db.transaction():
        found = await plan_for(cadre_id, cycle_id)
        if found and found.status == "agreed":
            raise Conflict("计划已经领导确认，不能再修改；可以在中期记录进展")
        values: dict[Any, Any] = {
            DevelopmentPlan.goals: msgspec.json.encode(goals).decode(),
            DevelopmentPlan.status: "submitted" if send else "draft",
            DevelopmentPlan.updated_at: clock.now(),
        }
        if found:
            await DevelopmentPlan.update(values).where(DevelopmentPlan.id == found.id)
        else:
            await DevelopmentPlan.insert(
                DevelopmentPlan(
                    cadre=cadre_id,
                    cycle=cycle_id,
                    goals=values[DevelopmentPlan.goals],
                    status=values[DevelopmentPlan.status],
                )
            )
    saved = await plan_for(cadre_id, cycle_id)
    assert saved is not None
    return saved


async def decide(plan: PlanRecord, leader: str, agree: bool, comment: str) -> None:
    """The leader agrees the sent plan, or returns it with what to change."""
    comment = comment.strip()
    if plan.status != "submitted":
        raise Conflict("这份计划不在等待确认的状态")
    if not agree and len(comment) < 4:
        raise Invalid("未退回", {"comment": "退回时请写明需要修改的地方（至少 4 个字）"})
    if len(comment) > 500:
        raise Invalid("未保存", {"comment": "意见不超过 500 字"})
    await DevelopmentPlan.update(
        {
            DevelopmentPlan.status: "agreed" if agree else "returned",
            DevelopmentPlan.leader_comment: comment,
            DevelopmentPlan.decided_by: leader[:64],
            DevelopmentPlan.decided_at: clock.now(),
        }
    ).where((DevelopmentPlan.id == plan.id) & (DevelopmentPlan.status == "submitted"))


async def check_in(plan: PlanRecord, notes: dict[str, str]) -> None:
    """The mid-cycle check-in: a progress note per goal of an agreed plan."""
    if plan.status != "agreed":
        raise Conflict("领导确认计划后才能记录进展")
    kept = {g.competency: notes.get(g.competency, "").strip() for g in plan.goals}
    if not any(kept.values()):
        raise Invalid("未记录", {"checkin": "请至少为一项目标写下进展"})
    if any(len(v) > 500 for v in kept.values()):
        raise Invalid("未记录", {"checkin": "每项进展不超过 500 字"})
    await DevelopmentPlan.update(
        {
            DevelopmentPlan.checkin: msgspec.json.encode(kept).decode(),
            DevelopmentPlan.checkin_at: clock.now(),
        }
    ).where(DevelopmentPlan.id == plan.id)


async def coverage(cycle_id: int) -> list[TownCoverage]:
    """Per town: cadres, plans sent (or agreed) for this cycle, plans agreed."""
    cadres = await directory.cadre_frame()
    rows = await DevelopmentPlan.select(DevelopmentPlan.cadre, DevelopmentPlan.status).where(
        DevelopmentPlan.cycle == cycle_id
    )
    status = {int(r["cadre"]): str(r["status"]) for r in rows}
    towns: dict[str, list[int]] = {}
    for town, cadre in cadres.sort("town_external_id").select("town", "cadre_id").iter_rows():
        towns.setdefault(str(town), []).append(int(cadre))
    return [
        TownCoverage(
            town=town,
            cadres=len(members),
            submitted=sum(status.get(c) in ("submitted", "agreed") for c in members),
            agreed=sum(status.get(c) == "agreed" for c in members),
        )
        for town, members in towns.items()
    ]


async def plan_by_id(plan_id: int) -> PlanRecord:
    row = await DevelopmentPlan.select(*COLUMNS).where(DevelopmentPlan.id == plan_id).first()
    if row is None:
        raise NotFound("找不到这份发展计划")
    return _record(row)


class Growth(msgspec.Struct, frozen=True, kw_only=True):
    """An earlier plan's goals read against a later cycle's scores."""

    plan: PlanRecord
    cycle_name: str
    rows: list[Progress]


async def growth_since(
    cadre_id: int, cycles: list[tuple[int, str]], scores: dict[str, float | None]
) -> Growth | None:
    """The cadre's sent or agreed plan of the newest of `cycles` (earlier published cycles,
    newest first: id, name) against `scores` of the cycle now shown."""
    if not cycles:
        return None
    rows = await DevelopmentPlan.select(*COLUMNS).where(
        (DevelopmentPlan.cadre == cadre_id)
        & DevelopmentPlan.cycle.is_in([c for c, _ in cycles])
        & DevelopmentPlan.status.is_in(["submitted", "agreed"])
    )  # one read, whatever the number of earlier cycles (this is on every feedback page)
    plans = {int(r["cycle"]): _record(r) for r in rows}
    for cycle_id, name in cycles:
        if cycle_id in plans:
            found = plans[cycle_id]
            return Growth(plan=found, cycle_name=name, rows=progress(found.goals, scores))
    return None
