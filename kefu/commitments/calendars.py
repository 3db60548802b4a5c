"""Reading business calendars: the table rows become a ``rules.WorkCalendar`` value; which years are missing.

Read-only. Writing (seeding from ``chinesecalendar``) is in ``commitments.actions``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from kefu.commitments import rules
from kefu.commitments.models import BusinessCalendar, DayKind
from kefu.lib import clock


def load_calendar(calendar: BusinessCalendar) -> rules.WorkCalendar:
    """The calendar as the pure rules see it (three queries, or none with ``prefetch_related``).

    Raises ``ValueError`` for contradictory rows the admin would have refused (overlapping periods, …).
    """
    by_weekday: dict[int, list[rules.Period]] = defaultdict(list)
    for period in calendar.periods.all():
        by_weekday[period.weekday].append((period.start, period.end))
    holidays: set[dt.date] = set()
    makeup: set[dt.date] = set()
    for day in calendar.days.all():
        (holidays if day.kind == DayKind.HOLIDAY else makeup).add(day.date)
    return rules.WorkCalendar(
        time_zone=calendar.time_zone,
        week=rules.weekly(by_weekday),
        holidays=frozenset(holidays),
        makeup_days=frozenset(makeup),
        makeup_weekday=calendar.makeup_weekday,
        is_24x7=calendar.is_24x7,
        data_years=frozenset(y.year for y in calendar.years.all()),
        name=calendar.name,
    )


def current_year(calendar: BusinessCalendar, now: dt.datetime | None = None) -> int:
    """This year in the calendar's own time zone (on 31 December 16:30 UTC it is already next year in China)."""
    return (now or clock.now()).astimezone(ZoneInfo(calendar.time_zone)).year


def missing_years(calendar: BusinessCalendar, now: dt.datetime | None = None) -> list[int]:
    """Of this year and next year, those without complete holiday data (never any for 24×7 calendars)."""
    if calendar.is_24x7:
        return []
    year = current_year(calendar, now)
    known = {y.year for y in calendar.years.all()}
    return [y for y in (year, year + 1) if y not in known]
