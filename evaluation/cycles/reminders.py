"""Reminder rounds: the office chases every rater with evaluations still open in a cycle.

A round records itself and queues one message per rater in the outbox (`evaluation.outbox`)
in one transaction; the delivery worker sends them through the configured transport after
the request — never inside it. The round's messages are what the printed per-town notices
and the per-town Excel lists are made from, so they show the round as it was sent.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

import msgspec
import polars as pl

from evaluation import clock
from evaluation.cycles.progress_repository import cycle_progress
from evaluation.cycles.service import get_cycle
from evaluation.errors import Conflict, NotFound
from evaluation.outbox import store as outbox
from evaluation.outbox.messages import render
from evaluation.outbox.worker import nudge
from evaluation.rows import rows_of
from evaluation.tables import ReminderRound


class RoundRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    sent_by: str
    sent_at: datetime
    channel: str
    raters: int
    open_tasks: int
    delivered: int = 0  # messages sent so far (read from the outbox)
    failed: int = 0
    waiting: int = 0  # queued or being sent


class TownOutstanding(msgspec.Struct, frozen=True, kw_only=True):
    town: str
    raters: int
    open: int


class Outstanding(msgspec.Struct, frozen=True, kw_only=True):
    """Who a round sent now would chase: raters, their open tasks, town by town."""

    raters: int
    open_tasks: int
    towns: list[TownOutstanding]


class Reminder(msgspec.Struct, frozen=True, kw_only=True):
    town: str
    name: str
    open_tasks: int
    status: str
    error: str = ""  # why it failed, in words


async def outstanding(cycle_id: int, towns: Collection[str] | None = None) -> pl.DataFrame:
    """Raters with evaluations still open: rater_id, name, town, open (most open first);
    only those of `towns` (by name) when given."""
    progress = await cycle_progress(cycle_id)
    chased = (
        progress.by_rater.filter(pl.col("open") > 0)
        .select("rater_id", pl.col("name").fill_null(""), pl.col("town").fill_null(""), "open")
        .sort(["town", "open", "name"], descending=[False, True, False])
    )
    return chased if towns is None else chased.filter(pl.col("town").is_in(list(towns)))


async def outstanding_by_town(cycle_id: int, towns: Collection[str] | None = None) -> Outstanding:
    chased = await outstanding(cycle_id, towns)
    by_town = chased.group_by("town", maintain_order=True).agg(
        pl.len().alias("raters"), pl.col("open").sum().alias("open")
    )
    return Outstanding(
        raters=chased.height,
        open_tasks=int(chased["open"].sum()) if chased.height else 0,
        towns=rows_of(by_town, TownOutstanding),
    )


ROUND_INTERVAL = timedelta(minutes=10)  # issue 29, #6: three rounds of 1,166 in 1.2 s


async def send_round(
    cycle_id: int, by: str, channel: str, towns: Collection[str] | None = None
) -> int:
    """Record a round and queue its messages on `channel` (a transport's name) in one
    transaction — to every rater with open work, or those of `towns`; the round's id.
    Delivery happens after, in the worker."""
    cycle = await get_cycle(cycle_id)
    if cycle.state != "open":
        raise Conflict("只有进行中的周期可以催办")
    latest = (
        await ReminderRound.select(ReminderRound.sent_at)
        .where(ReminderRound.cycle == cycle_id)
        .order_by(ReminderRound.id, ascending=False)
        .first()
    )
    if latest is not None and clock.now() - latest["sent_at"] < ROUND_INTERVAL:
        raise Conflict(
            f"上一轮催办于 {clock.shown(latest['sent_at'], '%H:%M')} 发出："
            f"{ROUND_INTERVAL.seconds // 60} 分钟内不再重复发送，以免同一人收到多条"
        )
    if towns is not None and not towns:
        raise Conflict("请至少选择一个乡镇")
    chased = await outstanding(cycle_id, towns)
    if chased.is_empty():
        raise Conflict(
            "所有评价人都已完成评价，无需催办" if towns is None else "所选乡镇的评价人都已完成评价"
        )
    async with ReminderRound._meta.db.transaction():
        created = await ReminderRound.insert(
            ReminderRound(
                cycle=cycle_id,
                sent_by=by,
                channel=channel,
                raters=chased.height,
                open_tasks=int(chased["open"].sum()),
            )
        ).returning(ReminderRound.id)
        round_id = int(created[0]["id"])
        await outbox.queue(
            [
                outbox.Queued(
                    message=render(
                        "reminder",
                        name=r["name"],
                        cycle=cycle.name,
                        open=r["open"],
                        closes_on=cycle.closes_on,
                        town=r["town"],
                    ),
                    recipient=r["rater_id"],
                    town=r["town"],
                    open_tasks=r["open"],
                    round_id=round_id,
                )
                for r in chased.iter_rows(named=True)
            ],
            channel,
        )
    nudge()
    return round_id


async def rounds(cycle_id: int) -> list[RoundRecord]:
    found = (
        await ReminderRound.select()
        .where(ReminderRound.cycle == cycle_id)
        .order_by(ReminderRound.id, ascending=False)
    )
    by_round = await outbox.status_counts([int(r["id"]) for r in found])
    records = []
    for r in found:
        counts = by_round.get(int(r["id"]), {})
        records.append(
            RoundRecord(
                **{k: v for k, v in r.items() if k in RoundRecord.__struct_fields__},
                delivered=counts.get("sent", 0),
                failed=counts.get("failed", 0),
                waiting=counts.get("queued", 0) + counts.get("sending", 0),
            )
        )
    return records


async def round_record(cycle_id: int, round_id: int) -> RoundRecord:
    for record in await rounds(cycle_id):
        if record.id == round_id:
            return record
    raise NotFound("催办记录不存在")


async def round_messages(cycle_id: int, round_id: int) -> list[Reminder]:
    """The round's reminders as sent, town by town (most open first)."""
    await round_record(cycle_id, round_id)
    return [
        Reminder(town=m.town, name=m.name, open_tasks=m.open_tasks, status=m.status, error=m.error)
        for m in await outbox.of_round(round_id)
    ]


def round_sheets(messages: list[Reminder]) -> list[tuple[str, pl.DataFrame]]:
    """The round as an Excel book: everyone, then one sheet per town."""
    frame = pl.DataFrame(
        [{"乡镇": m.town, "评价人": m.name, "未完成评价（份）": m.open_tasks} for m in messages],
        schema={"乡镇": pl.String, "评价人": pl.String, "未完成评价（份）": pl.Int64},
    )
    towns = frame["乡镇"].unique(maintain_order=True).to_list()
    return [("全部", frame)] + [
        (town[:31] or "未知乡镇", frame.filter(pl.col("乡镇") == town)) for town in towns
    ]
