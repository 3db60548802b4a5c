"""The merge endpoints: preview (masked identities, choices), merge, undo, duplicates and moving an order —
typed answers and 4xx errors, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from kefu.api.tests.conftest import api_for, assert_error
from kefu.channels.actions import create_channel_customer
from kefu.customers.models import ContactPoint, Customer
from kefu.testing.factories import World
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def _pair(world: World) -> tuple[Customer, Customer]:
    real = world.customer(name="张伟", phone="13800138000")
    ph = create_channel_customer(name="WeChat user Zhang0001", branch=world.north, summary="chat")
    ContactPoint.objects.create(customer=ph, kind="wechat", value="wmZhang0001", normalized="wmZhang0001")
    ContactPoint.objects.create(customer=ph, kind="phone", value="13900139000", normalized="+8613900139000")
    return real, ph


def test_preview_merge_undo(world: World) -> None:
    real, ph = _pair(world)
    o = world.order(ph)
    api = api_for(world.supervisor.user)
    r: Any = api.post(f"/customers/{real.pk}/merge-preview", {"merged": [ph.pk]})
    assert r.status_code == 200, r.body
    assert r.body["survivor"] == real.pk and r.body["merged"] == [ph.pk]
    rows = {row["key"]: row for row in r.body["rows"]}
    assert rows["workorders.WorkOrder.customer"]["counts"] == {str(ph.pk): 1}
    phones = [i["value"] for i in r.body["identities"] if i["kind"] == "phone"]
    assert phones and phones[0] != "13900139000"  # masked for a supervisor without full view
    assert {"wmZhang0001"} <= {i["value"] for i in r.body["identities"]}
    name = next(c for c in r.body["choices"] if c["field"] == "name")
    assert name["default"] == real.pk and len(name["options"]) == 2
    r = api.post(
        f"/customers/{real.pk}/merge", {"merged": [ph.pk], "choices": {"name": real.pk}, "reason": "同一人"}
    )
    assert r.status_code == 201, r.body
    assert r.body["moved"]["workorders.WorkOrder.customer"] == 1
    assert r.body["identities_moved"] == 2 and r.body["undone_at"] is None
    assert WorkOrder.objects.get(pk=o.pk).customer_id == real.pk
    r2: Any = api.post(f"/customer-merges/{r.body['id']}/undo", {})
    assert r2.status_code == 200, r2.body
    assert r2.body["undone_at"] is not None
    assert WorkOrder.objects.get(pk=o.pk).customer_id == ph.pk
    assert_error(api.post(f"/customer-merges/{r.body['id']}/undo", {}), 400, "already_undone", "merge")


def test_errors_are_4xx(world: World) -> None:
    real, ph = _pair(world)
    sup = api_for(world.supervisor.user)
    assert_error(api_for(world.agent.user).post(f"/customers/{real.pk}/merge", {"merged": [ph.pk]}), 403)
    assert_error(sup.post(f"/customers/{real.pk}/merge", {"merged": []}), 400, "invalid")
    assert_error(sup.post(f"/customers/{real.pk}/merge", {"merged": [real.pk]}), 400, "self_merge", "merged")
    assert_error(
        sup.post(f"/customers/{real.pk}/merge", {"merged": [ph.pk], "choices": {"tier": ph.pk}}),
        400,
        "invalid",
    )
    assert_error(sup.post(f"/customers/{real.pk}/merge", {"merged": [999999]}), 404, "not_found", "merged")
    assert_error(sup.post("/customer-merges/999999/undo", {}), 404, "not_found")
    assert not Customer.objects.filter(merged_into__isnull=False).exists()


def test_duplicates_and_order_move(world: World) -> None:
    real, ph = _pair(world)
    ContactPoint.objects.create(customer=ph, kind="phone", value="13800138000", normalized="+8613800138000")
    o = world.order(ph)
    agent = api_for(world.agent.user)
    r: Any = agent.get(f"/customers/{real.pk}/duplicates")
    assert r.status_code == 200, r.body
    assert r.body == [
        {
            "customer": {"id": ph.pk, "number": ph.number, "name": ph.name, "branch": world.north.pk},
            "reasons": ["phone"],
        }
    ]
    assert_error(agent.post(f"/orders/{o.number}/customer", {"customer_id": real.pk, "reason": " "}), 400)
    assert_error(
        api_for(world.agent_senior.user).post(
            f"/orders/{o.number}/customer", {"customer_id": real.pk, "reason": "x"}
        ),
        403,
        "forbidden",
    )
    r = agent.post(f"/orders/{o.number}/customer", {"customer_id": real.pk, "reason": "同一客户"})
    assert r.status_code == 200, r.body
    assert r.body["customer"]["id"] == real.pk
