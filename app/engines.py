"""A DATABASE_URL turned into a piccolo engine (SQLite file prepared for WAL, or PostgreSQL).
Knows nothing of the tables: `piccolo_conf` and `app.database` both build on it."""

from __future__ import annotations

import sqlite3
from typing import Any
from urllib.parse import urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import Atomic, SQLiteEngine, SQLiteTransaction, TransactionType

from app.config import sqlite_path_from_url, validate_database_url
from evaluation.infra.sqlite_reader import active_reader

SQLITE_BUSY_TIMEOUT_S = 10.0


class ReadPooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, with SELECTs outside a transaction answered by the process's
    persistent read connections (`evaluation.infra.sqlite_reader`) instead of a new
    connection each. Writes are piccolo's own; transactions begin IMMEDIATE.

    A DEFERRED transaction (piccolo's default) starts as a reader, and in WAL mode SQLite
    refuses its first write at once — "database is locked", no busy wait — when another
    connection committed after its first read. Ours read, then write (publish a plan: read
    the draft, mark it published), and the background standings recomputation commits at
    any moment, so each takes the write lock first and concurrent writers queue on the busy
    timeout (tests/storage/test_sqlite_transactions.py)."""

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.immediate,
        allow_nested: bool = True,
    ) -> SQLiteTransaction:
        return super().transaction(transaction_type, allow_nested)

    def atomic(self, transaction_type: TransactionType = TransactionType.immediate) -> Atomic:
        return super().atomic(transaction_type)

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        reader = active_reader()
        if reader is not None and reader.path == self.path and _is_select(query):
            return await reader.fetch_dicts(
                query, args or [], self.connection_kwargs["detect_types"]
            )
        return await super()._run_in_new_connection(query, args, query_type, table)


def _is_select(query: str) -> bool:
    return query.lstrip()[:6].upper() == "SELECT"


def engine_from_url(url: str) -> Engine:
    url = validate_database_url(url)
    if url.startswith("sqlite"):
        path = sqlite_path_from_url(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        prepare_sqlite_file(str(path))
        return ReadPooledSQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_S)
    parts = urlsplit(url)
    return PostgresEngine(
        config={
            "host": parts.hostname,
            "port": parts.port or 5432,
            "user": parts.username,
            "password": parts.password,
            "database": parts.path.lstrip("/"),
        }
    )


def prepare_sqlite_file(path: str) -> None:
    """WAL is a property of the file; set it once. `synchronous=FULL` keeps commits durable."""
    with sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
