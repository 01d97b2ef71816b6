"""A town belongs to at most one 组团 a year, held by the database."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from evaluation.scorecard.tables import GroupMember

ID = "2026-11-29T17:25:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "scorecard: one group per town and year"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="scorecard", description=DESCRIPTION)

    async def create_index() -> None:
        await GroupMember.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS scorecard_group_member_once"
            " ON scorecard_group_member (plan, town)"
        )

    async def drop_index() -> None:
        await GroupMember.raw("DROP INDEX IF EXISTS scorecard_group_member_once")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
