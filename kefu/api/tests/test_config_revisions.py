"""/config-revisions and /calendars/{id}/revisions: configuration changes from a date over the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kefu.api.tests.conftest import assert_error
from kefu.commitments import calendar_edit
from kefu.commitments.models import BusinessCalendar, CalendarDay, WorkingPeriod
from kefu.organization import config as org_config
from kefu.organization import revisions
from kefu.organization.models import ConfigRevision, RevisionState
from kefu.testing.clock import FakeClock, freeze, sh

pytestmark = pytest.mark.django_db


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    return freeze(monkeypatch, sh(2026, 12, 7, 10, 0))


@pytest.fixture
def north_calendar(world: Any) -> BusinessCalendar:
    cal = BusinessCalendar.objects.create(name="城北日历")
    for weekday in range(5):
        WorkingPeriod.objects.create(calendar=cal, weekday=weekday, start=dt.time(8, 30), end=dt.time(17, 30))
    world.north.calendar = cal
    world.north.save(update_fields=["calendar"])
    return cal


def test_a_holiday_from_a_date_listed_and_cancelled(world, apis, now, north_calendar):
    sup = apis("supervisor")
    r = sup.post(
        f"/calendars/{north_calendar.pk}/revisions",
        {
            "change": "day",
            "date": "2027-01-04",
            "day_kind": "holiday",
            "name": "元旦调休",
            "reason": "通知",
            "effective_from": "2026-12-20T00:00:00+08:00",
        },
    )
    assert r.status_code == 201, r.body
    assert dt.datetime.fromisoformat(r.body["effective_from"]) == dt.datetime(2026, 12, 19, 16, tzinfo=dt.UTC)
    assert r.body["changes"] == [
        {"field": "day:2027-01-04", "before": None, "after": {"kind": "holiday", "name": "元旦调休"}}
    ]
    rev_id = r.body["id"]
    listed = sup.get("/config-revisions", kind="commitments.businesscalendar", status="pending")
    assert listed.status_code == 200 and [i["id"] for i in listed.body["items"]] == [rev_id]
    assert listed.body["count"] == 1 and listed.body["limit"] >= 1
    # another branch's manager neither sees nor cancels it
    other = apis("supervisor_south")
    assert other.get("/config-revisions").body["count"] == 0
    assert_error(other.post(f"/config-revisions/{rev_id}/cancel"), 404, "not_found")
    # an agent may not change configuration at all
    assert apis("agent").get("/config-revisions").body["count"] == 0
    r = sup.post(f"/config-revisions/{rev_id}/cancel")
    assert r.status_code == 200 and r.body["status"] == "cancelled"
    assert_error(sup.post(f"/config-revisions/{rev_id}/cancel"), 409, "not_pending")
    assert revisions.apply_due(sh(2026, 12, 21)) == 0
    assert not CalendarDay.objects.filter(calendar=north_calendar).exists()


def test_bad_input_is_a_4xx_naming_the_field(world, apis, now, north_calendar):
    sup = apis("supervisor")
    url = f"/calendars/{north_calendar.pk}/revisions"
    past = {"change": "hours", "periods": {"0": "09:00-17:00"}, "effective_from": "2026-12-01T00:00:00+08:00"}
    assert_error(sup.post(url, past), 400, "invalid", "effective_from")
    bad = {**past, "effective_from": "2027-01-01T00:00:00+08:00", "periods": {"0": "17:00-09:00"}}
    assert_error(sup.post(url, bad), 400, field="periods")
    no_date = {
        "change": "day",
        "day_kind": "holiday",
        "reason": "x",
        "effective_from": "2027-01-01T00:00:00+08:00",
    }
    assert_error(sup.post(url, no_date), 400, "required", "date")
    # a stale version is a 409 with the changes; scheduling itself does not change the version
    v = revisions.version_of(north_calendar)
    ok = {**bad, "periods": {"0": "09:00-17:00"}, "version": v}
    assert sup.post(url, ok).status_code == 201
    assert revisions.version_of(north_calendar) == v
    calendar_edit.do_set_day(
        world.admin.user, north_calendar.pk, calendar_edit.DayChange(dt.date(2027, 5, 6), "holiday", "", "x")
    )
    err = assert_error(sup.post(url, {**ok, "makeup_weekday": 1}), 409, "stale", "version")
    assert err["changes"][0]["fields"] == ["day:2027-05-06"]


def test_an_area_revision_is_readable(world, apis, now):
    area = world.area_n1
    values = org_config.area_values(area)
    rev = org_config.do_schedule_area(
        world.supervisor.user,
        area.pk,
        {**values, "outlet": "", "households": "4500"},
        sh(2027, 1, 1),
    )
    r = apis("supervisor").get(f"/config-revisions/{rev.pk}")
    assert r.status_code == 200 and r.body["changes"] == [
        {"field": "households", "before": 4200, "after": 4500}
    ]
    assert_error(apis("supervisor_south").get(f"/config-revisions/{rev.pk}"), 404, "not_found")
    revisions.apply_due(sh(2027, 1, 1))
    assert ConfigRevision.objects.get(pk=rev.pk).status == RevisionState.APPLIED
