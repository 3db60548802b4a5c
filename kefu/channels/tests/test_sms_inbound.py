"""Inbound SMS webhook: signature, dedup by gateway id, threading onto a recent open order or a new order."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kefu.channels.models import ChannelEndpoint, EndpointKind, GatewayMessage
from kefu.channels.outbox import sms
from kefu.customers.models import Customer
from kefu.testing.factories import World
from kefu.workorders.models import TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db
SECRET = "inbound-secret"


@pytest.fixture(autouse=True)
def _secret(settings: Any) -> None:
    settings.KEFU_SMS_HTTP_SECRET = SECRET
    settings.KEFU_SMS_BRANCH = ""


def send(body: dict[str, Any], secret: str | None = SECRET, raw: bytes | None = None, *, age: int = 0) -> Any:
    data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
    ts = int(time.time()) - age
    headers = (
        {"X-Kefu-Signature": sms.sign(secret, data, ts), "X-Kefu-Timestamp": str(ts)}
        if secret is not None
        else {}
    )
    r: Any = Client().post("/api/v1/sms/inbound", data=data, content_type="application/json", headers=headers)
    r.body = r.json()
    return r


def test_bad_or_missing_signature_is_refused_403(world: World) -> None:
    body = {"id": "g-1", "from": "13800138000", "text": "你好"}
    r = send(body, secret="wrong")
    assert r.status_code == 403 and r.body["error"]["code"] == "bad_signature"
    assert send(body, secret=None).status_code == 403
    # a non-ASCII header (HTTP headers arrive as latin-1) is a wrong signature, not a server error
    data = json.dumps(body).encode()
    r = Client().post(
        "/api/v1/sms/inbound",
        data=data,
        content_type="application/json",
        headers={"X-Kefu-Signature": "sha256=é"},
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "bad_signature"
    assert not GatewayMessage.objects.exists()


def test_unknown_number_opens_a_new_order_once(world: World) -> None:
    body = {"id": "g-2", "from": "13900139000", "text": "家里停电了，什么时候来电？"}
    r = send(body)
    assert r.status_code == 201, r.body
    o = WorkOrder.objects.get(number=r.body["order"])
    assert o.channel == "sms" and o.branch == world.north  # the first branch
    customer = Customer.objects.get(pk=r.body["customer_id"])
    assert customer.phone_e164 == "+8613900139000"
    assert TimelineEntry.objects.filter(workorder=o, kind="customer", body__contains="停电").count() == 1
    again = send(body)
    assert again.status_code == 200 and again.body["created"] is False and again.body["order"] == o.number
    assert WorkOrder.objects.filter(channel="sms").count() == 1


def test_threads_onto_the_recent_open_order_else_new(world: World, settings: Any) -> None:
    settings.KEFU_SMS_THREAD_DAYS = 7
    customer = world.customer(name="林一", phone="13700137000")
    order = world.order(customer)
    r = send({"id": "g-3", "from": "+86 137 0013 7000", "text": "好的，明天上午在家"})
    assert r.status_code == 201 and r.body["order"] == order.number
    assert TimelineEntry.objects.filter(workorder=order, kind="customer", body="好的，明天上午在家").exists()
    # the order was last touched 8 days ago → a new order
    WorkOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now() - dt.timedelta(days=8))
    r2 = send({"id": "g-4", "from": "13700137000", "text": "又断网了"})
    assert r2.status_code == 201 and r2.body["order"] != order.number
    assert r2.body["customer_id"] == customer.pk


def test_malformed_signed_body_is_400(world: World) -> None:
    r = send({}, raw=b'{"id": 5}')
    assert r.status_code == 400


def test_stale_timestamp_is_refused_as_a_replay(world: World) -> None:
    body = {"id": "g-old", "from": "13800138000", "text": "你好"}
    r = send(body, age=301)  # captured and posted again more than 5 minutes later
    assert r.status_code == 403 and r.body["error"]["code"] == "bad_signature"
    assert send(body, age=200).status_code == 201
    assert GatewayMessage.objects.filter(external_id="g-old").count() == 1


def test_receiving_number_routes_to_its_branch_and_endpoint_window(world: World, settings: Any) -> None:
    settings.KEFU_SMS_THREAD_DAYS = 7
    ep = ChannelEndpoint.objects.create(
        branch=world.south, kind=EndpointKind.SMS, identifier="+86 106 9000 0002", thread_days=1
    )
    assert ep.identifier == "10690000002"  # stored as digits, the 86 prefix of a 13-digit number dropped
    r = send({"id": "g-5", "from": "13600136000", "text": "燃气表漏气", "to": "1069 0000 002"})
    assert r.status_code == 201, r.body
    o = WorkOrder.objects.get(number=r.body["order"])
    assert o.branch == world.south and Customer.objects.get(pk=r.body["customer_id"]).branch == world.south
    gm = GatewayMessage.objects.get(external_id="g-5")
    assert gm.endpoint == ep and gm.payload["to"] == "1069 0000 002"
    ep.refresh_from_db()
    assert ep.last_inbound_at is not None
    # the endpoint's 1-day window: an order touched 2 days ago no longer takes the customer's SMS
    WorkOrder.objects.filter(pk=o.pk).update(updated_at=timezone.now() - dt.timedelta(days=2))
    r2 = send({"id": "g-6", "from": "13600136000", "text": "还是漏气", "to": "10690000002"})
    assert r2.body["order"] != o.number
    # an inactive endpoint routes nothing: a new customer lands in the default (first) branch
    ChannelEndpoint.objects.filter(pk=ep.pk).update(active=False)
    r3 = send({"id": "g-7", "from": "13500135000", "text": "咨询", "to": "10690000002"})
    assert WorkOrder.objects.get(number=r3.body["order"]).branch == world.north
    assert send({"id": "g-8", "from": "13500135000", "text": "x", "to": 5}).status_code == 400


def test_nobody_to_receive_is_503_nothing_stored_and_the_retry_succeeds(world: World) -> None:
    from kefu.organization.models import Branch, Staff

    east = Branch.objects.create(code="east", name="城东分公司")
    ChannelEndpoint.objects.create(branch=east, kind=EndpointKind.SMS, identifier="10690000003")
    body = {"id": "g-east", "from": "13300133000", "text": "停气了", "to": "10690000003"}
    r = send(body)
    assert r.status_code == 503 and r.body["error"]["code"] == "no_receiver"
    assert not GatewayMessage.objects.filter(external_id="g-east").exists()
    assert not Customer.objects.filter(phone_e164="+8613300133000").exists()
    # an agent joins the branch; the gateway delivers again and the message is taken
    Staff.objects.filter(pk=world.agent_south.pk).update(branch=east)
    again = send(body)
    assert again.status_code == 201, again.body
    assert WorkOrder.objects.get(number=again.body["order"]).branch == east
