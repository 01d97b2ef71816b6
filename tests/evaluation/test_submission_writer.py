"""The group-commit writer: one transaction per batch, a refused job sinks only itself, and a
caller hears back only after its batch is committed."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from evaluation.infra.group_commit import GroupCommitWriter


@pytest.fixture
def writer(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "w.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
    w = GroupCommitWriter(str(path)).start()
    yield w
    w.stop()


def insert(value: str):  # type: ignore[no-untyped-def]
    def job(conn: sqlite3.Connection) -> int:
        return int(
            conn.execute("INSERT INTO t (v) VALUES (?) RETURNING id", (value,)).fetchone()[0]
        )

    return job


def stored(path: str) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT v FROM t ORDER BY v")]


async def test_concurrent_jobs_share_batches_and_all_commit(writer: GroupCommitWriter) -> None:
    results = await asyncio.gather(*[writer.run(insert(f"v{i:03d}")) for i in range(200)])
    assert sorted(results) == list(range(1, 201))
    assert stored(writer.path) == [f"v{i:03d}" for i in range(200)]
    assert writer.batches < 200  # grouped: fewer commits than jobs


async def test_a_refused_job_fails_alone(writer: GroupCommitWriter) -> None:
    outcomes = await asyncio.gather(
        writer.run(insert("a")),
        writer.run(insert("a")),
        writer.run(insert("b")),
        return_exceptions=True,
    )
    assert isinstance(outcomes[1], sqlite3.IntegrityError)
    assert not isinstance(outcomes[0], Exception)
    assert not isinstance(outcomes[2], Exception)
    assert stored(writer.path) == ["a", "b"]


async def test_the_caller_hears_back_after_the_commit(writer: GroupCommitWriter) -> None:
    """When run() returns, another connection already sees the row: it is committed."""
    for i in range(20):
        await writer.run(insert(f"x{i}"))
        assert f"x{i}" in stored(writer.path)


async def test_a_job_raising_a_domain_error_rolls_back_its_own_writes(
    writer: GroupCommitWriter,
) -> None:
    def half_done(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t (v) VALUES ('partial')")
        raise ValueError("refused after writing")

    with pytest.raises(ValueError, match="refused"):
        await writer.run(half_done)
    await writer.run(insert("after"))
    assert stored(writer.path) == ["after"]
