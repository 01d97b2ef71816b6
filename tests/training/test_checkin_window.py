"""Venue check-in counts only around the session: from an hour before it starts to half an
hour after it ends, on its day. The rule is one comparison of (day, minute) pairs; checked
here against an independent statement of it over any day and time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from training.enrolment import CHECKIN_EARLY, CHECKIN_LATE, checkin_refusal

LOCAL = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 12, 17)


def at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL)


def test_the_window_around_a_morning_session() -> None:
    start, end = 9 * 60, 11 * 60 + 30  # 09:00–11:30
    assert checkin_refusal(DAY, start, end, at(DAY, 7, 59)) is not None
    assert checkin_refusal(DAY, start, end, at(DAY, 8, 0)) is None  # an hour early
    assert checkin_refusal(DAY, start, end, at(DAY, 12, 0)) is None  # half an hour late
    late = checkin_refusal(DAY, start, end, at(DAY, 12, 1))
    assert late is not None and "签到已经结束" in late and "08:00–12:00" in late
    early = checkin_refusal(DAY, start, end, at(DAY - dt.timedelta(days=21), 9, 0))
    assert early is not None and "签到尚未开始" in early and "09:00 开始" in early
    assert checkin_refusal(DAY, start, end, at(DAY + dt.timedelta(days=1), 9, 0)) is not None


@given(
    start=st.integers(0, 23 * 60),
    length=st.integers(30, 9 * 60),
    offset_days=st.integers(-30, 30),
    minute=st.integers(0, 24 * 60 - 1),
)
def test_a_scan_counts_exactly_inside_the_window(
    start: int, length: int, offset_days: int, minute: int
) -> None:
    end = min(start + length, 24 * 60 - 1)
    now = at(DAY + dt.timedelta(days=offset_days), minute // 60, minute % 60)
    inside = offset_days == 0 and start - CHECKIN_EARLY <= minute <= end + CHECKIN_LATE
    assert (checkin_refusal(DAY, start, end, now) is None) == inside
