"""Working days, working time and calendar hours on real 2025/2026 Chinese calendars (R-13)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.commitments.rules import (
    CalendarDataMissing,
    WorkCalendar,
    add_calendar_hours,
    add_working_days,
    add_working_time,
    hours,
    is_working_day,
    local_periods,
    missing_years,
    next_working_day,
    office_week,
    receipt_day,
    weekly,
    working_periods,
    working_time_between,
)
from kefu.commitments.tests.official import (
    AFTERNOON,
    HOLIDAY_BLOCKS,
    MAKEUP_DAYS,
    MORNING,
    china_calendar,
    holiday_dates,
)
from kefu.testing.clock import local, sh, utc

D = dt.date
T = dt.time
H = dt.timedelta(hours=1)
SHANGHAI = ZoneInfo("Asia/Shanghai")
BUDAPEST = ZoneInfo("Europe/Budapest")
CAL = china_calendar()


def bp(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return local(BUDAPEST, year, month, day, hour, minute)


# --- the official schedule itself -------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2025, 2026])
def test_chinesecalendar_package_agrees_with_the_official_schedule(year):
    """The seed comes from the package: if its data were wrong, the seeded calendars would be wrong."""
    package_off = {d for d in chinese_calendar.holidays if d.year == year}
    package_makeup = {d for d in chinese_calendar.workdays if d.year == year}
    assert package_off == holiday_dates(year)
    assert package_makeup == set(MAKEUP_DAYS[year])
    for first, last, name in HOLIDAY_BLOCKS[year]:
        if name != "National Day":  # 2025's block mixes National Day and Mid-autumn Festival
            assert chinese_calendar.holidays[first] == name
        assert chinese_calendar.holidays[last] in (name, "Mid-autumn Festival")


def test_spring_festival_and_national_day_2026_dates_are_the_official_ones():
    assert (D(2026, 2, 15), D(2026, 2, 23), "Spring Festival") in HOLIDAY_BLOCKS[2026]
    assert (D(2026, 10, 1), D(2026, 10, 7), "National Day") in HOLIDAY_BLOCKS[2026]
    assert {D(2026, 2, 14), D(2026, 2, 28), D(2026, 9, 20), D(2026, 10, 10)} <= set(MAKEUP_DAYS[2026])
    # the package's own API says the same
    assert not chinese_calendar.is_workday(D(2026, 2, 16))
    assert not chinese_calendar.is_workday(D(2026, 2, 23))
    assert chinese_calendar.is_workday(D(2026, 2, 14))
    assert chinese_calendar.is_workday(D(2026, 2, 28))
    assert not chinese_calendar.is_workday(D(2026, 10, 7))
    assert chinese_calendar.is_workday(D(2026, 9, 20))
    assert chinese_calendar.is_workday(D(2026, 10, 10))


def test_chinesecalendar_has_no_2027_schedule_yet():
    """The package raises for 2027 — the reason the calendar table is editable and admins are warned."""
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 3, 1))


# --- working days -----------------------------------------------------------------------------------------


def test_spring_festival_2025_working_days():
    assert is_working_day(D(2025, 1, 24), CAL)  # Friday
    assert not is_working_day(D(2025, 1, 25), CAL)  # Saturday
    assert is_working_day(D(2025, 1, 26), CAL)  # Sunday, make-up day
    assert is_working_day(D(2025, 1, 27), CAL)  # Monday, last day before the holiday
    for day in range(28, 32):
        assert not is_working_day(D(2025, 1, day), CAL)
    for day in range(1, 5):
        assert not is_working_day(D(2025, 2, day), CAL)
    assert is_working_day(D(2025, 2, 5), CAL)
    assert is_working_day(D(2025, 2, 8), CAL)  # Saturday, make-up day
    assert not is_working_day(D(2025, 2, 9), CAL)  # an ordinary Sunday


def test_national_day_2025_working_days():
    assert is_working_day(D(2025, 9, 28), CAL)  # Sunday, make-up day
    assert is_working_day(D(2025, 9, 30), CAL)
    assert [is_working_day(D(2025, 10, d), CAL) for d in range(1, 13)] == [
        False, False, False, False, False, False, False, False,  # Oct 1–8 off
        True, True,  # Thursday, Friday
        True,  # Saturday Oct 11, make-up day
        False,  # Sunday Oct 12
    ]  # fmt: skip


def test_spring_festival_and_national_day_2026_working_days():
    assert is_working_day(D(2026, 2, 13), CAL)  # Friday
    assert is_working_day(D(2026, 2, 14), CAL)  # Saturday, make-up
    assert not any(is_working_day(D(2026, 2, d), CAL) for d in range(15, 24))
    assert is_working_day(D(2026, 2, 24), CAL)
    assert is_working_day(D(2026, 2, 28), CAL)  # Saturday, make-up
    assert is_working_day(D(2026, 9, 20), CAL)  # Sunday, make-up
    assert not is_working_day(D(2026, 9, 25), CAL)  # Mid-autumn Festival, a Friday
    assert not any(is_working_day(D(2026, 10, d), CAL) for d in range(1, 8))
    assert is_working_day(D(2026, 10, 8), CAL)
    assert is_working_day(D(2026, 10, 10), CAL)  # Saturday, make-up


def test_make_up_day_uses_the_configured_weekday_pattern():
    assert local_periods(D(2025, 1, 26), CAL) == (MORNING, AFTERNOON)
    saturday_morning = (T(9, 0), T(12, 0))
    week = weekly({0: [MORNING, AFTERNOON], 1: [MORNING, AFTERNOON], 5: [saturday_morning]})
    cal = china_calendar(week=week, makeup_weekday=5)
    assert local_periods(D(2025, 1, 26), cal) == (saturday_morning,)
    assert working_periods(D(2025, 1, 26), cal) == [(utc(2025, 1, 26, 1, 0), utc(2025, 1, 26, 4, 0))]
    assert local_periods(D(2025, 1, 28), cal) == ()  # holiday (a Tuesday)
    assert local_periods(D(2025, 3, 8), cal) == (saturday_morning,)  # ordinary Saturday
    assert not is_working_day(D(2025, 3, 6), cal)  # Thursday has no periods in this calendar


def test_working_periods_are_utc_instants():
    assert working_periods(D(2025, 3, 3), CAL) == [
        (utc(2025, 3, 3, 0, 30), utc(2025, 3, 3, 4, 0)),
        (utc(2025, 3, 3, 6, 0), utc(2025, 3, 3, 9, 30)),
    ]
    assert working_periods(D(2025, 10, 1), CAL) == []


def test_next_working_day_skips_holidays_and_takes_make_up_days():
    assert next_working_day(D(2025, 1, 27), CAL) == D(2025, 2, 5)
    assert next_working_day(D(2025, 2, 7), CAL) == D(2025, 2, 8)
    assert next_working_day(D(2025, 9, 30), CAL) == D(2025, 10, 9)
    assert next_working_day(D(2026, 2, 13), CAL) == D(2026, 2, 14)
    assert next_working_day(D(2026, 2, 14), CAL) == D(2026, 2, 24)


# --- missing data -----------------------------------------------------------------------------------------


def test_a_year_without_data_raises_instead_of_guessing():
    with pytest.raises(CalendarDataMissing) as info:
        is_working_day(D(2027, 3, 1), CAL)  # an ordinary Monday — still not guessed
    assert info.value.year == 2027
    assert "2027" in str(info.value)
    with pytest.raises(CalendarDataMissing):
        is_working_day(D(2024, 12, 31), CAL)
    with pytest.raises(CalendarDataMissing):
        working_periods(D(2027, 1, 4), CAL)


def test_a_deadline_running_into_2027_raises():
    with pytest.raises(CalendarDataMissing) as info:
        add_working_days(sh(2026, 12, 28, 10, 0), 5, CAL)
    assert info.value.year == 2027
    with pytest.raises(CalendarDataMissing):
        add_working_time(sh(2026, 12, 31, 16, 0), 2 * H, CAL)


def test_computations_inside_known_years_need_nothing_more():
    assert add_working_days(sh(2026, 12, 24, 10, 0), 3, CAL) == sh(2026, 12, 29, 17, 30)
    # ends exactly at the last close of 2026: no need to look into 2027
    assert add_working_time(sh(2026, 12, 31, 16, 0), 1.5 * H, CAL) == sh(2026, 12, 31, 17, 30)
    assert working_time_between(sh(2026, 12, 31, 9, 0), sh(2026, 12, 31, 23, 0), CAL) == 6 * H + 0.5 * H


def test_24x7_calendars_need_no_holiday_data():
    cal = WorkCalendar("Asia/Shanghai", is_24x7=True)
    assert is_working_day(D(2031, 2, 1), cal)
    assert add_working_time(sh(2030, 1, 1, 22, 0), 4 * H, cal) == sh(2030, 1, 2, 2, 0)
    assert working_time_between(sh(2030, 1, 1), sh(2030, 1, 8), cal) == dt.timedelta(days=7)
    assert missing_years([2027, 2028], cal) == []
    assert missing_years([2026, 2027, 2028], CAL) == [2027, 2028]


# --- working days -----------------------------------------------------------------------------------------


def test_17_45_on_the_last_working_day_before_spring_festival_2025():
    start = sh(2025, 1, 27, 17, 45)  # after the 17:30 close
    assert receipt_day(start, CAL) == D(2025, 2, 5)
    # Feb 6, 7, 8 (Saturday make-up), 10, 11
    assert add_working_days(start, 5, CAL) == sh(2025, 2, 11, 17, 30)
    assert add_working_days(start, 3, CAL) == sh(2025, 2, 8, 17, 30)


def test_same_day_before_close_counts_from_that_day():
    start = sh(2025, 1, 27, 10, 0)
    assert receipt_day(start, CAL) == D(2025, 1, 27)
    # Feb 5, 6, 7, 8 (Saturday make-up), 10
    assert add_working_days(start, 5, CAL) == sh(2025, 2, 10, 17, 30)


@pytest.mark.parametrize(
    ("start", "receipt"),
    [
        (sh(2025, 3, 3, 7, 0), D(2025, 3, 3)),  # before opening
        (sh(2025, 3, 3, 12, 30), D(2025, 3, 3)),  # lunch break
        (sh(2025, 3, 3, 17, 29, 59), D(2025, 3, 3)),
        (sh(2025, 3, 3, 17, 30), D(2025, 3, 4)),  # at the close
        (sh(2025, 3, 3, 23, 59), D(2025, 3, 4)),
        (sh(2025, 3, 8, 11, 0), D(2025, 3, 10)),  # Saturday
        (sh(2025, 2, 1, 9, 0), D(2025, 2, 5)),  # in the Spring Festival holiday
        (sh(2025, 2, 8, 9, 0), D(2025, 2, 8)),  # on a make-up Saturday
        (utc(2025, 3, 2, 23, 0), D(2025, 3, 3)),  # Sunday in UTC, Monday 07:00 in Shanghai
    ],
)
def test_receipt_day(start, receipt):
    assert receipt_day(start, CAL) == receipt


def test_n_zero_is_the_close_of_the_receipt_day():
    assert add_working_days(sh(2025, 3, 3, 9, 0), 0, CAL) == sh(2025, 3, 3, 17, 30)
    assert add_working_days(sh(2025, 3, 3, 18, 0), 0, CAL) == sh(2025, 3, 4, 17, 30)


def test_five_working_days_from_an_ordinary_saturday():
    assert add_working_days(sh(2025, 2, 15, 11, 0), 5, CAL) == sh(2025, 2, 24, 17, 30)


def test_three_working_days_take_the_make_up_sunday_before_national_day_2025():
    # Friday Sep 26 → Sep 28 (Sunday make-up), Sep 29, Sep 30
    assert add_working_days(sh(2025, 9, 26, 10, 0), 3, CAL) == sh(2025, 9, 30, 17, 30)


def test_ten_working_days_across_national_day_2025():
    start = sh(2025, 9, 30, 17, 45)
    # receipt Oct 9; Oct 10, 11 (Saturday make-up), 13, 14, 15, 16, 17, 20, 21, 22
    assert add_working_days(start, 10, CAL) == sh(2025, 10, 22, 17, 30)
    # started in the morning of Sep 26: Sep 28, 29, 30, Oct 9, 10, 11, 13, 14, 15, 16
    assert add_working_days(sh(2025, 9, 26, 9, 0), 10, CAL) == sh(2025, 10, 16, 17, 30)


def test_five_working_days_across_spring_festival_2026():
    # Friday Feb 13, 17:45 → receipt Saturday Feb 14 (make-up); Feb 24, 25, 26, 27, 28 (Saturday make-up)
    assert receipt_day(sh(2026, 2, 13, 17, 45), CAL) == D(2026, 2, 14)
    assert add_working_days(sh(2026, 2, 13, 17, 45), 5, CAL) == sh(2026, 2, 28, 17, 30)


def test_three_working_days_across_national_day_2026():
    # Wednesday Sep 30, 17:45 → receipt Oct 8; Oct 9, Oct 10 (Saturday make-up), Oct 12
    assert add_working_days(sh(2026, 9, 30, 17, 45), 3, CAL) == sh(2026, 10, 12, 17, 30)


def test_add_working_days_refuses_bad_n():
    with pytest.raises(ValueError, match="working days"):
        add_working_days(sh(2025, 3, 3, 9, 0), -1, CAL)
    with pytest.raises(ValueError, match="working days"):
        add_working_days(sh(2025, 3, 3, 9, 0), 1.5, CAL)  # type: ignore[arg-type]


# --- working time -----------------------------------------------------------------------------------------


def test_working_hours_across_the_lunch_break():
    assert add_working_time(sh(2025, 3, 3, 11, 0), 2 * H, CAL) == sh(2025, 3, 3, 15, 0)
    assert add_working_time(sh(2025, 3, 3, 12, 30), H, CAL) == sh(2025, 3, 3, 15, 0)
    assert working_time_between(sh(2025, 3, 3, 11, 0), sh(2025, 3, 3, 15, 0), CAL) == 2 * H


def test_working_time_ends_at_the_earliest_instant():
    # 3.5 h from 08:30 is used up at 12:00, not at 14:00 after lunch
    assert add_working_time(sh(2025, 3, 3, 8, 30), 3.5 * H, CAL) == sh(2025, 3, 3, 12, 0)
    assert add_working_time(sh(2025, 3, 3, 8, 30), 7 * H, CAL) == sh(2025, 3, 3, 17, 30)


def test_working_time_after_close_and_across_spring_festival_2025():
    assert add_working_time(sh(2025, 3, 3, 18, 0), H, CAL) == sh(2025, 3, 4, 9, 30)
    # 1.5 h on Jan 27, then nothing until Feb 5
    assert add_working_time(sh(2025, 1, 27, 16, 0), 3 * H, CAL) == sh(2025, 2, 5, 10, 0)
    # 17:45 on the last working day: the whole budget lands after the holiday
    assert add_working_time(sh(2025, 1, 27, 17, 45), 8 * H, CAL) == sh(2025, 2, 6, 9, 30)
    # from a make-up Saturday to Monday
    assert add_working_time(sh(2025, 2, 8, 17, 0), H, CAL) == sh(2025, 2, 10, 9, 0)


def test_working_time_between_across_holidays():
    # Jan 26 (make-up Sunday) + Jan 27, then Feb 5–8 (Saturday Feb 8 worked): six working days
    assert working_time_between(sh(2025, 1, 26, 0, 0), sh(2025, 2, 9, 0, 0), CAL) == 6 * 7 * H
    # National Day 2025: nothing is worked from Oct 1 to Oct 8
    assert working_time_between(sh(2025, 9, 30, 17, 30), sh(2025, 10, 9, 8, 30), CAL) == dt.timedelta(0)
    assert working_time_between(sh(2025, 3, 3), sh(2025, 3, 10), CAL) == 35 * H
    assert working_time_between(sh(2025, 3, 10), sh(2025, 3, 3), CAL) == dt.timedelta(0)


def test_working_time_accepts_decimal_hours_and_refuses_bad_input():
    assert add_working_time(sh(2025, 3, 3, 8, 30), hours(Decimal("1.25")), CAL) == sh(2025, 3, 3, 9, 45)
    assert add_working_time(sh(2025, 3, 8, 10, 0), dt.timedelta(0), CAL) == sh(2025, 3, 8, 10, 0)
    with pytest.raises(ValueError, match="negative"):
        add_working_time(sh(2025, 3, 3, 9, 0), -H, CAL)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_time(dt.datetime(2025, 3, 3, 9, 0), H, CAL)
    with pytest.raises(ValueError, match="timezone-aware"):
        working_time_between(dt.datetime(2025, 3, 3, 9, 0), sh(2025, 3, 4), CAL)


def test_results_are_in_utc():
    result = add_working_time(sh(2025, 3, 3, 9, 0), H, CAL)
    assert result.tzinfo is dt.UTC
    assert result == utc(2025, 3, 3, 2, 0)
    assert add_working_days(sh(2025, 3, 3, 9, 0), 1, CAL).tzinfo is dt.UTC


# --- calendar hours ---------------------------------------------------------------------------------------


def test_calendar_hours_ignore_holidays_and_nights():
    assert add_calendar_hours(sh(2025, 1, 27, 17, 45), 24) == sh(2025, 1, 28, 17, 45)
    assert add_calendar_hours(sh(2025, 9, 30, 20, 0), 72) == sh(2025, 10, 3, 20, 0)
    assert add_calendar_hours(sh(2025, 9, 30, 20, 0), Decimal("0.5")) == sh(2025, 9, 30, 20, 30)
    # a year without holiday data does not matter for calendar hours
    assert add_calendar_hours(sh(2027, 2, 5, 9, 0), 24) == sh(2027, 2, 6, 9, 0)
    with pytest.raises(TypeError):
        add_calendar_hours(sh(2025, 1, 1), 1.5)  # type: ignore[arg-type]


# --- a time zone with daylight saving ---------------------------------------------------------------------

BUDAPEST_CAL = WorkCalendar(
    "Europe/Budapest",
    office_week((T(8, 0), T(16, 0))),
    holidays=frozenset({D(2025, 3, 15), D(2025, 10, 23), D(2025, 11, 1)}),
    data_years=frozenset({2025}),
)


def test_budapest_periods_follow_the_clock_change():
    assert working_periods(D(2025, 3, 28), BUDAPEST_CAL) == [(utc(2025, 3, 28, 7), utc(2025, 3, 28, 15))]
    assert working_periods(D(2025, 3, 31), BUDAPEST_CAL) == [(utc(2025, 3, 31, 6), utc(2025, 3, 31, 14))]
    assert working_periods(D(2025, 10, 27), BUDAPEST_CAL) == [(utc(2025, 10, 27, 7), utc(2025, 10, 27, 15))]


def test_budapest_working_time_across_spring_forward():
    # Friday 15:00 CET + 2 working hours = 1 h on Friday, 1 h on Monday from 08:00 CEST
    result = add_working_time(bp(2025, 3, 28, 15, 0), 2 * H, BUDAPEST_CAL)
    assert result == bp(2025, 3, 31, 9, 0)
    assert result == utc(2025, 3, 31, 7, 0)
    assert working_time_between(bp(2025, 3, 28, 8, 0), bp(2025, 3, 31, 16, 0), BUDAPEST_CAL) == 16 * H
    assert add_working_days(bp(2025, 3, 28, 10, 0), 1, BUDAPEST_CAL) == utc(2025, 3, 31, 14, 0)


def test_budapest_working_time_across_fall_back_and_a_holiday():
    # Wednesday Oct 22 15:00 CEST + 2 h: Thursday Oct 23 is a holiday, Friday 09:00 CEST
    assert add_working_time(bp(2025, 10, 22, 15, 0), 2 * H, BUDAPEST_CAL) == bp(2025, 10, 24, 9, 0)
    # Friday Oct 24 15:00 CEST + 2 h → Monday Oct 27 09:00 CET = 08:00 UTC
    assert add_working_time(bp(2025, 10, 24, 15, 0), 2 * H, BUDAPEST_CAL) == utc(2025, 10, 27, 8, 0)


def test_budapest_calendar_hours_are_real_hours():
    start = bp(2025, 3, 29, 12, 0)  # Saturday 12:00 CET = 11:00 UTC
    end = add_calendar_hours(start, 24)
    assert end == utc(2025, 3, 30, 11, 0)
    assert end.astimezone(BUDAPEST).hour == 13  # 24 real hours show as 25 on the wall clock
    assert add_calendar_hours(bp(2025, 10, 25, 12, 0), 24).astimezone(BUDAPEST).hour == 11


def test_24x7_days_in_budapest_are_23_and_25_hours_long():
    cal = WorkCalendar("Europe/Budapest", is_24x7=True)
    ((s, e),) = working_periods(D(2025, 3, 30), cal)
    assert e - s == 23 * H
    ((s, e),) = working_periods(D(2025, 10, 26), cal)
    assert e - s == 25 * H
    assert working_time_between(bp(2025, 3, 30), bp(2025, 3, 31), cal) == 23 * H
    assert add_working_days(bp(2025, 3, 29, 10, 0), 1, cal) == bp(2025, 3, 31, 0, 0)


# --- construction -----------------------------------------------------------------------------------------


def test_calendar_validation():
    with pytest.raises(ValueError, match="time zone"):
        WorkCalendar("Mars/Olympus", office_week(MORNING))
    with pytest.raises(ValueError, match="overlap"):
        WorkCalendar("Asia/Shanghai", office_week((T(8), T(12)), (T(11), T(13))))
    with pytest.raises(ValueError, match="end after"):
        WorkCalendar("Asia/Shanghai", office_week((T(12), T(8))))
    with pytest.raises(ValueError, match="working periods"):
        WorkCalendar("Asia/Shanghai")
    with pytest.raises(ValueError, match="both a holiday and a make-up"):
        china_calendar(makeup_days=frozenset({D(2025, 1, 28)}))
    with pytest.raises(ValueError, match="make-up days"):
        china_calendar(makeup_weekday=6)
    with pytest.raises(ValueError, match="weekday"):
        weekly({7: [MORNING]})
    with pytest.raises(ValueError, match="7 weekdays"):
        WorkCalendar("Asia/Shanghai", ((MORNING,),))
    assert WorkCalendar("UTC", is_24x7=True).is_24x7


# --- properties -------------------------------------------------------------------------------------------

starts = st.datetimes(
    min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 10, 31), timezones=st.just(dt.UTC)
)
durations = st.integers(min_value=0, max_value=150 * 60).map(lambda m: dt.timedelta(minutes=m))
BUDAPEST_LUNCH_CAL = WorkCalendar(
    "Europe/Budapest",
    office_week((T(8, 0), T(12, 0)), (T(12, 30), T(16, 30))),
    holidays=frozenset({D(2025, 3, 15), D(2025, 10, 23), D(2025, 12, 25), D(2026, 1, 1)}),
    data_years=frozenset({2025, 2026}),
)
calendars = st.sampled_from([CAL, BUDAPEST_LUNCH_CAL])


@settings(max_examples=150, deadline=None)
@given(calendars, starts, durations)
def test_working_time_between_inverts_add_working_time(cal, start, duration):
    end = add_working_time(start, duration, cal)
    assert end >= start
    assert working_time_between(start, end, cal) == duration
    if duration:  # the earliest such instant
        assert working_time_between(start, end - dt.timedelta(microseconds=1), cal) < duration


@settings(max_examples=150, deadline=None)
@given(calendars, starts, durations, durations)
def test_add_working_time_is_monotonic_and_additive(cal, start, d1, d2):
    a, b = add_working_time(start, d1, cal), add_working_time(start, d2, cal)
    if d1 <= d2:
        assert a <= b
    assert add_working_time(a, d2, cal) == add_working_time(start, d1 + d2, cal)


@settings(max_examples=150, deadline=None)
@given(calendars, starts, starts, durations)
def test_later_start_never_gives_an_earlier_end(cal, s1, s2, duration):
    s1, s2 = min(s1, s2), max(s1, s2)
    assert add_working_time(s1, duration, cal) <= add_working_time(s2, duration, cal)


@settings(max_examples=150, deadline=None)
@given(calendars, starts, starts, starts)
def test_working_time_between_is_additive(cal, a, b, c):
    a, b, c = sorted([a, b, c])
    assert working_time_between(a, b, cal) + working_time_between(b, c, cal) == working_time_between(
        a, c, cal
    )


@settings(max_examples=150, deadline=None)
@given(calendars, starts, st.integers(min_value=0, max_value=15))
def test_add_working_days_counts_n_working_days_after_the_receipt_day(cal, start, n):
    deadline = add_working_days(start, n, cal)
    local = deadline.astimezone(cal.tz)
    last_day = local.date()
    assert is_working_day(last_day, cal)
    assert deadline == working_periods(last_day, cal)[-1][1]
    first = receipt_day(start, cal)
    counted = [
        first + dt.timedelta(days=i)
        for i in range(1, (last_day - first).days + 1)
        if is_working_day(first + dt.timedelta(days=i), cal)
    ]
    assert len(counted) == n
    assert deadline > start
