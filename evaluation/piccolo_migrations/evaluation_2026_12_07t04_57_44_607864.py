from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow

ID = "2026-12-07T04:57:44:607864"
VERSION = "1.38.0"
DESCRIPTION = "the 360 appeals live in appeal_case now: the old table goes"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="evaluation", description=DESCRIPTION
    )

    manager.drop_table(class_name="Appeal", tablename="appeal", schema=None)


    return manager
