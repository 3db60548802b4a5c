"""The free-window rules with concrete dates (pure: no database). Calendar: Asia/Shanghai, office hours
08:30–12:00 and 14:00–17:30 Monday–Friday, the 2026 National Day holiday (1–7 October) and its make-up
working day Saturday 10 October 2026; 90-minute windows and a 30-minute travel buffer."""

from __future__ import annotations

import datetime as dt

import pytest

from kefu.commitments.rules import CalendarDataMissing, WorkCalendar, office_week
from kefu.fieldservice import availability as av

CN = dt.timezone(dt.timedelta(hours=8))
CAL = WorkCalendar(
    time_zone="Asia/Shanghai",
    week=office_week((dt.time(8, 30), dt.time(12, 0)), (dt.time(14, 0), dt.time(17, 30))),
    holidays=frozenset(dt.date(2026, 10, d) for d in range(1, 8)),
    makeup_days=frozenset({dt.date(2026, 10, 10)}),
    makeup_weekday=0,
    data_years=frozenset({2026}),
)
WINDOW, TRAVEL = dt.timedelta(minutes=90), dt.timedelta(minutes=30)
LI, WANG = av.Technician(1), av.Technician(2)


def at(day: int, h: int, m: int = 0, month: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, h, m, tzinfo=CN)


def windows(
    day: dt.date,
    busy: tuple[av.Busy, ...] | list[av.Busy] = (),
    techs: tuple[av.Technician, ...] = (LI,),
    days: int = 1,
    now: dt.datetime | None = None,
) -> list[av.Window]:
    return av.free_windows(
        CAL,
        techs,
        busy,
        first_day=day,
        days=days,
        window=WINDOW,
        travel=TRAVEL,
        not_before=now or dt.datetime(2026, 9, 1, tzinfo=CN),
    )


def starts(ws: list[av.Window]) -> list[str]:
    return [w.start.astimezone(CN).strftime("%m-%d %H:%M") for w in ws]


def test_an_ordinary_working_day_has_four_windows_one_every_two_hours() -> None:
    # Thursday 8 October 2026 (after the holiday): 08:30, 10:30 (ends 12:00), 14:00, 16:00 (ends 17:30)
    ws = windows(dt.date(2026, 10, 8))
    assert starts(ws) == ["10-08 08:30", "10-08 10:30", "10-08 14:00", "10-08 16:00"]
    assert ws[0].end == at(8, 10, 0) and ws[0].start.tzinfo == dt.UTC and ws[0].technician_ids == (1,)


def test_a_public_holiday_has_no_windows() -> None:
    # Thursday 1 October 2026 is National Day: a weekday, but no window at all
    assert windows(dt.date(2026, 10, 1)) == []
    # the whole holiday week (1–7 October) has none; the 8th has
    assert starts(windows(dt.date(2026, 10, 1), days=8))[0] == "10-08 08:30"


def test_a_make_up_working_day_has_windows_on_a_saturday() -> None:
    assert dt.date(2026, 10, 10).weekday() == 5  # Saturday
    assert starts(windows(dt.date(2026, 10, 10))) == [
        "10-10 08:30",
        "10-10 10:30",
        "10-10 14:00",
        "10-10 16:00",
    ]
    # an ordinary Saturday (17 October) and Sunday (11 October) have none
    assert windows(dt.date(2026, 10, 17)) == [] and windows(dt.date(2026, 10, 11)) == []


def test_an_existing_booking_takes_its_window_and_the_travel_buffer() -> None:
    # Li is booked 14:00–15:30 on 8 October: that window goes; 16:00 stays (30 minutes after 15:30)
    booked = [av.Busy(1, at(8, 14, 0), at(8, 15, 30))]
    assert starts(windows(dt.date(2026, 10, 8), booked)) == ["10-08 08:30", "10-08 10:30", "10-08 16:00"]
    # a campaign visit 10:15–11:00 (off the grid) takes 10:30 and also 08:30, which ends only 15 minutes
    # before it (less than the 30-minute travel buffer)
    campaign = [av.Busy(1, at(8, 10, 15), at(8, 11, 0))]
    assert starts(windows(dt.date(2026, 10, 8), campaign)) == ["10-08 14:00", "10-08 16:00"]
    # with no buffer the 08:30 window would be free
    ws = av.free_windows(
        CAL,
        [LI],
        campaign,
        first_day=dt.date(2026, 10, 8),
        days=1,
        window=WINDOW,
        travel=dt.timedelta(0),
        not_before=at(1, 0),
    )
    assert starts(ws)[0] == "10-08 08:30"


def test_another_technicians_booking_does_not_take_the_window_and_the_least_booked_comes_first() -> None:
    booked = [av.Busy(1, at(8, 14, 0), at(8, 15, 30))]
    ws = windows(dt.date(2026, 10, 8), booked, techs=(LI, WANG))
    by_start = {w.start.astimezone(CN).strftime("%H:%M"): w.technician_ids for w in ws}
    assert by_start["14:00"] == (2,)  # only Wang is free
    assert by_start["08:30"] == (2, 1)  # Wang has no visit that day, Li has one


def test_shifts_replace_the_calendar_hours_and_a_make_up_day_follows_the_calendar_weekday() -> None:
    # Wang works Monday 09:00–13:00 only; the make-up Saturday is worked like a Monday (makeup_weekday=0)
    wang = av.Technician(2, (av.Shift(0, dt.time(9, 0), dt.time(13, 0)),))
    assert starts(windows(dt.date(2026, 10, 10), techs=(wang,))) == ["10-10 09:00", "10-10 11:00"]
    assert windows(dt.date(2026, 10, 8), techs=(wang,)) == []  # a Thursday: no shift
    assert windows(dt.date(2026, 10, 5), techs=(wang,)) == []  # Monday in the holiday: the calendar wins


def test_windows_before_the_lead_time_are_not_offered() -> None:
    ws = windows(dt.date(2026, 10, 8), now=at(8, 9, 0))
    assert starts(ws) == ["10-08 10:30", "10-08 14:00", "10-08 16:00"]


def test_a_year_without_calendar_data_is_an_error_not_a_guess() -> None:
    with pytest.raises(CalendarDataMissing):
        windows(dt.date(2027, 1, 4))


def test_window_keys_round_trip() -> None:
    w = windows(dt.date(2026, 10, 8))[0]
    assert w.key == "20261008T0030" and av.parse_key(w.key) == w.start
    assert av.parse_key("garbage") is None


def test_change_rules_notice_and_count() -> None:
    rules = av.ChangeRules(min_notice=dt.timedelta(hours=24), max_reschedules=2)
    start = at(9, 8, 30)
    assert av.change_refusal(rules, start, at(8, 8, 30), 0, reschedule=True) == ""  # exactly 24 h before
    assert av.change_refusal(rules, start, at(8, 8, 31), 0, reschedule=True) == "too_late"
    assert av.change_refusal(rules, start, at(7, 8, 0), 2, reschedule=True) == "too_many"
    assert av.change_refusal(rules, start, at(7, 8, 0), 2, reschedule=False) == ""  # cancelling is allowed


def test_the_clock_pause_of_a_later_window_chosen_by_the_customer() -> None:
    # earliest offered Thursday 8 Oct 08:30, chosen Monday 12 Oct 14:00: paused between the two starts
    assert av.customer_choice_pause(at(8, 8, 30), at(12, 14, 0)) == (at(8, 8, 30), at(12, 14, 0))
    assert av.customer_choice_pause(at(8, 8, 30), at(8, 8, 30)) is None
    assert av.customer_choice_pause(None, at(8, 8, 30)) is None


def test_the_reminder_is_the_evening_before_and_lateness_has_a_tolerance() -> None:
    assert av.reminder_due_at(at(9, 8, 30), CAL, 18) == at(8, 18, 0)
    assert av.reminder_due_at(at(9, 0, 30), CAL, 18) == at(8, 18, 0)  # local date, not UTC date
    tol = dt.timedelta(minutes=30)
    assert not av.is_late(at(8, 10, 0), tol, at(8, 10, 30))
    assert av.is_late(at(8, 10, 0), tol, at(8, 10, 31))
