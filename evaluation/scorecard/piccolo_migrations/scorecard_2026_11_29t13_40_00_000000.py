"""The database holds every "one per" rule of the scorecard: one published plan per year,
one target per plan, town and indicator, one acceptance per contract, one value per town,
indicator, quarter and source, one import per source and quarter, one year-end entry per town."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from evaluation.scorecard.tables import TownPlan

ID = "2026-11-29T13:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "scorecard: unique rules"

UNIQUE = [
    "CREATE UNIQUE INDEX IF NOT EXISTS scorecard_plan_version ON scorecard_plan (year, version)",
    "CREATE UNIQUE INDEX IF NOT EXISTS scorecard_plan_published"
    " ON scorecard_plan (year) WHERE state = 'published'",
    "CREATE UNIQUE INDEX IF NOT EXISTS scorecard_target_once"
    " ON scorecard_target (plan, town, indicator)",
    "CREATE UNIQUE INDEX IF NOT EXISTS scorecard_contract_once ON scorecard_contract (plan, town)",
    "CREATE UNIQUE INDEX IF NOT EXISTS scorecard_value_once"
    " ON scorecard_value (plan, town, indicator, quarter, source)",
    "CREATE UNIQUE INDEX IF NOT EXISTS scorecard_import_once"
    " ON scorecard_import (plan, source, quarter)",
    "CREATE UNIQUE INDEX IF NOT EXISTS scorecard_adjustment_once"
    " ON scorecard_adjustment (plan, town)",
]
INDEX_NAMES = [statement.split(" EXISTS ")[1].split()[0] for statement in UNIQUE]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="scorecard", description=DESCRIPTION)

    async def create_indexes() -> None:
        for statement in UNIQUE:
            await TownPlan.raw(statement)

    async def drop_indexes() -> None:
        for name in reversed(INDEX_NAMES):
            await TownPlan.raw(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
