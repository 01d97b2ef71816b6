from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T21:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "a milestone reported done waits for the office's acceptance"


def _params(default: str, **extra: object) -> dict[str, object]:
    return {
        "default": default,
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **extra,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="scorecard", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Milestone",
        tablename="scorecard_milestone",
        column_name="done_state",
        db_column_name="done_state",
        column_class_name="Varchar",
        column_class=Varchar,
        params=_params("", length=16),
        schema=None,
    )
    manager.add_column(
        table_class_name="Milestone",
        tablename="scorecard_milestone",
        column_name="done_note",
        db_column_name="done_note",
        column_class_name="Text",
        column_class=Text,
        params=_params(""),
        schema=None,
    )
    return manager
