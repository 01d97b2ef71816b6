"""Small storage helpers shared by the repositories."""

from __future__ import annotations

from collections.abc import Sequence

from piccolo.table import Table

INSERT_CHUNK = 500  # keeps bound parameters under SQLite's and asyncpg's limits


async def insert_chunked(table: type[Table], rows: Sequence[Table]) -> None:
    for start in range(0, len(rows), INSERT_CHUNK):
        await table.insert(*rows[start : start + INSERT_CHUNK])
