"""The two look-ups every store repeats: one row by id (or a clear 404 in Chinese), and
inserting one row for its id."""

from __future__ import annotations

from typing import Any

from piccolo.columns import Column
from piccolo.table import Table

from evaluation.errors import NotFound


async def one(
    table: type[Table], row_id: int, columns: list[Column], missing: str
) -> dict[str, Any]:
    """`columns` of the row `row_id` of `table`; NotFound(`missing`) when there is none."""
    row = await table.select(*columns).where(table._meta.primary_key == row_id).first()
    if row is None:
        raise NotFound(missing)
    return row


async def insert_one(table: type[Table], **values: Any) -> int:
    """Insert one row; its id."""
    row = table(**values)
    await row.save()
    return int(row.id)  # type: ignore[attr-defined]
