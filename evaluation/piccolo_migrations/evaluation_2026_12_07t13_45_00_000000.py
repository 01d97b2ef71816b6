"""One development plan per cadre and cycle, held by the database (two saves at once cannot
make two)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from evaluation.tables import Cycle

ID = "2026-12-07T13:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "development plans: one per cadre and cycle"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="evaluation", description=DESCRIPTION)

    async def one_per_cycle() -> None:
        await Cycle.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS development_plan_once"
            " ON development_plan (cadre, cycle)"
        )

    async def undo() -> None:
        await Cycle.raw("DROP INDEX IF EXISTS development_plan_once")

    manager.add_raw(one_per_cycle)
    manager.add_raw_backwards(undo)
    return manager
