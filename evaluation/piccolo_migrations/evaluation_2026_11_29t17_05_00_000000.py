"""One pending appeal per cadre and cycle, held by the database (a decided appeal keeps its
record and another may follow while 公示 lasts)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from evaluation.tables import Cycle  # any table of this app runs the raw statements

ID = "2026-11-29T17:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "appeal: one pending appeal per cadre and cycle"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="evaluation", description=DESCRIPTION)

    async def create_index() -> None:
        await Cycle.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS appeal_pending_once"
            " ON appeal (cycle, cadre) WHERE state = 'pending'"
        )

    async def drop_index() -> None:
        await Cycle.raw("DROP INDEX IF EXISTS appeal_pending_once")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
