"""The demo county's story laid out on the calendar, relative to the product's date.

Every date the demo writes comes from here, so the story holds whatever day it is loaded on:
the rules it goes through (cycle dates, reporting windows, project and milestone ranges,
公示 after results, 约谈 after they are final) accept it on January 1, on the last day of a
reporting window, on February 29 and on December 31. Pure: `tests/web/test_demo_calendar.py`
checks the rules on generated days, `tests/storage/test_demo_any_day.py` loads the demo."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

PAST_CYCLES = (2, 1)  # years ago
PROJECT_LEAD_DAYS = 41  # the longest-late milestone is 40 days late, yellow the day after
PROJECT_START = (1, 10)  # key projects start on 10 January of their year
CURRENT_CYCLE_OPEN_DAYS = 5  # the current 360 cycle opened this many days ago
CURRENT_CYCLE_DAYS = 21  # and runs three weeks


@dataclass(frozen=True)
class CycleDates:
    year: int
    opens_on: dt.date
    closes_on: dt.date
    remind_on: dt.date
    published_on: dt.date | None  # None: still open

    @property
    def name(self) -> str:
        return f"{self.year}年度干部综合评价"


@dataclass(frozen=True)
class Milestone:
    late_days: int | None  # days late as of the story's day; None: the one on schedule
    due_on: dt.date
    project_year: int


@dataclass(frozen=True)
class DemoCalendar:
    today: dt.date

    # --- the 360 cycles -------------------------------------------------------------------
    def past_cycle(self, years_ago: int) -> CycleDates:
        """Past annual cycles ran in November and were published for 公示 on the 28th."""
        year = self.today.year - years_ago
        return CycleDates(
            year=year,
            opens_on=dt.date(year, 11, 2),
            closes_on=dt.date(year, 11, 23),
            remind_on=dt.date(year, 11, 16),
            published_on=dt.date(year, 11, 28),
        )

    def training_round(self) -> dt.date:
        """The spring after the first past cycle: its plan starts on 2 March."""
        return dt.date(self.past_cycle(PAST_CYCLES[0]).year + 1, 3, 2)

    def current_cycle(self) -> CycleDates:
        """This year's cycle opened a few days ago and runs three weeks; it carries this year
        (on 1–5 January it opened late last December), so no demo cycle shares its name."""
        opens = self.today - dt.timedelta(days=CURRENT_CYCLE_OPEN_DAYS)
        closes = opens + dt.timedelta(days=CURRENT_CYCLE_DAYS)
        return CycleDates(
            year=self.today.year,
            opens_on=opens,
            closes_on=closes,
            remind_on=closes - dt.timedelta(days=7),
            published_on=None,
        )

    def catalogue_start(self) -> dt.date:
        """The coming workshops start in two weeks."""
        return self.today + dt.timedelta(days=14)

    # --- the town scorecard ---------------------------------------------------------------
    @property
    def last_year(self) -> int:
        return self.today.year - 1

    @property
    def this_year(self) -> int:
        return self.today.year

    def reported_quarters(self, deadlines: list[dt.date]) -> list[int]:
        """Quarters whose reporting deadline has passed (every town reported them)."""
        return [q for q, deadline in enumerate(deadlines, start=1) if deadline < self.today]

    @staticmethod
    def report_day(deadline: dt.date) -> dt.date:
        """Towns report three days before the deadline (inside the window)."""
        return deadline - dt.timedelta(days=3)

    def year_results_published(self, q4_deadline: dt.date) -> dt.date | None:
        """Last year's results go to 公示 five days after the Q4 deadline — never before the
        Q4 figures they are made of — or today, if that is sooner; None before the deadline."""
        if q4_deadline >= self.today:
            return None
        return min(self.today, q4_deadline + dt.timedelta(days=5))

    def interview_day(self, published_on: dt.date | None, publicity_days: int) -> dt.date | None:
        """The lowest town's 约谈 is held three days after 公示 ends, if that day has come."""
        if published_on is None:
            return None
        held = published_on + dt.timedelta(days=publicity_days + 3)
        return held if held <= self.today else None

    @property
    def project_year(self) -> int:
        """The year whose key projects carry the late milestones: this year once it is old
        enough for a milestone to be 40 days late, else last year."""
        start = dt.date(self.today.year, *PROJECT_START)
        if self.today >= start + dt.timedelta(days=PROJECT_LEAD_DAYS):
            return self.today.year
        return self.today.year - 1

    def project_span(self, year: int) -> tuple[dt.date, dt.date]:
        return dt.date(year, *PROJECT_START), dt.date(year, 12, 31)

    def late_milestone(self, late_days: int) -> Milestone:
        year = self.project_year
        as_of = min(self.today, self.project_span(year)[1])
        return Milestone(late_days, as_of - dt.timedelta(days=late_days), year)

    def upcoming_milestone(self) -> Milestone:
        """On schedule: due in a month, within this year's project span (on 31 December it is
        due that day, not late)."""
        year = self.today.year
        due = min(self.today + dt.timedelta(days=30), self.project_span(year)[1])
        return Milestone(None, due, year)

    def sweep_days(self) -> list[dt.date]:
        """The days the card sweep ran: the long-late milestone turned yellow the day after it
        was due and red after the grace period; the last sweep is today."""
        as_of = min(self.today, self.project_span(self.project_year)[1])
        days = [as_of - dt.timedelta(days=39), as_of - dt.timedelta(days=20), as_of, self.today]
        return sorted(set(days))
