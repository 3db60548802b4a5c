"""Masking by need: lists, the customer and order pages, exports and the API show phone, e-mail and
address masked to roles without ``personal.unmasked``; one recorded action reveals a field with a reason."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kefu.api.tests.conftest import persona_apis
from kefu.privacy.models import AccessRecord

pytestmark = pytest.mark.django_db

PHONE, MASKED_PHONE = "13812345678", "138****5678"
ADDRESS, MASKED_ADDRESS = "和平里东街5号3单元", "和平里东街***"
EMAIL, MASKED_EMAIL = "zhang.san@example.com", "z***@example.com"


def client_for(staff) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(staff.user)
    return c


@pytest.fixture
def apis(world):  # type: ignore[no-untyped-def]
    return persona_apis(world)


@pytest.fixture
def zhang(world):  # type: ignore[no-untyped-def]
    return world.customer("张三", PHONE, address=ADDRESS, email=EMAIL)


def reveal_url(customer, field: str) -> str:  # type: ignore[no-untyped-def]
    return reverse("console:privacy_reveal", args=[customer.pk, field])


def test_customer_list_masks_for_an_agent_and_not_for_an_admin(world, zhang) -> None:  # type: ignore[no-untyped-def]
    body = client_for(world.agent).get("/customers/").content.decode()
    assert MASKED_PHONE in body and MASKED_ADDRESS in body
    assert PHONE not in body and ADDRESS not in body
    # a search by the full number still finds the customer, shown masked
    found = client_for(world.agent).get("/customers/", {"q": "138 1234 5678"}, HTTP_HX_REQUEST="true")
    assert f'data-customer="{zhang.number}"' in found.content.decode()
    assert PHONE not in found.content.decode()
    admin = client_for(world.admin).get("/customers/").content.decode()
    assert PHONE in admin and ADDRESS in admin


def test_customer_page_masks_and_offers_the_reveal(world, zhang) -> None:  # type: ignore[no-untyped-def]
    body = client_for(world.agent).get(reverse("console:customer_detail", args=[zhang.pk])).content.decode()
    assert MASKED_PHONE in body and MASKED_EMAIL in body and MASKED_ADDRESS in body
    assert PHONE not in body and EMAIL not in body and ADDRESS not in body
    assert reveal_url(zhang, "phone") in body and reveal_url(zhang, "address") in body
    # an inspector (no personal.reveal) sees it masked with no reveal form
    insp = (
        client_for(world.inspector).get(reverse("console:customer_detail", args=[zhang.pk])).content.decode()
    )
    assert MASKED_PHONE in insp and reveal_url(zhang, "phone") not in insp


def test_reveal_with_a_reason_shows_the_value_and_records_it(world, zhang) -> None:  # type: ignore[no-untyped-def]
    agent = client_for(world.agent)
    r = agent.post(reveal_url(zhang, "phone"), {"reason": "call_back"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    assert f'<a href="tel:+86{PHONE}" class="tel" data-testid="pd-value">{PHONE}</a>' in r.content.decode()
    rec = AccessRecord.objects.get(kind="reveal")
    assert (rec.customer_id, rec.user_id, rec.field, rec.reason, rec.reason_text) == (
        zhang.pk, world.agent.user_id, "phone", "call_back", ""
    )  # fmt: skip
    assert rec.actor == f"李客服 ({world.agent.badge_no})"
    r = agent.post(reveal_url(zhang, "address"), {"reason": "other", "reason_text": "核对燃气表位置"})
    assert r.status_code == 200 and ADDRESS in r.content.decode()
    assert (
        AccessRecord.objects.filter(kind="reveal", field="address", reason_text="核对燃气表位置").count() == 1
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [({}, "phone"), ({"reason": "curiosity"}, "phone"), ({"reason": "other", "reason_text": " "}, "phone"),
     ({"reason": "call_back"}, "tier")],
)  # fmt: skip
def test_reveal_without_a_good_reason_shows_nothing(world, zhang, data, field) -> None:  # type: ignore[no-untyped-def]
    r = client_for(world.agent).post(reveal_url(zhang, field), data)
    assert r.status_code == 400
    assert PHONE not in r.content.decode() and 'data-testid="pd-error"' in r.content.decode()
    assert not AccessRecord.objects.filter(kind="reveal").exists()


def test_reveal_needs_the_capability_and_a_visible_customer(world, zhang) -> None:  # type: ignore[no-untyped-def]
    r = client_for(world.inspector).post(reveal_url(zhang, "phone"), {"reason": "complaint"})
    assert r.status_code == 403 and PHONE not in r.content.decode()
    r = client_for(world.agent_south).post(reveal_url(zhang, "phone"), {"reason": "call_back"})
    assert r.status_code == 404 and PHONE not in r.content.decode()
    assert not AccessRecord.objects.filter(kind="reveal").exists()


def test_order_page_masks_phone_and_address_and_reveals_them(world, zhang) -> None:  # type: ignore[no-untyped-def]
    o = world.order(zhang)
    body = client_for(world.technician).get(reverse("console:order_detail", args=[o.number])).content.decode()
    header = body[body.index('id="order-header"') : body.index('id="order-actions"')]
    assert MASKED_PHONE in header and MASKED_ADDRESS in header and PHONE not in header
    assert reveal_url(zhang, "address") in header
    r = client_for(world.technician).post(reveal_url(zhang, "address"), {"reason": "site_visit"})
    assert ADDRESS in r.content.decode()
    assert AccessRecord.objects.get(kind="reveal").reason == "site_visit"


def test_the_call_pop_shows_the_caller_number_in_full(world, zhang) -> None:  # type: ignore[no-untyped-def]
    from django.template.loader import render_to_string

    from kefu.channels.models import Call

    call = Call(
        pk=1, call_id="c-1", caller=PHONE, caller_normalized="+86" + PHONE, state="ringing", line="96777"
    )
    html = render_to_string("console/calls/_pop.html", {"call": call, "customer": zhang, "open_orders": []})
    assert PHONE in html  # the agent on the line hears it anyway: not masked
    assert ADDRESS not in html and MASKED_ADDRESS not in html  # the pop-up shows no address at all


def export(client, fmt: str = "csv"):  # type: ignore[no-untyped-def]
    return client.get(reverse("console:reports_export_customers"), {"format": fmt})


def csv_rows(resp) -> list[list[str]]:  # type: ignore[no-untyped-def]
    text = b"".join(resp.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_customer_export_needs_the_export_capability(world, zhang) -> None:  # type: ignore[no-untyped-def]
    assert export(client_for(world.agent)).status_code == 404
    assert 'id="customer-export-csv"' not in client_for(world.agent).get("/customers/").content.decode()
    assert not AccessRecord.objects.exists()


def test_customer_export_is_masked_for_a_supervisor_and_recorded_with_its_rows(world, zhang) -> None:  # type: ignore[no-untyped-def]
    world.customer("李四", "13900139000", address="北苑路12号")
    sup = client_for(world.supervisor)
    assert 'id="customer-export-csv"' in sup.get("/customers/").content.decode()
    rows = csv_rows(export(sup))
    assert len(rows) == 3
    zhang_row = next(r for r in rows if r[1] == "张三")
    assert zhang_row[2:5] == [MASKED_PHONE, MASKED_EMAIL, MASKED_ADDRESS]
    rec = AccessRecord.objects.get(kind="export")
    assert (rec.rows, rec.customer_id, rec.user_id, rec.field) == (
        2,
        None,
        world.supervisor.user_id,
        "masked",
    )
    assert rec.where.startswith("/reports/export/customers/")


def test_customer_export_is_full_for_an_admin(world, zhang) -> None:  # type: ignore[no-untyped-def]
    rows = csv_rows(export(client_for(world.admin)))
    assert rows[1][2:5] == [PHONE, EMAIL, ADDRESS]
    assert AccessRecord.objects.get(kind="export").rows == 1


def test_api_masks_for_staff_without_the_capability(world, zhang, apis) -> None:  # type: ignore[no-untyped-def]
    r = apis("agent").get(f"/customers/{zhang.pk}")
    assert r.status_code == 200
    assert (r.body["phone"], r.body["phone_e164"], r.body["email"], r.body["address"]) == (
        MASKED_PHONE, MASKED_PHONE, MASKED_EMAIL, MASKED_ADDRESS
    )  # fmt: skip
    r = apis("admin").get(f"/customers/{zhang.pk}")
    assert (r.body["phone"], r.body["email"], r.body["address"]) == (PHONE, EMAIL, ADDRESS)
    recs = list(AccessRecord.objects.filter(kind="api").order_by("id").values_list("user_id", "field"))
    assert recs == [(world.agent.user_id, "masked"), (world.admin.user_id, "")]


def test_api_list_records_each_customer_of_the_page_in_one_insert(world, zhang, apis) -> None:  # type: ignore[no-untyped-def]
    for i in range(5):
        world.customer(f"客户{i}", f"1380013{8100 + i}")
    api = apis("agent")
    with CaptureQueriesContext(connection) as q:
        r = api.get("/customers", limit=4, ordering="id")
    assert r.body["items"][0]["phone"] == MASKED_PHONE
    inserts = [x["sql"] for x in q.captured_queries if "privacy_accessrecord" in x["sql"]]
    assert len(inserts) == 1 and inserts[0].startswith("INSERT")
    assert set(AccessRecord.objects.filter(kind="api").values_list("customer_id", flat=True)) == {
        c["id"] for c in r.body["items"]
    }
    assert AccessRecord.objects.filter(kind="api").count() == 4


def test_service_log_on_the_customer_page_masks_changed_personal_fields(world, zhang) -> None:  # type: ignore[no-untyped-def]
    from kefu.customers.actions import CustomerInput, do_update_customer

    do_update_customer(
        world.agent.user,
        zhang.pk,
        CustomerInput(
            name="张三", phone="13987654321", email=EMAIL, address="北苑路12号", branch_id=world.north.pk
        ),
    )
    url = reverse("console:customer_detail", args=[zhang.pk])
    agent = client_for(world.agent).get(url).content.decode()
    log = agent[agent.index('id="audit-log"') :]
    assert "139****4321" in log and "北苑路***" in log and MASKED_ADDRESS in log
    assert "13987654321" not in log and "北苑路12号" not in log and ADDRESS not in log
    admin = client_for(world.admin).get(url).content.decode()
    assert "北苑路12号" in admin[admin.index('id="audit-log"') :]
