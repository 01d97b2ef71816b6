"""Where the analytics pipeline spends its time and memory, for the bench (`make bench`).

Off unless a caller records: `with recording() as stages: aggregate(...)` fills `stages` with
one `Stage` per step the pipeline marks with `stage(name)` — its wall time and the peak
resident memory while it ran (Linux: the kernel's high-water mark, reset at each step's
start through /proc/self/clear_refs). Elsewhere `stage` costs one context-variable read.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


@dataclass(frozen=True)
class Stage:
    name: str
    seconds: float
    peak_mb: float  # the process's peak RSS during the stage (0 where the OS cannot tell)


_RECORDER: ContextVar[list[Stage] | None] = ContextVar("analytics_stages", default=None)


@contextlib.contextmanager
def recording() -> Iterator[list[Stage]]:
    stages: list[Stage] = []
    token = _RECORDER.set(stages)
    try:
        yield stages
    finally:
        _RECORDER.reset(token)


@contextlib.contextmanager
def stage(name: str) -> Iterator[None]:
    stages = _RECORDER.get()
    if stages is None:
        yield
        return
    _reset_peak()
    started = time.perf_counter()
    yield
    stages.append(Stage(name, time.perf_counter() - started, _peak_mb()))


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        _CLEAR_REFS.write_text("5")  # 5: reset the peak RSS to the current RSS


def _peak_mb() -> float:
    with contextlib.suppress(OSError):
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0
