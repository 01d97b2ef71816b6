"""The scorecard's upkeep. Daily (`cadre360 sweep`, and the server at start-up and hourly):
contracts for towns added since a plan was published, the card sweep, then every standing
brought up to the day — quarters settle by date, and the cards just issued count. After a
write that made a standing stale: that standing. After a roster import: contracts for the
towns it added, and the standings (their town lists changed)."""

from __future__ import annotations

import datetime as dt

import msgspec

from evaluation.scorecard import plans, projects
from evaluation.scorecard.standings import model as standing
from evaluation.scorecard.standings import store


class Upkeep(msgspec.Struct, frozen=True):
    yellow: int
    red: int
    standings: int


async def upkeep(on: dt.date | None = None) -> Upkeep:
    await plans.draw_up_missing_contracts()
    yellow, red = await projects.sweep_all(on)
    return Upkeep(yellow, red, await standing.refresh_all())


async def after_write() -> int:
    """The job a write enqueues (run once its response is sent): the standings this request
    made stale are stored again — nothing at all for the writes that touched none (a
    resident's answers, a login)."""
    if not store.changed_here():
        return 0
    return await standing.refresh_stale()


async def after_roster_import() -> int:
    """A roster import may add towns (each gets the running year's contract before it is
    scored) and rename them (the standings' town lists change): both brought up to date."""
    await plans.draw_up_missing_contracts()
    return await standing.refresh_all()
