"""Editing a business calendar in the console (R-13): one day at a time, with a reason, and the working hours.

Who: administrators edit every calendar; a branch manager (``config.branch``) edits a calendar only their own
branch uses (a calendar shared with another branch, or the default one, stays with the administrators).
Each change is one audited transaction, made now or saved for a date (``do_schedule_day``,
``do_schedule_hours``; applied by ``organization.revisions`` when the date comes, so deadlines counted from
then use it, while orders registered before keep the due times already on their clocks). A day's change reaches the deadlines counted afterwards and the
provisional ones (``clocks`` recomputes those when a day is saved); whole years are loaded with
``commitments.years``.

Rules (``check_day``): a make-up working day (调休) falls on a Saturday or Sunday; a date is in the calendar
once (adding a date that is there already is refused: change it instead); a 24 × 7 calendar has no days.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.audit.models import AuditRecord
from kefu.commitments.models import BusinessCalendar, CalendarDay, DayKind, Weekday, WorkingPeriod
from kefu.lib.errors import NotFound, PermissionDenied, ValidationFailed
from kefu.organization import revisions
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import ConfigRevision, Staff

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


def _locked_calendar(user: Actor, calendar_id: int, version: Any) -> BusinessCalendar:
    _staff, calendar = access_calendar(user, calendar_id)
    calendar = BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)
    revisions.check_version(calendar, version)
    return calendar


def _set_day(
    actor: Any, calendar: BusinessCalendar, change: DayChange, adding: bool, note: str = ""
) -> CalendarDay | None:
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
        actor,
        "calendar.day_changed",
        calendar,
        before=before,
        after={**after, "date": change.date.isoformat(), "reason": change.reason.strip()},
        summary=(
            _("%(calendar)s: %(date)s %(kind)s (%(reason)s)")
            % {
                "calendar": calendar.name,
                "date": change.date.isoformat(),
                "kind": day.get_kind_display() if day else _("ordinary day"),
                "reason": change.reason.strip(),
            }
            + (f" {note}" if note else "")
        ),
    )
    return day


def do_set_day(
    user: Actor, calendar_id: int, change: DayChange, *, adding: bool = False, version: Any = None
) -> CalendarDay | None:
    """Make ``change.date`` a holiday, a make-up working day, or (``NORMAL``) an ordinary day again, now;
    ``version`` (the form's) refuses a change over someone else's change of the calendar."""
    with transaction.atomic():
        calendar = _locked_calendar(user, calendar_id, version)
        return _set_day(user, calendar, change, adding)


def day_key(date: dt.date) -> str:
    return f"day:{date.isoformat()}"


def calendar_values(calendar: BusinessCalendar, keys: Iterable[str]) -> dict[str, Any]:
    """The current values of the keys a scheduled change of ``calendar`` holds: ``day:<date>`` (the day's
    kind and name, None for an ordinary day) and ``hours`` (the periods per weekday and the make-up weekday)."""
    result: dict[str, Any] = {}
    for key in keys:
        if key == "hours":
            periods = {str(d): text for d, text in periods_text(calendar).items()}
            result[key] = {"periods": periods, "makeup_weekday": calendar.makeup_weekday}
        elif key.startswith("day:"):
            found = CalendarDay.objects.filter(calendar=calendar, date=key.removeprefix("day:")).first()
            result[key] = {"kind": found.kind, "name": found.name} if found else None
    return result


def do_schedule_day(
    user: Actor, calendar_id: int, change: DayChange, effective_from: dt.datetime, *, version: Any = None
) -> ConfigRevision:
    """Save a day's change to take effect at ``effective_from`` (e.g. a holiday added from a date): checked
    now as a change made now would be, applied by ``organization.revisions`` when its date comes."""
    with transaction.atomic():
        calendar = _locked_calendar(user, calendar_id, version)
        existing = CalendarDay.objects.filter(calendar=calendar, date=change.date).first()
        check_day(calendar, change, existing, False)
        key = day_key(change.date)
        after = None if change.kind == NORMAL else {"kind": change.kind, "name": change.name.strip()}
        return revisions.schedule(
            user, calendar, calendar_values(calendar, [key]), {key: after}, effective_from, note=change.reason
        )


def do_schedule_hours(
    user: Actor,
    calendar_id: int,
    by_weekday: dict[int, str],
    makeup_weekday: int,
    effective_from: dt.datetime,
    *,
    version: Any = None,
) -> ConfigRevision:
    """Save new working hours to take effect at ``effective_from``."""
    parsed = _check_hours(by_weekday, makeup_weekday)
    with transaction.atomic():
        calendar = _locked_calendar(user, calendar_id, version)
        _check_hours_of(calendar, parsed)
        after = {
            "periods": {str(d): ", ".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in ps) for d, ps in parsed.items()},
            "makeup_weekday": makeup_weekday,
        }
        return revisions.schedule(
            user, calendar, calendar_values(calendar, ["hours"]), {"hours": after}, effective_from
        )


def _apply(actor: Any, calendar: BusinessCalendar, values: dict[str, Any], rev: ConfigRevision) -> None:
    note = _("(scheduled change %(n)d)") % {"n": rev.pk}
    for key, value in sorted(values.items()):
        if key == "hours":
            parsed = _check_hours({int(d): t for d, t in value["periods"].items()}, value["makeup_weekday"])
            _check_hours_of(calendar, parsed)
            _set_hours(actor, calendar, parsed, value["makeup_weekday"], note)
        elif key.startswith("day:"):
            change = DayChange(
                dt.date.fromisoformat(key.removeprefix("day:")),
                value["kind"] if value else NORMAL,
                value["name"] if value else "",
                rev.note or note,
            )
            _set_day(actor, calendar, change, False, note)


def _field_label(key: str) -> str:
    if key.startswith("day:"):
        return key.removeprefix("day:")
    labels = {"hours": _("Working hours"), "makeup_weekday": _("Make-up days work like"), "date": _("Date")}
    if key.isdecimal() and int(key) in range(7):
        return str(Weekday(int(key)).label)
    return str(labels.get(key, key))


def _record_fields(record: AuditRecord) -> list[str]:
    """A day's change names its date, a change of the hours the hours."""
    if record.action == "calendar.day_changed":
        date = (record.after or {}).get("date") or (record.before or {}).get("date")
        return [f"day:{date}"] if date else []
    if record.action == "calendar.hours_changed":
        return ["hours"]
    return revisions.changed_fields(record)


def _show_value(key: str, value: Any) -> str:
    """A day as "holiday 元旦" (or "ordinary day"), working hours as "Monday 08:30-12:00; …"."""
    if key.startswith("day:"):
        if not value:
            return str(_("ordinary day"))
        return f"{DayKind(value['kind']).label} {value.get('name', '')}".strip()
    if key == "hours" and value:
        days = [f"{Weekday(int(d)).label} {t}" for d, t in sorted(value["periods"].items()) if t]
        makeup = _("Make-up days work like") + f" {Weekday(value['makeup_weekday']).label}"
        return "; ".join([*days, makeup])
    return str(value)


def register_revision_kinds() -> None:
    """Calendars are versioned (``organization.revisions``); called from the app's ``ready``."""
    revisions.register(
        revisions.Kind(
            name="commitments.businesscalendar",
            model=BusinessCalendar,
            capability=CAPABILITY,
            editable=editable_calendars,
            current=calendar_values,
            apply=_apply,
            time_zone=lambda calendar: calendar.time_zone,
            field_label=_field_label,
            record_fields=_record_fields,
            show_value=_show_value,
        )
    )


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


def _check_hours(by_weekday: dict[int, str], makeup_weekday: Any) -> dict[int, list[tuple[dt.time, dt.time]]]:
    parsed = {d: parse_periods(by_weekday.get(d, "")) for d in range(7)}
    if makeup_weekday not in range(7):
        raise ValidationFailed("invalid_choice", _("Choose a weekday."), "makeup_weekday")
    return parsed


def _check_hours_of(calendar: BusinessCalendar, parsed: dict[int, list[tuple[dt.time, dt.time]]]) -> None:
    if calendar.is_24x7:
        raise ValidationFailed(
            "calendar_24x7", _("A 24 × 7 calendar has no working hours to set."), "periods"
        )
    if not any(parsed.values()):
        raise ValidationFailed("no_hours", _("Give the working hours of at least one weekday."), "periods")


def _set_hours(
    actor: Any,
    calendar: BusinessCalendar,
    parsed: dict[int, list[tuple[dt.time, dt.time]]],
    makeup_weekday: int,
    note: str = "",
) -> None:
    before: dict[str, Any] = {str(k): v for k, v in periods_text(calendar).items()}
    before["makeup_weekday"] = calendar.makeup_weekday
    calendar.periods.all().delete()
    WorkingPeriod.objects.bulk_create(
        WorkingPeriod(calendar=calendar, weekday=d, start=s, end=e) for d, ps in parsed.items() for s, e in ps
    )
    calendar.makeup_weekday = makeup_weekday
    calendar.save(update_fields=["makeup_weekday"])
    after: dict[str, Any] = {str(k): v for k, v in periods_text(calendar).items()}
    after["makeup_weekday"] = makeup_weekday
    b, a = audit.diff(before, after)
    audit.record(
        actor,
        "calendar.hours_changed",
        calendar,
        before=b or before,
        after=a or after,
        summary=(_("%(calendar)s: working hours changed") % {"calendar": calendar.name})
        + (f" {note}" if note else ""),
    )


def do_set_hours(
    user: Actor, calendar_id: int, by_weekday: dict[int, str], makeup_weekday: int, *, version: Any = None
) -> None:
    """Replace the calendar's working periods now (text per weekday, see ``parse_periods``)."""
    parsed = _check_hours(by_weekday, makeup_weekday)
    with transaction.atomic():
        calendar = _locked_calendar(user, calendar_id, version)
        _check_hours_of(calendar, parsed)
        _set_hours(user, calendar, parsed, makeup_weekday)


def year_days(calendar: BusinessCalendar, year: int) -> dict[dt.date, CalendarDay]:
    return {
        d.date: d for d in CalendarDay.objects.filter(calendar=calendar, date__year=year).order_by("date")
    }
