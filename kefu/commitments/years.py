"""Loading a year of a business calendar (R-13): holidays and make-up working days (调休) of one year, from
the ``chinesecalendar`` package when it knows the year, from an iCalendar (.ics) or CSV file, or typed in.

The console page (``commitments.views``) first shows a **preview** (``preview``: every holiday and make-up
day with its weekday, and what would change), then **saves** (``do_load_year``): the year's days of the
calendar are replaced, the year is marked complete with its source, the service log gets one record, and the
clocks that counted provisionally (weekends only) because the year was missing are recomputed in the same
transaction — each affected order gets a timeline entry "due time recomputed: old → new".

Text formats (CSV file or typed): one day per line, ``date,kind,name`` (comma, semicolon, tab or spaces);
``date`` ``YYYY-MM-DD``; ``kind`` ``holiday`` / ``workday`` (also 休, 假, 放假 / 班, 上班, 补班, makeup);
an optional header line ``date,kind,name`` is skipped. A range ``2027-10-01..2027-10-07`` stands for every
date in it. iCalendar: every VEVENT's dates (DTSTART up to DTEND, exclusive, all-day); an event whose
summary or categories contain 班 / 上班 / 补班 / workday / make-up is a make-up working day, else a holiday.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.commitments import clocks
from kefu.commitments.actions import china_package_days, china_package_years
from kefu.commitments.calendars import current_year
from kefu.commitments.models import (
    BusinessCalendar,
    CalendarDay,
    CalendarYear,
    DayKind,
    OrderClock,
    YearSource,
)
from kefu.lib import clock
from kefu.lib.errors import ValidationFailed
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import Branch

WORKDAY_WORDS = ("班", "workday", "make-up", "makeup", "working day", "调休上班")
HOLIDAY_WORDS = ("holiday", "休", "假")
MAX_DAYS = 120  # a year has about 30 holidays and a handful of make-up days; more is a wrong file


@dataclass(frozen=True)
class YearDay:
    date: dt.date
    kind: str  # DayKind value
    name: str = ""

    @property
    def is_holiday(self) -> bool:
        return self.kind == DayKind.HOLIDAY


@dataclass
class Preview:
    """What saving would do: the days (sorted), problems that forbid saving, and the changes."""

    calendar: BusinessCalendar
    year: int
    source: str
    days: list[YearDay]
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    removed: list[dt.date] = field(default_factory=list)  # entered before, not in the new list
    already_complete: bool = False
    provisional_orders: int = 0  # orders whose due time is provisional for want of this year

    @property
    def holidays(self) -> list[YearDay]:
        return [d for d in self.days if d.is_holiday]

    @property
    def workdays(self) -> list[YearDay]:
        return [d for d in self.days if not d.is_holiday]

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.days)

    def as_text(self) -> str:
        """The days in the canonical text format (what the save form sends back)."""
        return "\n".join(f"{d.date.isoformat()},{d.kind},{d.name}" for d in self.days)


# --- parsing -------------------------------------------------------------------------------------------------


def _kind(word: str) -> str | None:
    w = word.strip().lower()
    if not w:
        return None
    if any(x in w for x in WORKDAY_WORDS):
        return DayKind.WORKDAY.value
    if any(x in w for x in HOLIDAY_WORDS):
        return DayKind.HOLIDAY.value
    return None


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text.strip().replace("/", "-"))


def parse_text(text: str) -> tuple[list[YearDay], list[str]]:
    """Days from CSV or typed lines (see the module doc); the second value lists the lines refused."""
    days: list[YearDay] = []
    errors: list[str] = []
    lines = [line for line in (text or "").splitlines() if line.strip() and not line.lstrip().startswith("#")]
    sample = "\n".join(lines[:5])
    delimiter = ","
    for candidate in (",", ";", "\t"):
        if candidate in sample:
            delimiter = candidate
            break
    for number, line in enumerate(lines, 1):
        raw = next(csv.reader([line], delimiter=delimiter)) if delimiter in line else line.split(None, 2)
        cells = [c.strip() for c in raw]
        if number == 1 and cells and cells[0].lower() in ("date", "日期"):
            continue
        if len(cells) < 2:
            errors.append(_("Line %(n)d: “%(line)s” needs a date and a kind.") % {"n": number, "line": line})
            continue
        kind = _kind(cells[1])
        if kind is None:
            errors.append(
                _("Line %(n)d: “%(kind)s” is neither a holiday nor a make-up working day.")
                % {"n": number, "kind": cells[1]}
            )
            continue
        name = cells[2] if len(cells) > 2 else ""
        try:
            if ".." in cells[0]:
                first, last = (_date(x) for x in cells[0].split("..", 1))
            else:
                first = last = _date(cells[0])
        except ValueError:
            errors.append(
                _("Line %(n)d: “%(date)s” is not a date (YYYY-MM-DD).") % {"n": number, "date": cells[0]}
            )
            continue
        if last < first or (last - first).days > 31:
            errors.append(_("Line %(n)d: the range %(date)s is not valid.") % {"n": number, "date": cells[0]})
            continue
        day = first
        while day <= last:
            days.append(YearDay(day, kind, name[:100]))
            day += dt.timedelta(days=1)
    return days, errors


def parse_csv(data: bytes) -> tuple[list[YearDay], list[str]]:
    """A CSV file (UTF-8, with or without BOM; GB18030 as spreadsheets in China often save it)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return parse_text(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    return [], [_("The file is not text (UTF-8 or GB18030).")]


def parse_ics(data: bytes) -> tuple[list[YearDay], list[str]]:
    """An iCalendar file: every all-day event is one or more holidays, or make-up working days."""
    import icalendar

    try:
        cal = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        return [], [_("The file is not a valid iCalendar file: %(error)s") % {"error": str(exc)[:200]}]
    days: list[YearDay] = []
    errors: list[str] = []
    for event in cal.walk("VEVENT"):
        summary = str(event.get("SUMMARY", "") or "")
        categories = event.get("CATEGORIES")
        words = summary
        if categories is not None:
            for cat in categories if isinstance(categories, list) else [categories]:
                words += " " + " ".join(str(c) for c in getattr(cat, "cats", [cat]))
        kind = _kind(words) or DayKind.HOLIDAY.value
        start = event.get("DTSTART")
        if start is None:
            errors.append(_("An event without a date: “%(summary)s”.") % {"summary": summary})
            continue
        first = start.dt.date() if isinstance(start.dt, dt.datetime) else start.dt
        end = event.get("DTEND")
        last = first
        if end is not None:
            end_day = end.dt.date() if isinstance(end.dt, dt.datetime) else end.dt
            last = max(first, end_day - dt.timedelta(days=1))
        if (last - first).days > 31:
            errors.append(_("The event “%(summary)s” is longer than a month.") % {"summary": summary})
            continue
        name = re.sub(r"\s+", " ", summary).strip()[:100]
        day = first
        while day <= last:
            days.append(YearDay(day, kind, name))
            day += dt.timedelta(days=1)
    return days, errors


def package_days(year: int) -> list[YearDay]:
    return [YearDay(d, kind, name) for d, kind, name in china_package_days(year)]


# --- preview and save --------------------------------------------------------------------------------------


def calendars_for_loading() -> list[BusinessCalendar]:
    """The calendars a year can be loaded into (not 24×7), with their years and branches."""
    return list(
        BusinessCalendar.objects.filter(is_24x7=False).prefetch_related("years", "branches").order_by("name")
    )


def default_year(calendar: BusinessCalendar | None = None, now: dt.datetime | None = None) -> int:
    """The first of this year and next year the calendar lacks; else next year."""
    year = current_year(calendar, now) if calendar is not None else (now or clock.now()).year
    if calendar is not None:
        known = {y.year for y in calendar.years.all()}
        for y in (year, year + 1):
            if y not in known:
                return y
    return year + 1


def preview(
    calendar: BusinessCalendar, year: int, source: str, days: list[YearDay], errors: list[str]
) -> Preview:
    """Check the days for ``year`` and tell what saving would change (nothing is written)."""
    result = Preview(calendar=calendar, year=year, source=source, days=[], errors=list(errors))
    if calendar.is_24x7:
        result.errors.append(_("A 24 × 7 calendar has no holidays."))
    by_date: dict[dt.date, YearDay] = {}
    for d in days:
        if d.date.year != year:
            result.errors.append(
                _("%(date)s is not in %(year)d.") % {"date": d.date.isoformat(), "year": year}
            )
            continue
        other = by_date.get(d.date)
        if other is not None and other.kind != d.kind:
            result.errors.append(
                _("%(date)s is listed both as a holiday and as a make-up working day.")
                % {"date": d.date.isoformat()}
            )
            continue
        by_date[d.date] = d if other is None or not other.name else other
    result.days = sorted(by_date.values(), key=lambda d: d.date)
    if len(result.days) > MAX_DAYS:
        result.errors.append(
            _("%(count)d days is too many for one year's holidays; check the file.")
            % {"count": len(result.days)}
        )
    if not result.days and not result.errors:
        result.errors.append(
            _("No holidays or make-up working days were found for %(year)d.") % {"year": year}
        )
    week = {p.weekday for p in calendar.periods.all()}
    for d in result.days:
        if not d.is_holiday and d.date.weekday() in week:
            result.warnings.append(
                _("%(date)s is a make-up working day but falls on a normal working weekday.")
                % {"date": d.date.isoformat()}
            )
    existing = {row.date for row in CalendarDay.objects.filter(calendar=calendar, date__year=year)}
    result.removed = sorted(existing - set(by_date))
    result.already_complete = CalendarYear.objects.filter(calendar=calendar, year=year).exists()
    result.provisional_orders = (
        OrderClock.objects.filter(calendar=calendar, calendar_missing_year__isnull=False)
        .values("workorder_id")
        .distinct()
        .count()
    )
    return result


def build_preview(
    calendar: BusinessCalendar, year: int, source: str, *, upload: bytes | None = None, text: str = ""
) -> Preview:
    """Parse the chosen source and preview it. ``source``: chinesecalendar, ics, csv or manual."""
    if source == YearSource.CHINESECALENDAR:
        if year not in china_package_years():
            return preview(
                calendar,
                year,
                source,
                [],
                [
                    _(
                        "The installed chinesecalendar package does not know %(year)d; load it from an iCalendar "
                        "or CSV file, or type it in."
                    )
                    % {"year": year}
                ],
            )
        return preview(calendar, year, source, package_days(year), [])
    if source == YearSource.ICALENDAR:
        if not upload:
            return preview(calendar, year, source, [], [_("Choose the iCalendar (.ics) file.")])
        return preview(calendar, year, source, *parse_ics(upload))
    if source == YearSource.CSV:
        if not upload:
            return preview(calendar, year, source, [], [_("Choose the CSV file.")])
        return preview(calendar, year, source, *parse_csv(upload))
    if source == YearSource.MANUAL:
        return preview(calendar, year, source, *parse_text(text))
    return preview(calendar, year, YearSource.MANUAL, [], [_("Choose where the year comes from.")])


@dataclass
class LoadResult:
    calendar: BusinessCalendar
    year: int
    days: int
    removed: int
    recomputed: int  # clocks whose provisional due time was replaced


def do_load_year(
    user: Actor, calendar_id: int, year: int, source: str, text: str, *, now: dt.datetime | None = None
) -> LoadResult:
    """Save a previewed year (``text`` in the canonical format of ``Preview.as_text``): replace the year's
    days of the calendar, mark the year complete with its source, audit, and recompute the provisional
    clocks that waited for it (each with a timeline entry old → new). Administrators only."""
    require_staff(user, "admin")
    if source not in YearSource.values:
        raise ValidationFailed("invalid_choice", _("Choose where the year comes from."), "source")
    with transaction.atomic():
        calendar = BusinessCalendar.objects.select_for_update().filter(pk=calendar_id).first()
        if calendar is None:
            raise ValidationFailed("invalid_choice", _("Unknown calendar."), "calendar")
        days, errors = parse_text(text)
        checked = preview(calendar, year, source, days, errors)
        if not checked.ok:
            raise ValidationFailed("invalid", " ".join(checked.errors[:5]), "days")
        before = sorted(
            f"{r.date.isoformat()} {r.kind}"
            for r in CalendarDay.objects.filter(calendar=calendar, date__year=year)
        )
        CalendarDay.objects.filter(calendar=calendar, date__year=year).delete()
        CalendarDay.objects.bulk_create(
            CalendarDay(calendar=calendar, date=d.date, kind=d.kind, name=d.name) for d in checked.days
        )
        row, created = CalendarYear.objects.get_or_create(
            calendar=calendar, year=year, defaults={"source": source}
        )
        if not created and row.source != source:
            row.source = source
            row.save(update_fields=["source"])
        audit.record(
            user,
            "calendar.year_loaded",
            calendar,
            before={"year": year, "days": before} if before else None,
            after={
                "year": year,
                "source": source,
                "holidays": [d.date.isoformat() for d in checked.holidays],
                "workdays": [d.date.isoformat() for d in checked.workdays],
            },
            summary=f"{calendar.name} {year} ({source}): {len(checked.holidays)} holiday(s), "
            f"{len(checked.workdays)} make-up day(s)",
        )
        clocks.clear_calendar_cache()
        recomputed = clocks.recompute_missing(calendar.pk, limit=100_000, now=now)
    return LoadResult(calendar, year, len(checked.days), len(checked.removed), recomputed)


def missing_next_year(now: dt.datetime | None = None) -> list[tuple[BusinessCalendar, int]]:
    """Calendars in use (by a branch, or the default office calendar) lacking this year, or — from
    1 November in the calendar's time zone — next year: for ``kefu check`` and the supervisors' dashboard."""
    now = now or clock.now()
    used = set(Branch.objects.exclude(calendar=None).values_list("calendar_id", flat=True))
    if Branch.objects.filter(calendar=None).exists():
        used.add(clocks.calendar_id_for_branch(Branch(calendar=None)))
    result = []
    for cal in BusinessCalendar.objects.filter(pk__in=used, is_24x7=False).prefetch_related("years"):
        local = now.astimezone(ZoneInfo(cal.time_zone))
        known = {y.year for y in cal.years.all()}
        if local.year not in known:
            result.append((cal, local.year))
        if local.month >= 11 and local.year + 1 not in known:
            result.append((cal, local.year + 1))
    return result
