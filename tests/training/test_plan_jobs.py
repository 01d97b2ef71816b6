"""The optimiser's background job through its table: a cancel stops a large solve without
writing a plan, and a job whose heartbeat stopped reads as interrupted, never as running."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from evaluation.errors import Conflict
from tests.factories import draft_cycle
from tests.training_instances import random_instance
from training.planning import jobs
from training.planning.service import Prepared
from training.tables import PlanJob, TrainingPlan


async def test_a_cancelled_run_stops_and_stores_no_plan(sqlite_url: str) -> None:
    cycle_id = await draft_cycle()
    problem = random_instance(
        1, 10_000, 300, towns=40, budget=1_500_000, town_share=0.2, candidates=15
    )
    plans = await TrainingPlan.count()
    job_id = await jobs.start(Prepared(cycle_id, problem, pl.DataFrame(), {"per_cadre": 2}))
    assert (await jobs.view(job_id)).status == "running"
    await jobs.cancel(job_id)
    await jobs.wait_all()
    job = await jobs.view(job_id)
    assert job.status == "cancelled" and job.plan_id is None
    assert job.pairs == 128_535
    assert await TrainingPlan.count() == plans
    with pytest.raises(Conflict):
        await jobs.cancel(job_id)


async def test_a_job_without_a_heartbeat_reads_as_interrupted(sqlite_url: str) -> None:
    cycle_id = await draft_cycle()
    old = datetime.now(UTC) - timedelta(minutes=5)
    created = await PlanJob.insert(
        PlanJob(cycle=cycle_id, parameters={}, created_at=old, updated_at=old)
    ).returning(PlanJob.id)
    job_id = int(created[0]["id"])
    assert (await jobs.view(job_id)).status == "interrupted"
    assert await jobs.running_job() is None
    with pytest.raises(Conflict):
        await jobs.cancel(job_id)
