"""The `cadre360` command line, run as a user runs it: a real process on a real database file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import polars as pl

from app.demo.loader import DEMO_USERS
from tests.factories import roster_frame, to_csv, to_xlsx


def cadre360(db: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        input=input,
    )


def test_migrate_demo_and_its_logins(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite"
    assert cadre360(db, "migrate").returncode == 0
    result = cadre360(db, "demo", "--towns", "3", "--cadres-per-town", "20", "--seed", "3")
    assert result.returncode == 0, result.stderr
    for username in ("admin", "office", "training", "leader", "cadre", "visitor"):
        assert f"  {username} " in result.stdout
    assert "lechuan-2026" in result.stdout
    assert re.search(r"━+ (\d+)/\1", result.stderr)  # a progress bar that reached its end
    again = cadre360(db, "demo", "--if-empty")
    assert again.returncode == 0
    assert "already loaded" in again.stdout
    import sqlite3

    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from cadre").fetchone() == (60,)
        assert conn.execute("select count(*) from town").fetchone() == (3,)
        assert conn.execute("select count(*) from account_user").fetchone() == (len(DEMO_USERS),)
        assert conn.execute("pragma journal_mode").fetchone() == ("wal",)
        # two past cycles published with frozen results, the current one open and partly answered
        cycles = conn.execute("select id, state from cycle order by year").fetchall()
        assert [state for _, state in cycles] == ["published", "published", "open"]
        for cycle_id, _ in cycles[:2]:
            assert conn.execute(
                "select count(*) from profile_snapshot where cycle = ? and frozen", (cycle_id,)
            ).fetchone() == (1,)
        current = cycles[2][0]
        answered, still_open = conn.execute(
            "select sum(status = 'submitted'), sum(status = 'open') from assignment"
            " where cycle = ?",
            (current,),
        ).fetchone()
        assert answered > 0 and still_open > answered  # partly answered
        demo_raters_open = conn.execute(
            "select count(*) from assignment join account_user u on u.cadre = assignment.rater"
            " where assignment.cycle = ? and assignment.status = 'open'",
            (current,),
        ).fetchone()[0]
        assert demo_raters_open > 0  # the demo's own leader and cadre have forms to fill in
    refused = cadre360(db, "aggregate", "--cycle", str(current))
    assert refused.returncode == 1 and "评价进行中" in refused.stderr  # no scores while open
    published = cycles[1][0]
    frozen = cadre360(db, "aggregate", "--cycle", str(published), "--freeze")
    assert frozen.returncode == 1 and "已有冻结的结果" in frozen.stderr
    with sqlite3.connect(db) as conn:  # an upgrade that dropped the old model's snapshots
        conn.execute("delete from profile_snapshot where cycle = ?", (published,))
    again = cadre360(db, "aggregate", "--cycle", str(published), "--freeze")
    assert again.returncode == 0, again.stderr
    assert f"for cycle {published} (frozen)" in again.stdout
    missing = cadre360(db, "aggregate", "--cycle", "999")
    assert missing.returncode == 1
    assert "考核周期不存在" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_import_roster_valid_bad_and_again(tmp_path: Path) -> None:
    db = tmp_path / "import.sqlite"
    assert cadre360(db, "migrate").returncode == 0
    good = tmp_path / "good.xlsx"
    good.write_bytes(to_xlsx(roster_frame(2, 15)))
    first = cadre360(db, "import-roster", str(good), "--county", "测试县")
    assert first.returncode == 0, first.stderr
    assert "新增干部：30" in first.stdout

    again = cadre360(db, "import-roster", str(good))
    assert again.returncode == 0
    assert "与已有数据一致，无需更改" in again.stdout

    bad_frame = roster_frame(2, 15).with_columns(
        pl.when(pl.col("cadre_id") == "T002-003")
        .then(pl.lit("X9"))
        .otherwise(pl.col("town_type"))
        .alias("town_type")
    )
    bad = tmp_path / "bad.csv"
    bad.write_bytes(to_csv(bad_frame))
    refused = cadre360(db, "import-roster", str(bad))
    assert refused.returncode == 1
    assert "第 19 行“乡镇类型”" in refused.stderr  # index 17 + header row + 1-based
    assert "未导入任何数据" in refused.stderr


def test_create_user_and_reset_password(tmp_path: Path) -> None:
    db = tmp_path / "users.sqlite"
    assert cadre360(db, "migrate").returncode == 0
    created = cadre360(
        db, "create-user", "zhang", "--role", "admin", "--password", "first-pass-123"
    )
    assert created.returncode == 0, created.stderr
    weak = cadre360(db, "create-user", "li", "--role", "admin", "--password", "123")
    assert weak.returncode == 1
    assert "密码至少需要 10 个字符" in weak.stderr
    reset = cadre360(db, "reset-password", "zhang")
    assert reset.returncode == 0
    assert reset.stdout.startswith("one-time password for zhang: ")


def table_digest(db: Path) -> dict[str, tuple[int, int]]:
    """Per table: row count and a hash of every row, to compare two databases."""
    import hashlib
    import sqlite3

    digest = {}
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type='table'")]
        for table in tables:
            rows = conn.execute(f'select * from "{table}" order by 1').fetchall()
            digest[table] = (
                len(rows),
                int(hashlib.sha256(repr(rows).encode()).hexdigest()[:12], 16),
            )
    return digest


def test_backup_and_restore_round_trip(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "live.sqlite"
    assert cadre360(db, "migrate").returncode == 0
    assert (
        cadre360(db, "demo", "--towns", "3", "--cadres-per-town", "20", "--seed", "5").returncode
        == 0
    )
    before = table_digest(db)
    saved = tmp_path / "backups" / "cadre360-2026-11-26.sqlite"
    made = cadre360(db, "backup", str(saved))
    assert made.returncode == 0, made.stderr
    with sqlite3.connect(db) as conn:  # damage: what a bad import or a mistake would do
        conn.execute("delete from response_item")
        conn.execute("update cadre set name = 'x'")
    assert table_digest(db) != before
    refused = cadre360(db, "restore", str(saved), input="n\n")
    assert refused.returncode != 0 and table_digest(db) != before  # asked, and told no
    restored = cadre360(db, "restore", str(saved), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert table_digest(db) == before
    missing = cadre360(db, "restore", str(tmp_path / "nope.sqlite"), "--yes")
    assert missing.returncode == 1 and "backup file not found" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_command_line_changes_are_audited(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "audit.sqlite"
    assert cadre360(db, "migrate").returncode == 0
    roster = tmp_path / "roster.csv"
    roster.write_bytes(to_csv(roster_frame(1, 15)))
    assert cadre360(db, "import-roster", str(roster), "--county", "测试县").returncode == 0
    made = cadre360(
        db,
        "create-user",
        "auditor1",
        "--role",
        "assessment_office",
        input="Audit-pass-2027\nAudit-pass-2027\n",
    )
    assert made.returncode == 0, made.stderr
    assert cadre360(db, "reset-password", "auditor1").returncode == 0
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select username, method, path from audit_entry order by id").fetchall()
    assert [row[2].split()[0] for row in rows] == ["import-roster", "create-user", "reset-password"]
    assert all(row[0].startswith("cli:") and row[1] == "CLI" for row in rows)
    assert not any("Audit-pass" in row[2] for row in rows)
