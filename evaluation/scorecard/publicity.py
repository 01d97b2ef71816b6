"""公示 of a year's town results: published for 公示 by the office once the fourth quarter is
settled; towns may appeal until `publicity_ends_on`; final (定稿) once the period is over and
every appeal is decided — after which no value of the year is corrected any more."""

from __future__ import annotations

import datetime as dt

import msgspec

from evaluation.clock import today
from evaluation.errors import Conflict
from evaluation.scorecard import town_appeal_store as store
from evaluation.scorecard.schemas import PlanRecord


class Publicity(msgspec.Struct, frozen=True):
    results_on: dt.date | None  # None: the year's results are not published yet
    ends_on: dt.date | None
    open: bool  # appeals accepted today
    pending: int
    final: bool


def appeals_open(results_on: dt.date | None, ends_on: dt.date | None, on: dt.date) -> bool:
    """公示 runs from the day the results are published to its last day, both included."""
    return results_on is not None and ends_on is not None and results_on <= on <= ends_on


async def publicity(record: PlanRecord, on: dt.date | None = None) -> Publicity:
    on = on or today()
    waiting = await store.pending(record.id)
    ends = record.publicity_ends_on
    is_open = appeals_open(record.results_on, ends, on)
    return Publicity(
        results_on=record.results_on,
        ends_on=ends,
        open=is_open,
        pending=waiting,
        final=record.results_on is not None and not is_open and waiting == 0,
    )


async def refuse_if_final(record: PlanRecord) -> None:
    if (await publicity(record)).final:
        raise Conflict(f"{record.year} 年度乡镇考核结果已定稿，不再更正")


def refuse_if_published(record: PlanRecord, what: str) -> None:
    """Once the year's results are published its standing is frozen: inputs that would change
    it are refused (corrections go through an appeal)."""
    if record.results_on is not None:
        raise Conflict(f"{record.year} 年度结果已发布，{what}（更正请通过申诉）")
