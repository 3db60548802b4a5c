"""Clocks (R-14 … R-16): start on complete materials, pauses, extensions, unreachable reports, breaches."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.commitments.rules import (
    CalendarDataMissing,
    Clock,
    ClockStatus,
    Limit,
    Pause,
    Unit,
    WorkCalendar,
    add_working_days,
    clock_budget,
    clock_state,
    due_at,
    extension_allowed,
    office_week,
    unreachable_counts_as_on_time,
    working_time_between,
)
from kefu.commitments.tests.official import china_calendar
from kefu.testing.clock import sh

D = dt.date
T = dt.time
H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)
SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = china_calendar()
HOTLINE = WorkCalendar("Asia/Shanghai", is_24x7=True, name="hotline")

GENERAL_FAULT = Limit(Unit.CALENDAR_HOURS, 24)
MAJOR_FAULT = Limit(Unit.CALENDAR_HOURS, 72)
INSTALL_URBAN = Limit(Unit.WORKING_DAYS, 5)
INSTALL_RURAL = Limit(Unit.WORKING_DAYS, 10)
COMPLAINT_ANSWER = Limit(Unit.WORKING_DAYS, 3)
HOTLINE_RESPONSE = Limit(Unit.WORKING_HOURS, 4)


# --- the clock starts when the materials are complete -----------------------------------------------


def test_no_clock_before_materials_are_complete():
    clock = Clock(INSTALL_URBAN, started_at=None)
    state = clock_state(clock, CAL, sh(2026, 6, 1, 9, 0))
    assert state.status is ClockStatus.NOT_STARTED
    assert state.due_at is None
    assert not state.breached
    assert due_at(clock, CAL) is None
    assert not extension_allowed(clock, CAL, sh(2026, 6, 1, 9, 0))
    # even a report filed "before the deadline" means nothing without a running clock
    assert not unreachable_counts_as_on_time(clock, CAL, sh(2026, 6, 1, 9, 0))


def test_the_due_time_counts_from_completion_not_from_creation():
    created, complete = sh(2025, 3, 3, 9, 0), sh(2025, 3, 6, 16, 0)
    assert due_at(Clock(INSTALL_URBAN, created), CAL) == sh(2025, 3, 10, 17, 30)
    # Thursday 16:00 → Mar 7, 10, 11, 12, 13
    assert due_at(Clock(INSTALL_URBAN, complete), CAL) == sh(2025, 3, 13, 17, 30)


# --- the defaults of R-13 on real dates -------------------------------------------------------------------


def test_general_fault_24_hours_over_spring_festival_2025():
    clock = Clock(GENERAL_FAULT, sh(2025, 1, 27, 17, 45))
    assert due_at(clock, CAL) == sh(2025, 1, 28, 17, 45)  # the holiday does not stop calendar hours
    state = clock_state(clock, CAL, sh(2025, 1, 28, 12, 0))
    assert state.status is ClockStatus.RUNNING
    assert state.remaining == 5 * H + 45 * MIN
    assert state.warn_at == sh(2025, 1, 28, 11, 45)  # 18 of 24 hours
    assert state.warning
    assert state.fraction_used == pytest.approx(18.25 / 24)
    assert not clock_state(clock, CAL, sh(2025, 1, 28, 11, 44)).warning
    at_due = clock_state(clock, CAL, sh(2025, 1, 28, 17, 45))
    assert at_due.status is ClockStatus.RUNNING  # the due instant itself is still on time
    assert at_due.remaining == dt.timedelta(0)
    late = clock_state(clock, CAL, sh(2025, 1, 28, 17, 46))
    assert late.status is ClockStatus.BREACHED
    assert late.breached
    assert late.remaining == -MIN
    assert late.on_time is None


def test_major_fault_72_hours_across_national_day_2025():
    clock = Clock(MAJOR_FAULT, sh(2025, 9, 30, 20, 0))
    assert due_at(clock, CAL) == sh(2025, 10, 3, 20, 0)


def test_installation_urban_five_working_days_received_17_45_before_spring_festival_2025():
    clock = Clock(INSTALL_URBAN, sh(2025, 1, 27, 17, 45))
    assert due_at(clock, CAL) == sh(2025, 2, 11, 17, 30)
    # budget: receipt day Feb 5 and the five days counted after it, 7 working hours each
    assert clock_budget(clock, CAL) == 6 * 7 * H
    # nothing is used up during the holiday
    state = clock_state(clock, CAL, sh(2025, 2, 4, 23, 0))
    assert state.used == dt.timedelta(0)
    assert state.fraction_used == 0


def test_installation_rural_ten_working_days_across_national_day_2025():
    # Friday Sep 26 15:00 → Sep 28 (make-up Sunday), 29, 30, Oct 9, 10, 11 (make-up Saturday), 13, 14, 15, 16
    clock = Clock(INSTALL_RURAL, sh(2025, 9, 26, 15, 0))
    assert due_at(clock, CAL) == sh(2025, 10, 16, 17, 30)
    state = clock_state(clock, CAL, sh(2025, 10, 5, 10, 0))
    assert state.used == 2.5 * H + 3 * 7 * H  # Sep 26 afternoon, Sep 28, 29, 30
    assert state.status is ClockStatus.RUNNING


def test_restoration_five_working_days_across_national_day_2026():
    # Wednesday Sep 30 17:45 → receipt Oct 8; Oct 9, 10 (make-up Saturday), 12, 13, 14
    clock = Clock(Limit(Unit.WORKING_DAYS, 5), sh(2026, 9, 30, 17, 45))
    assert due_at(clock, CAL) == sh(2026, 10, 14, 17, 30)


def test_complaint_answer_three_working_days_across_spring_festival_2026():
    # Thursday Feb 12 11:00 → Feb 13, Feb 14 (make-up Saturday), Feb 24
    clock = Clock(COMPLAINT_ANSWER, sh(2026, 2, 12, 11, 0))
    assert due_at(clock, CAL) == sh(2026, 2, 24, 17, 30)
    assert clock_state(clock, CAL, sh(2026, 2, 20, 10, 0)).status is ClockStatus.RUNNING
    assert clock_state(clock, CAL, sh(2026, 2, 24, 17, 31)).status is ClockStatus.BREACHED


def test_hotline_response_four_hours_on_a_24x7_calendar_during_a_holiday():
    clock = Clock(HOTLINE_RESPONSE, sh(2025, 1, 28, 22, 0))
    assert due_at(clock, HOTLINE) == sh(2025, 1, 29, 2, 0)


def test_working_hours_limit_across_lunch_and_the_night():
    clock = Clock(HOTLINE_RESPONSE, sh(2025, 3, 3, 11, 0))
    assert due_at(clock, CAL) == sh(2025, 3, 3, 17, 0)  # 1 h before lunch, 3 h after
    clock = Clock(Limit(Unit.WORKING_HOURS, 8), sh(2025, 9, 30, 17, 45))
    assert due_at(clock, CAL) == sh(2025, 10, 10, 9, 30)  # Oct 9: 7 h, Oct 10: 1 h


def test_decimal_working_hours():
    clock = Clock(Limit(Unit.WORKING_HOURS, Decimal("0.5")), sh(2025, 3, 3, 11, 45))
    assert due_at(clock, CAL) == sh(2025, 3, 3, 14, 15)


# --- stopping -----------------------------------------------------------------------------------------------


def test_stopped_in_time_is_met_and_late_is_late():
    start = sh(2025, 1, 27, 17, 45)
    met = clock_state(Clock(GENERAL_FAULT, start, stopped_at=sh(2025, 1, 28, 17, 0)), CAL, sh(2025, 3, 1))
    assert met.status is ClockStatus.MET
    assert met.on_time is True
    assert met.used == 23 * H + 15 * MIN  # frozen at the stop, not at "now"
    assert met.ended_at == sh(2025, 1, 28, 17, 0)
    late = clock_state(Clock(GENERAL_FAULT, start, stopped_at=sh(2025, 1, 28, 18, 0)), CAL, sh(2025, 3, 1))
    assert late.status is ClockStatus.LATE
    assert late.on_time is False
    assert late.breached
    assert late.remaining == -15 * MIN
    exactly = Clock(GENERAL_FAULT, start, stopped_at=sh(2025, 1, 28, 17, 45))
    assert clock_state(exactly, CAL, sh(2025, 3, 1)).status is ClockStatus.MET


# --- pauses -------------------------------------------------------------------------------------------------


def test_pause_and_resume_continue_with_the_remaining_working_time():
    start = sh(2025, 3, 3, 9, 0)  # Monday
    assert due_at(Clock(INSTALL_URBAN, start), CAL) == sh(2025, 3, 10, 17, 30)
    pause = Pause(sh(2025, 3, 4, 10, 0), sh(2025, 3, 6, 10, 0))  # two working days pending the customer
    clock = Clock(INSTALL_URBAN, start, pauses=(pause,))
    assert due_at(clock, CAL) == sh(2025, 3, 12, 17, 30)
    during = clock_state(
        Clock(INSTALL_URBAN, start, pauses=(Pause(pause.start),)), CAL, sh(2025, 3, 5, 16, 0)
    )
    assert during.status is ClockStatus.PAUSED
    assert during.due_at is None  # depends on when the customer answers
    used_before_pause = 6.5 * H + 1.5 * H  # Monday from 09:00, Tuesday 08:30–10:00
    assert during.used == used_before_pause
    later = clock_state(Clock(INSTALL_URBAN, start, pauses=(Pause(pause.start),)), CAL, sh(2025, 3, 20, 9, 0))
    assert later.remaining == during.remaining == clock_budget(clock, CAL) - used_before_pause
    resumed = clock_state(clock, CAL, sh(2025, 3, 6, 11, 0))
    assert resumed.status is ClockStatus.RUNNING
    assert resumed.used == used_before_pause + H


def test_pause_in_calendar_hours():
    clock = Clock(
        GENERAL_FAULT, sh(2025, 3, 3, 10, 0), pauses=(Pause(sh(2025, 3, 3, 12, 0), sh(2025, 3, 3, 15, 30)),)
    )
    assert due_at(clock, CAL) == sh(2025, 3, 4, 13, 30)


def test_pause_over_the_lunch_break_only_costs_working_time():
    clock = Clock(
        HOTLINE_RESPONSE, sh(2025, 3, 3, 9, 0), pauses=(Pause(sh(2025, 3, 3, 10, 0), sh(2025, 3, 3, 15, 0)),)
    )
    # 1 h used before the pause; 15:00–17:30 is 2.5 h; 0.5 h on Tuesday
    assert due_at(clock, CAL) == sh(2025, 3, 4, 9, 0)
    # a pause that covers only the lunch break changes nothing
    lunch = Clock(
        HOTLINE_RESPONSE, sh(2025, 3, 3, 9, 0), pauses=(Pause(sh(2025, 3, 3, 12, 0), sh(2025, 3, 3, 14, 0)),)
    )
    assert (
        due_at(lunch, CAL)
        == due_at(Clock(HOTLINE_RESPONSE, sh(2025, 3, 3, 9, 0)), CAL)
        == sh(2025, 3, 3, 15, 0)  # 09:00–12:00, 14:00–15:00
    )


def test_pause_across_spring_festival_2026_costs_only_the_working_days_it_covers():
    start = sh(2026, 2, 9, 9, 0)  # Monday; 3 working days → Feb 12 at close
    assert due_at(Clock(COMPLAINT_ANSWER, start), CAL) == sh(2026, 2, 12, 17, 30)
    # pending customer from Thursday 17:00 until after the holiday: 0.5 h of Thursday, Friday, Saturday make-up
    pause = Pause(sh(2026, 2, 12, 17, 0), sh(2026, 2, 24, 8, 30))
    assert working_time_between(pause.start, pause.end, CAL) == 0.5 * H + 2 * 7 * H  # type: ignore[arg-type]
    assert due_at(Clock(COMPLAINT_ANSWER, start, pauses=(pause,)), CAL) == sh(2026, 2, 24, 9, 0)


def test_overlapping_pauses_count_once_and_pauses_before_the_start_are_ignored():
    start = sh(2025, 3, 3, 9, 0)
    single = Clock(GENERAL_FAULT, start, pauses=(Pause(sh(2025, 3, 3, 10, 0), sh(2025, 3, 3, 14, 0)),))
    overlapping = Clock(
        GENERAL_FAULT,
        start,
        pauses=(
            Pause(sh(2025, 3, 3, 12, 0), sh(2025, 3, 3, 14, 0)),
            Pause(sh(2025, 3, 3, 10, 0), sh(2025, 3, 3, 13, 0)),
            Pause(sh(2025, 3, 1, 10, 0), sh(2025, 3, 2, 10, 0)),  # before the clock started
        ),
    )
    assert due_at(single, CAL) == due_at(overlapping, CAL) == sh(2025, 3, 4, 13, 0)
    straddling = Clock(GENERAL_FAULT, start, pauses=(Pause(sh(2025, 3, 3, 8, 0), sh(2025, 3, 3, 10, 0)),))
    assert due_at(straddling, CAL) == sh(2025, 3, 4, 10, 0)


def test_a_pause_that_starts_after_the_due_time_does_not_hide_the_breach():
    start = sh(2025, 3, 3, 9, 0)
    clock = Clock(GENERAL_FAULT, start, pauses=(Pause(sh(2025, 3, 4, 12, 0)),))
    state = clock_state(clock, CAL, sh(2025, 3, 5, 9, 0))
    assert state.due_at == sh(2025, 3, 4, 9, 0)
    assert state.status is ClockStatus.BREACHED
    assert state.remaining == -3 * H  # time stopped running at the pause


def test_pause_validation():
    with pytest.raises(ValueError, match="end before"):
        Pause(sh(2025, 3, 3, 12, 0), sh(2025, 3, 3, 11, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        Pause(dt.datetime(2025, 3, 3, 12, 0))


# --- extensions ---------------------------------------------------------------------------------------


def test_approved_extensions_move_the_deadline_in_the_limit_unit():
    start = sh(2025, 9, 26, 10, 0)
    clock = Clock(INSTALL_URBAN, start, extensions=(2,))
    # Sep 28 (make-up Sunday), 29, 30, Oct 9, 10, 11 (make-up Saturday), 13
    assert due_at(clock, CAL) == add_working_days(start, 7, CAL) == sh(2025, 10, 13, 17, 30)
    hours_clock = Clock(GENERAL_FAULT, start, extensions=(12, Decimal("0.5")))
    assert due_at(hours_clock, CAL) == sh(2025, 9, 27, 22, 30)
    working = Clock(HOTLINE_RESPONSE, sh(2025, 3, 3, 9, 0), extensions=(Decimal("1.5"),))
    assert due_at(working, CAL) == sh(2025, 3, 3, 16, 30)  # 3 h before lunch, 2.5 h after


def test_extension_with_a_pause():
    start = sh(2025, 3, 3, 9, 0)
    pause = Pause(sh(2025, 3, 4, 10, 0), sh(2025, 3, 6, 10, 0))
    clock = Clock(INSTALL_URBAN, start, pauses=(pause,), extensions=(1,))
    assert due_at(clock, CAL) == sh(2025, 3, 13, 17, 30)


def test_an_extension_turns_a_would_be_breach_into_on_time():
    start = sh(2025, 3, 3, 9, 0)
    now = sh(2025, 3, 11, 10, 0)
    assert clock_state(Clock(INSTALL_URBAN, start), CAL, now).status is ClockStatus.BREACHED
    assert clock_state(Clock(INSTALL_URBAN, start, extensions=(1,)), CAL, now).status is ClockStatus.RUNNING


def test_extensions_are_allowed_only_before_the_deadline():
    clock = Clock(COMPLAINT_ANSWER, sh(2026, 2, 12, 11, 0))
    assert extension_allowed(clock, CAL, sh(2026, 2, 24, 17, 30))
    assert not extension_allowed(clock, CAL, sh(2026, 2, 24, 17, 31))
    paused = Clock(COMPLAINT_ANSWER, sh(2026, 2, 12, 11, 0), pauses=(Pause(sh(2026, 2, 13, 9, 0)),))
    assert extension_allowed(paused, CAL, sh(2026, 3, 30, 9, 0))
    done = Clock(COMPLAINT_ANSWER, sh(2026, 2, 12, 11, 0), stopped_at=sh(2026, 2, 13, 9, 0))
    assert not extension_allowed(done, CAL, sh(2026, 2, 13, 10, 0))


def test_extension_amounts_are_checked():
    with pytest.raises(ValueError, match="whole days"):
        Clock(INSTALL_URBAN, sh(2025, 3, 3, 9, 0), extensions=(Decimal("0.5"),))
    with pytest.raises(ValueError, match="positive"):
        Clock(INSTALL_URBAN, sh(2025, 3, 3, 9, 0), extensions=(-1,))


# --- customer unreachable / not at home ---------------------------------------------------------------


def test_unreachable_report_before_the_deadline_counts_as_on_time():
    start = sh(2025, 3, 3, 9, 0)
    report = sh(2025, 3, 7, 16, 0)
    clock = Clock(INSTALL_URBAN, start, unreachable_reported_at=report)
    assert unreachable_counts_as_on_time(clock, CAL, report)
    state = clock_state(clock, CAL, sh(2025, 4, 1, 9, 0))  # long after the due time
    assert state.status is ClockStatus.MET_UNREACHABLE
    assert state.on_time is True
    assert not state.breached
    assert state.ended_at == report


def test_unreachable_report_after_the_deadline_does_not_count():
    start = sh(2025, 3, 3, 9, 0)
    report = sh(2025, 3, 11, 9, 0)
    clock = Clock(INSTALL_URBAN, start, unreachable_reported_at=report)
    assert not unreachable_counts_as_on_time(clock, CAL, report)
    assert clock_state(clock, CAL, sh(2025, 3, 12, 9, 0)).status is ClockStatus.BREACHED
    resolved_late = Clock(
        INSTALL_URBAN, start, stopped_at=sh(2025, 3, 12, 9, 0), unreachable_reported_at=report
    )
    assert clock_state(resolved_late, CAL, sh(2025, 3, 13, 9, 0)).status is ClockStatus.LATE


def test_unreachable_report_while_paused_and_before_the_start():
    start = sh(2025, 3, 3, 9, 0)
    paused = Clock(INSTALL_URBAN, start, pauses=(Pause(sh(2025, 3, 4, 9, 0)),))
    assert unreachable_counts_as_on_time(paused, CAL, sh(2025, 5, 1, 9, 0))
    assert not unreachable_counts_as_on_time(Clock(INSTALL_URBAN, start), CAL, sh(2025, 3, 2, 9, 0))
    early = Clock(INSTALL_URBAN, start, unreachable_reported_at=sh(2025, 3, 2, 9, 0))
    assert clock_state(early, CAL, sh(2025, 3, 4, 9, 0)).status is ClockStatus.RUNNING


def test_a_report_after_the_order_was_resolved_changes_nothing():
    start = sh(2025, 3, 3, 9, 0)
    clock = Clock(
        INSTALL_URBAN, start, stopped_at=sh(2025, 3, 4, 9, 0), unreachable_reported_at=sh(2025, 3, 5, 9, 0)
    )
    assert clock_state(clock, CAL, sh(2025, 3, 6, 9, 0)).status is ClockStatus.MET


# --- the warning point ----------------------------------------------------------------------------------


def test_warning_at_75_percent_of_working_time():
    clock = Clock(INSTALL_URBAN, sh(2025, 3, 3, 8, 30))  # budget 6 days × 7 h = 42 h (Monday counts too)
    assert clock_budget(clock, CAL) == 42 * H
    state = clock_state(clock, CAL, sh(2025, 3, 3, 9, 0))
    # 31.5 h: Mon–Thu 28 h, Friday 08:30 + 3.5 h = 12:00
    assert state.warn_at == sh(2025, 3, 7, 12, 0)
    assert not state.warning
    assert clock_state(clock, CAL, sh(2025, 3, 7, 14, 0)).warning
    assert clock_state(clock, CAL, sh(2025, 3, 7, 11, 59)).warning is False
    custom = clock_state(clock, CAL, sh(2025, 3, 3, 9, 0), warn_fraction=0.5)
    assert custom.warn_at == sh(2025, 3, 5, 17, 30)  # 21 h
    with pytest.raises(ValueError, match="warn_fraction"):
        clock_state(clock, CAL, sh(2025, 3, 3, 9, 0), warn_fraction=0)


def test_a_breached_clock_does_not_also_warn():
    state = clock_state(Clock(GENERAL_FAULT, sh(2025, 3, 3, 9, 0)), CAL, sh(2025, 3, 5, 9, 0))
    assert state.status is ClockStatus.BREACHED
    assert not state.warning
    assert state.fraction_used == 2.0


# --- data and time zones ------------------------------------------------------------------------------------


def test_working_clock_into_a_year_without_data_raises():
    clock = Clock(INSTALL_URBAN, sh(2026, 12, 28, 10, 0))
    with pytest.raises(CalendarDataMissing) as info:
        clock_state(clock, CAL, sh(2026, 12, 28, 11, 0))
    assert info.value.year == 2027


def test_calendar_hour_clock_needs_no_holiday_data():
    clock = Clock(MAJOR_FAULT, sh(2026, 12, 30, 10, 0))
    assert due_at(clock, CAL) == sh(2027, 1, 2, 10, 0)
    assert clock_state(clock, CAL, sh(2027, 1, 1, 10, 0)).status is ClockStatus.RUNNING


def test_budapest_clock_across_spring_forward():
    budapest = ZoneInfo("Europe/Budapest")
    cal = WorkCalendar("Europe/Budapest", office_week((T(8), T(16))), data_years=frozenset({2025}))
    start = dt.datetime(2025, 3, 28, 14, 0, tzinfo=budapest)  # Friday, CET
    clock = Clock(
        Limit(Unit.WORKING_HOURS, 4),
        start,
        pauses=(
            Pause(
                dt.datetime(2025, 3, 28, 15, 0, tzinfo=budapest),
                dt.datetime(2025, 3, 31, 9, 0, tzinfo=budapest),
            ),
        ),
    )
    # 1 h on Friday, Monday 08:00–09:00 paused, then 3 h → 12:00 CEST = 10:00 UTC
    assert due_at(clock, cal) == dt.datetime(2025, 3, 31, 10, 0, tzinfo=dt.UTC)
    hours24 = Clock(GENERAL_FAULT, dt.datetime(2025, 3, 29, 20, 0, tzinfo=budapest))
    assert due_at(hours24, cal) == dt.datetime(2025, 3, 30, 21, 0, tzinfo=budapest)


# --- properties -----------------------------------------------------------------------------------------------

instants = st.datetimes(
    min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 6, 30), timezones=st.just(dt.UTC)
)
limits = st.one_of(
    st.builds(Limit, st.just(Unit.CALENDAR_HOURS), st.integers(1, 96)),
    st.builds(Limit, st.just(Unit.WORKING_HOURS), st.integers(1, 60)),
    st.builds(Limit, st.just(Unit.WORKING_DAYS), st.integers(1, 10)),
)
gaps = st.lists(
    st.tuples(st.integers(0, 72 * 60), st.integers(0, 72 * 60)), min_size=0, max_size=3
)  # (minutes after the previous point, length in minutes)


def _pauses(start: dt.datetime, spec: list[tuple[int, int]]) -> tuple[Pause, ...]:
    pauses, cursor = [], start
    for offset, length in spec:
        begin = cursor + offset * MIN
        cursor = begin + length * MIN
        pauses.append(Pause(begin, cursor))
    return tuple(pauses)


@settings(max_examples=150, deadline=None)
@given(limits, instants, gaps)
def test_pauses_never_bring_the_due_time_forward_and_use_exactly_the_budget(limit, start, spec):
    pauses = _pauses(start, spec)
    plain, paused = Clock(limit, start), Clock(limit, start, pauses=pauses)
    due_plain, due_paused = due_at(plain, CAL), due_at(paused, CAL)
    assert due_plain is not None and due_paused is not None
    assert due_paused >= due_plain
    state = clock_state(paused, CAL, due_paused)
    assert state.used == clock_budget(paused, CAL)
    assert state.remaining == dt.timedelta(0)
    assert state.status in (ClockStatus.RUNNING, ClockStatus.PAUSED)
    assert clock_state(paused, CAL, due_paused + dt.timedelta(microseconds=1)).status is ClockStatus.BREACHED


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 96), instants, gaps)
def test_calendar_hour_due_time_is_start_plus_budget_plus_paused_time(amount, start, spec):
    pauses = _pauses(start, spec)
    clock = Clock(Limit(Unit.CALENDAR_HOURS, amount), start, pauses=pauses)
    due = due_at(clock, CAL)
    assert due is not None
    closed = [(p.start, p.end) for p in pauses if p.end is not None]
    assert len(closed) == len(pauses)
    paused_before_due = sum((min(end, due) - begin for begin, end in closed if begin < due), dt.timedelta(0))
    assert due == start + amount * H + paused_before_due


@settings(max_examples=100, deadline=None)
@given(limits, instants, st.integers(0, 5), instants)
def test_extensions_never_bring_the_due_time_forward_and_used_grows_with_now(limit, start, extra, now):
    plain = due_at(Clock(limit, start), CAL)
    extended = due_at(Clock(limit, start, extensions=(extra,)), CAL)
    assert plain is not None and extended is not None
    assert extended >= plain
    later = now + dt.timedelta(hours=5)
    clock = Clock(limit, start)
    assert clock_state(clock, CAL, now).used <= clock_state(clock, CAL, later).used
