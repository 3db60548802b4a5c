"""Incidents in a real browser (docs/incidents.md): an agent opens an incident for a burst main, attaches
the 40 reports the page suggests with "select all", and resolves it with one message: every one of the 40
customers finds it in the outbox once, in their language and on their channel; the reports are closed with a
follow-up sample."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kefu.channels.models import OutboxMessage
from kefu.followup.models import FollowupTask
from kefu.incidents.models import Incident, IncidentOrder
from kefu.incidents.tests.helpers import translated
from kefu.testing.factories import PASSWORD
from kefu.workorders.models import WorkOrder
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGS = ("zh-hans", "en", "hu")
# the translations of /work/i18n (merged into the .po files by the lead), put in place for the test
ZH = {"Resolved: %(title)s": "已解决：%(title)s"}
HU = {"Resolved: %(title)s": "Megoldva: %(title)s"}


def _reporters(world):
    orders = []
    for i in range(40):
        lang = LANGS[i % 3]
        if lang == "zh-hans":
            c = world.customer(name=f"报修人{i}", phone=f"1390000{i:04d}", language=lang)
            channel = "sms"
        else:
            c = world.customer(name=f"Reporter {i}", phone="", email=f"r{i}@example.com", language=lang)
            channel = "email"
        orders.append(
            world.order(
                c,
                channel=channel,
                title="宽带断了" if lang == "zh-hans" else "No internet",
                description="整栋楼断网" if lang == "zh-hans" else "The whole building is offline",
                service_id=world.service_fault.pk,
                area_id=world.area_n1.pk,
            )
        )
    return orders


def test_attach_forty_reports_and_send_one_resolution(page, world, settings):
    settings.KEFU_INCIDENT_FOLLOWUP_SAMPLE = 4
    orders = _reporters(world)
    started = timezone.localtime() - dt.timedelta(hours=1)
    page.set_default_timeout(60_000)  # 40 replies and 40 closes in one request, on a shared 2-core machine

    login(page, "agent", PASSWORD)
    page.click("#navgroup-work > summary")
    page.click("#nav-incidents")
    page.click("#incident-new")
    page.fill("#id_title", "和平里光缆被挖断")
    page.select_option("#id_kind", "network")
    page.select_option("#id_service", str(world.service_fault.pk))
    page.select_option("#id_area", str(world.area_n1.pk))
    page.fill("#id_address_range", "安定路 1–99号")
    page.fill("#id_started_at", started.strftime("%Y-%m-%dT%H:%M"))
    page.select_option("#id_owner_unit", str(world.repair_north.pk))
    page.click("#incident-save")
    inc = Incident.objects.get()
    expect(page.locator("#incident-owner-unit")).to_have_text("维修班", timeout=60_000)

    # all 40 reports are suggested (same area and service); "select all" ticks them
    expect(page.locator("[data-testid=suggested-order]")).to_have_count(40, timeout=60_000)
    page.check("#select-all-suggestions")
    page.click("#attach-submit")
    expect(page.locator("[data-testid=incident-child]")).to_have_count(40, timeout=60_000)
    assert IncidentOrder.objects.filter(incident=inc).count() == 40
    screenshot(page, "incident-forty-reports")

    before = OutboxMessage.objects.count()
    with translated("zh-hans", ZH), translated("hu", HU):
        page.fill("#id_resolution", "光缆已熔接，网络恢复。")
        page.fill("#id_message", "光缆已熔接，网络已恢复，感谢您的耐心。")
        page.click("#resolve-submit")
        expect(page.locator("#resolve-form")).to_have_count(0, timeout=60_000)
    expect(page.locator("[data-testid=incident-message][data-kind=resolution]")).to_have_count(
        1, timeout=60_000
    )
    expect(page.locator("[data-testid=delivered-sms]")).to_have_text("14", timeout=60_000)
    expect(page.locator("[data-testid=delivered-email]")).to_have_text("26", timeout=60_000)

    rows = list(OutboxMessage.objects.order_by("id")[before:])
    resolution = [r for r in rows if "光缆已熔接，网络已恢复" in r.body]
    # each of the 40 customers once
    assert len(resolution) == 40
    assert sorted(r.customer_id or 0 for r in resolution) == sorted(o.customer_id for o in orders)
    by_customer = {r.customer_id: r for r in resolution}
    for o in orders:
        row = by_customer[o.customer_id]
        lang = o.customer.language
        if lang == "zh-hans":
            assert row.channel == "sms" and "已解决：和平里光缆被挖断" in row.body
        else:
            assert row.channel == "email" and row.recipient == o.customer.email
            head = "Megoldva: " if lang == "hu" else "Resolved: "
            assert row.body.startswith(head + "和平里光缆被挖断")
            # the e-mail's subject is in the customer's language (the translations of the reply subject)
            assert row.subject.startswith("Vá: [" if lang == "hu" else "Re: [")
    # the reports: 4 resolved for the follow-up sample, 36 closed as covered by the incident
    statuses = sorted(
        WorkOrder.objects.filter(pk__in=[o.pk for o in orders]).values_list("status", flat=True)
    )
    assert statuses == ["closed"] * 36 + ["resolved"] * 4
    assert FollowupTask.objects.filter(workorder__in=orders).count() == 4
    expect(page.locator("#incident-counts")).to_contain_text("36", timeout=60_000)
    screenshot(page, "incident-resolved")

    # sending the resolution again (the form is gone; a replayed POST) changes nothing
    resp = page.request.post(f"/incidents/{inc.pk}/resolve/", form={"resolution": "again"})
    assert resp.status in (200, 400, 403)
    assert OutboxMessage.objects.filter(body__contains="光缆已熔接，网络已恢复").count() == 40


def test_a_caller_reports_the_outage_on_the_phone_sized_report_form(phone_page, world, settings):
    settings.KEFU_PORTAL_DEFAULT_BRANCH = "north"
    from kefu.incidents.tests.helpers import make_incident

    inc = make_incident(world)
    phone_page.set_default_timeout(60_000)
    phone_page.goto("/disclosure/")
    expect(phone_page.locator("[data-testid=public-incident]")).to_have_count(1, timeout=60_000)
    screenshot(phone_page, "incident-disclosure-390")
    phone_page.goto("/portal/report/")
    phone_page.check(f"input[name=incident][value='{inc.pk}']")
    phone_page.fill("#id_name", "王五")
    phone_page.fill("#id_phone", "13966667777")
    screenshot(phone_page, "incident-report-form-390")
    phone_page.click("#portal-report-submit")
    expect(phone_page.locator("body")).to_contain_text("GD-", timeout=60_000)
    link = IncidentOrder.objects.get(workorder__customer__phone_e164="+8613966667777")
    assert link.incident_id == inc.pk
