"""Free visit windows and the rules of changing a booking (R-38). Pure: no Django, no I/O.

Input is plain values (the branch's ``WorkCalendar``, each technician's weekly shifts, the busy intervals of
existing bookings); ``booking.py`` loads them from the database. How a window is found:

- A day qualifies only if it is a working day of the branch calendar: a public holiday has no windows, a
  make-up working day (调休) has windows although it falls on a weekend. A year the calendar has no data for
  raises ``CalendarDataMissing`` (never a silent guess).
- A technician works, on a qualifying day, their own shifts for the weekday (a make-up day is worked like
  the calendar's ``makeup_weekday``); a technician without shifts works the calendar's hours that day.
- Each working period is cut into windows of ``window`` length from its start, one every ``window +
  travel`` (so one technician can take every window of a day); a remainder shorter than a window is not
  offered.
- A window is free for a technician when it does not come within ``travel`` of any of their bookings:
  ``[start - travel, end + travel)`` must not overlap a busy interval.
- Windows starting before ``not_before`` (now plus the booking lead time) are not offered.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kefu.commitments.rules import WorkCalendar, is_working_day, local_periods, working_periods

UTC = dt.UTC
Period = tuple[dt.time, dt.time]


@dataclass(frozen=True)
class Shift:
    """A technician's working hours on one weekday (0 = Monday), in the branch's local time."""

    weekday: int
    start: dt.time
    end: dt.time

    def __post_init__(self) -> None:
        if self.weekday not in range(7):
            raise ValueError("weekday must be 0 (Monday) … 6 (Sunday)")
        if not self.start < self.end:
            raise ValueError(f"shift {self.start}–{self.end} does not end after it starts")


@dataclass(frozen=True)
class Technician:
    """One technician who may be booked; ``shifts`` empty: the calendar's working hours."""

    id: int
    shifts: tuple[Shift, ...] = ()


@dataclass(frozen=True)
class Busy:
    """A booked interval of one technician (UTC)."""

    technician_id: int
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class Window:
    """A free window (UTC) and the technicians free for it, least booked that day first."""

    start: dt.datetime
    end: dt.datetime
    technician_ids: tuple[int, ...] = field(default=())

    @property
    def key(self) -> str:
        """A stable identifier for forms and links: the start as UTC ``YYYYmmddTHHMM``."""
        return self.start.astimezone(UTC).strftime("%Y%m%dT%H%M")


def parse_key(key: str) -> dt.datetime | None:
    """The UTC start of a window key (``Window.key``); None when it is not one."""
    try:
        return dt.datetime.strptime(key, "%Y%m%dT%H%M").replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _aware(moment: dt.datetime, what: str) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return moment.astimezone(UTC)


def technician_periods(
    day: dt.date, tech: Technician, cal: WorkCalendar
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The technician's working periods on ``day`` as UTC instants; none on a non-working day."""
    if not is_working_day(day, cal):
        return []
    if not tech.shifts:
        if cal.is_24x7:
            return []  # a 24×7 calendar has no office hours to book visits in: shifts are needed
        return working_periods(day, cal)
    weekday = cal.makeup_weekday if day in cal.makeup_days else day.weekday()
    result = []
    for shift in sorted(tech.shifts, key=lambda s: (s.weekday, s.start)):
        if shift.weekday != weekday:
            continue
        s = dt.datetime.combine(day, shift.start, tzinfo=cal.tz).astimezone(UTC)
        e = dt.datetime.combine(day, shift.end, tzinfo=cal.tz).astimezone(UTC)
        if s < e:
            result.append((s, e))
    return result


def _cut(
    period: tuple[dt.datetime, dt.datetime], window: dt.timedelta, step: dt.timedelta
) -> list[tuple[dt.datetime, dt.datetime]]:
    start, end = period
    out = []
    while start + window <= end:
        out.append((start, start + window))
        start += step
    return out


def is_free(
    start: dt.datetime, end: dt.datetime, busy: Iterable[Busy], travel: dt.timedelta, technician_id: int
) -> bool:
    """Whether ``[start, end)`` keeps ``travel`` away from every booking of the technician."""
    lo, hi = start - travel, end + travel
    return not any(b.technician_id == technician_id and b.start < hi and lo < b.end for b in busy)


def free_windows(
    cal: WorkCalendar,
    technicians: Sequence[Technician],
    busy: Sequence[Busy],
    *,
    first_day: dt.date,
    days: int,
    window: dt.timedelta,
    travel: dt.timedelta,
    not_before: dt.datetime,
) -> list[Window]:
    """The free windows on ``days`` days from ``first_day`` (local dates), in time order, each with the
    technicians free for it. Raises ``CalendarDataMissing`` for a day of a year without calendar data."""
    if window <= dt.timedelta(0):
        raise ValueError("the window length must be positive")
    if travel < dt.timedelta(0):
        raise ValueError("the travel buffer cannot be negative")
    not_before = _aware(not_before, "not_before")
    busy = [Busy(b.technician_id, _aware(b.start, "busy start"), _aware(b.end, "busy end")) for b in busy]
    found: dict[tuple[dt.datetime, dt.datetime], list[int]] = defaultdict(list)
    load: dict[tuple[int, dt.date], int] = defaultdict(int)
    for b in busy:
        load[(b.technician_id, b.start.astimezone(cal.tz).date())] += 1
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        for tech in technicians:
            for period in technician_periods(day, tech, cal):
                for s, e in _cut(period, window, window + travel):
                    if s >= not_before and is_free(s, e, busy, travel, tech.id):
                        found[(s, e)].append(tech.id)
    result = []
    for (s, e), ids in sorted(found.items()):
        day = s.astimezone(cal.tz).date()
        ranked = tuple(sorted(ids, key=lambda i: (load[(i, day)], i)))
        result.append(Window(s, e, ranked))
    return result


# --- changing a booking ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeRules:
    """What a customer may change: not later than ``min_notice`` before the window starts, and at most
    ``max_reschedules`` reschedules of one appointment."""

    min_notice: dt.timedelta
    max_reschedules: int


def change_refusal(
    rules: ChangeRules, window_start: dt.datetime, now: dt.datetime, reschedules: int, *, reschedule: bool
) -> str:
    """Why the customer may not reschedule / cancel now: ``too_late``, ``too_many`` or "" (allowed)."""
    if _aware(window_start, "window_start") - _aware(now, "now") < rules.min_notice:
        return "too_late"
    if reschedule and reschedules >= rules.max_reschedules:
        return "too_many"
    return ""


# --- the clock, the reminder, lateness ----------------------------------------------------------------------


def customer_choice_pause(
    earliest_offered: dt.datetime | None, chosen_start: dt.datetime
) -> tuple[dt.datetime, dt.datetime] | None:
    """R-14/R-38: the interval the order's time limit does not run because the customer chose a later
    window: from the start of the earliest window offered to the start of the chosen one. None when the
    customer took the earliest window (or nothing was offered)."""
    if earliest_offered is None:
        return None
    earliest, chosen = _aware(earliest_offered, "earliest_offered"), _aware(chosen_start, "chosen_start")
    return (earliest, chosen) if chosen > earliest else None


def reminder_due_at(window_start: dt.datetime, cal: WorkCalendar, hour: int) -> dt.datetime:
    """The day-before reminder: ``hour`` o'clock (local) on the calendar day before the window."""
    day = _aware(window_start, "window_start").astimezone(cal.tz).date() - dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=cal.tz).astimezone(UTC)


def is_late(window_end: dt.datetime, tolerance: dt.timedelta, now: dt.datetime) -> bool:
    """The technician is late beyond the tolerance when no arrival is recorded by ``window_end +
    tolerance``."""
    return _aware(now, "now") > _aware(window_end, "window_end") + tolerance


def local_hours(day: dt.date, cal: WorkCalendar) -> tuple[Period, ...]:
    """The calendar's wall-clock working periods on ``day`` (for showing default hours)."""
    return local_periods(day, cal)
