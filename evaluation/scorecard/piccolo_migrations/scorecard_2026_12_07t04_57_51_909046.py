from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow

ID = "2026-12-07T04:57:51:909046"
VERSION = "1.38.0"
DESCRIPTION = "the towns' appeals live in appeal_case now: the old table goes"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="scorecard", description=DESCRIPTION
    )

    manager.drop_table(
        class_name="TownAppeal", tablename="scorecard_appeal", schema=None
    )


    return manager
