"""Uniqueness and lookups for the resident write path, as indexes the database enforces.

- `response_device_once`: one response per device per cadre per cycle (residents' signed
  cookie, mystery visitors' key), as a partial UNIQUE index. The insert itself now refuses
  a second one (`ON CONFLICT DO NOTHING`), which also closes the race two concurrent
  PostgreSQL transactions had between "check" and "insert".
- `response_same_answers`: the "identical answers from one address" check finds its rows
  directly instead of walking every response of the ratee.
- The single-column indexes on `device` and `source_hash` go: nothing looks a response up by
  either alone, they are prefixes of the indexes above and of `response_source_recent`, and
  every resident submission paid to update them.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

from evaluation.tables import Response

ID = "2026-11-26T09:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "response: unique device per cadre and cycle; identical-answers index"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="evaluation", description=DESCRIPTION)

    async def create_indexes() -> None:
        await Response.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS response_device_once"
            " ON response (ratee, cycle, device) WHERE device <> ''"
        )
        await Response.raw(
            "CREATE INDEX IF NOT EXISTS response_same_answers"
            " ON response (ratee, cycle, source_hash, fingerprint) WHERE source_hash <> ''"
        )

    async def drop_indexes() -> None:
        await Response.raw("DROP INDEX IF EXISTS response_same_answers")
        await Response.raw("DROP INDEX IF EXISTS response_device_once")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    for column in ("device", "source_hash"):
        manager.alter_column(
            table_class_name="Response",
            tablename="response",
            column_name=column,
            db_column_name=column,
            params={"index": False},
            old_params={"index": True},
            column_class=Varchar,
            old_column_class=Varchar,
            schema=None,
        )
    return manager
