"""Caches that depend on a cycle's state register here; whoever changes a cycle's state
says so once, and every registered cache is cleared in this process. Knows nothing of
which caches exist (the domain registers them)."""

from __future__ import annotations

from collections.abc import Callable

_listeners: list[Callable[[], None]] = []


def on_cycle_change(listener: Callable[[], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def cycle_changed() -> None:
    for listener in _listeners:
        listener()
