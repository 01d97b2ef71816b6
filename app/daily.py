"""The daily (hourly, idempotent) upkeep of the whole product: the scorecard's card sweep and
standings, and the training office's absence notices to leaders."""

from __future__ import annotations

from app.config import Settings, transport
from evaluation.scorecard.daily import Upkeep, upkeep
from training import seat_store


async def daily(settings: Settings) -> tuple[Upkeep, int]:
    done = await upkeep()
    told = await seat_store.tell_leaders_of_absences(
        settings.absence_limit, transport(settings).name
    )
    return done, told
