"""The product's one clock: every "today" and "now" a rule or a record uses comes from here.

* `today()` is the product's date in Beijing — the real one, unless the app pins a day
  (`CADRE360_TODAY`: demos, training sessions, tests that travel in time). A server's own
  time zone never decides it: at 02:00 in Beijing a UTC server's `date.today()` is still
  yesterday.
* `now()` is the product's moment, stored in UTC: the product's day at the real Beijing time
  of day, so a pinned day still has a clock on its wall and every record of one action carries
  the same date as the rules that judged it.
* `instant()` and `epoch_seconds()` are physical time, for what must never stand still or run
  backwards when a day is pinned: session expiry, sign-in throttles, job heartbeats.
* `local()` / `local_day()` turn a stored moment into what a person in Beijing reads.

`tests/test_architecture.py` refuses `date.today()`, `datetime.now()`, `datetime.utcnow()`,
`time.time()` and piccolo's own `TimestamptzNow` default anywhere else.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


def real_today() -> dt.date:
    """Today's date in Beijing, whatever the server's time zone."""
    return dt.datetime.now(LOCAL).date()


CLOCK: Callable[[], dt.date] = real_today  # the app may pin it (tests travel in time)


def real_wall() -> dt.datetime:
    return dt.datetime.now(LOCAL)


WALL: Callable[[], dt.datetime] = real_wall  # the time of day in Beijing (tests may fix it)


def today() -> dt.date:
    return CLOCK()


def now_local() -> dt.datetime:
    """The product's day at the real local (Beijing) time of day, aware in Asia/Shanghai."""
    return dt.datetime.combine(today(), WALL().astimezone(LOCAL).timetz())


def now() -> dt.datetime:
    """The product's moment, aware in UTC: what every stored timestamp records."""
    return now_local().astimezone(UTC)


def moment_on(day: dt.date) -> dt.datetime:
    """A moment on another Beijing day at the real time of day, aware in UTC: what a record
    of something done on that day (a backdated history, the demo's past) is stamped with."""
    return dt.datetime.combine(day, WALL().astimezone(LOCAL).timetz()).astimezone(UTC)


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of a Beijing day, aware in UTC."""
    return dt.datetime.combine(day, dt.time(), tzinfo=LOCAL).astimezone(UTC)


def instant() -> dt.datetime:
    """Physical time, aware in UTC (never pinned): expiry and heartbeats."""
    return dt.datetime.now(UTC)


def epoch_seconds() -> float:
    """Physical time in seconds since the epoch (never pinned): throttle windows."""
    return time.time()


def local(moment: dt.datetime) -> dt.datetime:
    """A stored moment as Beijing reads it (a naive value is taken to be UTC, as stored)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL)


def local_day(moment: dt.datetime) -> dt.date:
    """The Beijing date of a stored moment."""
    return local(moment).date()


def shown(moment: dt.datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored moment as text for a person (pages, Excel, PDF, notices): Beijing time."""
    return "—" if moment is None else local(moment).strftime(pattern)
