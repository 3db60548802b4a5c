"""Calendar tables: seeding from chinesecalendar (idempotent, editable), loading into the rules."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kefu.audit.models import AuditRecord
from kefu.commitments import rules
from kefu.commitments.actions import seed_china_calendar
from kefu.commitments.calendars import current_year, load_calendar, missing_years
from kefu.commitments.models import (
    BusinessCalendar,
    CalendarDay,
    CalendarYear,
    DayKind,
    WorkingPeriod,
    YearSource,
)
from kefu.commitments.tests.official import AFTERNOON, MAKEUP_DAYS, MORNING, china_calendar, holiday_dates
from kefu.lib.errors import ValidationFailed

D = dt.date
SHANGHAI = ZoneInfo("Asia/Shanghai")


def office_calendar(name: str = "城北营业时间") -> BusinessCalendar:
    calendar = BusinessCalendar.objects.create(name=name, time_zone="Asia/Shanghai")
    for weekday in range(5):
        for start, end in (MORNING, AFTERNOON):
            WorkingPeriod.objects.create(calendar=calendar, weekday=weekday, start=start, end=end)
    return calendar


def days_of(calendar: BusinessCalendar, year: int, kind: str) -> set[dt.date]:
    return set(
        CalendarDay.objects.filter(calendar=calendar, date__year=year, kind=kind).values_list(
            "date", flat=True
        )
    )


@pytest.fixture
def no_default_calendars(db):  # type: ignore[no-untyped-def]
    """Start from empty calendar tables (migration 0004 seeds the default office and 24×7 calendars)."""
    BusinessCalendar.objects.all().delete()


@pytest.mark.django_db
def test_seed_fills_the_official_2025_and_2026_schedules():
    calendar = office_calendar()
    result = seed_china_calendar(calendar, [2025, 2026])
    for year in (2025, 2026):
        assert days_of(calendar, year, DayKind.HOLIDAY) == holiday_dates(year)
        assert days_of(calendar, year, DayKind.WORKDAY) == set(MAKEUP_DAYS[year])
    assert result.years_seeded == [2025, 2026]
    assert result.years_missing == []
    assert len(result.created) == CalendarDay.objects.filter(calendar=calendar).count()
    assert CalendarDay.objects.get(calendar=calendar, date=D(2026, 2, 17)).name == "春节 Spring Festival"
    assert CalendarDay.objects.get(calendar=calendar, date=D(2026, 10, 10)).name == "国庆节 National Day"
    years = CalendarYear.objects.filter(calendar=calendar)
    assert {(y.year, y.source) for y in years} == {
        (2025, YearSource.CHINESECALENDAR),
        (2026, "chinesecalendar"),
    }
    record = AuditRecord.objects.get(action="calendar.seed")
    assert record.object_id == str(calendar.pk)
    assert record.after is not None
    assert record.after["years"] == [2025, 2026]
    assert "2026-02-14" in record.after["created"]


@pytest.mark.django_db
def test_seeding_twice_changes_nothing():
    calendar = office_calendar()
    first = seed_china_calendar(calendar, [2025, 2026])
    rows = list(CalendarDay.objects.filter(calendar=calendar).values_list("date", "kind", "name"))
    second = seed_china_calendar(calendar, [2026, 2025, 2026])
    assert second.created == []
    assert sorted(second.kept) == sorted(first.created)
    assert list(CalendarDay.objects.filter(calendar=calendar).values_list("date", "kind", "name")) == rows
    assert CalendarYear.objects.filter(calendar=calendar).count() == 2


@pytest.mark.django_db
def test_seeding_keeps_what_the_admin_entered():
    calendar = office_calendar()
    # this branch works on 2025-10-08 (the last day of the National Day holiday) and has a local holiday
    CalendarDay.objects.create(calendar=calendar, date=D(2025, 10, 8), kind=DayKind.WORKDAY, name="值班")
    CalendarDay.objects.create(calendar=calendar, date=D(2025, 7, 1), kind=DayKind.HOLIDAY, name="公司纪念日")
    result = seed_china_calendar(calendar, [2025])
    assert result.conflicts == [D(2025, 10, 8)]
    assert CalendarDay.objects.get(calendar=calendar, date=D(2025, 10, 8)).kind == DayKind.WORKDAY
    assert CalendarDay.objects.filter(calendar=calendar, date=D(2025, 7, 1)).exists()
    cal = load_calendar(calendar)
    assert rules.is_working_day(D(2025, 10, 8), cal)
    assert not rules.is_working_day(D(2025, 7, 1), cal)


@pytest.mark.django_db
def test_a_year_the_package_does_not_have_is_reported_not_guessed():
    calendar = office_calendar()
    result = seed_china_calendar(calendar, [2026, 2027])
    assert result.years_seeded == [2026]
    assert result.years_missing == [2027]
    assert not CalendarYear.objects.filter(calendar=calendar, year=2027).exists()
    assert not CalendarDay.objects.filter(calendar=calendar, date__year=2027).exists()
    with pytest.raises(rules.CalendarDataMissing):
        rules.add_working_days(dt.datetime(2026, 12, 28, 10, 0, tzinfo=SHANGHAI), 5, load_calendar(calendar))


@pytest.mark.django_db
def test_24x7_calendars_are_not_seeded(no_default_calendars):
    hotline = BusinessCalendar.objects.create(name="热线", is_24x7=True)
    with pytest.raises(ValidationFailed) as info:
        seed_china_calendar(hotline, [2026])
    assert info.value.field == "is_24x7"
    assert not CalendarDay.objects.exists()


@pytest.mark.django_db
def test_loaded_calendar_equals_the_one_built_from_the_official_lists(django_assert_num_queries):
    calendar = office_calendar()
    seed_china_calendar(calendar, [2025, 2026])
    with django_assert_num_queries(3):
        loaded = load_calendar(calendar)
    expected = china_calendar()
    assert loaded.week == expected.week
    assert loaded.holidays == expected.holidays
    assert loaded.makeup_days == expected.makeup_days
    assert loaded.data_years == expected.data_years == {2025, 2026}
    assert loaded.time_zone == "Asia/Shanghai"
    assert loaded.name == "城北营业时间"
    start = dt.datetime(2025, 1, 27, 17, 45, tzinfo=SHANGHAI)
    assert rules.add_working_days(start, 5, loaded) == dt.datetime(2025, 2, 11, 17, 30, tzinfo=SHANGHAI)
    prefetched = BusinessCalendar.objects.prefetch_related("periods", "days", "years").get(pk=calendar.pk)
    with django_assert_num_queries(0):
        assert load_calendar(prefetched) == loaded


@pytest.mark.django_db
def test_days_entered_without_marking_the_year_complete_are_not_trusted():
    calendar = office_calendar()
    CalendarDay.objects.create(calendar=calendar, date=D(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦")
    cal = load_calendar(calendar)
    with pytest.raises(rules.CalendarDataMissing):
        rules.is_working_day(D(2027, 1, 4), cal)
    CalendarYear.objects.create(calendar=calendar, year=2027)
    cal = load_calendar(calendar)
    assert not rules.is_working_day(D(2027, 1, 1), cal)
    assert rules.is_working_day(D(2027, 1, 4), cal)


@pytest.mark.django_db
def test_make_up_weekday_and_24x7_reach_the_rules():
    calendar = office_calendar()
    calendar.makeup_weekday = 4
    calendar.save()
    WorkingPeriod.objects.filter(calendar=calendar, weekday=4, start=AFTERNOON[0]).update(end=dt.time(16, 0))
    seed_china_calendar(calendar, [2025])
    cal = load_calendar(calendar)
    assert rules.local_periods(D(2025, 2, 8), cal) == (MORNING, (AFTERNOON[0], dt.time(16, 0)))
    hotline = load_calendar(BusinessCalendar.objects.create(name="热线", is_24x7=True))
    assert hotline.is_24x7
    assert rules.is_working_day(D(2031, 1, 1), hotline)


@pytest.mark.django_db
def test_missing_years_uses_the_calendar_time_zone():
    calendar = office_calendar()
    CalendarYear.objects.create(calendar=calendar, year=2026)
    # 16:30 UTC on New Year's Eve is already 2027 in Shanghai
    eve = dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC)
    assert current_year(calendar, eve) == 2027
    assert missing_years(calendar, eve) == [2027, 2028]
    assert missing_years(calendar, dt.datetime(2026, 6, 1, tzinfo=dt.UTC)) == [2027]
    hotline = BusinessCalendar.objects.create(name="热线", is_24x7=True)
    assert missing_years(hotline, eve) == []


@pytest.mark.django_db
def test_constraints():
    calendar = office_calendar()
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkingPeriod.objects.create(calendar=calendar, weekday=0, start=dt.time(12), end=dt.time(8))
    CalendarDay.objects.create(calendar=calendar, date=D(2026, 1, 1), kind=DayKind.HOLIDAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarDay.objects.create(calendar=calendar, date=D(2026, 1, 1), kind=DayKind.WORKDAY)
    with pytest.raises(ValidationError):
        BusinessCalendar(name="x", time_zone="Mars/Olympus").full_clean()


@pytest.mark.django_db
def test_branch_links_to_its_calendar_and_protects_it(world):
    calendar = office_calendar()
    world.north.calendar = calendar
    world.north.save()
    assert list(calendar.branches.all()) == [world.north]
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        calendar.delete()
