"""Storing one submission: every check and write of its transaction, written once.

`submission_steps` is a generator of SQL steps (`?` placeholders) that receives each step's
rows. Three drivers run it: `run_sync` on SQLite's group-commit writer's connection,
`run_asyncpg` on PostgreSQL's (`infra/pg_group_commit.py`), and `run_async` through piccolo
raw queries inside a transaction (scripts, or when no writer runs). The same checks therefore hold on both engines, and both are tested.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from evaluation import clock
from evaluation.errors import Conflict, Invalid

BURST_WINDOW = timedelta(minutes=10)
BURST_THRESHOLD = 8  # responses from one address within the window
IDENTICAL_THRESHOLD = 3  # identical answer sets from one address for one cadre
ALREADY_RATED = {  # what each "one per" index means to the person refused by it
    "qr": "您已经评价过这位干部，感谢参与！每台设备每个周期只能评价一次。",
    "mystery": "您已提交过对这位干部的暗访评价：每位暗访员每个周期对同一干部只评价一次。",
    "code": "这个考核码已经评价过这位干部",
    "online": "这份评价已经提交过了",
    "paper": "这份纸质评价表已经录入过了",
}
KEY_ELSEWHERE = "这次提交的编号已在别处使用过：请刷新页面后重新填写"
CYCLE_NOT_OPEN = "本周期不在评价期内，不接受评价"
LINK_REVOKED = "此二维码已停用"
TOP_LEVEL = 5


@dataclass(frozen=True)
class Step:
    sql: str
    params: tuple[Any, ...] = ()
    many: list[tuple[Any, ...]] = field(default_factory=list)  # executemany rows, when set
    postgres_only: bool = False  # a lock SQLite needs no statement for: its writer is one
    # PostgreSQL's form of the step when it differs (one statement doing two steps' work)
    postgres: tuple[str, tuple[Any, ...]] | None = None


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
    key_scope: str = ""  # what the key acknowledges: a key replayed elsewhere is refused
    top_allowed: int | None = None  # top ratings this rater may give in the cycle (quota)
    verified: bool = False
    device: str = ""
    source_hash: str = ""
    link_id: int | None = None
    verification_hash: str | None = None
    fingerprint: str = ""
    received_at: datetime | None = None  # when the form came in, when not now (paper, imports)


Steps = Generator[Step, list[tuple[Any, ...]], int]

INSERT_RESPONSE = (
    "INSERT INTO response (cycle, ratee, rater_group, rater, assignment, code, channel, batch_label,"
    " comment, verified, client_key, key_scope, device, source_hash, fingerprint, submitted_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id"
)
INSERT_ITEMS = "INSERT INTO response_item (response, competency, level, note) VALUES (?, ?, ?, ?)"
INSERT_FUSED = (
    f"WITH created AS ({INSERT_RESPONSE}), items AS ("
    "INSERT INTO response_item (response, competency, level, note)"
    " SELECT created.id, item.competency, item.level, item.note FROM created,"
    " unnest(CAST(? AS text[]), CAST(? AS integer[]), CAST(? AS text[]))"
    " AS item(competency, level, note))"
    " SELECT id, 1 FROM created"
)


def submission_steps(s: Submission) -> Steps:
    """Few statements, because on SQLite they run inside the one write turn all server
    processes share: one look-up for replay, cycle and link; the insert, which the
    database refuses for a device that already rated this cadre (`response_device_once`);
    the items; one count for both review flags."""
    rows = yield Step(
        "SELECT (SELECT id FROM response WHERE client_key = ?),"
        " (SELECT key_scope FROM response WHERE client_key = ?),"
        " (SELECT state FROM cycle WHERE id = ?),"
        " (SELECT count(*) FROM resident_link WHERE id = ? AND revoked_at IS NULL)",
        (s.client_key, s.client_key, s.cycle_id, s.link_id),
    )
    replayed, scope, state, live_links = rows[0]
    if replayed is not None:
        if scope != s.key_scope:  # acknowledged elsewhere: never answer with that response
            raise Conflict(KEY_ELSEWHERE)
        return int(replayed)  # a retry or replay: the response it first created
    if state != "open":
        raise Conflict(CYCLE_NOT_OPEN)
    if s.link_id is not None and not live_links:
        raise Conflict(LINK_REVOKED)
    if s.top_allowed is not None and s.rater_id is not None:
        yield from quota_steps(s)
    if s.assignment_id is not None:
        rows = yield Step(
            "UPDATE assignment SET status = 'submitted' WHERE id = ? AND status = 'open' AND ratee = ? AND cycle = ? RETURNING id",
            (s.assignment_id, s.ratee_id, s.cycle_id),
        )
        if not rows:
            raise Conflict("这份评价已经提交过了")
        yield Step("DELETE FROM draft WHERE assignment = ?", (s.assignment_id,))
    now = s.received_at or clock.now()
    response = (
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
        s.key_scope,
        s.device,
        s.source_hash,
        s.fingerprint,
        now,
    )
    items = [(cid, level, s.notes.get(cid, "")) for cid, level in s.levels.items()]
    # On PostgreSQL the response and its items go in one statement (one round trip less a
    # form), unless a 核验码 must be checked between them; its rows then say so: (id, 1).
    fused = None
    if not s.verification_hash:
        columns = tuple(list(column) for column in zip(*items, strict=True)) or ([], [], [])
        fused = (INSERT_FUSED, (*response, *columns))
    rows = yield Step(INSERT_RESPONSE, response, postgres=fused)
    if not rows:  # a "one per" index holds already (device, code, assignment or key)
        if s.client_key:  # committed meanwhile by a concurrent retry (PostgreSQL)
            rows = yield Step(
                "SELECT id, key_scope FROM response WHERE client_key = ?", (s.client_key,)
            )
            if rows:
                if rows[0][1] != s.key_scope:
                    raise Conflict(KEY_ELSEWHERE)
                return int(rows[0][0])
        raise already_rated(s.channel)
    response_id, items_in = int(rows[0][0]), len(rows[0]) > 1
    if s.verification_hash:
        rows = yield Step(
            "UPDATE verification_code SET used_at = ? WHERE code_hash = ? AND cycle = ? AND used_at IS NULL"
            " AND town = (SELECT town FROM cadre WHERE id = ?) RETURNING id",
            (now, s.verification_hash, s.cycle_id, s.ratee_id),
        )
        if not rows:  # raising undoes the insert with the rest of this submission
            raise Invalid(
                "核验码无效或已使用",
                {"verify_code": "核验码无效或已使用，请核对；也可以留空直接提交"},
            )
    if not items_in:
        yield Step(INSERT_ITEMS, many=[(response_id, *item) for item in items])
    if s.source_hash:
        yield from flag_steps(s, response_id, now)
    return response_id


def already_rated(channel: str) -> Conflict:
    """The refusal of a second ballot, in the words of the channel's "one per" rule."""
    return Conflict(ALREADY_RATED.get(channel, ALREADY_RATED["qr"]))


def quota_steps(s: Submission) -> Generator[Step, list[tuple[Any, ...]], None]:
    """The top-rating quota, checked inside the write: two forms sent at once cannot both
    pass it (SQLite's writer runs one job at a time; PostgreSQL takes a lock per rater)."""
    chosen = sum(1 for level in s.levels.values() if level == TOP_LEVEL)
    if not chosen:
        return
    yield Step(
        "SELECT pg_advisory_xact_lock(CAST(? AS integer), CAST(? AS integer))",
        (s.cycle_id, s.rater_id),
        postgres_only=True,
    )
    rows = yield Step(
        "SELECT count(*) FROM response_item JOIN response ON response.id = response_item.response"
        " WHERE response.cycle = ? AND response.rater = ? AND response.rater_group <> 'self'"
        " AND response_item.level = ?",
        (s.cycle_id, s.rater_id, TOP_LEVEL),
    )
    used = int(rows[0][0])
    allowed = int(s.top_allowed or 0)
    if used + chosen > allowed:
        raise Invalid(
            "最高等级配额不足",
            {
                "quota": f"本周期您最多可给出 {allowed} 个 5 级评价，已用 {used} 个，"
                f"本表选了 {chosen} 个，请调整后再提交"
            },
        )


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
    flags = flag_reasons(*rows[0])
    if flags:
        yield Step(
            "INSERT INTO response_flag (response, reason, detail, created_at, decision)"
            " VALUES (?, ?, ?, ?, '')",
            many=[(response_id, reason, detail, now) for reason, detail in flags],
        )


def flag_reasons(recent: int, same: int) -> list[tuple[str, str]]:
    """The review flags a form raises, from its two counts (each stopped at its threshold)."""
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
    return flags


def run_sync(conn: sqlite3.Connection, steps: Steps) -> int:
    try:
        step = next(steps)
        while True:
            if step.postgres_only:
                rows: list[tuple[Any, ...]] = []
            elif step.many:
                conn.executemany(step.sql, step.many)
                rows = []
            else:
                rows = conn.execute(step.sql, step.params).fetchall()
            step = steps.send(rows)
    except StopIteration as done:
        return int(done.value)


async def run_async(engine: Engine, steps: Steps) -> int:
    try:
        step = next(steps)
        while True:
            if step.postgres_only and engine.engine_type != "postgres":
                rows: list[tuple[Any, ...]] = []
            elif step.many:
                rows = []
                await _raw(engine, *multi_row(step))
            elif step.postgres and engine.engine_type == "postgres":
                rows = await _raw(engine, *step.postgres)
            else:
                rows = await _raw(engine, step.sql, step.params)
            step = steps.send(rows)
    except StopIteration as done:
        return int(done.value)


async def run_asyncpg(conn: Any, steps: Steps) -> int:
    """On an asyncpg connection: `?` become `$n` (cached), many-row steps one `executemany`."""
    try:
        step = next(steps)
        while True:
            sql, params = step.postgres or (step.sql, step.params)
            if step.many:
                await conn.executemany(numbered(step.sql), step.many)
                rows: list[tuple[Any, ...]] = []
            else:
                rows = [tuple(r) for r in await conn.fetch(numbered(sql), *params)]
            step = steps.send(rows)
    except StopIteration as done:
        return int(done.value)


@lru_cache(maxsize=256)
def numbered(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$1, $2, …` (our SQL has no `?` in literals)."""
    counter = itertools.count(1)
    return re.sub(r"\?", lambda _: f"${next(counter)}", sql)


def multi_row(step: Step) -> tuple[str, tuple[Any, ...]]:
    """An `INSERT ... VALUES (?, ...)` step with many rows as one statement: one round trip."""
    head, _, values = step.sql.partition(" VALUES ")
    params = tuple(value for row in step.many for value in row)
    return f"{head} VALUES {', '.join([values] * len(step.many))}", params


async def _raw(engine: Engine, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    template = sql.replace("?", "{}")
    result = await engine.run_querystring(QueryString(template, *params))
    return [tuple(row.values()) for row in result or []]


async def run_in_transaction(engine: Engine, many: list[Steps]) -> list[int | Exception]:
    """Submissions' steps on the connection of the caller's open piccolo transaction, run
    straight on the driver — on SQLite all of them in one call on the connection's thread —
    as the group-commit writers run them, without piccolo's cost per statement. Each
    outcome is the response id or the error that refused it (the caller's transaction
    decides what a refusal undoes)."""
    transaction: Any = engine.current_transaction.get()
    connection = transaction.connection
    if engine.engine_type == "postgres":
        outcomes: list[int | Exception] = []
        for steps in many:
            try:
                outcomes.append(await run_asyncpg(connection, steps))
            except Exception as exc:  # reported with the others, in order
                outcomes.append(exc)
        return outcomes
    found: list[int | Exception] = await connection._execute(
        _run_all_with_tuples, connection._conn, many
    )
    return found


def _run_all_with_tuples(conn: sqlite3.Connection, many: list[Steps]) -> list[int | Exception]:
    """run_sync for each, on a connection piccolo gave dict rows: tuples while they run."""
    factory = conn.row_factory
    conn.row_factory = None
    outcomes: list[int | Exception] = []
    try:
        for steps in many:
            try:
                outcomes.append(run_sync(conn, steps))
            except Exception as exc:  # reported with the others, in order
                outcomes.append(exc)
    finally:
        conn.row_factory = factory
    return outcomes
