"""When a session counts as begun (local time): from then on no apology, no joining, and
feedback becomes possible."""

from __future__ import annotations

import datetime as dt


def started(day: dt.date, start_minute: int, now: dt.datetime) -> bool:
    """A session has started once its day and start time (local) have come."""
    return (now.date(), now.hour * 60 + now.minute) >= (day, start_minute)
