"""One open card per milestone, held by the database (a closed card keeps its history and a
new one may follow)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from evaluation.scorecard.tables import Card

ID = "2026-11-29T14:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "scorecard: one open card per milestone"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="scorecard", description=DESCRIPTION)

    async def create_index() -> None:
        await Card.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS scorecard_card_open"
            " ON scorecard_card (milestone) WHERE state <> 'closed'"
        )

    async def drop_index() -> None:
        await Card.raw("DROP INDEX IF EXISTS scorecard_card_open")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
