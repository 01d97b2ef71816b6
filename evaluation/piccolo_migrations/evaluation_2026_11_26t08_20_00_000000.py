"""A composite index for the resident burst check (same address, same cycle, last minutes):
with only single-column indexes the planner walks the whole cycle's responses for each
submission, which caps the group-commit writer once a cycle holds thousands of responses."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from evaluation.tables import Response

ID = "2026-11-26T08:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "response (source_hash, cycle, submitted_at) index"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="evaluation", description=DESCRIPTION)

    async def create_index() -> None:
        await Response.raw(
            "CREATE INDEX IF NOT EXISTS response_source_recent"
            " ON response (source_hash, cycle, submitted_at)"
        )

    async def drop_index() -> None:
        await Response.raw("DROP INDEX IF EXISTS response_source_recent")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
