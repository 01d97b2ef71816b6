"""A transaction that reads and then writes is not refused because another request wrote
in between (SQLite).

In WAL mode a DEFERRED transaction starts as a reader; when it then writes after another
connection has committed, SQLite refuses the upgrade at once (SQLITE_BUSY_SNAPSHOT, "database
is locked") — the busy timeout does not help. The live server met this on the CI machine: the
office's "publish plan" (read the draft, then mark it published) ran while the standings
recomputation of the previous request committed, and the office got an error page. Every
transaction of ours therefore begins IMMEDIATE: it takes the write lock first, and a
concurrent writer waits its turn instead."""

from __future__ import annotations

import asyncio
import sqlite3

from evaluation.organisation.importing import import_frame
from evaluation.tables import Town
from tests.factories import roster_frame


async def test_a_read_then_write_transaction_survives_a_concurrent_commit(
    sqlite_url: str,
) -> None:
    await import_frame(roster_frame(2, 15), county_name="测试县")
    path = sqlite_url.removeprefix("sqlite:///")

    def another_request_writes() -> None:
        with sqlite3.connect(path, timeout=10) as conn:
            conn.execute(
                "UPDATE town SET name = name || '（新）' WHERE id = (SELECT max(id) FROM town)"
            )

    engine = Town._meta.db
    async with engine.transaction():
        before = await Town.select(Town.id, Town.name).order_by(Town.id)
        other = asyncio.create_task(asyncio.to_thread(another_request_writes))
        await asyncio.sleep(0.3)  # the other writer commits here, unless it must wait
        await Town.update({Town.name: Town.name + "镇"}).where(Town.id == before[0]["id"])
    await other
    after = await Town.select(Town.id, Town.name).order_by(Town.id)
    assert after[0]["name"] == before[0]["name"] + "镇"  # ours, not refused
    assert after[-1]["name"] == before[-1]["name"] + "（新）"  # theirs: waited, not lost
