"""Remaining and overdue time in words people read at a glance: "剩余 2 天 3 小时（自然时间）",
"剩余 5 工作小时", "逾期 3 天（自然时间）" — never "−3998 h 55 min".

One function, :func:`format_time_left`, used by every screen that shows the time left on a deadline (the
queues, the order page's "Time limits" card; template filter ``time_left`` in
``console/templatetags/clock_tags.py``). Pure: the text depends only on the arguments and the active
language.

The units collapse with the size of the value: under an hour, minutes ("45 min"); under a day, hours and
minutes ("3 h 20 min"); then days and hours ("2 d 3 h"); clock time of 60 days or more in months of 30
days ("5 mo"). Every text says which time it counts:

- **working time** (working-hour and working-day limits): only the working periods of the calendar's
  working days count; a *working day* is the calendar's average working day (7 h for 08:30–12:00,
  14:00–17:30), so "1 working d 2 working h" is 9 working hours there;
- **clock time** (calendar-hour limits): nights, weekends and holidays count, marked "(clock time)".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
MONTH_DAYS = 30
MONTHS_FROM_DAYS = 60  # clock time of 60 days or more is told in months


@dataclass(frozen=True)
class TimeLeft:
    """The time left until a deadline (negative: overdue) and how it was counted. ``working_day``: the
    length of one working day in working time (24 h for clock time)."""

    delta: dt.timedelta
    working: bool = False
    working_day: dt.timedelta = DAY

    @property
    def overdue(self) -> bool:
        return self.delta < dt.timedelta(0)


def _unit(n: int, unit: str, working: bool) -> str:
    if working:
        texts = {
            "d": _("%(n)d working d"),
            "h": _("%(n)d working h"),
            "min": _("%(n)d working min"),
        }
    else:
        texts = {"mo": _("%(n)d mo"), "d": _("%(n)d d"), "h": _("%(n)d h"), "min": _("%(n)d min")}
    return texts[unit] % {"n": n}


def format_amount(amount: dt.timedelta, *, working: bool = False, working_day: dt.timedelta = DAY) -> str:
    """A non-negative duration in at most two units ("2 d 3 h", "3 h 20 min", "45 min", "5 mo"); the
    value is cut, not rounded, except that anything above zero is at least "1 min"."""
    if amount < dt.timedelta(0):
        raise ValueError("format_amount takes a non-negative duration")
    day = working_day if working and working_day > dt.timedelta(0) else DAY
    minutes = int(amount.total_seconds() // 60)
    if minutes == 0 and amount > dt.timedelta(0):
        minutes = 1
    if amount < HOUR:
        return _unit(minutes, "min", working)
    if amount < day:
        hours, mins = divmod(minutes, 60)
        parts = [_unit(hours, "h", working)] + ([_unit(mins, "min", working)] if mins else [])
        return " ".join(parts)
    days, rest = divmod(amount, day)
    if not working and days >= MONTHS_FROM_DAYS:
        return _unit(days // MONTH_DAYS, "mo", working)
    hours = int(rest / HOUR)
    parts = [_unit(days, "d", working)] + ([_unit(hours, "h", working)] if hours else [])
    return " ".join(parts)


def format_time_left(value: TimeLeft) -> str:
    """ "剩余 5 工作小时" / "5 working h left", "逾期 3 天（自然时间）" / "3 d overdue (clock time)"."""
    amount = format_amount(abs(value.delta), working=value.working, working_day=value.working_day)
    if value.overdue:
        text = _("%(amount)s overdue") % {"amount": amount}
    else:
        text = _("%(amount)s left") % {"amount": amount}
    if not value.working:
        text = _("%(text)s (clock time)") % {"text": text}
    return text


def time_basis_help(working: bool) -> str:
    """The tooltip that explains what the time counts."""
    if working:
        return _("Working time: only the working hours of working days count (holidays and nights do not).")
    return _("Clock time: nights, weekends and holidays count.")
