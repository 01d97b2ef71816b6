"""Today, as the product sees it (scorecard deadlines, cards, 公示 periods): the real date
unless the app pins one (CADRE360_TODAY: demos, training sessions, tests that travel in time)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

CLOCK: Callable[[], dt.date] = dt.date.today  # the app may pin it (tests travel in time)


def today() -> dt.date:
    return CLOCK()
