"""One place that turns a DATABASE_URL into a piccolo engine and binds every table to it.

Piccolo resolves a table's engine lazily through `piccolo_conf.DB`; the migration runner
does the same. `use_engine` points both at one engine, so the app, the CLI, the migration
runner and the tests can never read one database file and write another.
"""

from __future__ import annotations

from piccolo.conf.apps import Finder
from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table

from app.engines import engine_from_url
from evaluation.infra.group_commit import use_writer
from evaluation.infra.invalidation import cycle_changed
from evaluation.infra.sqlite_reader import use_reader

__all__ = ["all_tables", "check_database", "engine_from_url", "run_migrations", "use_engine"]


def use_engine(engine: Engine) -> Engine:
    from piccolo.apps.migrations.tables import Migration

    import piccolo_conf

    piccolo_conf.DB = engine
    # Piccolo's own bookkeeping table is in no app of ours; it must follow too, or the
    # migration runner would read which migrations ran from the previous database.
    tables: list[type[Table]] = [*all_tables(), Migration]
    for table in tables:
        table._meta._db = engine
    # Submissions on SQLite go through one group-commit writer per process and file.
    use_writer(engine.path if isinstance(engine, SQLiteEngine) else None)
    use_reader(engine.path if isinstance(engine, SQLiteEngine) else None)
    cycle_changed()  # caches keyed by ids of the previous database mean nothing here
    return engine


def all_tables() -> list[type[Table]]:
    tables: list[type[Table]] = []
    for app_config in Finder().get_app_registry().app_configs.values():
        tables.extend(app_config.table_classes)
    return tables


async def run_migrations() -> None:
    """Apply every pending migration of every app, in dependency order."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    response = await run_forwards(app_name="all", migration_id="all", fake=False)
    if not response.success:
        raise RuntimeError(f"migrations failed: {response.message}")


async def check_database() -> str:
    """Round-trip to the database; returns the engine type for /healthz."""
    import piccolo_conf

    engine: Engine = piccolo_conf.DB
    await engine.run_ddl("SELECT 1")
    return str(engine.engine_type)
