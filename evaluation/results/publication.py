"""Previewing and publishing a cycle's results — the two moments results are computed.

Anonymity across views: two computations that differ by one response would, subtracted,
show that response. So results exist only once collecting has stopped: a preview needs a
closed cycle with every review flag decided, recomputing gives the same numbers, and once a
preview exists the cycle cannot reopen and no flag decision can change (`cycles.service`,
`responses.review`). Publishing computes, stores, freezes and moves the cycle to
"published" in one transaction: a failure part-way leaves nothing written."""

from __future__ import annotations

from datetime import date, timedelta

from evaluation import clock
from evaluation.clock import today
from evaluation.cycles import service as cycle_service
from evaluation.cycles.progress import publish_refusal
from evaluation.cycles.progress_repository import cycle_progress
from evaluation.cycles.schemas import CycleRecord
from evaluation.cycles.states import next_state
from evaluation.errors import Conflict, Invalid
from evaluation.infra.invalidation import cycle_changed
from evaluation.results.compute import compute, freeze, store_snapshot
from evaluation.tables import Cycle, ProfileSnapshot, ResponseFlag


async def _require_computable(cycle_id: int, action: str = "preview") -> None:
    cycle = await cycle_service.get_cycle(cycle_id)
    if action == "publish":
        next_state(cycle.state, "publish")  # the state machine's own refusal, in its words
    if cycle.state in ("draft", "open"):
        raise Conflict("评价进行中：截止后才能计算结果（为保护匿名，进行中只看进度）")
    if cycle.state == "published":
        raise Conflict("结果已发布并冻结，不再重新计算")
    pending = await ResponseFlag.exists().where(
        (ResponseFlag.decision == "") & (ResponseFlag.response.cycle == cycle_id)
    )
    if pending:
        raise Conflict("还有待复核的群众评价：请先在“可疑评价复核”中逐条处理，再计算结果")


async def require_publishable(cycle_id: int) -> None:
    """Raises Conflict saying why the cycle cannot be published now (state, pending flags)."""
    await _require_computable(cycle_id, "publish")


async def preview(cycle_id: int) -> int:
    """A preview snapshot of a closed cycle; returns its id."""
    await _require_computable(cycle_id)
    return await store_snapshot(cycle_id, await compute(cycle_id))


async def has_preview(cycle_id: int) -> bool:
    return await ProfileSnapshot.exists().where(ProfileSnapshot.cycle == cycle_id)


def publication_day(cycle: CycleRecord, on: date | None, today: date) -> date:
    """The day 公示 starts: today, or a day given for a record made after the fact — never in
    the future, and never before the cycle closed (its 公示 cannot end before its results
    exist)."""
    day = on or today
    closed = clock.local_day(cycle.closed_at) if cycle.closed_at else cycle.closes_on
    if day > today:
        raise Invalid("发布日期不能晚于今天", {"on": f"发布日期不能晚于今天（{today}）"})
    if day < closed:
        raise Invalid("发布日期不能早于截止", {"on": f"发布日期不能早于周期截止的日期（{closed}）"})
    return day


async def publish(cycle_id: int, on: date | None = None, reason: str | None = None) -> int:
    """Compute the final results of a closed cycle, freeze them and publish, at once; the
    公示 period (the cycle's days from `on`, today by default) opens for appeals. With
    `reason` (the office's publish page, '' for none) the response-rate rule applies
    (`progress.publish_refusal`) and the reason is kept; the demo and scripts pass None."""
    await _require_computable(cycle_id, "publish")
    cycle = await cycle_service.get_cycle(cycle_id)
    if reason is not None:
        progress = await cycle_progress(cycle_id)
        publish_refusal(progress.overall, cycle.min_response_rate, reason)
    day = publication_day(cycle, on, today())
    ends_on = day + timedelta(days=cycle.publicity_days)
    computed = await compute(cycle_id)
    async with Cycle._meta.db.transaction():
        snapshot = await store_snapshot(cycle_id, computed)
        await freeze(snapshot)
        moved = (
            await Cycle.update(
                {
                    Cycle.state: "published",
                    Cycle.published_at: clock.now() if on is None else clock.moment_on(day),
                    Cycle.publicity_ends_on: ends_on,
                    Cycle.publish_reason: (reason or "").strip(),
                }
            )
            .where((Cycle.id == cycle_id) & (Cycle.state == "closed"))
            .returning(Cycle.id)
        )
        if not moved:
            raise Conflict("周期状态已被他人修改，请刷新后重试")
    cycle_changed()
    return snapshot


async def refreeze(cycle_id: int) -> int:
    """A published cycle whose frozen snapshot was removed by an upgrade (the results model
    changed) gets one again, computed from its stored responses. Refused while a frozen
    snapshot exists: a published result never changes."""
    cycle = await cycle_service.get_cycle(cycle_id)
    if cycle.state != "published":
        raise Conflict("只有已发布的周期需要重新冻结；未发布的周期请截止后发布")
    if await ProfileSnapshot.exists().where(
        (ProfileSnapshot.cycle == cycle_id) & ProfileSnapshot.frozen.eq(True)
    ):
        raise Conflict("该周期已有冻结的结果，发布后的结果不再改变")
    computed = await compute(cycle_id)
    async with Cycle._meta.db.transaction():
        snapshot = await store_snapshot(cycle_id, computed)
        await freeze(snapshot)
    return snapshot
