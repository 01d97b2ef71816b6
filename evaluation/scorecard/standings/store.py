"""The stored standings (`scorecard_standing`): one row per plan, its state and its encoded
snapshot. Every scorecard store write of an input is wrapped in `invalidates`, which marks the
standings stale right after it, so a standing is never read as fresh after its inputs
changed."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

import msgspec

from evaluation import clock
from evaluation.scorecard.standings.snapshot import Snapshot, decode, encode
from evaluation.scorecard.tables import Standing, TownPlan

P = ParamSpec("P")
R = TypeVar("R")
# set by `invalidate` in the request (task) that made a standing stale: the request's
# after-response job recomputes only then, and every other write pays nothing
_CHANGED: ContextVar[bool] = ContextVar("standings_changed", default=False)


class Stored(msgspec.Struct, frozen=True):
    state: str  # fresh | stale | frozen
    snapshot: Snapshot


async def load(plan_id: int) -> Stored | None:
    row = (
        await Standing.select(Standing.state, Standing.payload)
        .where(Standing.plan == plan_id)
        .first()
    )
    if row is None:
        return None
    return Stored(row["state"], decode(bytes(row["payload"])))


async def save(plan_id: int, snapshot: Snapshot, state: str, since: int | None = None) -> bool:
    """Store the plan's standing; a frozen one is replaced only by another freeze (the appeal
    path), a fresh one only if no input changed since generation `since` (read before it was
    computed) — False when refused."""
    values: dict[Any, Any] = {
        Standing.state: state,
        Standing.computed_on: snapshot.computed_on,
        Standing.computed_at: clock.now(),
        Standing.payload: encode(snapshot),
    }
    conditions: list[Any] = [Standing.plan == plan_id]
    if state != "frozen":
        conditions.append(Standing.state != "frozen")
        if since is not None:
            conditions.append(Standing.generation == since)
    updated = await Standing.update(values).where(*conditions).returning(Standing.id)
    if updated:
        return True
    if since is not None or await Standing.exists().where(Standing.plan == plan_id):
        return False
    inserted = (
        await Standing.insert(
            Standing(plan=plan_id, **{c._meta.name: v for c, v in values.items()})
        )
        .on_conflict(action="DO NOTHING")
        .returning(Standing.id)
    )
    return bool(inserted)


async def invalidate() -> None:
    """An input changed: every standing not frozen is stale until recomputed, and a
    recomputation that began before the change will not store its result (`generation`)."""
    await Standing.update(
        {Standing.state: "stale", Standing.generation: Standing.generation + 1}
    ).where(Standing.state != "frozen")
    _CHANGED.set(True)


def changed_here() -> bool:
    """Whether this request (task) made any standing stale."""
    return _CHANGED.get()


def invalidates(write: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """For a store's write of a standing's input: after it (in its transaction when it has
    one), the standings are stale. After, not before — a recomputation running meanwhile
    then either saw the write or is refused by the generation it started from."""

    @functools.wraps(write)
    async def written(*args: P.args, **kwargs: P.kwargs) -> R:
        result = await write(*args, **kwargs)
        await invalidate()
        return result

    return written


async def state(plan_id: int) -> tuple[str, int] | None:
    """The stored standing's state and generation, without its payload."""
    row = (
        await Standing.select(Standing.state, Standing.generation)
        .where(Standing.plan == plan_id)
        .first()
    )
    return None if row is None else (str(row["state"]), int(row["generation"]))


async def unfrozen() -> list[int]:
    """Plans whose standing is not frozen (or not stored at all)."""
    frozen = {
        r["plan"] for r in await Standing.select(Standing.plan).where(Standing.state == "frozen")
    }
    plans = await TownPlan.select(TownPlan.id).where(TownPlan.published_at.is_not_null())
    return [r["id"] for r in plans if r["id"] not in frozen]


async def stale() -> list[int]:
    """Plans whose standing waits for its recomputation."""
    rows = await Standing.select(Standing.plan).where(Standing.state == "stale")
    return [int(r["plan"]) for r in rows]
