"""Next year's calendar without gaps: provisional due times while a year is missing, loading
a year (chinesecalendar, iCalendar, CSV, typed) with a preview, the recomputation with its timeline entry,
and the warnings of ``kefu check`` from 1 November."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils.translation import gettext as _t

from kefu.audit.models import AuditRecord
from kefu.checks import check_calendar_data
from kefu.commitments import clocks, rules, years
from kefu.commitments.actions import china_package_years
from kefu.commitments.models import BusinessCalendar, CalendarDay, CalendarYear, OrderClock
from kefu.lib.errors import PermissionDenied, ValidationFailed
from kefu.testing.clock import FakeClock, freeze, sh
from kefu.workorders.models import TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db
FIXTURE = Path(__file__).parent / "fixtures" / "china-2027.csv"


@pytest.fixture(autouse=True)
def _defaults(db: Any) -> None:
    clocks.ensure_defaults()


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    return freeze(monkeypatch, sh(2026, 12, 20, 10, 0))


def office() -> BusinessCalendar:
    return BusinessCalendar.objects.get(name=clocks.OFFICE_CALENDAR)


def resolution(o: WorkOrder) -> OrderClock:
    return OrderClock.objects.get(workorder=o, kind="resolution")


def test_installed_chinesecalendar_does_not_know_2027():
    """The premise of the CSV fixture: chinesecalendar 1.11.0 ends with 2026."""
    assert 2026 in china_package_years() and 2027 not in china_package_years()


def test_provisional_calendar_counts_weekdays_only_in_the_missing_year():
    cal = rules.WorkCalendar(
        "Asia/Shanghai",
        week=rules.office_week((dt.time(8, 30), dt.time(17, 30))),
        holidays=frozenset({dt.date(2027, 1, 1)}),  # entered, but 2027 is not complete: not trusted
        data_years=frozenset({2026}),
    )
    with pytest.raises(rules.CalendarDataMissing):
        rules.add_working_days(sh(2026, 12, 31, 10, 0), 1, cal)
    prov = rules.provisional_calendar(cal, [2027])
    assert rules.is_working_day(dt.date(2027, 1, 1), prov)  # Friday: no holidays in the provisional year
    assert not rules.is_working_day(dt.date(2027, 1, 2), prov)  # Saturday
    assert rules.add_working_days(sh(2026, 12, 31, 10, 0), 1, prov) == sh(2027, 1, 1, 17, 30)


def test_ten_working_day_installation_gets_a_provisional_due_time_then_the_real_one(world, now):
    """Frozen at Sunday 2026-12-20 10:00 (Asia/Shanghai): a rural installation, 10 working days.

    Receipt day Monday 21 December (Sunday is not a working day), then 22, 23, 24, 25, 28, 29, 30,
    31 December (8) and — 2027 unknown, weekends only — Friday 1 January (9), Monday 4 January (10):
    provisional due **Mon 2027-01-04 17:30** (09:30 UTC). With 2027 loaded (1 January a holiday) the 9th
    and 10th working days are 4 and 5 January: due **Tue 2027-01-05 17:30**."""
    rural = world.customer(name="乡镇客户", phone="13800138111", branch=world.south, area_id=world.area_s1.pk)
    o = world.order(rural, order_type="install_rural", title="开户安装")
    c = resolution(o)
    assert (c.unit, int(c.amount)) == ("working_days", 10)
    assert c.started_at == sh(2026, 12, 20, 10, 0)
    assert c.due_at == sh(2027, 1, 4, 17, 30) == dt.datetime(2027, 1, 4, 9, 30, tzinfo=dt.UTC)
    assert c.calendar_missing_year == 2027 and c.provisional and c.status == "running"
    o.refresh_from_db()
    assert o.due_at == sh(2027, 1, 4, 17, 30) and o.due_provisional

    # the administrator loads 2027 from the CSV fixture (chinesecalendar does not know it)
    now.set(sh(2026, 12, 21, 9, 0))
    preview = years.build_preview(office(), 2027, "csv", upload=FIXTURE.read_bytes())
    assert preview.ok, preview.errors
    assert preview.holidays[0].date == dt.date(2027, 1, 1) and preview.provisional_orders == 1
    result = years.do_load_year(world.admin.user, office().pk, 2027, "csv", preview.as_text())
    assert result.recomputed == 1 and result.days == len(preview.days) == 19

    c = resolution(o)
    assert c.due_at == sh(2027, 1, 5, 17, 30)
    assert c.calendar_missing_year is None and not c.provisional
    o.refresh_from_db()
    assert o.due_at == sh(2027, 1, 5, 17, 30) and not o.due_provisional
    entry = TimelineEntry.objects.get(workorder=o, data__event="clock.recomputed")
    assert entry.data["old_due_at"] == "2027-01-04T09:30:00+00:00"
    assert entry.data["due_at"] == "2027-01-05T09:30:00+00:00"
    assert entry.created_at == sh(2026, 12, 21, 9, 0)
    record = AuditRecord.objects.get(action="calendar.year_loaded")
    assert record.after is not None
    assert record.after["year"] == 2027 and record.after["source"] == "csv"
    assert "2027-01-01" in record.after["holidays"]
    assert CalendarYear.objects.get(calendar=office(), year=2027).source == "csv"


def test_provisional_clock_is_shown_and_reported(world, now, client):
    o = world.order(world.customer(), order_type="install_urban")  # 5 working days: due Mon 28 Dec, no 2027
    assert resolution(o).due_at == sh(2026, 12, 28, 17, 30) and not resolution(o).provisional
    now.set(sh(2026, 12, 28, 10, 0))
    o2 = world.order(world.customer(name="李四", phone="13800138222"), order_type="install_urban")
    # Tue 29, Wed 30, Thu 31 Dec, provisionally Fri 1, Mon 4 January
    assert resolution(o2).due_at == sh(2027, 1, 4, 17, 30) and resolution(o2).provisional
    client.force_login(world.agent.user)
    page = client.get(f"/orders/{o2.number}/").content.decode()
    assert 'data-testid="clock-provisional"' in page and "2027-01-04 17:30" in page
    from kefu.api.clocks import clock_out

    out = clock_out(resolution(o2), o2.number, sh(2026, 12, 28, 10, 0))
    assert out["provisional"] is True and out["due_at"] == sh(2027, 1, 4, 17, 30)
    export = client.get("/reports/export/orders/", {"tab": "team", "format": "csv"})
    lines = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()  # type: ignore[attr-defined]
    # the column before the custom fields and tags (kefu/fields adds them at the end; none here but the tags)
    row = next(line for line in lines if o2.number in line).removesuffix(",")
    assert row.endswith((",provisional deadline", ",临时时限")), row
    assert (
        not next(line for line in lines if o.number in line).removesuffix(",").endswith(("deadline", "时限"))
    )


def test_preview_lists_every_day_and_refuses_bad_input(world, now):
    text = "2027-01-01,holiday,元旦\n2027-02-06..2027-02-08,休,春节\n2027-02-20,补班,春节调休\n2026-05-01,holiday,x"
    p = years.build_preview(office(), 2027, "manual", text=text)
    assert [d.date.day for d in p.holidays] == [1, 6, 7, 8]
    assert [(d.date, d.kind) for d in p.workdays] == [(dt.date(2027, 2, 20), "workday")]
    assert (
        p.errors == [_t("%(date)s is not in %(year)d.") % {"date": "2026-05-01", "year": 2027}] and not p.ok
    )
    bad = years.build_preview(office(), 2027, "manual", text="2027-13-01,holiday\n2027-01-02,maybe")
    assert len(bad.errors) == 2 and not bad.ok
    pkg = years.build_preview(office(), 2027, "chinesecalendar")
    assert not pkg.ok and "chinesecalendar" in pkg.errors[0] and "2027" in pkg.errors[0]
    known = years.build_preview(office(), 2026, "chinesecalendar")
    assert known.ok and dt.date(2026, 2, 14) in [d.date for d in known.workdays]  # make-up Sat 14 Feb
    with pytest.raises(ValidationFailed):
        years.do_load_year(world.admin.user, office().pk, 2027, "manual", text)
    with pytest.raises(PermissionDenied):
        years.do_load_year(world.supervisor.user, office().pk, 2027, "manual", "2027-01-01,holiday,元旦")
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_icalendar_file_is_read(world, now):
    ics = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        b"BEGIN:VEVENT\r\nUID:1\r\nSUMMARY:\xe5\x85\x83\xe6\x97\xa6\r\nDTSTART;VALUE=DATE:20270101\r\n"
        b"DTEND;VALUE=DATE:20270104\r\nEND:VEVENT\r\n"
        b"BEGIN:VEVENT\r\nUID:2\r\nSUMMARY:\xe6\x98\xa5\xe8\x8a\x82\xe8\xb0\x83\xe4\xbc\x91\xe4\xb8\x8a\xe7\x8f\xad\r\n"
        b"DTSTART;VALUE=DATE:20270131\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    p = years.build_preview(office(), 2027, "ics", upload=ics)
    assert p.ok, p.errors
    assert [(d.date.isoformat(), d.kind, d.name) for d in p.days] == [
        ("2027-01-01", "holiday", "元旦"),
        ("2027-01-02", "holiday", "元旦"),
        ("2027-01-03", "holiday", "元旦"),
        ("2027-01-31", "workday", "春节调休上班"),
    ]
    years.do_load_year(world.admin.user, office().pk, 2027, "ics", p.as_text())
    assert CalendarDay.objects.filter(calendar=office(), date__year=2027).count() == 4


def test_check_and_dashboard_warn_from_1_november(world, monkeypatch):
    clock_ = freeze(monkeypatch, sh(2026, 10, 31, 23, 0))
    assert years.missing_next_year() == []
    assert not [p for p in check_calendar_data() if "2027" in p[1]]
    clock_.set(sh(2026, 11, 1, 0, 30))  # 1 November in China (still 31 October in UTC)
    assert [(c.name, y) for c, y in years.missing_next_year()] == [(clocks.OFFICE_CALENDAR, 2027)]
    problems = [p for p in check_calendar_data() if "2027" in p[1]]
    assert problems and problems[0][0] == "warning" and "provisional" in problems[0][1]
