"""The demo's story on the calendar (`app/demo/calendar.py`): on any day from 2000 to 2099,
every date it lays out obeys the rule that will judge it — the same rules the services
enforce when the demo is loaded (`test_demo_any_day.py` loads it on chosen days)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from app.demo.calendar import PAST_CYCLES, DemoCalendar
from evaluation.scorecard.plan import moved_to_year, plan_for_year

DAYS = st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31))
PLAN = plan_for_year(2026)


def deadlines(year: int) -> list[dt.date]:
    plan = moved_to_year(PLAN, year)
    return [plan.deadline(q) for q in (1, 2, 3, 4)]


@settings(max_examples=400, deadline=None)
@given(DAYS)
def test_the_360_cycles_are_consistent_on_any_day(today: dt.date) -> None:
    calendar = DemoCalendar(today)
    years = []
    for years_ago in PAST_CYCLES:
        past = calendar.past_cycle(years_ago)
        assert past.opens_on < past.remind_on < past.closes_on
        assert past.published_on is not None and past.closes_on < past.published_on
        assert past.published_on + dt.timedelta(days=30) <= today  # 公示 long over
        years.append(past.year)
    assert calendar.training_round() < today
    current = calendar.current_cycle()
    assert current.opens_on < today < current.closes_on  # open now, and answered already
    assert current.opens_on < current.remind_on < current.closes_on
    assert current.published_on is None
    assert current.name not in {calendar.past_cycle(y).name for y in PAST_CYCLES}
    previous = calendar.past_cycle(PAST_CYCLES[-1])
    assert previous.closes_on < current.opens_on  # no two cycles overlap
    assert calendar.catalogue_start() > today


@settings(max_examples=400, deadline=None)
@given(DAYS)
def test_the_town_year_is_consistent_on_any_day(today: dt.date) -> None:
    calendar = DemoCalendar(today)
    for year in (calendar.last_year, calendar.this_year):
        due = deadlines(year)
        for quarter in calendar.reported_quarters(due):
            reported = calendar.report_day(due[quarter - 1])
            window_opens = dt.date(year, 3 * quarter - 1, 1)
            assert window_opens <= reported <= due[quarter - 1] < today
    last_q4 = deadlines(calendar.last_year)[3]
    published = calendar.year_results_published(last_q4)
    if last_q4 >= today:  # Q4 still being reported: nothing published
        assert published is None
    else:  # published after the Q4 figures exist, never in the future
        assert published is not None
        assert calendar.report_day(last_q4) < published <= today
        assert 4 in calendar.reported_quarters(deadlines(calendar.last_year))
    held = calendar.interview_day(published, 7)
    if held is not None:
        assert published is not None and published + dt.timedelta(days=7) < held <= today


@settings(max_examples=400, deadline=None)
@given(DAYS)
def test_milestones_fall_inside_their_projects_on_any_day(today: dt.date) -> None:
    calendar = DemoCalendar(today)
    for late in (5, 30, 40):
        milestone = calendar.late_milestone(late)
        starts, ends = calendar.project_span(milestone.project_year)
        assert starts <= milestone.due_on <= ends
        assert milestone.due_on < today  # really late
        assert milestone.project_year in (today.year, today.year - 1)
    upcoming = calendar.upcoming_milestone()
    starts, ends = calendar.project_span(upcoming.project_year)
    assert starts <= upcoming.due_on <= ends and upcoming.due_on >= today
    sweeps = calendar.sweep_days()
    assert sweeps == sorted(sweeps) and sweeps[-1] == today
    longest = calendar.late_milestone(40).due_on
    assert sweeps[0] == longest + dt.timedelta(days=1)  # yellow the day after it was due


def test_early_in_the_year_the_late_projects_are_last_years() -> None:
    assert DemoCalendar(dt.date(2027, 1, 1)).project_year == 2026
    assert DemoCalendar(dt.date(2027, 2, 19)).project_year == 2026
    assert DemoCalendar(dt.date(2027, 2, 20)).project_year == 2027
    assert DemoCalendar(dt.date(2026, 12, 31)).upcoming_milestone().due_on == dt.date(2026, 12, 31)
