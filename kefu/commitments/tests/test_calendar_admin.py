"""Calendar admin: inline periods/days/years (audited), overlap check, seeding action, missing-year warnings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from kefu.audit.models import AuditRecord
from kefu.commitments.actions import china_package_years
from kefu.commitments.calendars import current_year
from kefu.commitments.models import BusinessCalendar, CalendarDay, CalendarYear, DayKind, WorkingPeriod
from kefu.testing.factories import PASSWORD


@pytest.fixture(autouse=True)
def _english(client):  # type: ignore[no-untyped-def]
    """The assertions read the English messages (the default language is Simplified Chinese)."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


ADD_URL = "/admin/commitments/businesscalendar/add/"
LIST_URL = "/admin/commitments/businesscalendar/"


def management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def form_data(
    periods: list[tuple[int, str, str]], days: Sequence[tuple[str, str, str]] = ()
) -> dict[str, str]:
    data = {"name": "城北营业时间", "time_zone": "Asia/Shanghai", "makeup_weekday": "0"}
    data |= management("periods", len(periods)) | management("years", 1) | management("days", len(days))
    for i, (weekday, start, end) in enumerate(periods):
        data |= {f"periods-{i}-weekday": str(weekday), f"periods-{i}-start": start, f"periods-{i}-end": end}
    for i, (date, kind, name) in enumerate(days):
        data |= {f"days-{i}-date": date, f"days-{i}-kind": kind, f"days-{i}-name": name}
    data |= {"years-0-year": "2027", "years-0-source": "manual"}
    return data


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def no_default_calendars(db):  # type: ignore[no-untyped-def]
    """Start from empty calendar tables (migration 0004 seeds the default office and 24×7 calendars)."""
    BusinessCalendar.objects.all().delete()


@pytest.mark.django_db
def test_admin_creates_a_calendar_with_periods_days_and_a_year_and_logs_each_row(client, world):
    client.login(username="admin", password=PASSWORD)
    data = form_data(
        [(0, "08:30", "12:00"), (0, "14:00", "17:30"), (5, "09:00", "12:00")],
        [("2027-01-01", DayKind.HOLIDAY, "元旦")],
    )
    response = client.post(ADD_URL, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    calendar = BusinessCalendar.objects.get(name="城北营业时间")
    assert calendar.periods.count() == 3
    assert list(calendar.years.values_list("year", flat=True)) == [2027]
    assert calendar.days.get().name == "元旦"
    adds = AuditRecord.objects.filter(action="admin.add")
    assert sorted(adds.values_list("object_type", flat=True)) == [
        "commitments.businesscalendar",
        "commitments.calendarday",
        "commitments.calendaryear",
        "commitments.workingperiod",
        "commitments.workingperiod",
        "commitments.workingperiod",
    ]
    assert all(r.actor is not None and r.actor.username == "admin" for r in adds)
    day_record = adds.get(object_type="commitments.calendarday")
    assert day_record.after is not None
    assert day_record.after["date"] == "2027-01-01"


@pytest.mark.django_db
def test_admin_refuses_overlapping_or_reversed_periods(client, world, no_default_calendars):
    client.login(username="admin", password=PASSWORD)
    response = client.post(ADD_URL, form_data([(0, "08:30", "12:00"), (0, "11:00", "13:00")]))
    assert response.status_code == 200
    assert "overlap" in response.content.decode()
    response = client.post(ADD_URL, form_data([(1, "12:00", "08:30")]))
    assert response.status_code == 200
    assert "must end after it starts" in response.content.decode()
    assert not BusinessCalendar.objects.exists()
    # nothing saved, nothing logged
    assert not AuditRecord.objects.filter(action__startswith="admin.").exists()


@pytest.mark.django_db
def test_inline_changes_and_deletes_are_logged(client, world, no_default_calendars):
    calendar = BusinessCalendar.objects.create(name="城北营业时间")
    period = WorkingPeriod.objects.create(calendar=calendar, weekday=0, start=dt.time(8, 30), end=dt.time(12))
    day = CalendarDay.objects.create(
        calendar=calendar, date=dt.date(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦"
    )
    client.login(username="admin", password=PASSWORD)
    data = {"name": "城北营业时间", "time_zone": "Asia/Shanghai", "makeup_weekday": "0"}
    data |= management("periods", 1, 1) | management("years", 0) | management("days", 1, 1)
    data |= {
        "periods-0-id": str(period.pk),
        "periods-0-calendar": str(calendar.pk),
        "periods-0-weekday": "0",
        "periods-0-start": "09:00",
        "periods-0-end": "12:00",
        "days-0-id": str(day.pk),
        "days-0-calendar": str(calendar.pk),
        "days-0-date": "2027-01-01",
        "days-0-kind": DayKind.HOLIDAY,
        "days-0-name": "元旦",
        "days-0-DELETE": "on",
    }
    response = client.post(f"{LIST_URL}{calendar.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    change = AuditRecord.objects.get(action="admin.change", object_type="commitments.workingperiod")
    assert change.before == {"start": "08:30:00"}
    assert change.after == {"start": "09:00:00"}
    delete = AuditRecord.objects.get(action="admin.delete", object_type="commitments.calendarday")
    assert delete.object_id == str(day.pk)
    assert delete.before is not None
    assert delete.before["name"] == "元旦"
    assert not CalendarDay.objects.exists()


@pytest.mark.django_db
def test_changelist_warns_about_this_and_next_year(client, world, no_default_calendars):
    calendar = BusinessCalendar.objects.create(name="城北营业时间")
    WorkingPeriod.objects.create(calendar=calendar, weekday=0, start=dt.time(8, 30), end=dt.time(12))
    BusinessCalendar.objects.create(name="热线", is_24x7=True)
    year = current_year(calendar)
    client.login(username="admin", password=PASSWORD)
    texts = messages_of(client.get(LIST_URL))
    assert len(texts) == 2  # nothing for the 24×7 hotline calendar
    assert f"no holiday data for {year}, this year" in texts[0]
    assert f"no holiday data for {year + 1} yet" in texts[1]
    CalendarYear.objects.create(calendar=calendar, year=year)
    texts = messages_of(client.get(LIST_URL))
    assert len(texts) == 1
    assert str(year + 1) in texts[0]
    if year + 1 not in china_package_years():
        assert "by hand" in texts[0]
    texts = messages_of(client.get(f"{LIST_URL}{calendar.pk}/change/"))
    assert len(texts) == 1
    assert str(year + 1) in texts[0]
    CalendarYear.objects.create(calendar=calendar, year=year + 1)
    assert messages_of(client.get(LIST_URL)) == []


@pytest.mark.django_db
def test_seed_action_fills_the_years_the_package_has(client, world):
    calendar = BusinessCalendar.objects.create(name="城北营业时间")
    WorkingPeriod.objects.create(calendar=calendar, weekday=0, start=dt.time(8, 30), end=dt.time(12))
    year = current_year(calendar)
    client.login(username="admin", password=PASSWORD)
    response = client.post(
        LIST_URL, {"action": "seed_from_chinesecalendar", "_selected_action": [str(calendar.pk)]}, follow=True
    )
    assert response.status_code == 200
    available = sorted({year, year + 1} & china_package_years())
    assert sorted(CalendarYear.objects.filter(calendar=calendar).values_list("year", flat=True)) == available
    assert CalendarDay.objects.filter(calendar=calendar).count() > 0 or not available
    missing = sorted({year, year + 1} - set(available))
    texts = " ".join(messages_of(response))
    for y in missing:
        assert f"chinesecalendar has no data for {y}" in texts
    assert AuditRecord.objects.filter(action="calendar.seed", actor__username="admin").count() == 1
