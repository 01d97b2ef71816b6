"""Persistent read connections for SQLite.

Piccolo opens a new aiosqlite connection (and thread) per query: ~4 ms each on these
machines, and a cadre's feedback page makes 38 queries. The reader keeps two long-lived
read-only connections on worker threads (WAL lets them read while the writer commits); the
resident hot path asks it directly, and every piccolo SELECT outside a transaction comes
here through `ReadPooledSQLiteEngine` (app/engines.py). Each statement runs in autocommit,
so it sees everything committed before it started — a page read after a write sees it."""

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

    def _piccolo_connection(self, detect_types: int) -> sqlite3.Connection:
        """A second connection per thread, typed as piccolo's are (its registered
        converters, rows as dicts)."""
        conn = getattr(_local, "typed", None)
        if conn is None or getattr(_local, "typed_path", None) != self.path:
            conn = sqlite3.connect(
                self.path,
                timeout=10,
                check_same_thread=False,
                detect_types=detect_types,
                isolation_level=None,
            )
            conn.execute("PRAGMA query_only=ON")
            conn.row_factory = _dict_row
            _local.typed, _local.typed_path = conn, self.path
        return conn

    def _fetch_dicts(self, sql: str, params: list[Any], detect_types: int) -> list[dict[str, Any]]:
        return self._piccolo_connection(detect_types).execute(sql, params).fetchall()

    async def fetch_dicts(
        self, sql: str, params: list[Any], detect_types: int
    ) -> list[dict[str, Any]]:
        return await asyncio.get_running_loop().run_in_executor(
            self._pool, self._fetch_dicts, sql, params, detect_types
        )

    async def fetch(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return await asyncio.get_running_loop().run_in_executor(
            self._pool, self._fetch, sql, params
        )

    def stop(self) -> None:
        self._pool.shutdown(wait=False)


def _dict_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    return {column[0]: row[index] for index, column in enumerate(cursor.description)}


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
