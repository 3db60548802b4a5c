"""Changing a running safety-check campaign (R-18): the settings the next batches follow, validated field by
field and audited; stopping and resuming, with the booked visits left alone. Console pages and API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from kefu.audit.models import AuditRecord
from kefu.channels.models import OutboxMessage
from kefu.fieldservice import campaigns
from kefu.fieldservice.models import Appointment, Campaign
from kefu.fieldservice.tests.conftest import SH
from kefu.lib.errors import KefuError
from kefu.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def change(c: Campaign, **kw):  # type: ignore[no-untyped-def]
    return campaigns.CampaignChange.of(c, **kw)


def fields_of(exc: pytest.ExceptionInfo[KefuError]) -> dict[str, str]:
    return {e.field or "": e.code for e in getattr(exc.value, "errors", [exc.value])}


def test_the_next_batch_follows_the_changed_settings_and_the_change_is_audited(world, campaign) -> None:  # type: ignore[no-untyped-def]
    sup = world.supervisor.user
    campaigns.do_change_campaign(
        sup, campaign.pk, change(campaign, batch_size=3, daily_capacity=1, window_minutes=60)
    )
    r = campaigns.do_plan_batch(sup, campaign.pk)
    assert r.planned == 3
    appts = list(Appointment.objects.filter(source="campaign").order_by("window_start", "technician_id"))
    # one visit per technician and day, from Thursday 8 October (1-7 October are holidays), one hour each
    assert [(a.window_start.astimezone(SH).date(), a.window_end - a.window_start) for a in appts] == [
        (dt.date(2026, 10, 8), dt.timedelta(hours=1)),
        (dt.date(2026, 10, 8), dt.timedelta(hours=1)),
        (dt.date(2026, 10, 9), dt.timedelta(hours=1)),
    ]
    record = AuditRecord.objects.get(action="campaign.change", object_id=str(campaign.pk))
    assert record.before == {"window_minutes": 120, "daily_capacity": 2, "batch_size": 10}
    assert record.after == {"window_minutes": 60, "daily_capacity": 1, "batch_size": 3}
    # the same values again change nothing and record nothing
    campaign.refresh_from_db()
    campaigns.do_change_campaign(sup, campaign.pk, change(campaign))
    assert AuditRecord.objects.filter(action="campaign.change").count() == 1


def test_a_change_is_refused_field_by_field(world, campaign) -> None:  # type: ignore[no-untyped-def]
    sup = world.supervisor.user
    campaigns.do_change_campaign(sup, campaign.pk, change(campaign, batch_size=3, daily_capacity=1))
    campaigns.do_plan_batch(sup, campaign.pk)  # visits booked up to Friday 9 October
    campaign.refresh_from_db()
    cases: list[tuple[dict[str, Any], dict[str, str]]] = [
        ({"ends_on": dt.date(2026, 10, 8)}, {"ends_on": "visits_booked_later"}),
        ({"ends_on": dt.date(2026, 10, 4)}, {"ends_on": "date_order"}),  # before the first visit day
        (
            {"batch_size": 0, "repeat_gap_days": 91},
            {"batch_size": "out_of_range", "repeat_gap_days": "out_of_range"},
        ),
        ({"window_minutes": 20}, {"window_minutes": "out_of_range"}),
    ]
    for kw, expected in cases:
        with pytest.raises(KefuError) as exc:
            campaigns.do_change_campaign(sup, campaign.pk, change(campaign, **kw))
        assert fields_of(exc) == expected, kw
    campaigns.do_change_campaign(
        sup, campaign.pk, change(campaign, ends_on=dt.date(2026, 10, 9))
    )  # the last visit's day
    assert Campaign.objects.get(pk=campaign.pk).ends_on == dt.date(2026, 10, 9)
    with pytest.raises(KefuError) as exc:  # agents do not run campaigns
        campaigns.do_change_campaign(world.agent.user, campaign.pk, change(campaign, batch_size=5))
    assert exc.value.status == 403


def test_a_stopped_campaign_plans_no_batch_and_keeps_its_booked_visits(world, campaign, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sup = world.supervisor.user
    campaigns.do_change_campaign(sup, campaign.pk, change(campaign, batch_size=4, auto_batches=True))
    assert campaigns.do_plan_batch(sup, campaign.pk).planned == 4
    campaigns.do_set_active(sup, campaign.pk, False)
    with pytest.raises(KefuError) as exc:
        campaigns.do_plan_batch(sup, campaign.pk)
    assert exc.value.code == "inactive"
    assert campaigns.plan_due_batches(today=dt.date(2026, 10, 8)) == 0  # nor the daily job
    assert (
        list(Appointment.objects.filter(source="campaign").values_list("status", flat=True)) == ["booked"] * 4
    )
    assert OutboxMessage.objects.count() == 4  # nothing sent about the stop
    campaigns.do_set_active(sup, campaign.pk, False)  # already stopped: nothing recorded twice
    assert AuditRecord.objects.filter(action="campaign.stop", object_id=str(campaign.pk)).count() == 1
    campaigns.do_set_active(sup, campaign.pk, True)
    assert AuditRecord.objects.filter(action="campaign.resume", object_id=str(campaign.pk)).count() == 1
    assert campaigns.do_plan_batch(sup, campaign.pk).planned == 4
    # after the last day a stopped campaign cannot resume without a later last day
    campaigns.do_set_active(sup, campaign.pk, False)
    later = dt.datetime(2026, 10, 17, 10, 0, tzinfo=SH).astimezone(dt.UTC)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    with pytest.raises(KefuError) as exc:
        campaigns.do_set_active(sup, campaign.pk, True)
    assert (exc.value.code, exc.value.field) == ("ended", "ends_on")


def test_console_edit_and_stop(world, campaign) -> None:  # type: ignore[no-untyped-def]
    c = Client()
    assert c.login(username="sup", password=PASSWORD)
    page = c.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert f"/campaigns/{campaign.pk}/edit/" in page and 'id="campaign-stop"' in page
    form = c.get(f"/campaigns/{campaign.pk}/edit/")
    assert form.status_code == 200 and 'value="2026-10-16"' in form.content.decode()
    data = {
        "ends_on": "2026-10-30",
        "window_minutes": "90",
        "daily_capacity": "3",
        "batch_size": "",
        "absent_repeats": "1",
        "repeat_gap_days": "7",
        "recheck_months": "12",
    }
    bad = c.post(f"/campaigns/{campaign.pk}/edit/", data)
    assert bad.status_code == 400 and 'id="camp-batch_size"' in bad.content.decode()
    assert Campaign.objects.get(pk=campaign.pk).ends_on == dt.date(2026, 10, 16)  # nothing saved
    ok = c.post(f"/campaigns/{campaign.pk}/edit/", {**data, "batch_size": "5"})
    assert ok.status_code == 302
    saved = Campaign.objects.get(pk=campaign.pk)
    assert (saved.ends_on, saved.window_minutes, saved.daily_capacity, saved.batch_size) == (
        dt.date(2026, 10, 30),
        90,
        3,
        5,
    )
    assert c.post(f"/campaigns/{campaign.pk}/active/", {"active": "0"}).status_code == 302
    page = c.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert 'id="campaign-stopped"' in page and 'id="campaign-resume"' in page
    assert 'id="campaign-batch"' not in page  # no batch button while stopped
    agent = Client()
    assert agent.login(username="agent", password=PASSWORD)
    assert agent.post(f"/campaigns/{campaign.pk}/active/", {"active": "1"}).status_code == 404
    assert agent.get(f"/campaigns/{campaign.pk}/edit/").status_code == 404
    assert not Campaign.objects.get(pk=campaign.pk).active


def test_api_change_stop_resume(world, campaign) -> None:  # type: ignore[no-untyped-def]
    c = Client()
    assert c.login(username="sup", password=PASSWORD)
    url = f"/api/v1/campaigns/{campaign.pk}"
    r = c.patch(url, {"batch_size": 4, "ends_on": "2026-10-23"}, content_type="application/json")
    assert r.status_code == 200, r.content
    assert (r.json()["batch_size"], r.json()["ends_on"], r.json()["daily_capacity"]) == (4, "2026-10-23", 2)
    bad = c.patch(url, {"ends_on": "2026-10-01"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "ends_on"
    bad = c.patch(url, {"batch_size": 0}, content_type="application/json")
    assert bad.status_code in (400, 422) and "error" in bad.json()
    r = c.post(f"{url}/stop")
    assert r.status_code == 200 and r.json()["active"] is False
    refused = c.post(f"{url}/batches")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "inactive"
    r = c.post(f"{url}/resume")
    assert r.status_code == 200 and r.json()["active"] is True
    assert c.post(f"{url}/batches").json()["planned"] == 4
    agent = Client()
    assert agent.login(username="agent", password=PASSWORD)
    assert agent.post(f"{url}/stop").status_code == 403
