"""Small storage helpers shared by the repositories."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from piccolo.table import Table

INSERT_CHUNK = 500  # keeps bound parameters under SQLite's and asyncpg's limits


async def insert_chunked(table: type[Table], rows: Sequence[Table]) -> None:
    for start in range(0, len(rows), INSERT_CHUNK):
        await table.insert(*rows[start : start + INSERT_CHUNK])


async def insert_values(
    table: type[Table], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Bulk insert of plain value tuples straight through the driver: `executemany` on
    SQLite, `COPY` on PostgreSQL. Building a piccolo Table object per row costs ~100 µs and
    its value conversion as much again; this is for tens of thousands of rows (snapshots,
    the demo's simulated cycles). Runs inside the caller's transaction, or its own."""
    engine: Any = table._meta.db
    transaction = engine.current_transaction.get()
    if transaction is None:
        async with engine.transaction():
            await insert_values(table, columns, rows)
        return
    name = table._meta.tablename
    if engine.engine_type == "sqlite":
        names = ", ".join(f'"{column}"' for column in columns)
        marks = ", ".join("?" * len(columns))
        await transaction.connection.executemany(
            f'INSERT INTO "{name}" ({names}) VALUES ({marks})', rows
        )
    else:
        await transaction.connection.copy_records_to_table(
            name, records=rows, columns=list(columns)
        )
