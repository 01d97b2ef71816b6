"""The imports of other systems' data in their table: which quarters of a source are live,
an import's record, the history kept when a later import of the quarter replaces it, and the
turn an import of a source takes on PostgreSQL."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from evaluation import clock
from evaluation.scorecard.standings import store as standings
from evaluation.scorecard.tables import IndicatorValue, SourceImport


async def imported_quarters(plan_id: int, source: str) -> set[int]:
    rows = await SourceImport.select(SourceImport.quarter).where(
        SourceImport.plan == plan_id,
        SourceImport.source == source,
        SourceImport.replaced_at.is_null(),
    )
    return {int(r["quarter"]) for r in rows}


async def lock_source(plan_id: int, source: str) -> None:
    """Inside a transaction on PostgreSQL: wait for any other import of this plan's source
    to finish (a transaction-scoped advisory lock); SQLite's single writer needs none."""
    if SourceImport._meta.db.engine_type == "postgres":
        key = int.from_bytes(hashlib.blake2b(source.encode(), digest_size=4).digest(), "big")
        await SourceImport.raw(
            "SELECT pg_advisory_xact_lock(CAST({} AS integer), CAST({} AS integer))",
            plan_id,
            key - 2**31,
        )


@standings.invalidates
async def replace_imported(plan_id: int, source: str, quarters: list[int], by: str) -> int:
    """Retire the live imports of `source` for these quarters (call inside the transaction
    that inserts their replacement): each keeps the values it had brought, with their review
    status, as its history; the values themselves leave the scorecard. Returns how many
    values were retired."""
    retired = 0
    now = clock.now()
    for quarter in quarters:
        rows = (
            await IndicatorValue.select(
                IndicatorValue.town.as_alias("town_id"),
                IndicatorValue.indicator,
                IndicatorValue.value,
                IndicatorValue.status,
                IndicatorValue.corrected,
            )
            .where(
                IndicatorValue.plan == plan_id,
                IndicatorValue.source == source,
                IndicatorValue.quarter == quarter,
            )
            .order_by(IndicatorValue.town)
            .order_by(IndicatorValue.indicator)
        )
        await SourceImport.update(
            {
                SourceImport.replaced_at: now,
                SourceImport.replaced_by: by[:64],
                SourceImport.replaced_values: msgspec.json.encode(rows).decode(),
            }
        ).where(
            SourceImport.plan == plan_id,
            SourceImport.source == source,
            SourceImport.quarter == quarter,
            SourceImport.replaced_at.is_null(),
        )
        await IndicatorValue.delete().where(
            IndicatorValue.plan == plan_id,
            IndicatorValue.source == source,
            IndicatorValue.quarter == quarter,
        )
        retired += len(rows)
    return retired


async def insert_import(
    plan_id: int, source: str, quarter: int, filename: str, records: int, by: str
) -> None:
    await SourceImport(
        plan=plan_id,
        source=source,
        quarter=quarter,
        filename=filename[:128],
        records=records,
        imported_by=by,
    ).save()


async def imports(plan_id: int) -> list[dict[str, Any]]:
    return (
        await SourceImport.select(
            SourceImport.source,
            SourceImport.quarter,
            SourceImport.filename,
            SourceImport.records,
            SourceImport.imported_by,
            SourceImport.imported_at,
            SourceImport.replaced_at,
            SourceImport.replaced_by,
            SourceImport.replaced_values,
        )
        .where(SourceImport.plan == plan_id)
        .order_by(SourceImport.id, ascending=False)
    )
