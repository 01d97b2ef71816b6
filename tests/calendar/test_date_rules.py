"""Every rule that depends on the date, on generated dates: reporting windows and deadlines,
公示 periods (the 360's and the town year's), card sweeps and the grace period, training
check-in, reminder due dates, plans moved across years and leap days. Each property states
the rule independently of the code, boundaries included: the last day of a period is inside
it, the day after is not."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from evaluation.appeals.publicity import appeals_open
from evaluation.cycles.calendar import (
    move_warnings,
    overlaps,
    propose_cycle,
    reminders_due,
)
from evaluation.cycles.schemas import CycleRecord
from evaluation.results.appeals import publicity_of
from evaluation.scorecard.cards import new_yellow, turning_red
from evaluation.scorecard.plan import CardRule, moved_to_year, plan_for_year, same_day_in
from evaluation.scorecard.reporting import open_quarter, window_opens
from training.enrolment import checkin_refusal

DAYS = st.dates(dt.date(2001, 1, 1), dt.date(2098, 12, 31))
YEARS = st.integers(2001, 2098)
SPAN = st.integers(0, 400)
PLAN = plan_for_year(2026)
ONE = dt.timedelta(days=1)


def cycle(
    opens: dt.date,
    closes: dt.date,
    *,
    id: int = 1,
    state: str = "draft",
    period: str = "annual",
    year: int | None = None,
    name: str = "周期",
    remind: dt.date | None = None,
    publicity_ends: dt.date | None = None,
) -> CycleRecord:
    return CycleRecord(
        id=id,
        name=name,
        period=period,
        year=year or opens.year,
        quarter=None,
        rubric_id=1,
        rubric_name="r",
        rubric_version="1",
        weights={},
        peers_per_cadre=4,
        opens_on=opens,
        closes_on=closes,
        remind_on=remind,
        state=state,
        publicity_ends_on=publicity_ends,
    )


# --- towns: reporting windows ---------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(YEARS, st.integers(-40, 500))
def test_a_quarter_is_open_from_its_window_to_its_deadline_inclusive(
    year: int, offset: int
) -> None:
    plan = moved_to_year(PLAN, year)
    day = dt.date(year, 1, 1) + dt.timedelta(days=offset)
    expected = [q for q in (1, 2, 3, 4) if dt.date(year, 3 * q - 1, 1) <= day <= plan.deadline(q)]
    assert open_quarter(plan, day) == (expected[-1] if expected else None)


@settings(max_examples=200, deadline=None)
@given(YEARS, st.sampled_from([1, 2, 3, 4]))
def test_the_deadline_is_the_last_day_to_report(year: int, quarter: int) -> None:
    plan = moved_to_year(PLAN, year)
    deadline = plan.deadline(quarter)
    assert open_quarter(plan, deadline) == quarter
    assert open_quarter(plan, window_opens(plan, quarter)) == quarter
    assert open_quarter(plan, deadline + ONE) != quarter
    assert open_quarter(plan, window_opens(plan, quarter) - ONE) != quarter


@settings(max_examples=200, deadline=None)
@given(YEARS, YEARS)
def test_a_plan_moves_to_any_year_even_from_a_leap_day(source: int, target: int) -> None:
    leap = next(y for y in range(source, source + 8) if y % 4 == 0 and (y % 100 or y % 400 == 0))
    plan = moved_to_year(PLAN, leap)
    with_leap_day = plan.__class__(
        **{
            **{f: getattr(plan, f) for f in plan.__struct_fields__},
            "deadlines": [dt.date(leap, 2, 29), *plan.deadlines[1:]],
        }
    )
    moved = moved_to_year(with_leap_day, target)
    assert moved.year == target
    leap_target = target % 4 == 0 and (target % 100 != 0 or target % 400 == 0)
    assert moved.deadlines[0] == dt.date(target, 2, 29 if leap_target else 28)
    assert all(a < b for a, b in zip(moved.deadlines, moved.deadlines[1:], strict=False))
    assert same_day_in(dt.date(2028, 2, 29), 2027) == dt.date(2027, 2, 28)


# --- 公示 -------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(DAYS, st.integers(5, 30), st.integers(-3, 40))
def test_360_publicity_includes_its_last_day(published: dt.date, days: int, after: int) -> None:
    ends = published + dt.timedelta(days=days)
    on = published + dt.timedelta(days=after)
    c = cycle(published - dt.timedelta(days=30), published, state="published", publicity_ends=ends)
    state = publicity_of(c, pending=0, on=on)
    assert state.open == (on <= ends)
    assert state.final == (on > ends)
    assert publicity_of(c, pending=0, on=ends).open  # the last day: appeals accepted
    assert not publicity_of(c, pending=0, on=ends + ONE).open


@settings(max_examples=300, deadline=None)
@given(DAYS, st.integers(5, 30), st.integers(-3, 40))
def test_town_publicity_runs_from_publication_to_its_last_day(
    published: dt.date, days: int, after: int
) -> None:
    ends = published + dt.timedelta(days=days)
    on = published + dt.timedelta(days=after)
    assert appeals_open(published, ends, on) == (published <= on <= ends)
    assert appeals_open(published, ends, ends) and not appeals_open(published, ends, ends + ONE)
    assert not appeals_open(None, None, on)


# --- cards ----------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(DAYS, st.integers(0, 60), st.integers(0, 90), st.booleans())
def test_cards_follow_the_due_date_and_the_grace_period(
    due: dt.date, grace: int, late: int, yellow_already: bool
) -> None:
    on = due + dt.timedelta(days=late)
    milestones = pl.DataFrame(
        {"milestone_id": [1], "due_on": [due], "done_on": [None]},
        schema={"milestone_id": pl.Int64, "due_on": pl.Date, "done_on": pl.Date},
    )
    cards = pl.DataFrame(
        {"card_id": [7], "milestone_id": [1], "colour": ["yellow"], "state": ["open"]}
        if yellow_already
        else {"card_id": [], "milestone_id": [], "colour": [], "state": []},
        schema={
            "card_id": pl.Int64,
            "milestone_id": pl.Int64,
            "colour": pl.String,
            "state": pl.String,
        },
    )
    yellow = new_yellow(milestones, cards, on)
    assert yellow == ([1] if on > due and not yellow_already else [])  # the day after its date
    red = turning_red(milestones, cards, on, CardRule(grace_days=grace))
    assert red == ([7] if yellow_already and on > due + dt.timedelta(days=grace) else [])
    done = milestones.with_columns(done_on=pl.lit(due))  # done on its date: never carded
    assert new_yellow(done, cards, on) == [] and turning_red(done, cards, on, CardRule()) == []


@settings(max_examples=300, deadline=None)
@given(DAYS, st.integers(0, 60), st.integers(0, 90), st.integers(-90, 90))
def test_a_milestone_done_late_is_carded_by_when_it_was_done(
    due: dt.date, grace: int, done_late: int, swept_after: int
) -> None:
    """However late the sweep runs, the card says how late the work was; a sweep of a day
    before the work was done (the daily job catching up days it missed) sees the milestone
    as open on that day, no later."""
    done = due + dt.timedelta(days=done_late)
    on = done + dt.timedelta(days=swept_after)
    open_until = min(done, on)
    milestones = pl.DataFrame(
        {"milestone_id": [1], "due_on": [due], "done_on": [done]},
        schema={"milestone_id": pl.Int64, "due_on": pl.Date, "done_on": pl.Date},
    )
    none = pl.DataFrame(
        schema={
            "card_id": pl.Int64,
            "milestone_id": pl.Int64,
            "colour": pl.String,
            "state": pl.String,
        }
    )
    assert new_yellow(milestones, none, on) == ([1] if open_until > due else [])
    yellow = pl.DataFrame(
        {"card_id": [7], "milestone_id": [1], "colour": ["yellow"], "state": ["open"]},
        schema=none.schema,
    )
    red = turning_red(milestones, yellow, on, CardRule(grace_days=grace))
    assert red == ([7] if open_until > due + dt.timedelta(days=grace) else [])


def test_only_an_open_yellow_card_turns_red() -> None:
    """A card already red, or a yellow one the office closed, never turns (again): a mutant
    dropping either condition survived make mutate."""
    due = dt.date(2026, 3, 31)
    milestones = pl.DataFrame(
        {"milestone_id": [1, 2, 3], "due_on": [due] * 3, "done_on": [None] * 3},
        schema={"milestone_id": pl.Int64, "due_on": pl.Date, "done_on": pl.Date},
    )
    cards = pl.DataFrame(
        {
            "card_id": [7, 8, 9],
            "milestone_id": [1, 2, 3],
            "colour": ["yellow", "red", "yellow"],
            "state": ["open", "open", "closed"],
        }
    )
    assert turning_red(milestones, cards, dt.date(2026, 6, 30), CardRule(grace_days=14)) == [7]


# --- training check-in ----------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    DAYS,
    st.integers(0, 22 * 60),
    st.integers(30, 240),
    st.integers(-2 * 24 * 60, 2 * 24 * 60),
)
def test_check_in_counts_from_an_hour_before_to_half_an_hour_after(
    day: dt.date, start: int, length: int, offset: int
) -> None:
    end = min(start + length, 24 * 60 - 1)
    moment = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=start + offset)
    opens = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=max(start - 60, 0))
    closes = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=min(end + 30, 24 * 60 - 1))
    moment = moment.replace(second=0)
    inside = opens <= moment <= closes
    assert (checkin_refusal(day, start, end, moment) is None) == inside


# --- 360 cycles -----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(DAYS, SPAN, st.one_of(st.none(), st.integers(0, 30)), st.integers(-10, 60))
def test_reminders_are_due_from_the_reminder_date_inclusive(
    opens: dt.date, length: int, remind_after: int | None, offset: int
) -> None:
    closes = opens + dt.timedelta(days=length + 1)
    remind = None if remind_after is None else min(opens + dt.timedelta(days=remind_after), closes)
    today = opens + dt.timedelta(days=offset)
    assert reminders_due(remind, closes, today) == (today >= (remind or closes))
    if remind is not None:
        assert reminders_due(remind, closes, remind) and not reminders_due(
            remind, closes, remind - ONE
        )


CYCLES = st.lists(
    st.tuples(DAYS, st.integers(1, 60), st.sampled_from(["annual", "quarterly"])),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(DAYS, CYCLES)
def test_the_proposed_cycle_never_collides_with_an_existing_one(
    today: dt.date, existing: list[tuple[dt.date, int, str]]
) -> None:
    records = [
        cycle(
            opens,
            opens + dt.timedelta(days=length),
            id=i,
            period=period,
            name=f"{opens.year}年度干部综合评价",
            state="open",
        )
        for i, (opens, length, period) in enumerate(existing, start=1)
    ]
    proposed = propose_cycle(today, records)
    assert proposed.opens_on >= today
    assert proposed.opens_on <= proposed.remind_on <= proposed.closes_on
    assert proposed.name not in {r.name for r in records}
    annual = [r for r in records if r.period == "annual"]
    assert proposed.year not in {r.year for r in annual}
    for r in annual:
        assert not overlaps(proposed.opens_on, proposed.closes_on, r.opens_on, r.closes_on)
    draft = cycle(proposed.opens_on, proposed.closes_on, id=99, year=proposed.year)
    assert "overlap" not in {w.code for w in move_warnings("open", draft, records, today)}


@settings(max_examples=300, deadline=None)
@given(DAYS, SPAN, DAYS, SPAN, DAYS, st.sampled_from(["draft", "open", "closed", "published"]))
def test_move_warnings_say_why_before_the_office_confirms(
    opens: dt.date,
    length: int,
    other_opens: dt.date,
    other_length: int,
    today: dt.date,
    other_state: str,
) -> None:
    assume(length > 0)
    mine = cycle(opens, opens + dt.timedelta(days=length))
    other = cycle(
        other_opens, other_opens + dt.timedelta(days=other_length), id=2, state=other_state
    )
    codes = [w.code for w in move_warnings("open", mine, [mine, other], today)]
    assert ("early" in codes) == (today < mine.opens_on)
    assert ("past" in codes) == (mine.closes_on < today)
    clash = other_state != "draft" and (
        mine.opens_on <= other.closes_on and other.opens_on <= mine.closes_on
    )
    assert ("overlap" in codes) == clash
    closing = [w.code for w in move_warnings("close", mine, [mine, other], today)]
    assert closing == (["before_close"] if today < mine.closes_on else [])


def test_publicity_says_until_when_and_how_many_appeals_wait() -> None:
    last = dt.date(2026, 12, 20)
    record = cycle(
        dt.date(2026, 10, 1), dt.date(2026, 11, 1), id=42, state="published", publicity_ends=last
    )
    shown = publicity_of(record, pending=2, on=last)
    assert (shown.ends_on, shown.pending) == (last, 2) and shown.starts_on is not None
    assert shown.open and not shown.final
