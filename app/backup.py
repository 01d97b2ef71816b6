"""Backup and restore of the whole database.

* SQLite: the online backup API copies a consistent snapshot page by page while the app may
  keep serving; restore copies a backup file back over the live database the same way (stop
  the server first: its caches would otherwise outlive the data they describe).
* PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --if-exists`, from Debian's
  postgresql-client (the version must match the server's major version)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from app.config import Settings


class BackupError(Exception):
    pass


def backup(settings: Settings, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if settings.is_sqlite:
        _sqlite_copy(settings.sqlite_path, target)
        return
    _run(["pg_dump", "--format=custom", f"--file={target}", "--no-owner", settings.database_url])


def restore(settings: Settings, source: Path) -> None:
    if not source.exists():
        raise BackupError(f"backup file not found: {source}")
    if settings.is_sqlite:
        with sqlite3.connect(source) as check:
            if check.execute("pragma integrity_check").fetchone() != ("ok",):
                raise BackupError(f"{source} is not a sound SQLite database")
        _sqlite_copy(source, settings.sqlite_path)
        return
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={settings.database_url}",
            str(source),
        ]
    )


def _sqlite_copy(source: Path, target: Path) -> None:
    if not Path(source).exists():
        raise BackupError(f"database file not found: {source}")
    with sqlite3.connect(source) as origin, sqlite3.connect(target) as copy:
        origin.backup(copy)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} not found: install postgresql-client")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(
            done.stderr.strip().splitlines()[-1] if done.stderr.strip() else command[0]
        )
