"""A DATABASE_URL turned into a piccolo engine (SQLite file prepared for WAL, or PostgreSQL).
Knows nothing of the tables: `piccolo_conf` and `app.database` both build on it."""

from __future__ import annotations

import sqlite3
from urllib.parse import urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from app.config import sqlite_path_from_url, validate_database_url

SQLITE_BUSY_TIMEOUT_S = 10.0


def engine_from_url(url: str) -> Engine:
    url = validate_database_url(url)
    if url.startswith("sqlite"):
        path = sqlite_path_from_url(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        prepare_sqlite_file(str(path))
        return SQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_S)
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
