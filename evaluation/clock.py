"""Today, as the product sees it (scorecard deadlines, cards, 公示 periods): the real date
unless the app pins one (CADRE360_TODAY: demos, training sessions, tests that travel in time)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

CLOCK: Callable[[], dt.date] = dt.date.today  # the app may pin it (tests travel in time)
LOCAL = ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    return CLOCK()


def now_local() -> dt.datetime:
    """The product's day at the real local (Beijing) time of day — so a pinned day still
    has a clock on its wall."""
    return dt.datetime.combine(today(), dt.datetime.now(LOCAL).time(), tzinfo=LOCAL)
