"""kefu.lib.durations: remaining and overdue time in readable units that say working or clock time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from kefu.commitments import rules
from kefu.lib.durations import TimeLeft, format_amount, format_time_left, time_basis_help

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
D = dt.timedelta(days=1)
WORKDAY = dt.timedelta(hours=7)  # 08:30–12:00, 14:00–17:30


@pytest.fixture(autouse=True)
def _english() -> object:
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (45 * M, "45 min left (clock time)"),
        (45 * M + dt.timedelta(seconds=59), "45 min left (clock time)"),  # cut, not rounded
        (dt.timedelta(seconds=20), "1 min left (clock time)"),  # not "0 min" while time is left
        (dt.timedelta(0), "0 min left (clock time)"),
        (3 * H, "3 h left (clock time)"),
        (3 * H + 20 * M, "3 h 20 min left (clock time)"),
        (23 * H + 59 * M, "23 h 59 min left (clock time)"),
        (D, "1 d left (clock time)"),
        (2 * D + 3 * H + 59 * M, "2 d 3 h left (clock time)"),  # minutes dropped beyond a day
        (59 * D + 23 * H, "59 d 23 h left (clock time)"),
        (60 * D, "2 mo left (clock time)"),  # 60 days and more: months of 30 days
        (-(45 * M), "45 min overdue (clock time)"),
        (-(3 * D), "3 d overdue (clock time)"),
        # the "−3998 小时 55 分钟": 166 days 14 h 55 min overdue
        (-(3998 * H + 55 * M), "5 mo overdue (clock time)"),
        (-(516 * D), "17 mo overdue (clock time)"),  # 17 months-old orders
    ],
)
def test_clock_time(delta: dt.timedelta, text: str) -> None:
    assert format_time_left(TimeLeft(delta)) == text


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (5 * H, "5 working h left"),
        (30 * M, "30 working min left"),
        (6 * H + 59 * M, "6 working h 59 working min left"),
        (7 * H, "1 working d left"),  # one working day of this calendar
        (8 * H, "1 working d 1 working h left"),
        (37 * H + 30 * M, "5 working d 2 working h left"),
        (-(2 * H), "2 working h overdue"),
        (-(357 * WORKDAY), "357 working d overdue"),  # working time is never told in months
    ],
)
def test_working_time(delta: dt.timedelta, text: str) -> None:
    assert format_time_left(TimeLeft(delta, working=True, working_day=WORKDAY)) == text


def test_overdue_flag_and_no_minus_sign() -> None:
    late = TimeLeft(-(3998 * H + 55 * M), working=True, working_day=WORKDAY)
    assert late.overdue and not TimeLeft(H).overdue and not TimeLeft(dt.timedelta(0)).overdue
    text = format_time_left(late)
    assert text == "571 working d 1 working h overdue"  # 3998 h 55 min = 571 × 7 h + 1 h 55 min
    assert "−" not in text and "-" not in text


def test_amount_refuses_a_negative_duration() -> None:
    with pytest.raises(ValueError):
        format_amount(-M)


def test_tooltips_say_what_counts() -> None:
    assert time_basis_help(True).startswith("Working time:")
    assert time_basis_help(False).startswith("Clock time:")


def test_working_day_length_of_calendars() -> None:
    office = rules.WorkCalendar(
        "Asia/Shanghai",
        week=rules.office_week((dt.time(8, 30), dt.time(12)), (dt.time(14), dt.time(17, 30))),
    )
    assert rules.working_day_length(office) == WORKDAY
    # Saturday mornings too: (5 × 7 h + 3 h) / 6 working weekdays
    week = list(office.week)
    week[5] = ((dt.time(9), dt.time(12)),)
    saturdays = rules.WorkCalendar("Asia/Shanghai", week=tuple(week))
    assert rules.working_day_length(saturdays) == dt.timedelta(hours=38) / 6
    assert rules.working_day_length(rules.WorkCalendar("Asia/Shanghai", is_24x7=True)) == D
