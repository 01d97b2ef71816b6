"""Cycle dates that agree with each other and with today: what a state move should warn about
before the office confirms it, and the dates the "新建考核周期" form proposes. Pure."""

from __future__ import annotations

import datetime as dt

import msgspec

from evaluation.cycles.schemas import CycleRecord

PROPOSED_DAYS = 19  # a proposed 评价期 runs three weeks (first to last day inclusive: 20)
PROPOSED_REMINDER = 5  # the reminder goes out five days before it closes
PROPOSED_START = (12, 1)  # an annual cycle is proposed for December


class DateWarning(msgspec.Struct, frozen=True):
    """Something about a move's dates the office should know before confirming it."""

    code: str  # early | past | overlap | before_close
    day: dt.date | None = None  # the date it is about
    other: str = ""  # the other cycle's name (overlap)
    other_opens: dt.date | None = None
    other_closes: dt.date | None = None


class ProposedCycle(msgspec.Struct, frozen=True):
    name: str
    year: int
    opens_on: dt.date
    closes_on: dt.date
    remind_on: dt.date


def reminders_due(remind_on: dt.date | None, closes_on: dt.date, today: dt.date) -> bool:
    """Raters are chased from the reminder date on (that day included); a cycle without one
    from its closing day, the last day to answer."""
    return today >= (remind_on or closes_on)


def overlaps(a_opens: dt.date, a_closes: dt.date, b_opens: dt.date, b_closes: dt.date) -> bool:
    """Two 评价期 share a day (both ends inclusive)."""
    return a_opens <= b_closes and b_opens <= a_closes


def same_kind(a: CycleRecord, b: CycleRecord) -> bool:
    """Cycles of the same period ask the same people (every active cadre) the same questions."""
    return a.period == b.period


def move_warnings(
    action: str, cycle: CycleRecord, others: list[CycleRecord], today: dt.date
) -> list[DateWarning]:
    """Opening before the start date, opening a 评价期 already over, opening over another cycle
    of the same kind that is running or done, closing before the announced closing date."""
    warnings: list[DateWarning] = []
    if action in ("open", "reopen"):
        if action == "open" and today < cycle.opens_on:
            warnings.append(DateWarning("early", cycle.opens_on))
        if cycle.closes_on < today:
            warnings.append(DateWarning("past", cycle.closes_on))
        for other in others:
            if (
                other.id != cycle.id
                and other.state != "draft"
                and same_kind(cycle, other)
                and overlaps(cycle.opens_on, cycle.closes_on, other.opens_on, other.closes_on)
            ):
                warnings.append(
                    DateWarning(
                        "overlap",
                        other=other.name,
                        other_opens=other.opens_on,
                        other_closes=other.closes_on,
                    )
                )
    elif action == "close" and today < cycle.closes_on:
        warnings.append(DateWarning("before_close", cycle.closes_on))
    return warnings


def propose_cycle(today: dt.date, existing: list[CycleRecord]) -> ProposedCycle:
    """The annual cycle the new-cycle form proposes: this year's (next year's once this
    year has one), in December or from today if December has begun, after every cycle of the
    same kind that would overlap it; its name is not taken."""
    annual = [c for c in existing if c.period == "annual"]
    taken_years = {c.year for c in annual}
    year = today.year
    while year in taken_years:
        year += 1
    opens = max(today, dt.date(year, *PROPOSED_START))
    while True:  # each pass moves past at least one cycle: it ends
        closes = opens + dt.timedelta(days=PROPOSED_DAYS)
        clash = [c for c in annual if overlaps(opens, closes, c.opens_on, c.closes_on)]
        if not clash:
            break
        opens = max(c.closes_on for c in clash) + dt.timedelta(days=1)
    names = {c.name for c in existing}
    name = f"{year}年度干部综合评价"
    suffix = 2
    while name in names:
        name = f"{year}年度干部综合评价（{suffix}）"
        suffix += 1
    return ProposedCycle(
        name=name,
        year=year,
        opens_on=opens,
        closes_on=closes,
        remind_on=closes - dt.timedelta(days=PROPOSED_REMINDER),
    )
