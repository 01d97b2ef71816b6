"""The column default for "when this row was written": the product's clock, not the host's.

piccolo's own `TimestamptzNow` reads the real time; a pinned day (`CADRE360_TODAY`) would then
stamp rows with a date the rules never saw. The database-side default stays
`current_timestamp` (the migrations' DDL is unchanged); every insert made through piccolo
passes this value."""

from __future__ import annotations

import datetime

from piccolo.columns.defaults.timestamptz import TimestamptzNow

from evaluation import clock


class ClockNow(TimestamptzNow):
    def python(self) -> datetime.datetime:
        return clock.now()
