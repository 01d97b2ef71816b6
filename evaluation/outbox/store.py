"""The outbox table's one owner: queue messages (inside the caller's transaction), claim a
batch for delivery — atomically, so two workers never send one message twice — and record
how each went."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

import msgspec
from piccolo.query.functions.aggregate import Count

from evaluation import clock
from evaluation.outbox.messages import Rendered
from evaluation.outbox.transports import Outgoing
from evaluation.tables import OutboxMessage

MAX_ATTEMPTS = 3  # a channel error is retried on the next runs, then the message fails
STALE_CLAIM = timedelta(minutes=10)  # a worker that died mid-send: its claim lapses


class Queued(msgspec.Struct, frozen=True, kw_only=True):
    """One message to queue: rendered text, its recipient, and what it belongs to."""

    message: Rendered
    recipient: int | None
    town: str = ""
    open_tasks: int = 0
    round_id: int | None = None


async def queue(items: Sequence[Queued], channel: str) -> None:
    """Write the messages as queued on `channel` (call inside the deciding transaction)."""
    if not items:
        return
    await OutboxMessage.insert(
        *(
            OutboxMessage(
                kind=q.message.kind,
                round=q.round_id,
                recipient=q.recipient,
                town=q.town,
                open_tasks=q.open_tasks,
                channel=channel,
                subject=q.message.subject[:120],
                body=q.message.body,
                fields=json.dumps(q.message.fields, ensure_ascii=False),
            )
            for q in items
        )
    )


async def claim(channel: str, limit: int, after: int = 0) -> list[Outgoing]:
    """Up to `limit` queued messages of `channel` with ids above `after` (oldest first, and
    lapsed claims), now marked `sending` by this worker alone, with the recipient's contacts
    as they are now."""
    now = clock.now()
    claimable = (OutboxMessage.status == "queued") | (
        (OutboxMessage.status == "sending") & (OutboxMessage.claimed_at < now - STALE_CLAIM)
    )
    candidates = (
        await OutboxMessage.select(OutboxMessage.id)
        .where((OutboxMessage.channel == channel) & (OutboxMessage.id > after) & claimable)
        .order_by(OutboxMessage.id)
        .limit(limit)
        .output(as_list=True)
    )
    if not candidates:
        return []
    won = await (
        OutboxMessage.update({OutboxMessage.status: "sending", OutboxMessage.claimed_at: now})
        .where(OutboxMessage.id.is_in(candidates) & claimable)  # still: another may have won
        .returning(OutboxMessage.id)
    )
    ids = [int(r["id"]) for r in won]
    if not ids:
        return []
    rows = (
        await OutboxMessage.select(
            OutboxMessage.id,
            OutboxMessage.kind,
            OutboxMessage.round,
            OutboxMessage.town,
            OutboxMessage.recipient.name.as_alias("name"),
            OutboxMessage.recipient.phone.as_alias("phone"),
            OutboxMessage.recipient.email.as_alias("email"),
            OutboxMessage.subject,
            OutboxMessage.body,
            OutboxMessage.fields,
        )
        .where(OutboxMessage.id.is_in(ids))
        .order_by(OutboxMessage.id)
    )
    return [
        Outgoing(
            id=r["id"],
            kind=r["kind"],
            round_id=r["round"],
            town=r["town"],
            name=r["name"] or "",
            phone=r["phone"] or "",
            email=r["email"] or "",
            subject=r["subject"],
            body=r["body"],
            fields=_fields(r["fields"]),
        )
        for r in rows
    ]


def _fields(raw: object) -> dict[str, str]:
    value = json.loads(raw) if isinstance(raw, str) else raw
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


async def record(ids: Sequence[int], address: str, error: str, final: bool) -> None:
    """How one send went for its messages: sent; or an error, retried while attempts remain
    (`final`: no retry can help, e.g. no address)."""
    if not error:
        await OutboxMessage.update(
            {
                OutboxMessage.status: "sent",
                OutboxMessage.address: address,
                OutboxMessage.error: "",
                OutboxMessage.sent_at: clock.now(),
                OutboxMessage.attempts: OutboxMessage.attempts + 1,
            }
        ).where(OutboxMessage.id.is_in(list(ids)))
        return
    await OutboxMessage.update(
        {
            OutboxMessage.status: "failed" if final else "queued",
            OutboxMessage.address: address,
            OutboxMessage.error: error[:500],
            OutboxMessage.attempts: OutboxMessage.attempts + 1,
        }
    ).where(OutboxMessage.id.is_in(list(ids)))
    if not final:
        await OutboxMessage.update({OutboxMessage.status: "failed"}).where(
            OutboxMessage.id.is_in(list(ids)) & (OutboxMessage.attempts >= MAX_ATTEMPTS)
        )


async def status_counts(round_ids: list[int]) -> dict[int, dict[str, int]]:
    """How each round's messages stand: round → status → count (one grouped query)."""
    if not round_ids:
        return {}
    rows = (
        await OutboxMessage.select(OutboxMessage.round, OutboxMessage.status, Count())
        .where(OutboxMessage.round.is_in(round_ids))
        .group_by(OutboxMessage.round, OutboxMessage.status)
    )
    counts: dict[int, dict[str, int]] = {}
    for r in rows:
        counts.setdefault(int(r["round"]), {})[r["status"]] = int(r["count"])
    return counts


async def latest_for(cadre_id: int) -> tuple[str, datetime] | None:
    """The newest reminder of an open cycle addressed to this cadre: (body, created_at)."""
    row = (
        await OutboxMessage.select(OutboxMessage.body, OutboxMessage.created_at)
        .where(
            (OutboxMessage.recipient == cadre_id) & (OutboxMessage.round._.cycle._.state == "open")
        )
        .order_by(OutboxMessage.id, ascending=False)
        .first()
    )
    return (row["body"], row["created_at"]) if row else None


class Notice(msgspec.Struct, frozen=True, kw_only=True):
    body: str
    at: datetime


async def recent_for(cadre_id: int, kinds: Sequence[str], days: int = 60) -> list[Notice]:
    """The messages of these kinds sent to this cadre in the last `days`, newest first —
    what their own pages repeat of them (a text message can be missed)."""
    since = clock.now() - timedelta(days=days)
    rows = (
        await OutboxMessage.select(OutboxMessage.body, OutboxMessage.created_at)
        .where(
            (OutboxMessage.recipient == cadre_id)
            & OutboxMessage.kind.is_in(list(kinds))
            & (OutboxMessage.created_at >= since)
        )
        .order_by(OutboxMessage.id, ascending=False)
        .limit(10)
    )
    return [Notice(body=r["body"], at=r["created_at"]) for r in rows]


class RoundMessage(msgspec.Struct, frozen=True, kw_only=True):
    town: str
    name: str
    open_tasks: int
    status: str
    error: str


async def of_round(round_id: int) -> list[RoundMessage]:
    """A round's messages as sent, town by town (most open first)."""
    found = (
        await OutboxMessage.select(
            OutboxMessage.town,
            OutboxMessage.recipient.name.as_alias("name"),
            OutboxMessage.open_tasks,
            OutboxMessage.status,
            OutboxMessage.error,
        )
        .where(OutboxMessage.round == round_id)
        .order_by(OutboxMessage.town)
        .order_by(OutboxMessage.open_tasks, ascending=False)
        .order_by(OutboxMessage.id)
    )
    return [
        RoundMessage(
            town=r["town"],
            name=r["name"] or "",
            open_tasks=r["open_tasks"],
            status=r["status"],
            error=r["error"],
        )
        for r in found
    ]
