"""The scorecard's upkeep. Daily (`cadre360 sweep`, and the server at start-up and hourly):
contracts for towns added since a plan was published, the card sweep, then every standing
brought up to the day — quarters settle by date, and the cards just issued count. After a
write: the contracts and the stale standings."""

from __future__ import annotations

import datetime as dt

import msgspec

from evaluation.scorecard import plans, projects
from evaluation.scorecard.standings import model as standing


class Upkeep(msgspec.Struct, frozen=True):
    yellow: int
    red: int
    standings: int


async def upkeep(on: dt.date | None = None) -> Upkeep:
    await plans.draw_up_missing_contracts()
    yellow, red = await projects.sweep_all(on)
    return Upkeep(yellow, red, await standing.refresh_all())


async def after_write() -> int:
    """The job a write enqueues (run once its response is sent): a town the write added gets
    the current year's contract, and the standings the write made stale are stored again."""
    await plans.draw_up_missing_contracts()
    return await standing.refresh_stale()
