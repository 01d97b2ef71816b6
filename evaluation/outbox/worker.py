"""Delivery: claim queued messages, hand them to the transport in batches (off the event
loop, each send bounded by the transport's timeout) and record how each went. Runs in the
serving process's background task (woken when a message is queued) and as
`cadre360 deliver` from cron — never inside a request."""

from __future__ import annotations

import asyncio

import msgspec

from evaluation.outbox import store
from evaluation.outbox.transports import Transport

BATCH = 200  # messages claimed per round trip


class Delivery(msgspec.Struct, frozen=True, kw_only=True):
    sent: int = 0
    failed: int = 0  # failed for good (no address, or out of attempts)
    retrying: int = 0  # an error this time; queued again


_wakeup: dict[int, asyncio.Event] = {}  # per event loop


def wakeup() -> asyncio.Event:
    loop = id(asyncio.get_running_loop())
    return _wakeup.setdefault(loop, asyncio.Event())


def nudge() -> None:
    """Tell this process's delivery task that messages are waiting (cheap: no query)."""
    event = _wakeup.get(id(asyncio.get_running_loop()))
    if event is not None:
        event.set()


async def deliver_queued(transport: Transport, limit: int = 10_000) -> Delivery:
    """Deliver what is queued on `transport`'s channel (up to `limit` messages this run)."""
    if transport.name == "outbox":
        return Delivery()
    sent = failed = retrying = 0
    done = last = 0  # a message retried later is not claimed again in the same run
    while done < limit:
        claimed = await store.claim(transport.name, min(BATCH, limit - done), after=last)
        if not claimed:
            break
        done += len(claimed)
        last = max(m.id for m in claimed)
        for batch in transport.batches(claimed):
            if not batch.address:
                await store.record(batch.ids, "", batch.missing, final=True)
                failed += len(batch.ids)
                continue
            error = await asyncio.to_thread(transport.send, batch)
            await store.record(batch.ids, batch.address, error, final=False)
            if not error:
                sent += len(batch.ids)
            else:
                retrying += len(batch.ids)
    return Delivery(sent=sent, failed=failed, retrying=retrying)
