"""The optimiser as a background job, so no request waits on a solve.

The request that starts a run checks it and answers at once with the job's page; the solve
runs in a worker thread while this process's event loop writes its progress (rounds, the best
plan so far, the proven bound) to the job's row twice a second — the row is the truth for
every server process, so the page can be served by any of them. A cancel is a flag on the row:
the fast solver checks it between rounds and stops without writing a plan; during the optional
exact phase a cancel keeps the fast plan (HiGHS cannot be interrupted, so its thread finishes
unobserved). A job whose heartbeat stopped — the server restarted — reads as interrupted.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

import msgspec

from evaluation import clock
from evaluation.errors import Conflict, NotFound
from training.planning.feasible import greedy
from training.planning.lagrangian import OPTIMAL_GAP, Cancelled, Progress, solve_within_gap
from training.planning.optimiser import Infeasible, Plan, candidate_pairs, solve
from training.planning.service import Prepared, infeasible, store_plan
from training.planning.strategy import EXACT_TIME_LIMIT_S, exact_is_quick
from training.tables import PlanJob

log = logging.getLogger("cadre360.plan_jobs")
HEARTBEAT_S = 0.5
STALE_AFTER = timedelta(seconds=30)
T = TypeVar("T")
_tasks: set[asyncio.Task[None]] = set()  # strong references: the loop keeps only weak ones


class JobView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    status: str  # running | done | failed | cancelled | interrupted
    phase: str
    rounds: int
    best: float | None
    bound: float | None
    pairs: int
    message: str
    plan_id: int | None
    cancel_requested: bool
    seconds: float

    @property
    def gap(self) -> float | None:
        if self.best is None or not self.bound:
            return None
        return max(0.0, (self.bound - self.best) / self.bound)


_starting = asyncio.Lock()  # check-then-insert, one at a time in this process


async def start(prepared: Prepared) -> int:
    """Record the job and start it on this process's loop; returns its id at once. One run
    at a time: a second start while one is running is refused (issue 29, #6: ten were
    accepted together, each holding a core)."""
    async with _starting:
        if await running_job() is not None:
            raise Conflict("已有一次优化正在运行：请等它结束或取消后再开始")
        return await _start(prepared)


async def _start(prepared: Prepared) -> int:
    candidates = candidate_pairs(prepared.problem).height
    started = clock.instant()  # heartbeats are physical time, whatever day is pinned
    created = await PlanJob.insert(
        PlanJob(
            cycle=prepared.cycle_id,
            parameters=prepared.parameters,
            pairs=candidates,
            created_at=started,
            updated_at=started,
        )
    ).returning(PlanJob.id)
    job_id = int(created[0]["id"])
    task = asyncio.create_task(_supervise(job_id, prepared, candidates))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return job_id


async def wait_all() -> None:
    """Let the jobs of this process finish (for shutdown and tests)."""
    while _tasks:
        await asyncio.gather(*list(_tasks), return_exceptions=True)


async def cancel(job_id: int) -> None:
    job = await view(job_id)
    if job.status != "running":
        raise Conflict("该次运行已经结束，无法取消")
    await PlanJob.update({PlanJob.cancel_requested: True}).where(PlanJob.id == job_id)


async def view(job_id: int) -> JobView:
    row = await PlanJob.select().where(PlanJob.id == job_id).first()
    if row is None:
        raise NotFound("没有这次优化运行")
    now = clock.instant()
    updated = row["updated_at"]
    status = row["status"]
    if status == "running" and now - updated > STALE_AFTER:
        status = "interrupted"
    return JobView(
        id=row["id"],
        status=status,
        phase=row["phase"],
        rounds=row["rounds"],
        best=row["best"],
        bound=row["bound"],
        pairs=row["pairs"],
        message=row["message"],
        plan_id=row["plan"],
        cancel_requested=row["cancel_requested"],
        seconds=max(
            0.0, ((updated if status != "running" else now) - row["created_at"]).total_seconds()
        ),
    )


async def running_job() -> int | None:
    """The newest job still running (with a live heartbeat), for the plan page's link."""
    row = (
        await PlanJob.select(PlanJob.id)
        .where((PlanJob.status == "running") & (PlanJob.updated_at > clock.instant() - STALE_AFTER))
        .order_by(PlanJob.id, ascending=False)
        .first()
    )
    return None if row is None else int(row["id"])


async def _update(job_id: int, **values: object) -> None:
    columns = {getattr(PlanJob, name): value for name, value in values.items()}
    columns[PlanJob.updated_at] = clock.instant()
    await PlanJob.update(columns).where(PlanJob.id == job_id)


async def _cancel_requested(job_id: int) -> bool:
    row = await PlanJob.select(PlanJob.cancel_requested).where(PlanJob.id == job_id).first()
    return bool(row and row["cancel_requested"])


async def _supervise(job_id: int, prepared: Prepared, candidates: int) -> None:
    try:
        await _run(job_id, prepared, candidates)
    except Exception:  # the job reports it; the server goes on
        log.exception("plan job %s failed", job_id)
        await _update(job_id, status="failed", message="求解时出错，请稍后重试或联系管理员")


async def _in_thread(
    job_id: int,
    work: Callable[[], T],
    stop: threading.Event,
    latest: list[Progress],
    stops_itself: bool = True,
) -> T | None:
    """`work` in a worker thread, with a heartbeat and its progress written meanwhile. A cancel
    sets `stop`; work that cannot watch it is abandoned (None is returned at once)."""
    future = asyncio.get_running_loop().run_in_executor(None, work)
    while True:
        done, _ = await asyncio.wait({future}, timeout=HEARTBEAT_S)
        if done:
            return future.result()
        progress = latest[-1] if latest else None
        await _update(
            job_id,
            rounds=progress.round if progress else 0,
            best=progress.best if progress and progress.best > 0 else None,
            bound=progress.bound if progress and progress.bound < float("inf") else None,
        )
        if not stop.is_set() and await _cancel_requested(job_id):
            stop.set()
            if not stops_itself:
                return None


async def _run(job_id: int, prepared: Prepared, candidates: int) -> None:
    problem = prepared.problem
    stop = threading.Event()
    latest: list[Progress] = []

    def record(progress: Progress) -> None:
        latest[:] = [progress]

    def fast() -> Plan:
        return solve_within_gap(problem, on_progress=record, cancelled=stop.is_set)

    try:
        plan = await _in_thread(job_id, fast, stop, latest)
    except Cancelled:
        await _update(job_id, status="cancelled", message="已取消：没有生成方案")
        return
    except Infeasible as exc:
        await _update(job_id, status="failed", message=infeasible(exc).message)
        return
    assert plan is not None
    await _update(
        job_id, best=plan.objective, bound=plan.bound, rounds=latest[-1].round if latest else 0
    )
    if plan.gap > OPTIMAL_GAP and exact_is_quick(candidates) and not stop.is_set():
        await _update(job_id, phase="exact")

        def exact() -> Plan:
            return solve(problem, time_limit=EXACT_TIME_LIMIT_S)

        found = await _in_thread(job_id, exact, stop, [], stops_itself=False)
        if found is not None and found.objective >= plan.objective - 1e-9:
            plan = found
    baseline = await asyncio.get_running_loop().run_in_executor(None, greedy, problem)
    plan_id = await store_plan(prepared, plan, baseline)
    note = "已取消求精确最优，保留快速方案" if stop.is_set() else ""
    await _update(
        job_id,
        status="done",
        plan=plan_id,
        best=plan.objective,
        bound=plan.bound if plan.bound is not None else plan.objective,
        message=note,
    )
