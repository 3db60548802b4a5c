"""The pages: the portal's "My data" (a customer requests a copy and downloads it, corrects, withdraws
consent, asks for erasure) and the counter page (staff register a request and print the copy)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from kefu.audit.models import AuditRecord
from kefu.customers.actions import do_add_record
from kefu.rights import actions
from kefu.rights.models import RightsRequest
from kefu.testing.clock import freeze, sh
from kefu.testing.factories import make_portal_customer
from kefu.workorders import actions as wo

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(world: Any) -> Any:
    c = world.customer(name="陈晓东", phone="13611112222", email="chen@example.com", address="北苑路12号")
    c.marketing_consent = True
    c.save(update_fields=["marketing_consent"])
    do_add_record(
        world.agent.user,
        c.pk,
        "payment",
        {"description": "2026年3月水费", "amount": Decimal("42.30"), "due_date": sh(2026, 3, 31).date()},
    )
    o = world.order(c, title="水表漏水", description="厨房水表接口漏水")
    wo.do_reply(world.agent.user, o.pk, "师傅明天上午上门", channel="sms")
    make_portal_customer(world, c, "chen")
    return c


def _portal(c: Any) -> Client:
    client = Client()
    client.force_login(c.user)
    return client


def test_portal_copy_request_and_downloads(world, customer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    freeze(monkeypatch, sh(2026, 9, 28, 10, 0))
    client = _portal(customer)
    page = client.get("/portal/my-data/")
    assert page.status_code == 200 and "15" in page.content.decode()
    resp = client.post("/portal/my-data/", {"kind": "copy"}, follow=True)
    assert resp.status_code == 200
    r = RightsRequest.objects.get(customer=customer)
    assert (r.kind, r.via, r.workorder.channel, r.workorder.status) == ("copy", "portal", "portal", "new")
    html = resp.content.decode()
    assert r.workorder.number in html and "2026-10-23 17:30" in html  # the answer's due date

    j = client.get(f"/portal/my-data/copies/{r.pk}.json")
    assert j.status_code == 200 and j["Content-Type"].startswith("application/json")
    assert "attachment" in j["Content-Disposition"]
    data = json.loads(j.content)
    assert data["format"] == "kefu.personal-data-copy" and data["version"] == 1
    assert data["customer"]["name"] == "陈晓东" and data["customer"]["phone"] == "13611112222"
    assert data["customer"]["email"] == "chen@example.com" and data["customer"]["address"] == "北苑路12号"
    assert data["payments"] == [
        {"description": "2026年3月水费", "amount": "42.30", "due_date": "2026-03-31", "paid_on": None}
    ]
    titles = [o["title"] for o in data["work_orders"]]
    assert "水表漏水" in titles
    leak = next(o for o in data["work_orders"] if o["title"] == "水表漏水")
    assert any(m["text"] == "师傅明天上午上门" for m in leak["messages"])
    assert data["requests"][0]["order"] == r.workorder.number
    assert {cp["value"] for cp in data["contact_points"]} == {"13611112222", "chen@example.com"}

    c = client.get(f"/portal/my-data/copies/{r.pk}.csv")
    assert c.status_code == 200 and c["Content-Type"].startswith("text/csv")
    text = c.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["section", "record", "field", "value"]
    assert ["customer", "", "name", "陈晓东"] in rows
    assert ["payments", "1", "amount", "42.30"] in rows
    assert any(row[0] == "work_orders" and row[2] == "title" and row[3] == "水表漏水" for row in rows)

    h = client.get(f"/portal/my-data/copies/{r.pk}.html")
    assert h.status_code == 200 and h["Content-Type"].startswith("text/html")
    page_html = h.content.decode()
    for needle in (
        "陈晓东",
        "13611112222",
        "北苑路12号",
        "42.30",
        "水表漏水",
        "师傅明天上午上门",
        "rights/copy.css",
    ):
        assert needle in page_html, needle
    assert "2026-09-28 10:00" in page_html and "+00:00" not in page_html  # local times, to the minute
    assert AuditRecord.objects.filter(action="rights.copy_downloaded", customer_id=customer.pk).count() == 3


def test_another_customers_copy_is_not_found(world, customer) -> None:  # type: ignore[no-untyped-def]
    other = world.customer(name="林小雨", phone="13622223333")
    make_portal_customer(world, other, "lin")
    r = actions.do_counter_request(world.agent.user, customer.pk, "copy")
    assert _portal(other).get(f"/portal/my-data/copies/{r.pk}.json").status_code == 404
    assert _portal(customer).get(f"/portal/my-data/copies/{r.pk}.xml").status_code == 404


def test_portal_correction_consent_and_erasure_requests(world, customer) -> None:  # type: ignore[no-untyped-def]
    client = _portal(customer)
    bad = client.post("/portal/my-data/", {"kind": "correction", "details": ""})
    assert bad.status_code == 400 and not RightsRequest.objects.exists()
    ok = client.post("/portal/my-data/", {"kind": "correction", "details": "地址应为北苑路21号"})
    assert ok.status_code == 302
    r = RightsRequest.objects.get(kind="correction")
    assert r.details == "地址应为北苑路21号" and r.workorder.description == "地址应为北苑路21号"

    client.post("/portal/my-data/", {"kind": "consent_withdrawal"})
    customer.refresh_from_db()
    assert customer.marketing_consent is False and customer.marketing_consent_at is not None
    assert AuditRecord.objects.filter(
        action="customer.marketing_consent_withdrawn", customer_id=customer.pk
    ).exists()

    unconfirmed = client.post("/portal/my-data/", {"kind": "erasure"})
    assert unconfirmed.status_code == 400 and not RightsRequest.objects.filter(kind="erasure").exists()
    client.post("/portal/my-data/", {"kind": "erasure", "confirm": "on"})
    erasure = RightsRequest.objects.get(kind="erasure")
    assert erasure.via == "portal"
    again = client.post("/portal/my-data/", {"kind": "erasure", "confirm": "on"})
    assert again.status_code == 400 and erasure.workorder.number in again.content.decode()
    staff = Client()
    staff.force_login(world.supervisor.user)
    order_page = staff.get(f"/orders/{erasure.workorder.number}/").content.decode()
    assert "rights-erasure-warning" in order_page
    customer.refresh_from_db()
    assert customer.erased_at is None  # erased only when a supervisor resolves the order


def test_counter_page_registers_and_prints(world, customer) -> None:  # type: ignore[no-untyped-def]
    staff = Client()
    staff.force_login(world.agent.user)
    assert (
        staff.get(f"/customers/{customer.pk}/")
        .content.decode()
        .count(f"/privacy/requests/customers/{customer.pk}/")
        == 1
    )
    page = staff.get(f"/privacy/requests/customers/{customer.pk}/")
    assert page.status_code == 200
    resp = staff.post(f"/privacy/requests/customers/{customer.pk}/", {"kind": "copy"})
    assert resp.status_code == 302
    r = RightsRequest.objects.get(customer=customer)
    assert (r.via, r.workorder.channel, r.workorder.owner_id) == ("counter", "counter", world.agent.pk)
    order_page = staff.get(f"/orders/{r.workorder.number}/").content.decode()
    assert 'id="rights-panel"' in order_page and 'data-kind="copy"' in order_page
    assert "rights-erasure-warning" not in order_page
    html = staff.get(f"/privacy/requests/copies/{r.pk}.html")
    assert html.status_code == 200 and "陈晓东" in html.content.decode()
    # another branch's agent cannot see the customer, nor the copy
    south = Client()
    south.force_login(world.agent_south.user)
    assert south.get(f"/privacy/requests/copies/{r.pk}.json").status_code == 404
    assert south.get(f"/privacy/requests/customers/{customer.pk}/").status_code == 404
    # consent recorded at the counter
    staff.post(f"/privacy/requests/customers/{customer.pk}/consent/", {"consent": "0"})
    customer.refresh_from_db()
    assert customer.marketing_consent is False
