"""Pure rules of service commitments (R-13 … R-16): business calendars, time limits and clocks.

No Django imports, no I/O: the standard library's ``datetime`` and ``zoneinfo`` only. Every instant that
goes in must be timezone-aware; every instant that comes out is in UTC. Wall-clock working hours are
turned into UTC instants per date through the calendar's time zone, so arithmetic is right across
daylight-saving changes.

Definitions (documented for users in docs/; the tests pin each of them with real dates)
----------------------------------------------------------------------------------------
Working day
    A date is a working day when it is a make-up working day (调休, worked with the periods of the
    calendar's ``makeup_weekday``), or when it is not a holiday and its weekday has working periods.
    A 24×7 calendar has no holidays: every date is a working day, worked from midnight to midnight.
Working time
    The time inside the working periods of working days. ``working_time_between(a, b)`` measures it;
    ``add_working_time(start, d)`` is the **earliest** instant ``t >= start`` with
    ``working_time_between(start, t) == d`` (so 3.5 working hours from 08:30 end at 12:00, not 14:00).
Calendar months (``add_calendar_months(start, n)``)
    Real elapsed time up to the end of the local day ``n`` months after the local date of ``start``
    (clipped to the month's last day); the GDPR's "one month" (EU Regulation 1182/71, Art. 3).
Calendar hours
    Real elapsed time: nights, weekends and holidays count, and 24 hours across a daylight-saving change
    show as 23 or 25 hours on the wall clock.
Working days (``add_working_days(start, n)``)
    The *receipt day* is the local date of ``start`` if that date is a working day and ``start`` is
    before the end of its last working period; otherwise (a start on a non-working day, or at or after
    the day's close) it is the next working day. The receipt day itself is not counted (开始的当日不计入):
    the deadline is the **end of the last working period of the n-th working day after the receipt day**.
    Example: received Monday 10:00 or Saturday 11:00, 5 working days, no holidays → next Monday at
    close; received Monday 17:45 after a 17:30 close → receipt day Tuesday → next Tuesday at close.
Missing data
    A calendar knows which years it has official holiday data for (``data_years``). Any computation that
    needs a date of another year raises :class:`CalendarDataMissing` — it never guesses that such a
    year has no holidays. 24×7 calendars need no holiday data.

Clocks (R-14, R-15, R-16)
-------------------------
A :class:`Clock` starts when the customer's materials are complete (``started_at``; ``None`` means it
does not run). Its *budget* is the limit plus approved extensions, measured in real time for calendar
hours and in working time for working hours and working days; for working days the budget is the working
time from the start to the deadline of ``add_working_days(start, n + extensions)``, so without pauses the
due time is exactly the end of that working day. Pauses (pending customer, materials missing again) do not
consume the budget; after a pause the clock continues with what was left, so every pause moves the due
time by the clock time it covered. A written "customer unreachable / not at home" report filed at or
before the due time stops the clock as met on time. A clock is breached when ``now`` is after the due
time and it was not stopped in time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = dt.UTC
ZERO = dt.timedelta(0)

Period = tuple[dt.time, dt.time]
"""A working period on one date, in wall-clock time: start inclusive, end exclusive, start < end."""

Hours = int | Decimal


class CalendarDataMissing(Exception):
    """A computation needs holiday data for a year the calendar does not have."""

    def __init__(self, year: int, calendar: str = "") -> None:
        self.year = year
        self.calendar = calendar
        where = f" in calendar {calendar!r}" if calendar else ""
        super().__init__(f"no holiday data for {year}{where}; enter that year's holidays and make-up days")


def weekly(periods_by_weekday: Mapping[int, Iterable[Period]]) -> tuple[tuple[Period, ...], ...]:
    """The 7-tuple of periods (Monday = 0) that :class:`WorkCalendar` takes, from a weekday mapping."""
    for weekday in periods_by_weekday:
        if weekday not in range(7):
            raise ValueError(f"weekday {weekday} is not 0 (Monday) … 6 (Sunday)")
    return tuple(tuple(sorted(periods_by_weekday.get(wd, ()))) for wd in range(7))


def office_week(*periods: Period, weekdays: Iterable[int] = range(5)) -> tuple[tuple[Period, ...], ...]:
    """The same periods on each of ``weekdays`` (default Monday–Friday), nothing on the other days."""
    return weekly(dict.fromkeys(weekdays, periods))


@dataclass(frozen=True)
class WorkCalendar:
    """A business calendar: time zone, weekly working periods, holidays, make-up days, known years."""

    time_zone: str
    week: tuple[tuple[Period, ...], ...] = ((),) * 7
    holidays: frozenset[dt.date] = frozenset()
    makeup_days: frozenset[dt.date] = frozenset()
    makeup_weekday: int = 0
    is_24x7: bool = False
    data_years: frozenset[int] = frozenset()
    name: str = ""
    _tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            tz = ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from exc
        object.__setattr__(self, "_tz", tz)
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "makeup_days", frozenset(self.makeup_days))
        object.__setattr__(self, "data_years", frozenset(self.data_years))
        if len(self.week) != 7:
            raise ValueError("week must list the periods of 7 weekdays, Monday first")
        for weekday, periods in enumerate(self.week):
            previous_end: dt.time | None = None
            for start, end in periods:
                if not start < end:
                    raise ValueError(f"weekday {weekday}: period {start}–{end} does not end after it starts")
                if previous_end is not None and start < previous_end:
                    raise ValueError(f"weekday {weekday}: periods overlap or are not in order at {start}")
                previous_end = end
        if self.makeup_weekday not in range(7):
            raise ValueError("makeup_weekday must be 0 (Monday) … 6 (Sunday)")
        if self.is_24x7:
            return
        if not any(self.week):
            raise ValueError("a calendar that is not 24×7 needs working periods on at least one weekday")
        if self.makeup_days and not self.week[self.makeup_weekday]:
            raise ValueError("the weekday make-up days are worked like has no working periods")
        both = self.holidays & self.makeup_days
        if both:
            raise ValueError(f"{min(both)} is both a holiday and a make-up working day")

    @property
    def tz(self) -> ZoneInfo:
        return self._tz


# ---------------------------------------------------------------------------------------------------------
# Dates and periods


def _aware_utc(moment: dt.datetime, what: str = "datetime") -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return moment.astimezone(UTC)


def _require_data(day: dt.date, cal: WorkCalendar) -> None:
    if not cal.is_24x7 and day.year not in cal.data_years:
        raise CalendarDataMissing(day.year, cal.name)


def is_working_day(day: dt.date, cal: WorkCalendar) -> bool:
    """Whether ``day`` is a working day (see the module's definition). Raises CalendarDataMissing."""
    if cal.is_24x7:
        return True
    _require_data(day, cal)
    if day in cal.makeup_days:
        return True
    if day in cal.holidays:
        return False
    return bool(cal.week[day.weekday()])


def local_periods(day: dt.date, cal: WorkCalendar) -> tuple[Period, ...]:
    """The wall-clock working periods on ``day`` (empty on non-working days; none for 24×7)."""
    if cal.is_24x7:
        return ()
    _require_data(day, cal)
    if day in cal.makeup_days:
        return cal.week[cal.makeup_weekday]
    if day in cal.holidays:
        return ()
    return cal.week[day.weekday()]


def _local_to_utc(day: dt.date, at: dt.time, cal: WorkCalendar) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=cal.tz).astimezone(UTC)


def _midnight_utc(day: dt.date, cal: WorkCalendar) -> dt.datetime:
    return _local_to_utc(day, dt.time(0, 0), cal)


def working_periods(day: dt.date, cal: WorkCalendar) -> list[tuple[dt.datetime, dt.datetime]]:
    """The working periods on ``day`` as UTC instants ``[start, end)``, in order.

    For a 24×7 calendar: one period from local midnight to the next local midnight (23 or 25 hours on a
    daylight-saving day). Raises CalendarDataMissing for a year without data.
    """
    if cal.is_24x7:
        return [(_midnight_utc(day, cal), _midnight_utc(day + dt.timedelta(days=1), cal))]
    result = []
    for start, end in local_periods(day, cal):
        s, e = _local_to_utc(day, start, cal), _local_to_utc(day, end, cal)
        if s < e:  # a period wholly inside a spring-forward gap has no real time
            result.append((s, e))
    return result


def next_working_day(day: dt.date, cal: WorkCalendar) -> dt.date:
    """The first working day strictly after ``day``."""
    day += dt.timedelta(days=1)
    while not is_working_day(day, cal):
        day += dt.timedelta(days=1)
    return day


def local_date(moment: dt.datetime, cal: WorkCalendar) -> dt.date:
    """The calendar date of ``moment`` in the calendar's time zone."""
    return _aware_utc(moment).astimezone(cal.tz).date()


def _intervals_from(start: dt.datetime, cal: WorkCalendar) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Working intervals from ``start`` on, clipped to it. Endless; raises at the first year without data."""
    day = local_date(start, cal)
    while True:
        for s, e in working_periods(day, cal):
            if e > start:
                yield max(s, start), e
        day += dt.timedelta(days=1)


# ---------------------------------------------------------------------------------------------------------
# Arithmetic


def working_day_length(cal: WorkCalendar) -> dt.timedelta:
    """The average working time of the calendar's working weekdays (24 h for a 24×7 calendar): what "one
    working day" means when working time is told in days (``kefu.lib.durations``)."""
    if cal.is_24x7:
        return dt.timedelta(days=1)
    days = [
        sum(
            (
                dt.datetime.combine(dt.date.min, end) - dt.datetime.combine(dt.date.min, start)
                for start, end in p
            ),
            dt.timedelta(0),
        )
        for p in cal.week
        if p
    ]
    return sum(days, dt.timedelta(0)) / len(days)


def hours(amount: Hours) -> dt.timedelta:
    """An exact timedelta for a whole or decimal number of hours (Decimal("1.5") → 1 h 30 min)."""
    if isinstance(amount, bool) or not isinstance(amount, int | Decimal):
        raise TypeError("hours must be an int or a Decimal")
    return dt.timedelta(microseconds=int(Decimal(amount) * 3_600_000_000))


def add_calendar_hours(start: dt.datetime, amount: Hours) -> dt.datetime:
    """``start`` plus ``amount`` real hours, in UTC (no calendar needed: nights and holidays count)."""
    return _aware_utc(start, "start") + hours(amount)


def add_working_time(start: dt.datetime, duration: dt.timedelta, cal: WorkCalendar) -> dt.datetime:
    """The earliest instant ``t >= start`` with ``working_time_between(start, t, cal) == duration``."""
    start = _aware_utc(start, "start")
    if duration < ZERO:
        raise ValueError("duration must not be negative")
    if duration == ZERO:
        return start
    if cal.is_24x7:
        return start + duration
    remaining = duration
    for s, e in _intervals_from(start, cal):
        if remaining <= e - s:
            return s + remaining
        remaining -= e - s
    raise AssertionError("unreachable: _intervals_from is endless")  # pragma: no cover


def working_time_between(a: dt.datetime, b: dt.datetime, cal: WorkCalendar) -> dt.timedelta:
    """Working time inside ``[a, b)``; zero when ``b <= a``. Needs data only for the dates in between."""
    a, b = _aware_utc(a, "a"), _aware_utc(b, "b")
    if b <= a:
        return ZERO
    if cal.is_24x7:
        return b - a
    total = ZERO
    day, last = local_date(a, cal), local_date(b, cal)
    while day <= last:
        for s, e in working_periods(day, cal):
            s, e = max(s, a), min(e, b)
            if s < e:
                total += e - s
        day += dt.timedelta(days=1)
    return total


def receipt_day(start: dt.datetime, cal: WorkCalendar) -> dt.date:
    """The day a working-day count starts from (not itself counted): see the module's definition."""
    start = _aware_utc(start, "start")
    day = local_date(start, cal)
    if is_working_day(day, cal):
        periods = working_periods(day, cal)
        if periods and start < periods[-1][1]:
            return day
    return next_working_day(day, cal)


def add_working_days(start: dt.datetime, n: int, cal: WorkCalendar) -> dt.datetime:
    """The end of the last working period of the n-th working day after the receipt day (UTC).

    ``n == 0`` gives the close of the receipt day itself.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError("n must be a whole number of working days, 0 or more")
    day = receipt_day(start, cal)
    for _ in range(n):
        day = next_working_day(day, cal)
    return working_periods(day, cal)[-1][1]


# ---------------------------------------------------------------------------------------------------------
# Limits and clocks


class Unit(StrEnum):
    CALENDAR_HOURS = "calendar_hours"
    CALENDAR_MINUTES = "calendar_minutes"  # real time in minutes (emergency arrival, chat answers)
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"
    CALENDAR_MONTHS = "calendar_months"  # GDPR Art. 12(3): "within one month of receipt"


def _check_amount(unit: Unit, amount: Hours, *, allow_zero: bool) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int | Decimal):
        raise TypeError("a time-limit amount must be an int or a Decimal")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValueError("a time-limit amount must be positive")
    if unit is Unit.WORKING_DAYS and amount != int(amount):
        raise ValueError("working days must be whole days")
    if unit is Unit.CALENDAR_MONTHS and amount != int(amount):
        raise ValueError("calendar months must be whole months")


@dataclass(frozen=True)
class Limit:
    """A time limit (R-13): e.g. ``Limit(Unit.CALENDAR_HOURS, 24)``, ``Limit(Unit.WORKING_DAYS, 5)``."""

    unit: Unit
    amount: Hours

    def __post_init__(self) -> None:
        object.__setattr__(self, "unit", Unit(self.unit))
        _check_amount(self.unit, self.amount, allow_zero=False)


@dataclass(frozen=True)
class Pause:
    """A period in which the clock does not run (pending customer, materials missing). ``end=None``: open."""

    start: dt.datetime
    end: dt.datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _aware_utc(self.start, "pause start"))
        if self.end is not None:
            object.__setattr__(self, "end", _aware_utc(self.end, "pause end"))
            if self.end < self.start:
                raise ValueError("a pause cannot end before it starts")


@dataclass(frozen=True)
class Clock:
    """Everything the clock rules need about one commitment of one work order.

    ``extensions`` are the *approved* extensions (R-15), each in the limit's unit. ``stopped_at`` is when
    the commitment was fulfilled (first response sent, order resolved); ``unreachable_reported_at`` is when
    a written "customer unreachable / not at home" report was filed (R-14).
    """

    limit: Limit
    started_at: dt.datetime | None
    pauses: tuple[Pause, ...] = ()
    extensions: tuple[Hours, ...] = ()
    stopped_at: dt.datetime | None = None
    unreachable_reported_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        for name in ("started_at", "stopped_at", "unreachable_reported_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _aware_utc(value, name))
        object.__setattr__(self, "pauses", tuple(self.pauses))
        object.__setattr__(self, "extensions", tuple(self.extensions))
        for amount in self.extensions:
            _check_amount(self.limit.unit, amount, allow_zero=True)


class ClockStatus(StrEnum):
    NOT_STARTED = "not_started"  # materials not complete yet
    RUNNING = "running"
    PAUSED = "paused"
    BREACHED = "breached"  # past due and not stopped
    MET = "met"  # stopped at or before the due time
    MET_UNREACHABLE = "met_unreachable"  # written unreachable report filed in time
    LATE = "late"  # stopped after the due time


@dataclass(frozen=True)
class ClockState:
    """The clock at one moment. Durations are clock time: real time for calendar hours, else working time.

    ``due_at`` is ``None`` while not started, and while paused with budget left (the due time depends on
    when the pause ends). ``remaining`` is negative when overdue. ``warn_at`` is the instant the used share
    reaches the warning fraction (``None`` when that point is not yet known).
    """

    status: ClockStatus
    due_at: dt.datetime | None = None
    warn_at: dt.datetime | None = None
    budget: dt.timedelta | None = None
    used: dt.timedelta = ZERO
    remaining: dt.timedelta | None = None
    fraction_used: float = 0.0
    warning: bool = False
    ended_at: dt.datetime | None = None

    @property
    def breached(self) -> bool:
        return self.status in (ClockStatus.BREACHED, ClockStatus.LATE)

    @property
    def on_time(self) -> bool | None:
        """True/False once the clock ended, ``None`` while it can still go either way."""
        if self.status in (ClockStatus.MET, ClockStatus.MET_UNREACHABLE):
            return True
        if self.status is ClockStatus.LATE:
            return False
        return None


def is_real_time(unit: Unit | str) -> bool:
    """Units counted in real elapsed time (nights, weekends and holidays count)."""
    return Unit(unit) in (Unit.CALENDAR_HOURS, Unit.CALENDAR_MINUTES, Unit.CALENDAR_MONTHS)


def add_calendar_months(start: dt.datetime, n: int, cal: WorkCalendar) -> dt.datetime:
    """The end of the day ``n`` months after the local date of ``start`` (the same day of the month, or
    the month's last day when it has no such day: 31 January + 1 month = end of 28/29 February). This is
    how EU law counts a period in months (Regulation 1182/71, Art. 3(2)(c)): it ends with the expiry of
    the last hour of that day. Nights, weekends and holidays count."""
    day = local_date(start, cal)
    months = day.month - 1 + n
    year, month = day.year + months // 12, months % 12 + 1
    first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (first_of_next - dt.timedelta(days=1)).day
    return _midnight_utc(dt.date(year, month, min(day.day, last_day)) + dt.timedelta(days=1), cal)


def _measure(unit: Unit, a: dt.datetime, b: dt.datetime, cal: WorkCalendar) -> dt.timedelta:
    if is_real_time(unit):
        return max(b - a, ZERO)
    return working_time_between(a, b, cal)


def _advance(unit: Unit, start: dt.datetime, amount: dt.timedelta, cal: WorkCalendar) -> dt.datetime:
    if is_real_time(unit):
        return start + amount
    return add_working_time(start, amount, cal)


def clock_budget(clock: Clock, cal: WorkCalendar) -> dt.timedelta:
    """The clock time the commitment allows: limit plus approved extensions (see the module doc)."""
    if clock.started_at is None:
        raise ValueError("a clock that has not started has no budget yet")
    limit = clock.limit
    total = limit.amount + sum(clock.extensions, start=0)
    if limit.unit is Unit.WORKING_DAYS:
        deadline = add_working_days(clock.started_at, int(total), cal)
        return working_time_between(clock.started_at, deadline, cal)
    if limit.unit is Unit.CALENDAR_MINUTES:
        return dt.timedelta(microseconds=int(Decimal(total) * 60_000_000))
    if limit.unit is Unit.CALENDAR_MONTHS:
        return add_calendar_months(clock.started_at, int(total), cal) - clock.started_at
    return hours(total)


def _segments(clock: Clock) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """The intervals in which the clock runs: from the start, between the pauses, after the last one.

    The last segment's end is ``None`` when it runs on for ever, or it ends where an open pause starts.
    """
    assert clock.started_at is not None
    start = clock.started_at
    pauses = sorted(clock.pauses, key=lambda p: p.start)
    segments: list[tuple[dt.datetime, dt.datetime | None]] = []
    cursor: dt.datetime | None = start
    for pause in pauses:
        if cursor is None:
            break
        if pause.end is not None and pause.end <= cursor:
            continue
        if pause.start > cursor:
            segments.append((cursor, pause.start))
        cursor = None if pause.end is None else max(cursor, pause.end)
    if cursor is not None:
        segments.append((cursor, None))
    return segments


def _used(clock: Clock, until: dt.datetime, cal: WorkCalendar) -> dt.timedelta:
    total = ZERO
    for s, e in _segments(clock):
        end = until if e is None else min(e, until)
        if end <= s:
            break
        total += _measure(clock.limit.unit, s, end, cal)
    return total


def _instant_at(clock: Clock, amount: dt.timedelta, cal: WorkCalendar) -> dt.datetime | None:
    """The earliest instant at which the clock has used ``amount``; ``None`` if an open pause comes first."""
    remaining = amount
    for s, e in _segments(clock):
        if e is None:
            return _advance(clock.limit.unit, s, remaining, cal)
        span = _measure(clock.limit.unit, s, e, cal)
        if remaining <= span:
            return _advance(clock.limit.unit, s, remaining, cal)
        remaining -= span
    return None


def due_at(clock: Clock, cal: WorkCalendar) -> dt.datetime | None:
    """When the budget runs out, pauses and extensions included; ``None`` if not started or paused."""
    if clock.started_at is None:
        return None
    return _instant_at(clock, clock_budget(clock, cal), cal)


def _paused_at(clock: Clock, now: dt.datetime) -> bool:
    return any(p.start <= now and (p.end is None or now < p.end) for p in clock.pauses)


def clock_state(clock: Clock, cal: WorkCalendar, now: dt.datetime, warn_fraction: float = 0.75) -> ClockState:
    """The clock at ``now``: status, due time, used and remaining clock time, warning point (R-16)."""
    now = _aware_utc(now, "now")
    if not 0 < warn_fraction <= 1:
        raise ValueError("warn_fraction must be in (0, 1]")
    if clock.started_at is None:
        return ClockState(ClockStatus.NOT_STARTED)
    budget = clock_budget(clock, cal)
    due = _instant_at(clock, budget, cal)
    warn = _instant_at(clock, budget * warn_fraction, cal)

    def in_time(moment: dt.datetime) -> bool:
        return due is None or moment <= due

    report, stopped = clock.unreachable_reported_at, clock.stopped_at
    ended: dt.datetime | None = None
    if (
        report is not None
        and report >= clock.started_at
        and in_time(report)
        and (stopped is None or report <= stopped)
    ):
        status, ended = ClockStatus.MET_UNREACHABLE, report
    elif stopped is not None:
        ended = max(stopped, clock.started_at)
        status = ClockStatus.MET if in_time(ended) else ClockStatus.LATE
    elif due is not None and now > due:
        status = ClockStatus.BREACHED
    elif _paused_at(clock, now):
        status = ClockStatus.PAUSED
    else:
        status = ClockStatus.RUNNING

    used = _used(clock, now if ended is None else min(now, ended), cal)
    fraction = used / budget if budget > ZERO else 1.0
    return ClockState(
        status=status,
        due_at=due,
        warn_at=warn,
        budget=budget,
        used=used,
        remaining=budget - used,
        fraction_used=fraction,
        warning=status in (ClockStatus.RUNNING, ClockStatus.PAUSED) and fraction >= warn_fraction,
        ended_at=ended,
    )


def unreachable_counts_as_on_time(clock: Clock, cal: WorkCalendar, reported_at: dt.datetime) -> bool:
    """R-14: a written unreachable/not-at-home report filed at ``reported_at`` makes the clock met on time.

    True when the clock has started, the report is not before the start, and it is at or before the due
    time (with the pauses and approved extensions known now).
    """
    if clock.started_at is None:
        return False
    reported_at = _aware_utc(reported_at, "reported_at")
    if reported_at < clock.started_at:
        return False
    due = due_at(clock, cal)
    return due is None or reported_at <= due


def extension_allowed(clock: Clock, cal: WorkCalendar, now: dt.datetime) -> bool:
    """R-15: an extension can be requested or approved only before the deadline passes.

    True while the clock runs or is paused and ``now`` is not after the due time; False before the clock
    starts, once it has ended, and once it is breached.
    """
    return clock_state(clock, cal, now).status in (ClockStatus.RUNNING, ClockStatus.PAUSED)


def years_needed(start: dt.datetime, end: dt.datetime, cal: WorkCalendar) -> set[int]:
    """The years between two instants (local dates, inclusive) a non-24×7 calendar needs data for."""
    if cal.is_24x7:
        return set()
    return set(range(local_date(start, cal).year, local_date(end, cal).year + 1))


def missing_years(years: Iterable[int], cal: WorkCalendar) -> list[int]:
    """Those of ``years`` without holiday data (never any for a 24×7 calendar), in order."""
    if cal.is_24x7:
        return []
    return sorted(set(years) - cal.data_years)


# ---------------------------------------------------------------------------------------------------------
# Provisional deadlines (a year without holiday data)

MAX_PROVISIONAL_YEARS = 3


def provisional_calendar(cal: WorkCalendar, years: Iterable[int]) -> WorkCalendar:
    """The calendar with ``years`` counted on its weekly pattern only: no holidays, no make-up days
    (days already entered for a year without data are not trusted, so they are left out too).

    This is the stop-gap for a year whose official holidays are not loaded yet: with the default office
    week it counts Monday–Friday as working days. Deadlines computed on it are *provisional*."""
    extra = frozenset(years)
    if cal.is_24x7 or not extra:
        return cal
    return replace(
        cal,
        holidays=frozenset(d for d in cal.holidays if d.year not in extra),
        makeup_days=frozenset(d for d in cal.makeup_days if d.year not in extra),
        data_years=cal.data_years | extra,
    )


def provisional_clock_state(
    clock: Clock, cal: WorkCalendar, now: dt.datetime, warn_fraction: float = 0.75
) -> tuple[ClockState, tuple[int, ...]]:
    """``clock_state``, and where it needs a year without holiday data, the state computed provisionally on
    ``provisional_calendar`` (weekends only for those years). Returns the state and the years that were
    missing (empty: the state is final). Never raises ``CalendarDataMissing`` for fewer than
    ``MAX_PROVISIONAL_YEARS`` missing years."""
    missing: list[int] = []
    for _attempt in range(MAX_PROVISIONAL_YEARS + 1):
        try:
            return clock_state(clock, provisional_calendar(cal, missing), now, warn_fraction), tuple(missing)
        except CalendarDataMissing as exc:
            if exc.year in missing or len(missing) >= MAX_PROVISIONAL_YEARS:
                raise
            missing.append(exc.year)
    raise CalendarDataMissing(missing[-1], cal.name)  # pragma: no cover


__all__ = (
    "CalendarDataMissing",
    "Clock",
    "ClockState",
    "ClockStatus",
    "Limit",
    "Pause",
    "Period",
    "Unit",
    "WorkCalendar",
    "add_calendar_hours",
    "add_working_days",
    "add_working_time",
    "clock_budget",
    "clock_state",
    "due_at",
    "extension_allowed",
    "hours",
    "is_real_time",
    "is_working_day",
    "local_date",
    "local_periods",
    "missing_years",
    "next_working_day",
    "office_week",
    "provisional_calendar",
    "provisional_clock_state",
    "receipt_day",
    "unreachable_counts_as_on_time",
    "weekly",
    "working_periods",
    "working_time_between",
)
