"""One live import per source and quarter: an import that a later one replaced stays beside
it as history, so the rule holds among imports not replaced (a partial unique index)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from evaluation.scorecard.tables import TownPlan

ID = "2026-12-07T13:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "scorecard: one live import per source and quarter"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="scorecard", description=DESCRIPTION)

    async def live_only() -> None:
        await TownPlan.raw("DROP INDEX IF EXISTS scorecard_import_once")
        await TownPlan.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS scorecard_import_live"
            " ON scorecard_import (plan, source, quarter) WHERE replaced_at IS NULL"
        )

    async def every_one() -> None:
        await TownPlan.raw("DROP INDEX IF EXISTS scorecard_import_live")
        await TownPlan.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS scorecard_import_once"
            " ON scorecard_import (plan, source, quarter)"
        )

    manager.add_raw(live_only)
    manager.add_raw_backwards(every_one)
    return manager
