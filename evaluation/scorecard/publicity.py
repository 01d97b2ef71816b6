"""公示 of a year's town results: published for 公示 by the office once the fourth quarter is
settled; towns may appeal until `publicity_ends_on`; final (定稿) once the period is over and
every appeal is decided — after which no value of the year is corrected any more. The rule
is every result's (`evaluation.appeals.publicity`)."""

from __future__ import annotations

import datetime as dt

from evaluation.appeals import store as appeal_store
from evaluation.appeals.publicity import Publicity, publicity_of
from evaluation.clock import today
from evaluation.errors import Conflict
from evaluation.scorecard.schemas import PlanRecord


async def publicity(record: PlanRecord, on: dt.date | None = None) -> Publicity:
    waiting = await appeal_store.pending(appeal_store.TOWN_YEAR, record.id)
    return publicity_of(record.results_on, record.publicity_ends_on, waiting, on or today())


async def refuse_if_final(record: PlanRecord) -> None:
    if (await publicity(record)).final:
        raise Conflict(f"{record.year} 年度乡镇考核结果已定稿，不再更正")


def refuse_if_published(record: PlanRecord, what: str) -> None:
    """Once the year's results are published its standing is frozen: inputs that would change
    it are refused (corrections go through an appeal)."""
    if record.results_on is not None:
        raise Conflict(f"{record.year} 年度结果已发布，{what}（更正请通过申诉）")
