"""Storing one submission: every check and write of its transaction, written once.

`submission_steps` is a generator of SQL steps (`?` placeholders) that receives each step's
rows. Two drivers run it: `run_sync` on the group-commit writer's sqlite3 connection, and
`run_async` through piccolo raw queries inside a transaction (PostgreSQL, or SQLite when no
writer runs). The same checks therefore hold on both engines, and both are tested.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from evaluation.errors import Conflict, Invalid

BURST_WINDOW = timedelta(minutes=10)
BURST_THRESHOLD = 8  # responses from one address within the window
IDENTICAL_THRESHOLD = 3  # identical answer sets from one address for one cadre
ALREADY_RATED = {  # one response per device (residents) or per visitor (mystery) and cycle
    "qr": "您已经评价过这位干部，感谢参与！每台设备每个周期只能评价一次。",
    "mystery": "您已提交过对这位干部的暗访评价：每位暗访员每个周期对同一干部只评价一次。",
}


@dataclass(frozen=True)
class Step:
    sql: str
    params: tuple[Any, ...] = ()
    many: list[tuple[Any, ...]] = field(default_factory=list)  # executemany rows, when set


@dataclass(frozen=True)
class Submission:
    cycle_id: int
    ratee_id: int
    group: str
    channel: str
    levels: dict[str, int | None]
    notes: dict[str, str]
    comment: str = ""
    rater_id: int | None = None
    assignment_id: int | None = None
    code_id: int | None = None
    batch_label: str = ""
    client_key: str | None = None
    verified: bool = False
    device: str = ""
    source_hash: str = ""
    link_id: int | None = None
    verification_hash: str | None = None
    fingerprint: str = ""


Steps = Generator[Step, list[tuple[Any, ...]], int]


def submission_steps(s: Submission) -> Steps:
    """Few statements, because on SQLite they run inside the one write turn all server
    processes share: one look-up for replay, cycle and link; the insert, which the
    database refuses for a device that already rated this cadre (`response_device_once`);
    the items; one count for both review flags."""
    rows = yield Step(
        "SELECT (SELECT id FROM response WHERE client_key = ?),"
        " (SELECT state FROM cycle WHERE id = ?),"
        " (SELECT count(*) FROM resident_link WHERE id = ? AND revoked_at IS NULL)",
        (s.client_key, s.cycle_id, s.link_id),
    )
    replayed, state, live_links = rows[0]
    if replayed is not None:
        return int(replayed)  # a retry or replay: the response it first created
    if state != "open":
        raise Conflict("本周期不在评价期内，不接受评价")
    if s.link_id is not None and not live_links:
        raise Conflict("此二维码已停用")
    if s.assignment_id is not None:
        rows = yield Step(
            "UPDATE assignment SET status = 'submitted' WHERE id = ? AND status = 'open' AND ratee = ? AND cycle = ? RETURNING id",
            (s.assignment_id, s.ratee_id, s.cycle_id),
        )
        if not rows:
            raise Conflict("这份评价已经提交过了")
        yield Step("DELETE FROM draft WHERE assignment = ?", (s.assignment_id,))
    now = datetime.now(UTC)
    rows = yield Step(
        "INSERT INTO response (cycle, ratee, rater_group, rater, assignment, code, channel, batch_label, comment,"
        " verified, client_key, device, source_hash, fingerprint, submitted_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
        (
            s.cycle_id,
            s.ratee_id,
            s.group,
            s.rater_id,
            s.assignment_id,
            s.code_id,
            s.channel,
            s.batch_label[:64],
            s.comment,
            s.verified or s.verification_hash is not None,
            s.client_key,
            s.device,
            s.source_hash,
            s.fingerprint,
            now,
        ),
    )
    if not rows:  # a unique key holds already
        if s.client_key:  # committed meanwhile by a concurrent retry (PostgreSQL)
            rows = yield Step("SELECT id FROM response WHERE client_key = ?", (s.client_key,))
            if rows:
                return int(rows[0][0])
        raise Conflict(ALREADY_RATED.get(s.channel, ALREADY_RATED["qr"]))
    response_id = int(rows[0][0])
    if s.verification_hash:
        rows = yield Step(
            "UPDATE verification_code SET used_at = ? WHERE code_hash = ? AND cycle = ? AND used_at IS NULL RETURNING id",
            (now, s.verification_hash, s.cycle_id),
        )
        if not rows:  # raising undoes the insert with the rest of this submission
            raise Invalid(
                "核验码无效或已使用",
                {"verify_code": "核验码无效或已使用，请核对；也可以留空直接提交"},
            )
    yield Step(
        "INSERT INTO response_item (response, competency, level, note) VALUES (?, ?, ?, ?)",
        many=[(response_id, cid, level, s.notes.get(cid, "")) for cid, level in s.levels.items()],
    )
    if s.source_hash:
        yield from flag_steps(s, response_id, now)
    return response_id


def flag_steps(
    s: Submission, response_id: int, now: datetime
) -> Generator[Step, list[tuple[Any, ...]], None]:
    """Queue suspicious resident responses for review (never drop them): one statement
    counts both patterns, each count stopping at its threshold."""
    rows = yield Step(
        "SELECT (SELECT count(*) FROM (SELECT 1 FROM response WHERE source_hash = ? AND cycle = ?"
        f" AND submitted_at >= ? LIMIT {BURST_THRESHOLD}) AS recent),"
        " (SELECT count(*) FROM (SELECT 1 FROM response WHERE ratee = ? AND cycle = ?"
        " AND source_hash = ? AND fingerprint = ? AND source_hash <> ''"
        f" LIMIT {IDENTICAL_THRESHOLD}) AS same)",
        (
            s.source_hash,
            s.cycle_id,
            now - BURST_WINDOW,
            s.ratee_id,
            s.cycle_id,
            s.source_hash,
            s.fingerprint or None,  # no fingerprint: nothing to compare
        ),
    )
    recent, same = rows[0]
    flags = []
    if recent >= BURST_THRESHOLD:
        flags.append(("burst", f"同一网络地址 10 分钟内提交不少于 {BURST_THRESHOLD} 份"))
    if same >= IDENTICAL_THRESHOLD:
        flags.append(
            (
                "identical",
                f"同一网络地址对同一干部提交了不少于 {IDENTICAL_THRESHOLD} 份完全相同的答卷",
            )
        )
    if flags:
        yield Step(
            "INSERT INTO response_flag (response, reason, detail, created_at, decision)"
            " VALUES (?, ?, ?, ?, '')",
            many=[(response_id, reason, detail, now) for reason, detail in flags],
        )


def run_sync(conn: sqlite3.Connection, steps: Steps) -> int:
    try:
        step = next(steps)
        while True:
            if step.many:
                conn.executemany(step.sql, step.many)
                rows: list[tuple[Any, ...]] = []
            else:
                rows = conn.execute(step.sql, step.params).fetchall()
            step = steps.send(rows)
    except StopIteration as done:
        return int(done.value)


async def run_async(engine: Engine, steps: Steps) -> int:
    try:
        step = next(steps)
        while True:
            if step.many:
                rows: list[tuple[Any, ...]] = []
                await _raw(engine, *multi_row(step))
            else:
                rows = await _raw(engine, step.sql, step.params)
            step = steps.send(rows)
    except StopIteration as done:
        return int(done.value)


def multi_row(step: Step) -> tuple[str, tuple[Any, ...]]:
    """An `INSERT ... VALUES (?, ...)` step with many rows as one statement: one round trip."""
    head, _, values = step.sql.partition(" VALUES ")
    params = tuple(value for row in step.many for value in row)
    return f"{head} VALUES {', '.join([values] * len(step.many))}", params


async def _raw(engine: Engine, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    template = sql.replace("?", "{}")
    result = await engine.run_querystring(QueryString(template, *params))
    return [tuple(row.values()) for row in result or []]
