"""One pending appeal per town and year (a decided one keeps its record)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from evaluation.scorecard.tables import TownPlan  # any table of this app runs the raw SQL

ID = "2026-11-29T17:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "scorecard: one pending appeal per town and year"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="scorecard", description=DESCRIPTION)

    async def create_index() -> None:
        await TownPlan.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS scorecard_appeal_pending_once"
            " ON scorecard_appeal (plan, town) WHERE state = 'pending'"
        )

    async def drop_index() -> None:
        await TownPlan.raw("DROP INDEX IF EXISTS scorecard_appeal_pending_once")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
