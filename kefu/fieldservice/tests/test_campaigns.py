"""Safety-check campaigns (R-18): set-up, batches on the branch calendar within capacity, notices through
the outbox once, outcomes and repeat rules, refusals, progress, console pages and API."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.test import Client

from kefu.audit.models import AuditRecord
from kefu.channels.models import OutboxMessage
from kefu.fieldservice import campaigns
from kefu.fieldservice import jobs as _jobs  # noqa: F401  (registers the periodic jobs)
from kefu.fieldservice.models import Appointment, CampaignHousehold, CampaignVisit
from kefu.fieldservice.tests.conftest import SH, campaign_input
from kefu.jobs.registry import JOBS
from kefu.lib.errors import KefuError
from kefu.testing.factories import PASSWORD
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def local_day(a: Appointment | None) -> dt.date:
    assert a is not None
    return a.window_start.astimezone(SH).date()


def test_set_up_takes_every_household_of_the_area(world, campaign, homes) -> None:  # type: ignore[no-untyped-def]
    assert CampaignHousehold.objects.filter(campaign=campaign).count() == 10
    assert campaign.branch == world.north
    assert AuditRecord.objects.filter(action="campaign.create", object_id=str(campaign.pk)).count() == 1
    assert not Appointment.objects.exists() and not OutboxMessage.objects.exists()  # nothing before a batch


def test_bad_input_names_the_field(world, safety, techs, homes, at_now) -> None:  # type: ignore[no-untyped-def]
    world.service_fault.place = "remote"
    world.service_fault.save()
    cases = [
        ({"name": " "}, "name"),
        ({"service_id": world.service_fault.pk}, "service"),  # not an on-site service
        ({"area_ids": [world.area_s1.pk]}, "areas"),  # another branch
        ({"ends_on": dt.date(2026, 10, 1)}, "ends_on"),
        ({"starts_on": dt.date(2026, 9, 1)}, "starts_on"),
        ({"daily_capacity": 0}, "daily_capacity"),
        ({"notice_text": "{name} {address}"}, "notice_text"),
    ]
    for change, field in cases:
        with pytest.raises(KefuError) as exc:
            campaigns.do_create_campaign(world.supervisor.user, campaign_input(safety, world, **change))
        assert field in [e.field for e in getattr(exc.value, "errors", [exc.value])], change
    with pytest.raises(KefuError) as exc:  # an agent cannot set up campaigns
        campaigns.do_create_campaign(world.agent.user, campaign_input(safety, world))
    assert exc.value.status == 403


def test_batch_over_the_national_day_week_within_capacity(world, campaign, techs) -> None:  # type: ignore[no-untyped-def]
    # technician 1 already has a visit on Thursday 8 October
    other = world.order(world.customer(name="报修户", phone="13700000001", address="和平里99号"))
    Appointment.objects.create(
        order=other,
        technician=techs[0],
        window_start=dt.datetime(2026, 10, 8, 9, 0, tzinfo=SH),
        window_end=dt.datetime(2026, 10, 8, 11, 0, tzinfo=SH),
        source="agent",
    )
    r = campaigns.do_plan_batch(world.supervisor.user, campaign.pk)
    assert (r.planned, r.sms, r.letters, r.left_unplanned) == (10, 9, 1, 0)
    appts = list(Appointment.objects.filter(source="campaign").order_by("window_start", "technician_id"))
    per_day = Counter((local_day(a), a.technician_id) for a in appts)
    t1, t2 = techs[0].pk, techs[1].pk
    # 5–7 October are holidays, Saturday 10 October a make-up working day, capacity 2 per technician
    assert per_day == {
        (dt.date(2026, 10, 8), t1): 1,
        (dt.date(2026, 10, 8), t2): 2,
        (dt.date(2026, 10, 9), t1): 2,
        (dt.date(2026, 10, 9), t2): 2,
        (dt.date(2026, 10, 10), t1): 2,
        (dt.date(2026, 10, 10), t2): 1,
    }
    first = appts[0]
    assert first.window_start.astimezone(SH).strftime("%H:%M") == "08:30"
    assert (first.window_end - first.window_start) == dt.timedelta(hours=2)
    orders = WorkOrder.objects.filter(pk__in=[a.order_id for a in appts])
    assert {o.channel for o in orders} == {"visit"} and {o.service_id for o in orders} == {
        campaign.service_id
    }
    assert {o.assignee_id for o in orders} == {t1, t2}
    assert all(o.clocks.exists() for o in orders)  # the ordinary creation: clocks and audit apply
    assert (
        AuditRecord.objects.filter(action="order.create", workorder_id__in=[o.pk for o in orders]).count()
        == 10
    )
    sms = OutboxMessage.objects.filter(channel="sms", idempotency_key__startswith=f"campaign:{campaign.pk}:")
    assert sms.count() == 9
    body = sms.get(customer__name="住户1").body
    assert "住户1您好" in body and "2026-10-" in body and "96777" in body
    letter = OutboxMessage.objects.get(channel="print", customer__name="固话户")
    assert letter.recipient == "和平里10号"
    assert CampaignHousehold.objects.filter(campaign=campaign, status="scheduled").count() == 10


def test_rerun_plans_the_next_households_and_sends_nothing_twice(world, campaign) -> None:  # type: ignore[no-untyped-def]
    campaign.batch_size = 4
    campaign.save()
    assert campaigns.do_plan_batch(world.supervisor.user, campaign.pk).planned == 4
    assert campaigns.do_plan_batch(world.supervisor.user, campaign.pk).planned == 4
    assert campaigns.do_plan_batch(world.supervisor.user, campaign.pk).planned == 2
    assert campaigns.do_plan_batch(world.supervisor.user, campaign.pk).planned == 0
    assert Appointment.objects.filter(source="campaign").count() == 10
    assert OutboxMessage.objects.count() == 10
    assert CampaignVisit.objects.values("household").distinct().count() == 10


def finish(hh: CampaignHousehold, status: str, reason: str = "") -> None:
    """What the technician's phone does at the end of a visit (sets the appointment's status directly)."""
    a = hh.appointment
    assert a is not None
    a.status, a.missed_reason = status, reason
    a.save()


def test_absent_twice_then_the_letter(world, campaign, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    campaigns.do_plan_batch(world.supervisor.user, campaign.pk)
    hh = CampaignHousehold.objects.get(campaign=campaign, customer__name="住户1")
    first_day = local_day(hh.appointment)
    finish(hh, "missed", "customer_absent")
    assert JOBS["fieldservice.campaign_outcomes"].func() == 1
    hh.refresh_from_db()
    assert (hh.status, hh.absences, hh.not_before) == ("pending", 1, first_day + dt.timedelta(days=7))
    campaigns.do_plan_batch(world.supervisor.user, campaign.pk)
    hh.refresh_from_db()
    assert hh.status == "scheduled" and hh.attempts == 2
    assert local_day(hh.appointment) >= first_day + dt.timedelta(days=7)
    finish(hh, "missed", "customer_absent")
    campaigns.reconcile()
    hh.refresh_from_db()
    assert (hh.status, hh.absences) == ("absent", 2) and hh.letter_at is not None
    letter = OutboxMessage.objects.get(idempotency_key=f"campaign:{campaign.pk}:{hh.pk}:letter")
    assert "96777" in letter.body and letter.channel == "sms"
    assert campaigns.reconcile() == 0  # nothing counted twice
    assert campaigns.progress(campaign).absent == 1


def test_done_refused_and_a_late_technician(world, campaign) -> None:  # type: ignore[no-untyped-def]
    campaigns.do_plan_batch(world.supervisor.user, campaign.pk)
    hs = {
        h.customer.name: h
        for h in CampaignHousehold.objects.filter(campaign=campaign).select_related("customer")
    }
    finish(hs["住户1"], "done")
    finish(hs["住户2"], "missed", "technician_late")
    campaigns.reconcile(campaign.pk)
    done = CampaignHousehold.objects.get(pk=hs["住户1"].pk)
    assert done.done_on is not None
    assert done.status == "done" and done.next_due == dt.date(
        done.done_on.year + 1, done.done_on.month, done.done_on.day
    )
    late = CampaignHousehold.objects.get(pk=hs["住户2"].pk)
    assert (late.status, late.absences) == ("pending", 0)  # the company's fault: not counted against them
    refused = campaigns.do_record_refusal(world.supervisor.user, campaign.pk, hs["住户3"].pk, "不同意入户")
    assert refused.status == "refused" and refused.refused_reason == "不同意入户"
    assert Appointment.objects.get(pk=hs["住户3"].appointment_id or 0).status == "cancelled"
    with pytest.raises(KefuError) as exc:
        campaigns.do_record_refusal(world.supervisor.user, campaign.pk, hs["住户4"].pk, " ")
    assert exc.value.field == "reason"
    p = campaigns.progress(campaign)
    assert (p.households, p.done, p.refused, p.scheduled, p.waiting_repeat, p.coverage) == (
        10,
        1,
        1,
        7,
        1,
        10.0,
    )


def test_console_pages_scope_and_export(world, campaign, at_now, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    c = Client()
    c.login(username="sup", password=PASSWORD)
    campaigns.do_plan_batch(world.supervisor.user, campaign.pk)
    c.get(f"/campaigns/{campaign.pk}/")  # warm the session and calendar caches
    with django_assert_max_num_queries(20):  # a fixed number of statements, whatever the page holds
        assert c.get(f"/campaigns/{campaign.pk}/").status_code == 200
    with django_assert_max_num_queries(15):
        listing = c.get("/campaigns/")
    assert "2026年秋季入户安检" in listing.content.decode() and "0%" in listing.content.decode()
    page = c.get(f"/campaigns/{campaign.pk}/?status=scheduled&area={world.area_n1.pk}")
    assert page.status_code == 200 and "住户1" in page.content.decode()
    csv = c.get(f"/campaigns/{campaign.pk}/?format=csv")
    text = b"".join(csv.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert text.count("\n") == 11 and "和平里10号" in text
    letters = c.get(f"/campaigns/{campaign.pk}/letters/")
    assert "固话户" in letters.content.decode()
    south = Client()
    south.login(username="sup_s", password=PASSWORD)
    assert south.get(f"/campaigns/{campaign.pk}/").status_code == 404  # another branch
    agent = Client()
    agent.login(username="agent", password=PASSWORD)
    assert agent.post(f"/campaigns/{campaign.pk}/batch/").status_code == 404  # no capability


def test_api(world, safety, techs, homes, at_now) -> None:  # type: ignore[no-untyped-def]
    c = Client()
    c.login(username="sup", password=PASSWORD)
    body = {
        "name": "秋季安检",
        "service_id": safety.pk,
        "area_ids": [world.area_n1.pk],
        "starts_on": "2026-10-05",
        "ends_on": "2026-10-16",
        "notice_text": "{name}您好，{date} {window}上门安检。",
        "daily_capacity": 2,
        "batch_size": 3,
    }
    hu = "Kedves {name}! Biztonsági ellenőrzés: {date} {window}."
    r = c.post(
        "/api/v1/campaigns", {**body, "notice_translations": {"hu": hu}}, content_type="application/json"
    )
    assert r.status_code == 201, r.content
    cid = r.json()["id"]
    assert r.json()["notice_translations"] == {"hu": hu}
    bad = c.post(
        "/api/v1/campaigns",
        {**body, "notice_translations": {"xx": "text", "": "text"}},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_choice"
    assert r.json()["progress"]["households"] == 10
    bad = c.post("/api/v1/campaigns", {**body, "daily_capacity": 0}, content_type="application/json")
    assert bad.status_code == 400 and "error" in bad.json()
    bad = c.post("/api/v1/campaigns", {**body, "notice_text": "{address}"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "notice_text"
    r = c.post(f"/api/v1/campaigns/{cid}/batches")
    assert r.status_code == 200 and r.json()["planned"] == 3
    r = c.get(f"/api/v1/campaigns/{cid}/households?status=scheduled")
    assert r.json()["count"] == 3 and r.json()["items"][0]["window_start"]
    hid = r.json()["items"][0]["id"]
    r = c.post(
        f"/api/v1/campaigns/{cid}/households/{hid}/refusal",
        {"reason": "拒绝"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "refused"
    assert c.get("/api/v1/campaigns/999999").status_code == 404
    assert c.get(f"/api/v1/campaigns/{cid}/households?status=nonsense").status_code == 400
