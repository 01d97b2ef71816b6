"""Group commit for PostgreSQL: concurrent submissions share one transaction and one commit.

Through piccolo each submission is a transaction of its own: its statements go through the
query builder, and its commit waits for its own WAL flush. Here a dedicated asyncpg
connection per server process (`CONNECTIONS`) takes every job queued since its last commit,
runs each job inside a SAVEPOINT (a refused job undoes only itself), commits once, and only
then resolves the callers — "acknowledged" means "committed", as on SQLite
(`group_commit.py`). The submission's statements are the same `?` steps as everywhere,
driven by `store.run_asyncpg` (`$n` placeholders, asyncpg's statement cache, items in one
`executemany`).

No SAVEPOINT per job (two round trips each, a third of a submission's): a job that refuses
before it changed anything — a replay, a closed cycle, a device that already rated — leaves
nothing to undo, and the batch goes on. Only a job that fails after changing rows, or a
statement the server refused (which aborts the transaction), sends the batch back: it is
rolled back and its jobs are run again one transaction each, as when a batch's COMMIT itself
fails (a deadlock between two batches' quota locks, a lost connection) — so one bad job
never refuses its neighbours.

Neighbouring jobs that can run together (`Together`: the plain forms, `responses.pg_batch`)
are handed over as one run — a few statements for the run instead of three a form: the
statements' overhead on both ends of the socket, not the rows, was the rate on two cores.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

MAX_BATCH = 256
CONNECTIONS = 1  # per server process; 1 measured best here: 842/s vs 690/s with 2 (bigger batches)

# A job is a function of the writer's connection, as for SQLite's writer; what it runs is the
# caller's (`responses.store.run_asyncpg` drives the submission steps): infra knows no domain.
Job = Callable[[asyncpg.Connection], Awaitable[int]]
Outcome = tuple[asyncio.Future[int], int | None, BaseException | None]
Queued = tuple["Job | Together", asyncio.Future[int]]


@dataclass(frozen=True)
class Together:
    """A job the writer may run with its neighbours in the batch: `together(conn, items)`
    runs the items of a run of neighbouring jobs sharing the same `together` in one go and
    returns each one's outcome (its result, or the exception that refused it having changed
    nothing); `alone` is the job by itself, for a batch sent back."""

    item: Any
    together: Callable[[asyncpg.Connection, list[Any]], Awaitable[list[int | BaseException]]]
    alone: Job


class PostgresGroupCommitWriter:
    def __init__(self, config: dict[str, Any], connections: int = CONNECTIONS) -> None:
        """With several connections, one commits while another gathers the next batch; on two
        cores shared with PostgreSQL itself that measured slower than one (smaller batches)."""
        self._config = config
        self._size = connections
        self._queue: asyncio.Queue[Queued] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._connections: list[asyncpg.Connection] = []
        self.batches = 0
        self.jobs = 0
        self.retried = 0  # batches run again job by job (a job failed after writing)
        self.loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> PostgresGroupCommitWriter:
        self.loop = asyncio.get_running_loop()
        for n in range(self._size):
            conn = await asyncpg.connect(**self._config)
            self._connections.append(conn)
            self._tasks.append(asyncio.create_task(self._serve(conn), name=f"pg-commit-{n}"))
        return self

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for conn in self._connections:
            await conn.close()
        self._tasks, self._connections = [], []

    async def run(self, job: Job | Together) -> int:
        """Run `job` on the writer's connection in the next batch; returns once committed."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        await self._queue.put((job, future))
        return await future

    async def _serve(self, conn: asyncpg.Connection) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            await self._commit(conn, batch)

    async def _commit(self, conn: asyncpg.Connection, batch: list[Queued]) -> None:
        try:
            async with conn.transaction():
                outcomes = []
                for run in _runs(batch):
                    outcomes += await _run_in_batch(conn, run)
        except Exception:  # the batch did not commit: each job again, in its own transaction
            self.retried += 1
            outcomes = [await _attempt(conn, _alone(job), future) for job, future in batch]
        self.batches += 1
        self.jobs += len(batch)
        for future, result, error in outcomes:
            if future.cancelled():
                continue
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(int(result or 0))


class _Unclean(Exception):
    """A job failed after changing rows, or the server refused a statement: the batch's
    transaction cannot go on."""


class _Watched:
    """The writer's connection as a job sees it, noting whether the job changed any row: a
    statement other than a SELECT did, unless it returned nothing through RETURNING."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn
        self.changed = False

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        rows = await self._conn.fetch(sql, *args)
        if not _reads_only(sql) and (rows or " RETURNING " not in sql.upper()):
            self.changed = True
        return rows

    async def executemany(self, sql: str, args: Any) -> None:
        self.changed = True
        await self._conn.executemany(sql, args)


def _reads_only(sql: str) -> bool:
    return sql.lstrip()[:6].upper() == "SELECT"


def _runs(batch: list[Queued]) -> list[list[Queued]]:
    """The batch in order, neighbouring jobs that run together gathered into one run."""
    runs: list[list[Queued]] = []
    for queued in batch:
        job = queued[0]
        last = runs[-1][0][0] if runs else None
        if (
            isinstance(job, Together)
            and isinstance(last, Together)
            and last.together is job.together
        ):
            runs[-1].append(queued)
        else:
            runs.append([queued])
    return runs


async def _run_in_batch(conn: asyncpg.Connection, run: list[Queued]) -> list[Outcome]:
    first = run[0][0]
    if not isinstance(first, Together):
        return [await _attempt_in_batch(conn, first, run[0][1])]
    try:
        results = await first.together(conn, [job.item for job, _ in run])  # type: ignore[union-attr]
    except Exception as exc:  # a statement refused: the transaction is aborted
        raise _Unclean from exc
    return [
        (future, None, result) if isinstance(result, BaseException) else (future, result, None)
        for (_, future), result in zip(run, results, strict=True)
    ]


def _alone(job: Job | Together) -> Job:
    return job.alone if isinstance(job, Together) else job


async def _attempt_in_batch(
    conn: asyncpg.Connection, job: Job, future: asyncio.Future[int]
) -> Outcome:
    """One job inside the batch's transaction, without a savepoint of its own: its refusal
    is kept when it changed nothing; otherwise the batch is sent back (`_Unclean`)."""
    watched = _Watched(conn)
    try:
        return future, await job(watched), None
    except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:  # the transaction is aborted
        raise _Unclean from exc
    except Exception as exc:
        if watched.changed:
            raise _Unclean from exc
        return future, None, exc


async def _attempt(conn: asyncpg.Connection, job: Job, future: asyncio.Future[int]) -> Outcome:
    """One job in a transaction of its own — a SAVEPOINT inside the batch's — so its refusal
    undoes only its own statements."""
    try:
        async with conn.transaction():
            return future, await job(conn), None
    except Exception as exc:
        return future, None, exc


_writer: PostgresGroupCommitWriter | None = None


async def start_pg_writer(config: dict[str, Any]) -> PostgresGroupCommitWriter:
    global _writer
    if _writer is not None:
        await _writer.stop()
    _writer = await PostgresGroupCommitWriter(config).start()
    return _writer


async def stop_pg_writer() -> None:
    global _writer
    if _writer is not None:
        await _writer.stop()
    _writer = None


def active_pg_writer() -> PostgresGroupCommitWriter | None:
    """The writer serving this event loop (a script or test on another loop writes through
    piccolo instead: the writer's queue and connections belong to the loop that started it)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    return _writer if _writer is not None and _writer.loop is loop else None
