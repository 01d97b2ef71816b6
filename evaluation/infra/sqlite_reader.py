"""Persistent read connections for SQLite's hot paths.

Piccolo opens a new aiosqlite connection (and thread) per query: fine for pages, too slow
for the resident submission path at thousands per second. The reader keeps two long-lived
read connections on worker threads (WAL lets them read while the writer commits)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

_local = threading.local()


class SqliteReader:
    def __init__(self, path: str, threads: int = 2) -> None:
        self.path = path
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sqlite-read")

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(_local, "conn", None)
        if conn is None or getattr(_local, "path", None) != self.path:
            conn = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
            conn.execute("PRAGMA query_only=ON")
            _local.conn, _local.path = conn, self.path
        return conn

    def _fetch(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return self._connection().execute(sql, params).fetchall()

    async def fetch(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return await asyncio.get_running_loop().run_in_executor(
            self._pool, self._fetch, sql, params
        )

    def stop(self) -> None:
        self._pool.shutdown(wait=False)


_reader: SqliteReader | None = None


def use_reader(path: str | None) -> SqliteReader | None:
    global _reader
    if _reader is not None and _reader.path == path:
        return _reader
    if _reader is not None:
        _reader.stop()
    _reader = SqliteReader(path) if path else None
    return _reader


def active_reader() -> SqliteReader | None:
    return _reader
