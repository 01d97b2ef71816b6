"""Backup and restore round trip on both engines (SQLite online backup; pg_dump/pg_restore)."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from app import backup as backups
from app.config import load_settings
from app.database import all_tables
from app.demo.loader import load_demo
from evaluation.tables import Cadre, ResponseItem


async def digest() -> dict[str, str]:
    """Every table's rows, hashed: two databases with equal digests hold the same data."""
    result = {}
    for table in all_tables():
        rows = await table.select().order_by(table._meta.primary_key)
        result[table._meta.tablename] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return result


async def test_backup_then_restore_gives_back_the_same_data(db: str, tmp_path: Path) -> None:
    if db.startswith("postgres") and shutil.which("pg_dump") is None:
        pytest.fail("pg_dump missing: .ci/postgres.sh installs postgresql (with its client)")
    settings = load_settings({**os.environ, "DATABASE_URL": db})
    assert await load_demo(towns=3, cadres_per_town=20, seed=4, if_empty=False)
    before = await digest()
    saved = tmp_path / "cadre360.backup"
    backups.backup(settings, saved)
    assert saved.stat().st_size > 0
    await ResponseItem.delete(force=True)
    await Cadre.update({Cadre.name: "x"}, force=True)
    assert await digest() != before
    backups.restore(settings, saved)
    assert await digest() == before
    with pytest.raises(backups.BackupError, match="not found"):
        backups.restore(settings, tmp_path / "missing.backup")
