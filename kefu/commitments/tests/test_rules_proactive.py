"""Pure rules of proactive service: the 24-hour maintenance notice, reminder windows, care-visit dates."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.commitments.rules_proactive import (
    NoticeVerdict,
    add_months,
    care_visits_due,
    maintenance_notice,
    reminder_window,
)
from kefu.testing.clock import sh

SH = ZoneInfo("Asia/Shanghai")

at = sh  # a moment in the branch's time zone


@pytest.mark.parametrize(
    ("now", "starts", "ends", "verdict"),
    [
        (
            at(2026, 3, 9, 9, 0),
            at(2026, 3, 10, 9, 0),
            at(2026, 3, 10, 17, 0),
            NoticeVerdict.OK,
        ),  # exactly 24 h
        (at(2026, 3, 9, 9, 1), at(2026, 3, 10, 9, 0), at(2026, 3, 10, 17, 0), NoticeVerdict.NEEDS_OVERRIDE),
        (at(2026, 3, 10, 8, 0), at(2026, 3, 10, 9, 0), at(2026, 3, 10, 17, 0), NoticeVerdict.NEEDS_OVERRIDE),
        (at(2026, 3, 10, 9, 0), at(2026, 3, 10, 9, 0), at(2026, 3, 10, 17, 0), NoticeVerdict.IN_THE_PAST),
        (at(2026, 3, 1, 9, 0), at(2026, 3, 10, 17, 0), at(2026, 3, 10, 9, 0), NoticeVerdict.BAD_PERIOD),
        (at(2026, 3, 1, 9, 0), at(2026, 3, 10, 9, 0), at(2026, 3, 10, 9, 0), NoticeVerdict.BAD_PERIOD),
    ],
)
def test_maintenance_notice(now, starts, ends, verdict) -> None:  # type: ignore[no-untyped-def]
    assert maintenance_notice(now, starts, ends) == verdict


def test_maintenance_notice_compares_instants_not_wall_clocks() -> None:
    utc_now = dt.datetime(2026, 3, 9, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai
    assert maintenance_notice(utc_now, at(2026, 3, 10, 9, 0), at(2026, 3, 10, 12, 0)) == NoticeVerdict.OK
    assert (
        maintenance_notice(utc_now, at(2026, 3, 10, 8, 59), at(2026, 3, 10, 12, 0))
        == NoticeVerdict.NEEDS_OVERRIDE
    )


def test_reminder_window() -> None:
    assert reminder_window(dt.date(2026, 12, 20), 15) == (dt.date(2026, 12, 20), dt.date(2027, 1, 4))
    with pytest.raises(ValueError):
        reminder_window(dt.date(2026, 12, 20), -1)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
        (dt.date(2026, 3, 15), 12, dt.date(2027, 3, 15)),
        (dt.date(2026, 3, 15), -3, dt.date(2025, 12, 15)),
    ],
)
def test_add_months(day, months, expected) -> None:  # type: ignore[no-untyped-def]
    assert add_months(day, months) == expected


def test_care_visit_due_today_and_not_yet() -> None:
    step = care_visits_due(dt.date(2026, 11, 23), 12, dt.date(2026, 11, 23))
    assert step.visits == (dt.date(2026, 11, 23),) and step.next_due == dt.date(2027, 11, 23)
    step = care_visits_due(dt.date(2026, 11, 24), 12, dt.date(2026, 11, 23))
    assert step.visits == () and step.next_due == dt.date(2026, 11, 24)


def test_care_plan_that_fell_behind_makes_one_visit_and_keeps_its_rhythm() -> None:
    # quarterly plan anchored on 31 January, the worker was stopped until 10 September
    step = care_visits_due(dt.date(2026, 1, 31), 3, dt.date(2026, 9, 10))
    assert step.visits == (dt.date(2026, 1, 31),)
    assert step.next_due == dt.date(2026, 10, 31)


@given(
    st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31)),
    st.integers(min_value=1, max_value=24),
    st.integers(min_value=0, max_value=2000),
)
def test_care_next_due_is_always_after_today(first: dt.date, every: int, days_later: int) -> None:
    today = first + dt.timedelta(days=days_later)
    step = care_visits_due(first, every, today)
    assert step.next_due > today
    assert len(step.visits) == 1
    assert step.visits[0] == first
