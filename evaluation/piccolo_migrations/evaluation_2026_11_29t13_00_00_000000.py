"""Every "one per" rule held by the database, and idempotency keys bound to what they
acknowledge.

- `response.key_scope`: the assignment, QR link, code and ratee, … a client key was first
  used for; the same key sent anywhere else is refused instead of answered with that
  response.
- `response_assignment_once`: one response per assignment.
- `response_code_once`: one ballot per meeting-room code (考核码) and ratee — ten ballots
  sent at once from one code session store one.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

from evaluation.tables import Response

ID = "2026-11-29T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "response: key scope; one per assignment, one per code and ratee"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="evaluation", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Response",
        tablename="response",
        column_name="key_scope",
        db_column_name="key_scope",
        column_class_name="Varchar",
        column_class=Varchar,
        params={"length": 64, "default": "", "null": False, "primary_key": False, "unique": False, "index": False},
        schema=None,
    )

    async def create_indexes() -> None:
        await Response.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS response_assignment_once"
            " ON response (assignment) WHERE assignment IS NOT NULL"
        )
        await Response.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS response_code_once"
            " ON response (code, ratee) WHERE code IS NOT NULL"
        )

    async def drop_indexes() -> None:
        await Response.raw("DROP INDEX IF EXISTS response_code_once")
        await Response.raw("DROP INDEX IF EXISTS response_assignment_once")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
