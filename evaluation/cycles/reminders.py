"""Reminder rounds: the office chases every rater with evaluations still open in a cycle.

A round writes one outbox message per rater (the record, and what the printed per-town
notices and the per-town Excel lists are made from, so they show the round as it was sent),
then delivers through the configured channel (`infra.notify`). Each round is recorded.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

import msgspec
import polars as pl

from evaluation import clock
from evaluation.cycles.progress_repository import cycle_progress
from evaluation.cycles.service import get_cycle
from evaluation.errors import Conflict, NotFound
from evaluation.infra.notify import Channel, post_wecom
from evaluation.tables import OutboxMessage, ReminderRound


class RoundRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    sent_by: str
    sent_at: datetime
    channel: str
    raters: int
    open_tasks: int
    delivered: int
    failed: int


class Reminder(msgspec.Struct, frozen=True, kw_only=True):
    town: str
    name: str
    open_tasks: int
    status: str


async def outstanding(cycle_id: int) -> pl.DataFrame:
    """Raters with evaluations still open: rater_id, name, town, open (most open first)."""
    progress = await cycle_progress(cycle_id)
    return (
        progress.by_rater.filter(pl.col("open") > 0)
        .select("rater_id", pl.col("name").fill_null(""), pl.col("town").fill_null(""), "open")
        .sort(["town", "open", "name"], descending=[False, True, False])
    )


def town_text(cycle_name: str, town: str, rows: list[dict[str, object]], closes_on: date) -> str:
    names = "、".join(f"{r['name']}（{r['open']} 份）" for r in rows)
    return (
        f"【{cycle_name}】催办提醒：{town}尚有 {len(rows)} 人的评价未完成，"
        f"请于 {closes_on} 前登录干部360评价完成：{names}"
    )


ROUND_INTERVAL = timedelta(minutes=10)  # issue 29, #6: three rounds of 1,166 in 1.2 s


async def send_round(cycle_id: int, by: str, channel: Channel) -> int:
    """Record a round, write its messages, deliver them; the round's id."""
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
    chased = await outstanding(cycle_id)
    if chased.is_empty():
        raise Conflict("所有评价人都已完成评价，无需催办")
    rows = chased.to_dicts()
    async with ReminderRound._meta.db.transaction():
        created = await ReminderRound.insert(
            ReminderRound(
                cycle=cycle_id,
                sent_by=by,
                channel=channel.name,
                raters=len(rows),
                open_tasks=int(chased["open"].sum()),
            )
        ).returning(ReminderRound.id)
        round_id = int(created[0]["id"])
        await OutboxMessage.insert(
            *(
                OutboxMessage(
                    round=round_id,
                    recipient=r["rater_id"],
                    town=r["town"],
                    open_tasks=r["open"],
                    channel=channel.name,
                    body=(
                        f"{r['name']}同志：您在“{cycle.name}”中还有 {r['open']} 份评价未完成，"
                        f"请于 {cycle.closes_on} 前登录干部360评价完成。"
                    ),
                )
                for r in rows
            )
        )
    if channel.name == "wecom":
        await _deliver_by_town(round_id, cycle.name, cycle.closes_on, rows, channel.url)
    return round_id


async def _deliver_by_town(
    round_id: int, cycle_name: str, closes_on: date, rows: list[dict[str, object]], url: str
) -> None:
    delivered = failed = 0
    towns: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        towns.setdefault(str(row["town"]), []).append(row)
    for town, members in towns.items():
        error = await asyncio.to_thread(
            post_wecom, url, town_text(cycle_name, town, members, closes_on)
        )
        await OutboxMessage.update(
            {OutboxMessage.status: "failed" if error else "sent", OutboxMessage.error: error}
        ).where((OutboxMessage.round == round_id) & (OutboxMessage.town == town))
        failed += len(members) if error else 0
        delivered += 0 if error else len(members)
    await ReminderRound.update(
        {ReminderRound.delivered: delivered, ReminderRound.failed: failed}
    ).where(ReminderRound.id == round_id)


async def rounds(cycle_id: int) -> list[RoundRecord]:
    found = (
        await ReminderRound.select()
        .where(ReminderRound.cycle == cycle_id)
        .order_by(ReminderRound.id, ascending=False)
    )
    return [
        RoundRecord(**{k: v for k, v in r.items() if k in RoundRecord.__struct_fields__})
        for r in found
    ]


async def round_record(cycle_id: int, round_id: int) -> RoundRecord:
    for record in await rounds(cycle_id):
        if record.id == round_id:
            return record
    raise NotFound("催办记录不存在")


async def round_messages(cycle_id: int, round_id: int) -> list[Reminder]:
    """The round's reminders as sent, town by town (most open first)."""
    await round_record(cycle_id, round_id)
    found = (
        await OutboxMessage.select(
            OutboxMessage.town,
            OutboxMessage.recipient.name.as_alias("name"),
            OutboxMessage.open_tasks,
            OutboxMessage.status,
        )
        .where(OutboxMessage.round == round_id)
        .order_by(OutboxMessage.town)
        .order_by(OutboxMessage.open_tasks, ascending=False)
        .order_by(OutboxMessage.id)
    )
    return [
        Reminder(
            town=r["town"], name=r["name"] or "", open_tasks=r["open_tasks"], status=r["status"]
        )
        for r in found
    ]
