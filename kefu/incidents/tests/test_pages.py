"""The console pages of incidents, the order page's panel, the report form's "the outage in my area" and the
disclosure page's current outages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kefu.console.tests.test_orders_detail import client_for
from kefu.incidents import actions
from kefu.incidents.models import Incident, IncidentOrder
from kefu.incidents.tests.helpers import make_incident, reporters
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def test_create_an_incident_on_the_console(world: Any) -> None:
    c = client_for(world.agent)
    page = c.get(reverse("console:incident_new"))
    assert page.status_code == 200 and b'name="owner_unit"' in page.content
    r = c.post(
        reverse("console:incident_new"),
        {
            "title": "安定路爆管停水",
            "kind": "burst_main",
            "area": world.area_n1.pk,
            "started_at": "2026-12-07T08:00",
            "owner_unit": world.repair_north.pk,
            "public": "on",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    inc = Incident.objects.get()
    assert inc.area_id == world.area_n1.pk and inc.public and inc.branch_id == world.north.pk
    bad = c.post(
        reverse("console:incident_new"), {"title": "", "kind": "outage", "started_at": "2026-12-07T08:00"}
    )
    assert bad.status_code == 400
    # followup staff may see incidents but not create them
    assert client_for(world.followup).get(reverse("console:incident_new")).status_code == 404
    assert client_for(world.followup).get(reverse("console:incident_list")).status_code == 200


def test_the_incident_page_attaches_by_suggestion_and_sends_one_update(world: Any) -> None:
    inc = make_incident(world)
    orders = reporters(world, 4)
    c = client_for(world.agent)
    page = c.get(reverse("console:incident_detail", args=[inc.pk]))
    assert page.status_code == 200
    # the three Chinese reports of 安定路 match the incident's words; "No water" (English, no service) does not
    assert page.content.count(b'data-testid="suggested-order"') == 3
    assert f'value="{orders[2].pk}"'.encode() not in page.content
    chosen = [orders[0].pk, orders[1].pk, orders[3].pk]
    r = c.post(reverse("console:incident_attach", args=[inc.pk]), {"order": chosen})
    assert r.status_code == 302
    assert IncidentOrder.objects.filter(incident=inc, source="suggestion").count() == 3
    r = c.post(reverse("console:incident_attach", args=[inc.pk]), {"numbers": f"{orders[2].number}, GD-NOPE"})
    assert r.status_code == 400 and b"GD-NOPE" in r.content
    assert IncidentOrder.objects.filter(incident=inc).count() == 3  # all or nothing
    r = c.post(reverse("console:incident_attach", args=[inc.pk]), {"numbers": orders[2].number})
    assert r.status_code == 302 and IncidentOrder.objects.filter(incident=inc).count() == 4
    for _ in range(2):  # the same form sent twice
        r = c.post(
            reverse("console:incident_update", args=[inc.pk]), {"body": "抢修队已到现场", "token": "t1"}
        )
        assert r.status_code == 302
    page = c.get(reverse("console:incident_detail", args=[inc.pk]))
    assert page.content.count(b'data-testid="incident-message"') == 1
    assert (
        b'data-testid="delivered-sms">3<' in page.content
        and b'data-testid="delivered-email">1<' in page.content
    )
    assert (
        client_for(world.agent_south).get(reverse("console:incident_detail", args=[inc.pk])).status_code
        == 404
    )


def test_the_order_page_offers_the_suggested_incident(world: Any) -> None:
    inc = make_incident(world)
    (o,) = reporters(world, 1)
    c = client_for(world.agent)
    page = c.get(reverse("console:order_detail", args=[o.number]))
    assert b'id="incident-panel"' in page.content and f"incident-attach-{inc.pk}".encode() in page.content
    r = c.post(reverse("console:incident_order_attach", args=[o.number]), {"incident": inc.pk})
    assert r.status_code == 302
    assert IncidentOrder.objects.get(workorder=o).incident_id == inc.pk
    page = c.get(reverse("console:order_detail", args=[o.number]))
    assert b'data-testid="incident-panel-mine"' in page.content and inc.number.encode() in page.content
    # an order nothing matches shows no panel
    other = world.order(world.customer(name="无关", phone="13900001111"), title="账单", description="发票")
    assert b'id="incident-panel"' not in c.get(reverse("console:order_detail", args=[other.number])).content


def test_the_report_form_offers_the_outage_and_attaches_the_report(world: Any, settings: Any) -> None:
    settings.KEFU_PORTAL_DEFAULT_BRANCH = "north"
    inc = make_incident(world)
    hidden = make_incident(world, title="内部演练", public=False)
    page = Client().get(reverse("portal:report"))
    assert "安定路爆管停水".encode() in page.content and f'value="{inc.pk}"'.encode() in page.content
    assert "内部演练".encode() not in page.content
    r = Client().post(reverse("portal:report"), {"name": "王五", "phone": "13966667777", "incident": inc.pk})
    assert r.status_code == 302
    o = WorkOrder.objects.get(customer__phone_e164="+8613966667777")
    assert o.incident_link.incident_id == inc.pk and o.incident_link.source == "customer"
    assert o.area_id == world.area_n1.pk
    # nothing chosen and nothing described: refused
    r = Client().post(reverse("portal:report"), {"name": "王五", "phone": "13966667778", "incident": ""})
    assert r.status_code == 400
    r = Client().post(
        reverse("portal:report"), {"name": "王五", "phone": "13966667778", "incident": hidden.pk}
    )
    assert r.status_code == 400


def test_the_disclosure_page_lists_current_outages(world: Any) -> None:
    inc = make_incident(world)
    make_incident(world, title="内部演练", public=False)
    page = Client().get(reverse("disclosure"))
    assert (
        page.content.count(b'data-testid="public-incident"') == 1
        and "安定路爆管停水".encode() in page.content
    )
    actions.do_resolve(world.agent.user, inc.pk, "修复")
    from django.core.cache import cache

    cache.clear()
    assert b'data-testid="public-incident"' not in Client().get(reverse("disclosure")).content


def test_the_call_screen_offers_the_outage_of_the_callers_area(world: Any) -> None:
    from kefu.channels.cti import calls as cti

    inc = make_incident(world)
    caller = world.customer(name="来电人", phone="13977778888", area_id=world.area_n1.pk)
    call, _applied = cti.do_call_event(
        world.agent.user, cti.CallEventInput(call_id="c-1", caller="13977778888", agent=world.agent.badge_no)
    )
    c = client_for(world.agent)
    page = c.get(reverse("console:call_detail", args=[call.pk]))
    assert page.status_code == 200 and page.content.count(b'data-testid="call-outage"') == 1
    r = c.post(reverse("console:incident_call_report", args=[inc.pk]), {"customer": caller.pk})
    assert r.status_code == 302
    link = IncidentOrder.objects.get(workorder__customer=caller)
    assert link.incident_id == inc.pk and link.source == "customer" and link.workorder.channel == "phone"
    assert r["Location"].endswith(f"/orders/{link.workorder.number}/")
