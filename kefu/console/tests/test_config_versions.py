"""Configuration changes from a date, conflicts, cancelling and stale edits (docs/user-guide.md, "Configuration").

Concrete dates: 2027-01-01 00:00 in Asia/Shanghai is 2026-12-31 16:00 UTC; 2027-01-04 is a Monday. The job
``organization.config_revisions`` (``revisions.apply_due``) is called with the moment it runs."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext

from kefu.audit.models import AuditRecord
from kefu.commitments import calendar_edit
from kefu.commitments.calendars import load_calendar
from kefu.commitments.models import BusinessCalendar, CalendarDay, DayKind, WorkingPeriod
from kefu.fieldservice.booking import technicians_for
from kefu.jobs.registry import JOBS
from kefu.lib import clock
from kefu.lib.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kefu.organization import config as org_config
from kefu.organization import jobs as org_jobs
from kefu.organization import revisions
from kefu.organization.models import ConfigRevision, Outlet, RevisionState, ServiceArea
from kefu.standards import editing
from kefu.standards.models import ForbiddenPhrase, StandardPhrase
from kefu.testing.factories import PASSWORD, World, make_staff
from kefu.workorders.receivers import ReceiverRule, portal_receiver

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YEAR = dt.datetime(2027, 1, 1, 0, 0, tzinfo=SHANGHAI)  # 2026-12-31 16:00 UTC
SAVED_AT = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)


def login(staff: Any) -> Client:
    c = Client()
    assert c.login(username=staff.user.username, password=PASSWORD)
    return c


def area_form(area: ServiceArea, **changes: Any) -> dict[str, Any]:
    values = org_config.area_values(area)
    form = {**values, "outlet": values["outlet"] or "", "households": str(values["households"])}
    form.update(changes)
    return form


def test_the_job_is_registered() -> None:
    job = JOBS["organization.config_revisions"]  # registered by kefu.organization.jobs (imported above)
    assert job.interval == dt.timedelta(minutes=1) and job.func is org_jobs.config_revisions


def test_the_areas_responsible_technician_changes_on_new_years_day_shanghai_time(world: World) -> None:
    tech2 = make_staff("tech2", "technician", world.north, name="钱师傅")
    area = world.area_n1
    area.responsible.set([world.technician, world.agent_senior])
    customer = world.customer()
    customer.area = area
    customer.save(update_fields=["area"])
    order = world.order(customer)
    assert order.area_id == area.pk

    with clock.simulated(SAVED_AT):
        rev = org_config.do_schedule_area(
            world.supervisor.user,
            area.pk,
            area_form(area, responsible=[tech2.pk, world.agent.pk]),
            revisions.parse_effective_from("2027-01-01T00:00", "Asia/Shanghai", SAVED_AT),
        )
    assert rev.effective_from == dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC)
    assert rev.patch == {
        "responsible": {
            "before": sorted([world.technician.pk, world.agent_senior.pk]),
            "after": sorted([tech2.pk, world.agent.pk]),
        }
    }
    scheduled = AuditRecord.objects.get(action="config_revision.scheduled", object_id=str(area.pk))
    assert "王经理" in scheduled.actor_label

    # before the date: the old staff get new orders' routing
    assert revisions.apply_due(dt.datetime(2026, 12, 31, 15, 59, tzinfo=dt.UTC)) == 0
    assert technicians_for(order) == [world.technician]
    assert portal_receiver(customer) == (world.agent_senior, ReceiverRule.AREA_RESPONSIBLE)

    # the job at 2027-01-01 00:00 Shanghai time: the new ones
    assert revisions.apply_due(dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC)) == 1
    rev.refresh_from_db()
    assert rev.status == RevisionState.APPLIED
    assert technicians_for(order) == [tech2]
    assert portal_receiver(customer) == (world.agent, ReceiverRule.AREA_RESPONSIBLE)
    changed = AuditRecord.objects.get(action="area.changed", object_id=str(area.pk))
    assert changed.after == {"responsible": sorted([tech2.pk, world.agent.pk])}
    assert (
        changed.actor_id == world.supervisor.user_id
        and (gettext("(scheduled change %(n)d)") % {"n": rev.pk}) in changed.summary
    )
    # applied once only
    assert revisions.apply_due(dt.datetime(2027, 1, 2, tzinfo=dt.UTC)) == 0


def test_a_field_changed_since_is_not_overwritten_the_revision_is_a_conflict(world: World) -> None:
    area = world.area_n2
    with clock.simulated(SAVED_AT):
        rev = org_config.do_schedule_area(
            world.admin.user, area.pk, area_form(area, households="4100", name="北苑新区"), NEW_YEAR
        )
    assert set(rev.patch) == {"households", "name"}
    # meanwhile someone changes the households now
    org_config.do_save_area(world.supervisor.user, area.pk, area_form(area, households="4000"))
    assert revisions.apply_due(NEW_YEAR) == 1
    rev.refresh_from_db()
    area.refresh_from_db()
    assert rev.status == RevisionState.CONFLICT and gettext("Households") in rev.problem
    assert (area.households, area.name) == (4000, "北苑片区")  # nothing overwritten, not even the name
    assert AuditRecord.objects.filter(action="config_revision.conflict", object_id=str(area.pk)).exists()
    page = login(world.supervisor).get(reverse("console:config_area_edit", args=[area.pk])).content.decode()
    assert 'data-status="conflict"' in page and 'data-testid="revision-problem"' in page


def test_a_change_of_another_field_is_applied_as_a_patch(world: World) -> None:
    area = world.area_n2
    with clock.simulated(SAVED_AT):
        rev = org_config.do_schedule_area(
            world.admin.user, area.pk, area_form(area, households="4100"), NEW_YEAR
        )
    org_config.do_save_area(world.supervisor.user, area.pk, area_form(area, name="北苑片区（一）"))
    assert revisions.apply_due(NEW_YEAR) == 1
    area.refresh_from_db()
    rev.refresh_from_db()
    assert rev.status == RevisionState.APPLIED
    assert (area.households, area.name) == (4100, "北苑片区（一）")  # the immediate save is kept


def test_a_revision_that_no_longer_validates_is_a_conflict(world: World) -> None:
    area = world.area_n2
    with clock.simulated(SAVED_AT):
        rev = org_config.do_schedule_area(
            world.admin.user, area.pk, area_form(area, address_keywords="北苑\n清河"), NEW_YEAR
        )
    # meanwhile area n1 takes the keyword 清河
    n1 = world.area_n1
    org_config.do_save_area(world.admin.user, n1.pk, area_form(n1, address_keywords="和平里\n安定路\n清河"))
    revisions.apply_due(NEW_YEAR)
    rev.refresh_from_db()
    assert rev.status == RevisionState.CONFLICT and "清河" in rev.problem
    assert ServiceArea.objects.get(pk=area.pk).address_keywords == "北苑"


def test_cancel_is_audited_and_needs_the_right_to_change_the_object(world: World) -> None:
    area = world.area_n1
    with clock.simulated(SAVED_AT):
        rev = org_config.do_schedule_area(
            world.admin.user, area.pk, area_form(area, households="5000"), NEW_YEAR
        )
    with pytest.raises(PermissionDenied):
        revisions.do_cancel(world.agent.user, rev.pk)  # no config.branch
    with pytest.raises(NotFound):
        revisions.do_cancel(world.supervisor_south.user, rev.pk)  # another branch's manager
    c = login(world.supervisor)
    page_url = reverse("console:config_area_edit", args=[area.pk])
    r = c.post(reverse("console:config_revision_cancel", args=[rev.pk]), {"next": page_url})
    assert r.status_code == 302 and r["Location"] == page_url
    rev.refresh_from_db()
    assert rev.status == RevisionState.CANCELLED and rev.done_by_id == world.supervisor.user_id
    record = AuditRecord.objects.get(action="config_revision.cancelled", object_id=str(area.pk))
    assert record.after is not None and record.after["revision"] == rev.pk
    assert record.actor_id == world.supervisor.user_id
    assert revisions.apply_due(NEW_YEAR) == 0
    assert ServiceArea.objects.get(pk=area.pk).households == 4200
    with pytest.raises(Conflict):
        revisions.do_cancel(world.supervisor.user, rev.pk)  # cancelled already
    # an outside "next" is not followed
    with clock.simulated(SAVED_AT):
        rev2 = org_config.do_schedule_area(
            world.admin.user, area.pk, area_form(area, households="5100"), NEW_YEAR
        )
    r = c.post(reverse("console:config_revision_cancel", args=[rev2.pk]), {"next": "https://evil.example/"})
    assert r["Location"] == reverse("console:config_index")


def test_effective_from_is_read_in_the_branchs_time_zone_and_must_be_in_the_future(world: World) -> None:
    c = login(world.supervisor)
    area = world.area_n1
    url = reverse("console:config_area_edit", args=[area.pk])
    form = area_form(area, households="4300")
    with clock.simulated(SAVED_AT):
        r = c.post(url, {**form, "effective_from": "2026-12-01T08:00"})
        assert r.status_code == 400 and 'data-testid="error-effective_from"' in r.content.decode()
        r = c.post(url, {**form, "effective_from": "2027-13-01T08:00"})
        assert r.status_code == 400 and 'data-testid="error-effective_from"' in r.content.decode()
        r = c.post(url, {**form, "effective_from": "2027-01-01T00:00"})
    assert r.status_code == 302 and r["Location"] == url
    rev = ConfigRevision.objects.get(kind="organization.servicearea", object_id=area.pk)
    assert rev.effective_from == dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC)
    assert ServiceArea.objects.get(pk=area.pk).households == 4200  # not yet
    page = c.get(url).content.decode()
    assert 'data-testid="pending-revision"' in page and "2027-01-01 00:00" in page
    assert "4200" in page and "4300" in page
    # nothing changed: refused
    with clock.simulated(SAVED_AT):
        r = c.post(url, {**area_form(area), "effective_from": "2027-02-01T00:00"})
    assert r.status_code == 400 and 'data-testid="error-effective_from"' in r.content.decode()


# --- stale edits: two administrators ----------------------------------------------------------------------------


def test_two_administrators_the_second_save_is_refused_with_who_when_and_what(world: World) -> None:
    admin2 = make_staff("admin2", "admin", None, name="第二管理员")
    area = world.area_n1
    url = reverse("console:config_area_edit", args=[area.pk])
    first, second = login(world.admin), login(admin2)
    # both open the page
    version = revisions.version_of(area)
    assert f'name="version" value="{version}"' in first.get(url).content.decode()
    assert f'name="version" value="{version}"' in second.get(url).content.decode()
    # the first saves
    assert first.post(url, {**area_form(area, households="4300"), "version": version}).status_code == 302
    # the second, on the old version, is refused; the input is kept
    r = second.post(url, {**area_form(area, households="4400", name="和平里大片区"), "version": version})
    assert r.status_code == 409
    page = r.content.decode()
    assert 'data-testid="error-version"' in page
    assert world.admin.name in page and gettext("Households") in page
    assert 'value="4400"' in page and 'value="和平里大片区"' in page
    assert ServiceArea.objects.get(pk=area.pk).households == 4300
    # the form now carries the new version: saving again overwrites knowingly
    newer = revisions.version_of(area)
    assert newer > version and f'name="version" value="{newer}"' in page
    r = second.post(url, {**area_form(area, households="4400"), "version": newer})
    assert r.status_code == 302 and ServiceArea.objects.get(pk=area.pk).households == 4400


def test_stale_edits_of_outlets_phrases_forbidden_phrases_and_calendars(world: World) -> None:
    admin2 = make_staff("admin2", "admin", None)
    outlet = Outlet.objects.create(branch=world.north, name="城北营业厅", address="和平里大街1号")
    v = revisions.version_of(outlet)
    data = {"branch": world.north.pk, "name": "城北营业厅", "address": "和平里大街2号"}
    org_config.do_save_outlet(world.admin.user, outlet.pk, data, version=v)
    with pytest.raises(Conflict) as exc:
        org_config.do_save_outlet(admin2.user, outlet.pk, {**data, "phone": "96777"}, version=v)
    assert exc.value.code == "stale" and exc.value.extra["changes"][0]["fields"] == ["address"]

    phrase = StandardPhrase.objects.create(situation="greeting", text_zh="您好，请讲。")
    v = revisions.version_of(phrase)
    editing.do_save_phrase(
        world.admin.user, phrase.pk, {"situation": "greeting", "text_zh": "您好！"}, version=v
    )
    with pytest.raises(Conflict):
        editing.do_save_phrase(
            admin2.user, phrase.pk, {"situation": "greeting", "text_zh": "你好"}, version=v
        )

    row = ForbiddenPhrase.objects.create(text="版本测试忌语一", language="zh-hans")
    v = revisions.version_of(row)
    editing.do_save_forbidden(
        world.admin.user, row.pk, {"text": "版本测试忌语二", "language": "zh-hans"}, version=v
    )
    with pytest.raises(Conflict):
        editing.do_save_forbidden(
            admin2.user, row.pk, {"text": "版本测试忌语三", "language": "zh-hans"}, version=v
        )

    cal = BusinessCalendar.objects.create(name="城北日历")
    v = revisions.version_of(cal)
    change = calendar_edit.DayChange(dt.date(2027, 1, 4), DayKind.HOLIDAY, "元旦补假", "通知")
    calendar_edit.do_set_day(world.admin.user, cal.pk, change, version=v)
    with pytest.raises(Conflict) as exc:
        calendar_edit.do_set_hours(admin2.user, cal.pk, {0: "09:00-17:00"}, 5, version=v)
    assert exc.value.extra["changes"][0]["fields"] == ["day:2027-01-04"] and "2027-01-04" in str(
        exc.value.message
    )


# --- calendars: a holiday and working hours from a date ------------------------------------------------------


@pytest.fixture
def north_calendar(world: World) -> BusinessCalendar:
    cal = BusinessCalendar.objects.create(name="城北日历")
    for weekday in range(5):
        WorkingPeriod.objects.create(calendar=cal, weekday=weekday, start=dt.time(8, 30), end=dt.time(17, 30))
    world.north.calendar = cal
    world.north.save(update_fields=["calendar"])
    return cal


def test_a_holiday_added_from_a_date(world: World, north_calendar: BusinessCalendar) -> None:
    monday = dt.date(2027, 1, 4)
    change = calendar_edit.DayChange(monday, DayKind.HOLIDAY, "元旦调休", "2027年节假日安排")
    with clock.simulated(SAVED_AT):
        rev = calendar_edit.do_schedule_day(
            world.supervisor.user, north_calendar.pk, change, dt.datetime(2026, 12, 20, tzinfo=SHANGHAI)
        )
    assert rev.patch == {"day:2027-01-04": {"before": None, "after": {"kind": "holiday", "name": "元旦调休"}}}
    assert revisions.apply_due(dt.datetime(2026, 12, 19, 15, 59, tzinfo=dt.UTC)) == 0
    assert monday not in load_calendar(north_calendar).holidays
    assert revisions.apply_due(dt.datetime(2026, 12, 19, 16, 0, tzinfo=dt.UTC)) == 1
    assert monday in load_calendar(BusinessCalendar.objects.get(pk=north_calendar.pk)).holidays
    record = AuditRecord.objects.filter(action="calendar.day_changed").latest("id")
    assert record.after is not None and record.after["reason"] == "2027年节假日安排"


def test_working_hours_from_a_date_and_a_day_conflict(world: World, north_calendar: BusinessCalendar) -> None:
    with clock.simulated(SAVED_AT):
        hours = calendar_edit.do_schedule_hours(
            world.admin.user, north_calendar.pk, dict.fromkeys(range(5), "09:00-17:00"), 0, NEW_YEAR
        )
        day = calendar_edit.do_schedule_day(
            world.admin.user,
            north_calendar.pk,
            calendar_edit.DayChange(dt.date(2027, 2, 6), DayKind.WORKDAY, "春节调休", "通知"),
            NEW_YEAR,
        )
    # meanwhile the same date is entered now, as a holiday
    calendar_edit.do_set_day(
        world.admin.user,
        north_calendar.pk,
        calendar_edit.DayChange(dt.date(2027, 2, 6), DayKind.HOLIDAY, "春节", "通知"),
        adding=True,
    )
    assert revisions.apply_due(NEW_YEAR) == 2
    hours.refresh_from_db()
    day.refresh_from_db()
    assert hours.status == RevisionState.APPLIED and day.status == RevisionState.CONFLICT
    periods = {(p.weekday, p.start, p.end) for p in north_calendar.periods.all()}
    assert periods == {(d, dt.time(9), dt.time(17)) for d in range(5)}
    assert CalendarDay.objects.get(calendar=north_calendar, date="2027-02-06").kind == DayKind.HOLIDAY


def test_the_calendar_page_schedules_a_day_and_shows_it_pending(
    world: World, north_calendar: BusinessCalendar
) -> None:
    c = login(world.supervisor)
    url = reverse("console:config_calendar", args=[north_calendar.pk])
    with clock.simulated(SAVED_AT):
        r = c.post(
            url,
            {
                "action": "add",
                "date": "2027-01-04",
                "kind": "holiday",
                "name": "元旦调休",
                "reason": "通知",
                "effective_from": "2026-12-20T00:00",
                "version": revisions.version_of(north_calendar),
            },
        )
    assert r.status_code == 302
    page = c.get(url + "?year=2027").content.decode()
    assert 'data-testid="pending-revision"' in page and "2026-12-20 00:00" in page
    assert not CalendarDay.objects.filter(calendar=north_calendar).exists()


# --- phrases and outlets from a date ------------------------------------------------------------------------


def test_a_forbidden_phrase_and_an_outlet_from_a_date(world: World) -> None:
    row = ForbiddenPhrase.objects.create(text="版本测试忌语四", language="zh-hans")
    outlet = Outlet.objects.create(branch=world.north, name="城北营业厅", address="和平里大街1号")
    with clock.simulated(SAVED_AT):
        f_rev = editing.do_schedule_forbidden(
            world.admin.user, row.pk, {"text": "版本测试忌语四", "language": "", "active": "1"}, NEW_YEAR
        )
        o_rev = org_config.do_schedule_outlet(
            world.supervisor.user,
            outlet.pk,
            {"name": "城北营业厅", "address": "安定路8号", "opening_hours": "8:30–17:30"},
            NEW_YEAR,
        )
    assert f_rev.patch == {"language": {"before": "zh-hans", "after": ""}}
    assert set(o_rev.patch) == {"address", "opening_hours"}
    assert revisions.apply_due(NEW_YEAR) == 2
    row.refresh_from_db()
    outlet.refresh_from_db()
    assert row.language == "" and (outlet.address, outlet.opening_hours) == ("安定路8号", "8:30–17:30")
    assert AuditRecord.objects.filter(action="forbidden_phrase.changed", object_id=str(row.pk)).exists()
    assert AuditRecord.objects.filter(action="outlet.changed", object_id=str(outlet.pk)).exists()


def test_phrase_errors_use_the_projects_codes(world: World) -> None:
    phrase = StandardPhrase.objects.create(situation="greeting", text_zh="您好")
    cases = [
        ({"situation": "nope", "text_zh": "x"}, "invalid_choice", "situation"),
        ({"situation": "greeting", "text_zh": ""}, "required", "text_zh"),
        ({"situation": "greeting", "text_zh": "x", "position": "-1"}, "invalid", "position"),
    ]
    for data, code, field in cases:
        with pytest.raises(ValidationFailed) as exc:
            editing.do_save_phrase(world.admin.user, phrase.pk, data)
        assert (exc.value.code, exc.value.field) == (code, field)
    forbidden = [
        ({"text": "x", "language": "xx"}, "invalid_choice", "language"),
        ({"text": "x", "language": "en", "mode": "sometimes"}, "invalid_choice", "mode"),
        ({"text": "x", "language": "en", "suggestion": "999999"}, "invalid_choice", "suggestion"),
        ({"text": "", "language": "en"}, "required", "text"),
    ]
    for data, code, field in forbidden:
        with pytest.raises(ValidationFailed) as exc:
            editing.do_save_forbidden(world.admin.user, None, data)
        assert (exc.value.code, exc.value.field) == (code, field)


def test_phrase_revisions_are_for_administrators(world: World) -> None:
    phrase = StandardPhrase.objects.create(situation="greeting", text_zh="您好")
    with pytest.raises(PermissionDenied):
        editing.do_schedule_phrase(
            world.supervisor.user, phrase.pk, {"situation": "greeting", "text_zh": "x"}, NEW_YEAR
        )
    with clock.simulated(SAVED_AT):
        rev = editing.do_schedule_phrase(
            world.admin.user,
            phrase.pk,
            {"situation": "greeting", "text_zh": "您好，请讲", "active": "1"},
            NEW_YEAR,
        )
    with pytest.raises(PermissionDenied):
        revisions.do_cancel(world.supervisor.user, rev.pk)
    page = login(world.admin).get(reverse("console:config_phrase_edit", args=[phrase.pk])).content.decode()
    assert 'data-testid="pending-revision"' in page and "您好，请讲" in page
