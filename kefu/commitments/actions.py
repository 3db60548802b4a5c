"""Use cases of service commitments. Views, admin, API, CLI and jobs call these; nothing else writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.commitments.models import BusinessCalendar, CalendarDay, CalendarYear, DayKind, YearSource
from kefu.lib.errors import ValidationFailed


@dataclass
class SeedResult:
    """What ``seed_china_calendar`` did: new rows, rows already right, rows the table says otherwise."""

    created: list[dt.date] = field(default_factory=list)
    kept: list[dt.date] = field(default_factory=list)
    conflicts: list[dt.date] = field(default_factory=list)
    years_seeded: list[int] = field(default_factory=list)
    years_missing: list[int] = field(default_factory=list)


def china_package_years() -> set[int]:
    """The years the installed ``chinesecalendar`` has official schedules for (2004–2026 in 1.11)."""
    import chinese_calendar

    return {d.year for d in chinese_calendar.holidays}


def china_package_days(year: int) -> list[tuple[dt.date, str, str]]:
    """(date, kind, name) of every holiday and weekend make-up working day of ``year`` in the package.

    Holiday blocks are listed whole, weekend days inside them included; the name is Chinese and English,
    e.g. "春节 Spring Festival". Empty for a year the package does not know.
    """
    import chinese_calendar

    chinese = {h.value: h.chinese for h in chinese_calendar.Holiday}

    def name(english: str) -> str:
        return f"{chinese.get(english, '')} {english}".strip()

    days = [
        (d, DayKind.HOLIDAY.value, name(n)) for d, n in chinese_calendar.holidays.items() if d.year == year
    ]
    days += [
        (d, DayKind.WORKDAY.value, name(n))
        for d, n in chinese_calendar.workdays.items()
        if d.year == year and d.weekday() >= 5
    ]
    return sorted(days)


def seed_china_calendar(calendar: BusinessCalendar, years: Iterable[int], actor: Any = None) -> SeedResult:
    """Fill ``calendar`` with China's holidays and make-up working days (调休) of ``years``.

    Idempotent, and the table stays editable: a date that is already in the calendar is never
    overwritten (a different kind is reported in ``conflicts``). Each year the package knows is marked
    complete (``CalendarYear``, source chinesecalendar); years it does not know are listed in
    ``years_missing`` and left for the admin to enter by hand. One service-log entry per call.
    """
    if calendar.is_24x7:
        raise ValidationFailed(
            "calendar_24x7", _("A 24 × 7 calendar has no holidays to fill in."), field="is_24x7"
        )
    result = SeedResult()
    known = china_package_years()
    with transaction.atomic():
        BusinessCalendar.objects.select_for_update().filter(pk=calendar.pk).first()
        for year in sorted(set(years)):
            if year not in known:
                result.years_missing.append(year)
                continue
            existing = {
                row.date: row for row in CalendarDay.objects.filter(calendar=calendar, date__year=year)
            }
            new_rows = []
            for date, kind, name in china_package_days(year):
                row = existing.get(date)
                if row is None:
                    new_rows.append(CalendarDay(calendar=calendar, date=date, kind=kind, name=name))
                    result.created.append(date)
                elif row.kind == kind:
                    result.kept.append(date)
                else:
                    result.conflicts.append(date)
            CalendarDay.objects.bulk_create(new_rows)
            CalendarYear.objects.get_or_create(
                calendar=calendar, year=year, defaults={"source": YearSource.CHINESECALENDAR}
            )
            result.years_seeded.append(year)
        audit.record(
            actor,
            "calendar.seed",
            calendar,
            after={
                "years": result.years_seeded,
                "years_missing": result.years_missing,
                "created": result.created,
                "conflicts": result.conflicts,
            },
            summary=f"{calendar.name}: chinesecalendar {result.years_seeded}, {len(result.created)} day(s) added",
        )
    return result
