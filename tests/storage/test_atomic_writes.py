"""Writes that span many rows are all or nothing, even when the database fails part-way.

The fault is injected in the database itself — a trigger that aborts one particular row, late
in the write — so the test does not depend on how the code is arranged: if any earlier row of
the same write survived the failure, the write was not one transaction. Runs on SQLite and
PostgreSQL. (Removing the roster import's `transaction()` makes the first test fail.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest
from piccolo.table import Table

from evaluation.cycles import service as cycle_service
from evaluation.evidence.service import import_evidence
from evaluation.organisation.importing import import_frame
from evaluation.results import publication
from evaluation.results.tables import CellResult
from evaluation.tables import (
    Cadre,
    Cycle,
    Evidence,
    Leadership,
    ProfileSnapshot,
    Town,
)
from tests.factories import answer_assignments, open_cycle, roster_frame
from training.catalogue.repository import add_offerings
from training.catalogue.schemas import OfferingDraft
from training.tables import Enrolment, Offering, TrainingPlan

FAULT = "injected fault"


INJECTED: list[type[Table]] = []


@pytest.fixture(autouse=True)
async def remove_faults() -> AsyncIterator[None]:
    """Triggers outlive a test on PostgreSQL (tables are truncated, not recreated)."""
    yield
    while INJECTED:
        table = INJECTED.pop()
        name = table._meta.tablename
        await table._meta.db.run_ddl(
            f"DROP TRIGGER IF EXISTS fault_{name}"
            + ("" if table._meta.db.engine_type == "sqlite" else f' ON "{name}"')
        )


async def inject_fault(table: type[Table], event: str, when: str) -> None:
    """Abort the statement that writes a row matching `when` (SQL over NEW) on `table`."""
    name = table._meta.tablename
    engine: Any = table._meta.db
    INJECTED.append(table)
    if engine.engine_type == "sqlite":
        await engine.run_ddl(
            f'CREATE TRIGGER fault_{name} BEFORE {event} ON "{name}" WHEN {when} '
            f"BEGIN SELECT RAISE(ABORT, '{FAULT}'); END"
        )
    else:
        await engine.run_ddl(
            "CREATE OR REPLACE FUNCTION injected_fault() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{FAULT}'; END $$ LANGUAGE plpgsql"
        )
        await engine.run_ddl(
            f'CREATE TRIGGER fault_{name} BEFORE {event} ON "{name}" FOR EACH ROW '
            f"WHEN ({when}) EXECUTE FUNCTION injected_fault()"
        )


async def everything() -> dict[str, list[dict[str, Any]]]:
    tables: list[type[Table]] = [Town, Cadre, Leadership, Offering, Evidence, Cycle]
    tables += [ProfileSnapshot, CellResult, TrainingPlan, Enrolment]
    return {t._meta.tablename: await t.select().order_by(t._meta.primary_key) for t in tables}


async def test_a_roster_import_that_fails_part_way_writes_nothing(db: str) -> None:
    await import_frame(roster_frame(2, 15), county_name="测试县")
    before = await everything()
    bigger = roster_frame(3, 16)  # a new town, new cadres, changed names, new leadership
    bigger = bigger.with_columns(pl.col("name") + "（改）")
    await inject_fault(Leadership, "INSERT", "NEW.id IS NOT NULL OR NEW.id IS NULL")
    with pytest.raises(Exception, match=FAULT):
        await import_frame(bigger)
    assert await everything() == before


async def test_a_catalogue_import_that_fails_part_way_writes_nothing(db: str) -> None:
    await import_frame(roster_frame(1, 15), county_name="测试县")
    before = await everything()
    rows = [
        OfferingDraft(
            kind="workshop",
            title=f"专题培训 {n}",
            competencies={"service": 1.0},
            day=date(2027, 3, 1) + timedelta(days=n),
            capacity=30,
        )
        for n in range(5)
    ]
    await inject_fault(Offering, "INSERT", "NEW.title = '专题培训 3'")
    with pytest.raises(Exception, match=FAULT):
        await add_offerings(rows)
    assert await everything() == before


async def test_an_evidence_import_that_fails_part_way_keeps_the_old_evidence(db: str) -> None:
    await import_frame(roster_frame(1, 15), county_name="测试县")
    cycle_id = await open_cycle()
    cadres = (await Cadre.select(Cadre.external_id).order_by(Cadre.id).output(as_list=True))[:6]

    def sheet(value: float) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "cadre_id": cadres,
                "indicator": ["hotline_response_hours"] * len(cadres),
                "period": ["2026"] * len(cadres),
                "value": [str(value + n) for n in range(len(cadres))],
            }
        )

    await import_evidence(cycle_id, sheet(10), "csv")
    before = await everything()
    await inject_fault(Evidence, "INSERT", "NEW.value >= 104.5")  # the sixth row
    with pytest.raises(Exception, match=FAULT):
        await import_evidence(cycle_id, sheet(100), "csv")  # replaces all six rows
    assert await everything() == before


async def test_a_publication_that_fails_at_the_last_step_writes_nothing(db: str) -> None:
    await import_frame(roster_frame(2, 15), county_name="测试县")
    cycle_id = await open_cycle()
    await answer_assignments(cycle_id, varied=True)
    await cycle_service.move_cycle(cycle_id, "close")
    before = await everything()
    await inject_fault(Cycle, "UPDATE", "NEW.state = 'published'")
    with pytest.raises(Exception, match=FAULT):
        await publication.publish(cycle_id)
    assert await everything() == before
    assert before["profile_snapshot"] == []  # nothing computed before either


async def test_a_training_plan_that_fails_part_way_writes_nothing(sqlite_url: str) -> None:
    """The plan and its enrolments in one transaction; publishing is one statement."""
    from tests.factories import small_demo_latest_published
    from training.planning import service as plan_service

    cycle_id = await small_demo_latest_published()
    await inject_fault(Enrolment, "INSERT", "NEW.status = 'waitlist'")
    await Offering.update({Offering.capacity: 2}, force=True)  # scarce seats: a waiting list
    before = await everything()
    with pytest.raises(Exception, match=FAULT):
        await plan_service.run_plan(cycle_id, per_cadre=2, budget=None, town_share=0.5)
    assert await everything() == before
