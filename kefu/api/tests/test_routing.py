"""/api/v1: send back (退单), the dispatcher's list, routing again with a note, split, the merge of two
customers' duplicate reports, and the send-back report."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from kefu.api.tests.conftest import assert_error
from kefu.workorders.models import SendBack, WorkOrder

pytestmark = pytest.mark.django_db


def routed(world: Any, apis: Any) -> WorkOrder:
    o = world.order(world.customer())
    r = apis("agent").post(
        f"/orders/{o.number}/transfer", {"to_department_id": world.repair_north.pk, "reason": "派单"}
    )
    assert r.status_code == 200, r.body
    return o


def test_send_back_and_route_again(world: Any, apis: Any) -> None:
    o = routed(world, apis)
    assert_error(
        apis("technician").post(f"/orders/{o.number}/send-back", {"reason": " "}), 400, field="reason"
    )
    assert_error(
        apis("agent_senior").post(f"/orders/{o.number}/send-back", {"reason": "不归我"}),
        400,
        "not_your_unit",
        "status",
    )
    r = apis("technician").post(f"/orders/{o.number}/send-back", {"reason": "不是燃气问题"})
    assert r.status_code == 201, r.body
    body = r.body
    assert (body["order"], body["reason"], body["dispatcher"]["id"], body["from_department"]["id"]) == (
        o.number,
        "不是燃气问题",
        world.agent.pk,
        world.repair_north.pk,
    )
    assert body["rerouted_at"] is None and body["order_detail"]["assignee"]["id"] == world.agent.pk
    # the dispatcher's queue
    mine = apis("agent").get("/send-backs", mine="true", pending="true").body
    assert mine["count"] == 1 and mine["items"][0]["id"] == body["id"]
    assert apis("agent_senior").get("/send-backs", mine="true").body["count"] == 0
    assert apis("agent_south").get("/send-backs").body["count"] == 0  # another branch's orders: not seen
    # resolving is refused until it is routed again; routing to the same unit needs the note
    assert_error(
        apis("agent").post(f"/orders/{o.number}/transition", {"status": "resolved", "resolution": "好了"}),
        400,
        "route_again",
        "status",
    )
    transfer = {"to_department_id": world.repair_north.pk, "reason": "再派"}
    assert_error(apis("agent").post(f"/orders/{o.number}/transfer", transfer), 400, "note_required", "note")
    r = apis("agent").post(f"/orders/{o.number}/transfer", {**transfer, "note": "和平里属城北维修班"})
    assert r.status_code == 200, r.body
    assert apis("agent").get("/send-backs", pending="true").body["count"] == 0
    assert apis("agent").get("/send-backs", order=o.number).body["items"][0]["rerouted_at"] is not None


def test_split(world: Any, apis: Any) -> None:
    o = world.order(world.customer())
    r = apis("agent").post(
        f"/orders/{o.number}/split",
        {"order_type": "inquiry", "title": "咨询账单", "description": "客户还问了账单", "reason": "一单两诉"},
    )
    assert r.status_code == 201, r.body
    new = WorkOrder.objects.get(number=r.body["number"])
    assert (new.owner_id, new.received_at, new.customer_id, new.order_type) == (
        o.owner_id,
        o.received_at,
        o.customer_id,
        "inquiry",
    )
    assert r["Location"].endswith(f"/api/v1/orders/{new.number}")
    assert_error(
        apis("agent").post(
            f"/orders/{o.number}/split",
            {"order_type": "inquiry", "title": "x", "description": "y", "version": 1},
        ),
        409,
        "stale",
    )
    assert_error(
        apis("technician").post(
            f"/orders/{o.number}/split", {"order_type": "bogus", "title": "x", "description": "y"}
        ),
        400,
    )


def test_merge_two_customers_needs_confirmation(world: Any, apis: Any) -> None:
    survivor = world.order(world.customer(name="张三", phone="13800138000"))
    dup = world.order(world.customer(name="李四", phone="13900139000"))
    assert_error(
        apis("agent").post(f"/orders/{dup.number}/merge", {"survivor": survivor.number}),
        400,
        "different_customer",
        "confirm_different_customer",
    )
    r = apis("agent").post(
        f"/orders/{dup.number}/merge", {"survivor": survivor.number, "confirm_different_customer": True}
    )
    assert r.status_code == 200, r.body
    assert r.body["duplicate"]["merged_into"] == survivor.number and r.body["duplicate"]["status"] == "closed"


def test_send_back_report(world: Any, apis: Any) -> None:
    o = routed(world, apis)
    apis("technician").post(f"/orders/{o.number}/send-back", {"reason": "一"})
    apis("agent").post(
        f"/orders/{o.number}/transfer",
        {"to_department_id": world.repair_north.pk, "reason": "再派", "note": "是你们的"},
    )
    apis("technician").post(f"/orders/{o.number}/send-back", {"reason": "二"})
    period = timezone.localtime(SendBack.objects.get(reason="一").created_at).strftime("%Y-%m")
    units = apis("supervisor").get("/reports/send-backs/units", period=period).body
    assert units["count"] == 1
    assert units["items"][0] == {
        "kind": "department",
        "id": world.repair_north.pk,
        "name": "维修班",
        "branch": "城北分公司",
        "send_backs": 2,
        "orders": 1,
        "repeated_orders": 1,
        "pending": 1,
    }
    orders = apis("supervisor").get("/reports/send-backs/orders", period=period).body
    assert [(i["number"], i["send_backs"], i["last_reason"], i["pending"]) for i in orders["items"]] == [
        (o.number, 2, "二", True)
    ]
    assert apis("supervisor_south").get("/reports/send-backs/units", period=period).body["count"] == 0
    assert_error(apis("agent").get("/reports/send-backs/units", period=period), 404)
    assert_error(apis("supervisor").get("/reports/send-backs/units", period="2026-13"), 400)
