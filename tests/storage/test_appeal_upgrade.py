"""Upgrading a database that holds appeals of both old kinds keeps every one: the 360's
(`appeal`) and the towns' (`scorecard_appeal`) land in `appeal_case` with their decisions,
and the old tables are gone (SQLite, as a county's embedded database upgrades)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

BEFORE = {  # the last migration of each app before one appeal concept
    "evaluation": "2026-12-07T04:31:26:247157",
    "scorecard": "2026-12-06T22:39:19:932024",
}


def run(db: Path, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    done = subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_appeals_of_both_kinds_survive_the_upgrade(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    piccolo = ["-m", "piccolo.main", "migrations", "forwards"]
    run(db, *piccolo, "accounts", "all")
    run(db, *piccolo, "evaluation", BEFORE["evaluation"])
    run(db, *piccolo, "scorecard", BEFORE["scorecard"])
    run(db, *piccolo, "training", "all")
    with sqlite3.connect(db) as conn:  # foreign keys are off on a plain connection
        conn.execute(
            "INSERT INTO appeal (cycle, cadre, account, competency, reason, state, correction,"
            " decision_reason, decided_by, lodged_on, decided_on, lodged_at, decided_at)"
            " VALUES (3, 41, 'zhang', 'integrity', '该项不适用于我的岗位，请复核', 'upheld',"
            " 'exclude', '经核实属实', 'office', '2026-03-02', '2026-03-05',"
            " '2026-03-02 09:00:00', '2026-03-05 10:00:00'),"
            " (3, 42, 'li', '', '综合结果偏低，请复核评价过程', 'pending', '', '', '',"
            " '2026-03-03', NULL, '2026-03-03 09:00:00', NULL)"
        )
        conn.execute(
            "INSERT INTO scorecard_appeal (plan, town, indicator, reason, lodged_by, lodged_on,"
            " state, corrected, decision_reason, decided_by, decided_on)"
            " VALUES (7, 5, 'fixed_investment', '第四季度数据录入有误，附统计局证明', 'T005-tb',"
            " '2027-01-22', 'upheld', 12345.5, '核实后更正', 'office', '2027-01-25')"
        )
    run(db, "-c", "from app.cli import main; main()", "migrate")
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT kind, period, subject, item, state, correction, lodged_by, decided_on"
            " FROM appeal_case ORDER BY id"
        ).fetchall()
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert rows == [
        ("cadre_result", 3, 41, "integrity", "upheld", "exclude", "zhang", "2026-03-05"),
        ("cadre_result", 3, 42, "", "pending", "", "li", None),
        ("town_year", 7, 5, "fixed_investment", "upheld", "12345.5", "T005-tb", "2027-01-25"),
    ]
    assert "appeal" not in tables and "scorecard_appeal" not in tables
