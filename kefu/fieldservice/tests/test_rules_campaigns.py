"""Pure rules of safety-check campaigns (R-18): windows on working days, capacity, the repeat rules."""

from __future__ import annotations

import datetime as dt

import pytest

from kefu.commitments import rules as cal_rules
from kefu.fieldservice import rules_campaigns as rules

# China's National Day 2026: 1–7 October off, Saturday 10 October worked like a Monday (调休)
CAL = cal_rules.WorkCalendar(
    time_zone="Asia/Shanghai",
    week=cal_rules.office_week((dt.time(8, 30), dt.time(12, 0)), (dt.time(14, 0), dt.time(17, 30))),
    holidays=frozenset(dt.date(2026, 10, d) for d in range(1, 8)),
    makeup_days=frozenset({dt.date(2026, 10, 10)}),
    data_years=frozenset({2026}),
)


def local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 10, day, hour, minute, tzinfo=CAL.tz)


def test_windows_fit_whole_into_the_working_periods() -> None:
    assert rules.windows(dt.date(2026, 10, 8), CAL, 120) == [
        (local(8, 8, 30), local(8, 10, 30)),
        (local(8, 14), local(8, 16)),
    ]
    assert rules.windows(dt.date(2026, 10, 6), CAL, 120) == []  # a holiday
    assert len(rules.windows(dt.date(2026, 10, 10), CAL, 60)) == 6  # the make-up Saturday works
    with pytest.raises(ValueError):
        rules.windows(dt.date(2026, 10, 8), CAL, 10)


def test_a_week_with_holidays_and_a_makeup_day_within_capacity() -> None:
    households = [(i, dt.date(2026, 10, 5)) for i in range(1, 11)]
    slots = rules.plan(
        households,
        [101, 102],
        CAL,
        last_day=dt.date(2026, 10, 16),
        window_minutes=120,
        capacity=2,
        booked={(101, dt.date(2026, 10, 8)): 1},  # technician 101 already has a visit on Thursday
    )
    by_day: dict[dt.date, list[int]] = {}
    for s in slots:
        by_day.setdefault(s.day, []).append(s.technician)
    # Monday 5th–Wednesday 7th are holidays; Saturday 10th is a make-up working day; Sunday 11th is off
    assert sorted(by_day) == [dt.date(2026, 10, 8), dt.date(2026, 10, 9), dt.date(2026, 10, 10)]
    assert sorted(by_day[dt.date(2026, 10, 8)]) == [101, 102, 102]  # 101 had one booked already
    assert sorted(by_day[dt.date(2026, 10, 9)]) == [101, 101, 102, 102]
    assert by_day[dt.date(2026, 10, 10)] == [101, 102, 101]  # least loaded first, ties to the first
    assert [s.household for s in slots] == list(range(1, 11))
    first_102 = [s for s in slots if s.technician == 102 and s.day == dt.date(2026, 10, 8)]
    assert [(s.start, s.end) for s in first_102] == [
        (local(8, 8, 30), local(8, 10, 30)),
        (local(8, 14), local(8, 16)),
    ]


def test_households_that_do_not_fit_stay_out_and_repeats_wait() -> None:
    slots = rules.plan(
        [(1, dt.date(2026, 10, 5)), (2, dt.date(2026, 10, 5)), (3, dt.date(2026, 10, 9))],
        [7],
        CAL,
        last_day=dt.date(2026, 10, 8),
        window_minutes=120,
        capacity=1,
    )
    assert [(s.household, s.day) for s in slots] == [(1, dt.date(2026, 10, 8))]


def test_first_visit_day_leaves_time_for_the_notice() -> None:
    assert rules.first_visit_day(dt.date(2026, 9, 30), dt.date(2026, 10, 1)) == dt.date(2026, 10, 2)
    assert rules.first_visit_day(dt.date(2026, 9, 1), dt.date(2026, 10, 1)) == dt.date(2026, 10, 1)
    assert rules.first_visit_day(dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 10, 15)) == dt.date(
        2026, 10, 15
    )


def test_absent_twice_then_the_letter() -> None:
    kw = {"absent_repeats": 1, "repeat_gap_days": 7, "recheck_months": 12}
    first = rules.after_visit(rules.Outcome.ABSENT, dt.date(2026, 10, 8), absences=0, **kw)
    assert first == rules.AfterVisit(rules.Next.REPEAT, 1, not_before=dt.date(2026, 10, 15))
    second = rules.after_visit(rules.Outcome.ABSENT, dt.date(2026, 10, 15), absences=1, **kw)
    assert second == rules.AfterVisit(rules.Next.LETTER, 2)


def test_done_refused_and_not_visited() -> None:
    kw = {"absences": 0, "absent_repeats": 2, "repeat_gap_days": 7, "recheck_months": 12}
    done = rules.after_visit(rules.Outcome.DONE, dt.date(2026, 2, 28), **kw)
    assert done.next == rules.Next.DONE and done.next_due == dt.date(2027, 2, 28)
    assert rules.after_visit(rules.Outcome.REFUSED, dt.date(2026, 10, 8), **kw).next == rules.Next.REFUSED
    late = rules.after_visit(rules.Outcome.NOT_VISITED, dt.date(2026, 10, 8), **kw)
    assert late == rules.AfterVisit(rules.Next.REPEAT, 0, not_before=dt.date(2026, 10, 9))  # not counted


def test_progress_and_placeholders() -> None:
    p = rules.progress({"pending": 5, "scheduled": 2, "done": 2, "refused": 1}, planned=6, waiting_repeat=1)
    assert (p.households, p.remaining, p.coverage) == (10, 4, 20.0)
    assert rules.unknown_placeholders("{name} {date} {address} {window}") == ["address"]
    assert rules.fill(
        "您好{name}，{date} {window}", {"name": "张三", "date": "2026-10-08", "window": "08:30–10:30"}
    ) == ("您好张三，2026-10-08 08:30–10:30")
