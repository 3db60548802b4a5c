"""Pure rules of proactive service (R-17, R-18): maintenance notice lead time, fee-expiry reminders and
the dates of periodic care visits. No Django, no I/O."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

MIN_NOTICE = dt.timedelta(hours=24)


class NoticeVerdict(StrEnum):
    OK = "ok"  # announced at least 24 hours ahead
    NEEDS_OVERRIDE = "needs_override"  # less than 24 hours: only with a leader's override and a reason
    IN_THE_PAST = "in_the_past"  # the work has already started: an announcement cannot be "ahead"
    BAD_PERIOD = "bad_period"  # ends before it starts


def maintenance_notice(
    now: dt.datetime, starts_at: dt.datetime, ends_at: dt.datetime, min_notice: dt.timedelta = MIN_NOTICE
) -> NoticeVerdict:
    """R-17: planned maintenance is announced to the affected customers at least ``min_notice`` ahead."""
    if ends_at <= starts_at:
        return NoticeVerdict.BAD_PERIOD
    if starts_at <= now:
        return NoticeVerdict.IN_THE_PAST
    if starts_at - now < min_notice:
        return NoticeVerdict.NEEDS_OVERRIDE
    return NoticeVerdict.OK


def reminder_window(today: dt.date, days_before: int) -> tuple[dt.date, dt.date]:
    """Subscriptions expiring in ``[today, today + days_before]`` get a fee-expiry reminder (R-17)."""
    if days_before < 0:
        raise ValueError("days_before must not be negative")
    return today, today + dt.timedelta(days=days_before)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months; the 31st becomes the month's last day when needed."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class CareStep:
    """What a care plan does on ``today``: the visit dates it owes and its next due date afterwards."""

    visits: tuple[dt.date, ...]
    next_due: dt.date


def care_visits_due(next_due: dt.date, every_months: int, today: dt.date, *, catch_up: int = 1) -> CareStep:
    """R-18: a plan due on or before ``today`` creates a visit; a plan that fell behind (the worker was
    stopped for months) creates at most ``catch_up`` visits — one visit serves the missed periods — and
    its next due date moves past today on the plan's own rhythm."""
    if every_months < 1:
        raise ValueError("every_months must be at least 1")
    visits: list[dt.date] = []
    periods = 0
    due = next_due
    while due <= today:
        if len(visits) < catch_up:
            visits.append(due)
        periods += 1
        # counted from the plan's anchor date, so a plan on the 31st keeps coming back to month ends
        due = add_months(next_due, every_months * periods)
    return CareStep(tuple(visits), due)
