"""Editing a business calendar in the console (R-13): one day at a time, with a reason, and the working hours.

Who: administrators edit every calendar; a branch manager (``config.branch``) edits a calendar only their own
branch uses (a calendar shared with another branch, or the default one, stays with the administrators).
Each change is one audited transaction. A day's change reaches the deadlines counted afterwards and the
provisional ones (``clocks`` recomputes those when a day is saved); whole years are loaded with
``commitments.years``.

Rules (``check_day``): a make-up working day (调休) falls on a Saturday or Sunday; a date is in the calendar
once (adding a date that is there already is refused: change it instead); a 24 × 7 calendar has no days.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.commitments.models import BusinessCalendar, CalendarDay, DayKind, Weekday, WorkingPeriod
from kefu.lib.errors import NotFound, PermissionDenied, ValidationFailed
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import Staff

CAPABILITY = "config.branch"
NORMAL = "normal"  # "as the weekly pattern": the day is not in the calendar


def editable_calendars(staff: Staff) -> QuerySet[BusinessCalendar]:
    """Administrators: every calendar; a branch manager: the calendars used by their branch and no other."""
    qs = BusinessCalendar.objects.annotate(
        n_branches=Count("branches", distinct=True),
        n_other=Count("branches", filter=~Q(branches=staff.branch_id), distinct=True),
    ).order_by("name")
    if staff.can("admin"):
        return qs
    if staff.branch_id is None:
        return qs.none()
    return qs.filter(n_branches__gte=1, n_other=0)


def access_calendar(user: Actor, calendar_id: int) -> tuple[Staff, BusinessCalendar]:
    staff = require_staff(user, CAPABILITY)
    calendar = editable_calendars(staff).filter(pk=calendar_id).first()
    if calendar is None:
        if BusinessCalendar.objects.filter(pk=calendar_id).exists():
            raise PermissionDenied(
                "calendar_not_yours",
                _("This calendar is used by other branches too; only an administrator can change it."),
            )
        raise NotFound("not_found", _("No such calendar."))
    return staff, calendar


@dataclass(frozen=True)
class DayChange:
    date: dt.date
    kind: str  # DayKind value or NORMAL
    name: str
    reason: str


def check_day(
    calendar: BusinessCalendar, change: DayChange, existing: CalendarDay | None, adding: bool
) -> None:
    """Raise ValidationFailed naming the field when ``change`` is not allowed (see the module doc)."""
    if calendar.is_24x7:
        raise ValidationFailed("calendar_24x7", _("A 24 × 7 calendar has no holidays."), "date")
    if not 2000 <= change.date.year <= 2200:
        raise ValidationFailed("date_range", _("Give a date between 2000 and 2200."), "date")
    if change.kind not in (NORMAL, DayKind.HOLIDAY, DayKind.WORKDAY):
        raise ValidationFailed("kind", _("Choose what kind of day it is."), "kind")
    if adding and existing is not None:
        raise ValidationFailed(
            "duplicate_date",
            _("%(date)s is already in the calendar (%(kind)s %(name)s); change it in the year view.")
            % {"date": change.date.isoformat(), "kind": existing.get_kind_display(), "name": existing.name},
            "date",
        )
    if change.kind == DayKind.WORKDAY and change.date.weekday() < Weekday.SATURDAY:
        raise ValidationFailed(
            "makeup_not_weekend",
            _("A make-up working day must be a Saturday or Sunday; %(date)s is a %(weekday)s.")
            % {"date": change.date.isoformat(), "weekday": Weekday(change.date.weekday()).label},
            "kind",
        )
    if not change.reason.strip():
        raise ValidationFailed("reason_required", _("Give the reason for the change."), "reason")
    if len(change.name) > 100:
        raise ValidationFailed("name_too_long", _("The name is at most 100 characters."), "name")


def do_set_day(
    user: Actor, calendar_id: int, change: DayChange, *, adding: bool = False
) -> CalendarDay | None:
    """Make ``change.date`` a holiday, a make-up working day, or (``NORMAL``) an ordinary day again."""
    with transaction.atomic():
        _staff, calendar = access_calendar(user, calendar_id)
        existing = CalendarDay.objects.select_for_update().filter(calendar=calendar, date=change.date).first()
        check_day(calendar, change, existing, adding)
        before = audit.snapshot(existing, ["date", "kind", "name"]) if existing else {}
        day: CalendarDay | None
        if change.kind == NORMAL:
            if existing is None:
                return None
            existing.delete()
            day, after = None, {}
        else:
            day = existing or CalendarDay(calendar=calendar, date=change.date)
            day.kind, day.name = change.kind, change.name.strip()
            day.save()
            after = audit.snapshot(day, ["date", "kind", "name"])
        audit.record(
            user,
            "calendar.day_changed",
            calendar,
            before=before,
            after={**after, "reason": change.reason.strip()},
            summary=_("%(calendar)s: %(date)s %(kind)s (%(reason)s)")
            % {
                "calendar": calendar.name,
                "date": change.date.isoformat(),
                "kind": day.get_kind_display() if day else _("ordinary day"),
                "reason": change.reason.strip(),
            },
        )
    return day


def parse_periods(text: str) -> list[tuple[dt.time, dt.time]]:
    """``08:30-12:00, 13:30-17:30`` → periods; ValidationFailed naming ``periods`` for anything else."""
    periods: list[tuple[dt.time, dt.time]] = []
    for part in (text or "").replace("，", ",").replace("–", "-").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            start_text, end_text = (p.strip() for p in part.split("-"))
            start, end = dt.time.fromisoformat(start_text), dt.time.fromisoformat(end_text)
        except ValueError:
            raise ValidationFailed(
                "period_format",
                _("Write periods as 08:30-12:00, separated by commas: “%(part)s”.") % {"part": part},
                "periods",
            ) from None
        if start >= end:
            raise ValidationFailed(
                "period_order",
                _("A working period must end after it starts: “%(part)s”.") % {"part": part},
                "periods",
            )
        periods.append((start, end))
    periods.sort()
    for (_s1, e1), (s2, _e2) in itertools.pairwise(periods):
        if s2 < e1:
            raise ValidationFailed("period_overlap", _("Working periods must not overlap."), "periods")
    return periods


def periods_text(calendar: BusinessCalendar) -> dict[int, str]:
    """Each weekday's working periods as the form shows them."""
    result: dict[int, list[str]] = {d: [] for d in range(7)}
    for p in calendar.periods.all():
        result[p.weekday].append(f"{p.start:%H:%M}-{p.end:%H:%M}")
    return {d: ", ".join(v) for d, v in result.items()}


def do_set_hours(user: Actor, calendar_id: int, by_weekday: dict[int, str], makeup_weekday: int) -> None:
    """Replace the calendar's working periods (text per weekday, see ``parse_periods``)."""
    parsed = {d: parse_periods(by_weekday.get(d, "")) for d in range(7)}
    if makeup_weekday not in range(7):
        raise ValidationFailed("makeup_weekday", _("Choose a weekday."), "makeup_weekday")
    with transaction.atomic():
        _staff, calendar = access_calendar(user, calendar_id)
        if calendar.is_24x7:
            raise ValidationFailed(
                "calendar_24x7", _("A 24 × 7 calendar has no working hours to set."), "periods"
            )
        if not any(parsed.values()):
            raise ValidationFailed(
                "no_hours", _("Give the working hours of at least one weekday."), "periods"
            )
        before: dict[str, Any] = {str(k): v for k, v in periods_text(calendar).items()}
        before["makeup_weekday"] = calendar.makeup_weekday
        calendar.periods.all().delete()
        WorkingPeriod.objects.bulk_create(
            WorkingPeriod(calendar=calendar, weekday=d, start=s, end=e)
            for d, ps in parsed.items()
            for s, e in ps
        )
        calendar.makeup_weekday = makeup_weekday
        calendar.save(update_fields=["makeup_weekday"])
        after: dict[str, Any] = {str(k): v for k, v in periods_text(calendar).items()}
        after["makeup_weekday"] = makeup_weekday
        audit.record(
            user,
            "calendar.hours_changed",
            calendar,
            before=before,
            after=after,
            summary=_("%(calendar)s: working hours changed") % {"calendar": calendar.name},
        )


def year_days(calendar: BusinessCalendar, year: int) -> dict[dt.date, CalendarDay]:
    return {
        d.date: d for d in CalendarDay.objects.filter(calendar=calendar, date__year=year).order_by("date")
    }
