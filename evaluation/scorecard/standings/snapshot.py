"""A plan year's standing, encoded whole: the scores (three polars frames, kept bit for bit
in Arrow IPC), the settled quarters, the towns as they were, the year-end composite, the
bottlenecks and what the inputs were stamped with. Pure: no storage here."""

from __future__ import annotations

import datetime as dt
import io

import msgspec
import polars as pl

from evaluation.organisation.schemas import TownRecord
from evaluation.scorecard.schemas import Bottleneck, CompositeRow
from evaluation.scorecard.scoring import Scores


class Snapshot(msgspec.Struct, frozen=True, kw_only=True):
    computed_on: dt.date  # the day it holds for (quarters settle by date)
    quarters: list[int]
    towns: list[TownRecord]  # the county's towns when it was computed, with their names
    confirmed: list[int]  # towns whose 绩效责任书 was confirmed
    composite: list[CompositeRow]
    bottlenecks: list[Bottleneck]
    flagged: int  # values waiting for 核查
    feed: int | None  # the published 360 snapshot the team and resident feeds were read from
    indicators: bytes
    dimensions: bytes
    totals: bytes

    def scores(self) -> Scores:
        return Scores(_frame(self.indicators), _frame(self.dimensions), _frame(self.totals))

    def town(self, town_id: int) -> TownRecord | None:
        return next((t for t in self.towns if t.id == town_id), None)


def _bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_ipc(buffer, compression="uncompressed")
    return buffer.getvalue()


def _frame(data: bytes) -> pl.DataFrame:
    return pl.read_ipc(io.BytesIO(data))


def snapshot(
    *,
    on: dt.date,
    scores: Scores,
    quarters: list[int],
    towns: list[TownRecord],
    confirmed: list[int],
    composite: list[CompositeRow],
    bottlenecks: list[Bottleneck],
    flagged: int,
    feed: int | None,
) -> Snapshot:
    return Snapshot(
        computed_on=on,
        quarters=quarters,
        towns=towns,
        confirmed=sorted(confirmed),
        composite=composite,
        bottlenecks=bottlenecks,
        flagged=flagged,
        feed=feed,
        indicators=_bytes(scores.indicators),
        dimensions=_bytes(scores.dimensions),
        totals=_bytes(scores.totals),
    )


def encode(value: Snapshot) -> bytes:
    return msgspec.msgpack.encode(value)


def decode(data: bytes) -> Snapshot:
    return msgspec.msgpack.decode(data, type=Snapshot)
