"""公示: a published result is open to appeals from the day it is published to the period's
last day, both included; it is final (定稿) once the period is over and every appeal is
decided. One rule for every kind of result."""

from __future__ import annotations

import datetime as dt

import msgspec


class Publicity(msgspec.Struct, frozen=True, kw_only=True):
    starts_on: dt.date | None  # the day the results were published (None: not yet)
    ends_on: dt.date | None  # the period's last day (None: published before 公示 existed)
    open: bool  # appeals are accepted today
    pending: int  # appeals waiting for a decision
    final: bool  # the period is over and every appeal decided


def appeals_open(starts_on: dt.date | None, ends_on: dt.date | None, on: dt.date) -> bool:
    """公示 runs from the day the results are published to its last day, both included."""
    return starts_on is not None and ends_on is not None and starts_on <= on <= ends_on


def publicity_of(
    starts_on: dt.date | None, ends_on: dt.date | None, pending: int, on: dt.date
) -> Publicity:
    """Results published without a period (before 公示 existed) are final at once."""
    is_open = appeals_open(starts_on, ends_on, on)
    return Publicity(
        starts_on=starts_on,
        ends_on=ends_on,
        open=is_open,
        pending=pending,
        final=starts_on is not None and not is_open and pending == 0,
    )
