"""Group commit for SQLite: one long-lived connection on its own thread.

Piccolo's SQLite engine opens a connection per transaction, and an fsync per response caps
durable writes below ~1,000/s here. Instead, callers hand the writer a job (a function of
the connection) and await it; the writer thread runs every job queued since its last commit
in one transaction — each job inside a SAVEPOINT, so one refused job does not sink its
neighbours — commits once (one fsync for the batch, `synchronous=FULL` in WAL), and only
then resolves the callers. "Acknowledged" therefore always means "on disk".

Several server processes may each run a writer on the same file. SQLite admits one writer at
a time, and its busy handler waits by sleeping in growing steps, which shows as long latency
tails; so writers take turns through an advisory lock on a side file (`flock`), which hands
the turn to the next process the moment the previous commit ends. While one commits, the
other gathers a larger batch.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import queue
import sqlite3
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
MAX_BATCH = 512
CHECKPOINT_EVERY_S = 1.0
_STOP = object()


class GroupCommitWriter:
    def __init__(self, path: str, busy_timeout_s: float = 10.0) -> None:
        self.path = path
        self._busy_timeout_s = busy_timeout_s
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=f"group-commit:{path}", daemon=True)
        self._ready = threading.Event()
        self._lock_fd = -1
        self._stopped = threading.Event()
        self._checkpointer = threading.Thread(
            target=self._checkpoints, name=f"checkpoint:{path}", daemon=True
        )
        self.batches = 0
        self.jobs = 0

    def start(self) -> GroupCommitWriter:
        self._checkpointer.start()
        self._thread.start()
        self._ready.wait(timeout=30)
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout=30)

    async def run(self, job: Callable[[sqlite3.Connection], T]) -> T:
        """Run `job` in the next batch; returns once its batch is committed (or raises)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put((job, loop, future))
        return await future

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=self._busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        # Checkpoints run beside the commits (see _checkpoints), not inside one: SQLite's
        # automatic checkpoint would fsync the database file within whichever commit crosses
        # the threshold, a long stall exactly in the latency tail.
        conn.execute("PRAGMA wal_autocheckpoint=0")
        return conn

    def _checkpoints(self) -> None:
        """Passive checkpoints once a second on a connection of their own: they copy what
        they can without waiting for, or blocking, the writer."""
        conn = sqlite3.connect(self.path, timeout=self._busy_timeout_s, isolation_level=None)
        while not self._stopped.wait(CHECKPOINT_EVERY_S):
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error:
                continue
        conn.close()

    def _run(self) -> None:
        conn = self._connect()
        self._lock_fd = os.open(f"{self.path}.writer-lock", os.O_RDWR | os.O_CREAT, 0o600)
        self._ready.set()
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                break
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)
            self._commit(conn, batch)
        conn.close()
        os.close(self._lock_fd)

    def _commit(self, conn: sqlite3.Connection, batch: list[Any]) -> None:
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        try:
            self._commit_locked(conn, batch)
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _commit_locked(self, conn: sqlite3.Connection, batch: list[Any]) -> None:
        outcomes: list[tuple[Any, Any, Any, BaseException | None]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for job, loop, future in batch:
                conn.execute("SAVEPOINT job")
                try:
                    result = job(conn)
                except Exception as exc:  # the job's own refusal: undo just this job
                    conn.execute("ROLLBACK TO job")
                    conn.execute("RELEASE job")
                    outcomes.append((loop, future, None, exc))
                else:
                    conn.execute("RELEASE job")
                    outcomes.append((loop, future, result, None))
            conn.execute("COMMIT")
        except Exception as exc:  # the batch could not be made durable: nobody is acknowledged
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            outcomes = [(loop, future, None, exc) for _, loop, future in batch]
        self.batches += 1
        self.jobs += len(batch)
        for loop, future, result, error in outcomes:
            loop.call_soon_threadsafe(_settle, future, result, error)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


_writer: GroupCommitWriter | None = None
_lock = threading.Lock()


def use_writer(path: str | None) -> GroupCommitWriter | None:
    """Point submissions at a writer for this SQLite file (None: no writer, e.g. PostgreSQL)."""
    global _writer
    with _lock:
        if _writer is not None and _writer.path == path:
            return _writer
        if _writer is not None:
            _writer.stop()
        _writer = GroupCommitWriter(path).start() if path else None
        return _writer


def active_writer() -> GroupCommitWriter | None:
    return _writer
