"""Work-order endpoints: happy paths, filters, versions and conflicts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kefu.api.tests.conftest import assert_error
from kefu.audit.models import AuditRecord
from kefu.workorders.models import Escalation, OrderLink, TimelineEntry, Transfer, WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def cust(world):
    return world.customer()


def test_create_order_sets_owner_and_number(world, apis, cust):
    r = apis("agent").post(
        "/orders",
        {
            "customer_id": cust.pk,
            "order_type": "complaint",
            "title": "退款未到账",
            "description": "客户申请退款两周未到账",
            "channel": "phone",
            "co_receiver_ids": [world.agent_senior.pk],
        },
    )
    assert r.status_code == 201, r.body
    assert r.body["number"].startswith("GD-") and len(r.body["number"]) == 18
    assert r.body["owner"]["id"] == world.agent_senior.pk  # the most senior co-receiver
    assert r.body["priority"] == "high" and r.body["status"] == "new" and r.body["version"] == 1
    assert r["ETag"] == '"1"' and r["Location"].endswith(r.body["number"])


def test_create_order_field_errors(world, apis, cust):
    api = apis("agent")
    err = assert_error(
        api.post(
            "/orders",
            {"customer_id": cust.pk, "order_type": "fault_general", "title": " ", "description": "x"},
        ),
        400,
        "required",
        "title",
    )
    assert err["message"]
    assert_error(
        api.post(
            "/orders", {"customer_id": cust.pk, "order_type": "bogus", "title": "t", "description": "d"}
        ),
        400,
        "invalid",
        "order_type",
    )
    future = (timezone.now() + dt.timedelta(days=1)).isoformat()
    assert_error(
        api.post(
            "/orders",
            {
                "customer_id": cust.pk,
                "order_type": "inquiry",
                "title": "t",
                "description": "d",
                "received_at": future,
            },
        ),
        400,
        "future_time",
        "received_at",
    )
    assert WorkOrder.objects.count() == 0


def test_get_by_id_and_number(world, apis, cust):
    o = world.order(cust)
    api = apis("agent")
    by_id = api.get(f"/orders/{o.pk}")
    by_number = api.get(f"/orders/{o.number.lower()}")
    assert by_id.status_code == by_number.status_code == 200
    assert by_id.body == by_number.body
    assert by_id.body["description"] == "客户来电：宽带故障，灯不亮"
    assert by_id["ETag"] == '"1"'


def test_list_filters_and_ordering(world, apis, cust):
    a = world.order(cust, title="宽带故障", order_type="fault_general")
    b = world.order(cust, title="申请退款", order_type="complaint", description="要求退款")
    c = world.order(cust, title="表扬师傅", order_type="praise", priority="low")
    api = apis("agent")
    assert [o["id"] for o in api.get("/orders", type="complaint").body["items"]] == [b.pk]
    assert [o["id"] for o in api.get("/orders", priority="low").body["items"]] == [c.pk]
    assert [o["id"] for o in api.get("/orders", ordering="priority").body["items"]] == [b.pk, a.pk, c.pk]
    assert [o["id"] for o in api.get("/orders", ordering="-priority").body["items"]] == [c.pk, a.pk, b.pk]
    assert [o["id"] for o in api.get("/orders", ordering="received_at").body["items"]] == [a.pk, b.pk, c.pk]
    assert api.get("/orders", owner=world.agent.pk).body["count"] == 3
    assert api.get("/orders", owner=world.agent_senior.pk).body["count"] == 0
    assert api.get("/orders", status="new").body["count"] == 3
    assert api.get("/orders", status="closed").body["count"] == 0
    assert api.get("/orders", branch=world.north.pk).body["count"] == 3
    WorkOrder.objects.filter(pk=a.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    assert [o["id"] for o in api.get("/orders", overdue="true").body["items"]] == [a.pk]
    assert api.get("/orders", overdue="false").body["count"] == 2
    assert_error(api.get("/orders", ordering="title"), 400, "invalid", "ordering")


def test_search_orders_for_two_character_word(world, apis, cust):
    hit = world.order(cust, title="账单疑问", description="客户要求退款三十元")
    world.order(cust, title="宽带故障", description="退订宽带，款项已结清")  # 退 and 款 but not 退款
    r = apis("agent").get("/orders", q="退款")
    assert r.body["count"] == 1
    assert [o["id"] for o in r.body["items"]] == [hit.pk]
    assert apis("agent").get("/orders", q=hit.number).body["items"][0]["id"] == hit.pk


def test_search_count_stops_at_the_cap_and_says_so(world, apis, cust, monkeypatch):
    from kefu.api import workorders as api_orders

    for i in range(5):
        world.order(cust, title=f"燃气泄漏 {i}")
    world.order(cust, title="水管爆裂")
    api = apis("agent")
    r = api.get("/orders", q="泄漏", limit=2, ordering="received_at")
    assert (r.body["count"], r.body["count_capped"]) == (5, False)
    monkeypatch.setattr(api_orders, "SEARCH_COUNT_CAP", 3)
    r = api.get("/orders", q="泄漏", limit=2, ordering="received_at")
    assert (r.body["count"], r.body["count_capped"]) == (3, True)  # "3 or more"
    assert [o["title"] for o in r.body["items"]] == ["燃气泄漏 0", "燃气泄漏 1"]
    # pages past the cap are still served
    r = api.get("/orders", q="泄漏", limit=2, offset=4, ordering="received_at")
    assert [o["title"] for o in r.body["items"]] == ["燃气泄漏 4"] and r.body["count_capped"] is True
    # exactly the cap: not capped; without a search: always the exact count
    monkeypatch.setattr(api_orders, "SEARCH_COUNT_CAP", 5)
    assert api.get("/orders", q="泄漏").body["count_capped"] is False
    monkeypatch.setattr(api_orders, "SEARCH_COUNT_CAP", 1)
    r = api.get("/orders")
    assert (r.body["count"], r.body["count_capped"]) == (6, False)


def test_pagination_totals(world, apis, cust):
    for i in range(5):
        world.order(cust, title=f"工单{i}")
    r = apis("agent").get("/orders", limit=2, offset=2, ordering="received_at")
    assert r.body["count"] == 5 and len(r.body["items"]) == 2
    assert [o["title"] for o in r.body["items"]] == ["工单2", "工单3"]
    assert_error(apis("agent").get("/orders", limit=201), 400, "invalid", "limit")


def test_patch_order_with_versions(world, apis, cust):
    o = world.order(cust)
    api = apis("agent")
    r = api.patch(
        f"/orders/{o.number}", {"title": "新标题", "priority": "urgent"}, headers={"If-Match": '"1"'}
    )
    assert r.status_code == 200, r.body
    assert r.body["title"] == "新标题" and r.body["priority"] == "urgent" and r.body["version"] == 2
    assert r["ETag"] == '"2"'
    err = assert_error(
        api.patch(f"/orders/{o.pk}", {"title": "又一个", "version": 1}), 409, "stale", "version"
    )
    assert err["current_version"] == 2
    assert_error(api.patch(f"/orders/{o.pk}", {"title": "x"}), 428, "precondition_required", "version")
    o.refresh_from_db()
    assert o.title == "新标题" and o.version == 2


def test_transition_and_stale_transition(world, apis, cust):
    o = world.order(cust)
    api = apis("agent")
    r = api.post(f"/orders/{o.pk}/transition", {"status": "in_progress", "version": 1})
    assert r.status_code == 200 and r.body["status"] == "in_progress" and r.body["version"] == 2
    err = assert_error(
        api.post(f"/orders/{o.pk}/transition", {"status": "resolved", "resolution": "修好了", "version": 1}),
        409,
        "stale",
    )
    assert err["current_version"] == 2
    assert_error(
        api.post(f"/orders/{o.pk}/transition", {"status": "resolved"}, headers={"If-Match": '"2"'}),
        400,
        "resolution_required",
        "resolution",
    )
    r = api.post(
        f"/orders/{o.pk}/transition",
        {"status": "resolved", "resolution": "修好了"},
        headers={"If-Match": '"2"'},
    )
    assert r.status_code == 200 and r.body["status"] == "resolved"
    assert_error(
        api.post(f"/orders/{o.pk}/transition", {"status": "new"}), 400, "transition_forbidden", "status"
    )
    assert_error(api.post(f"/orders/{o.pk}/transition", {"status": "teleported"}), 400, "invalid", "status")


def test_allowed_transitions(world, apis, cust):
    o = world.order(cust)
    r = apis("agent").get(f"/orders/{o.pk}/allowed-transitions")
    assert r.status_code == 200
    by_status = {t["status"]: t for t in r.body}
    assert set(by_status) == {"in_progress", "awaiting_materials", "pending_customer", "resolved", "closed"}
    assert by_status["resolved"]["needs"] == ["resolution"] and by_status["resolved"]["allowed"] is True
    assert by_status["closed"]["action"] == "withdraw" and by_status["closed"]["needs"] == [
        "reason",
        "close_reason",
    ]
    r = apis("inspector").get(f"/orders/{o.pk}/allowed-transitions")
    assert {t["allowed"] for t in r.body} == {False}


def test_allowed_transitions_of_a_merged_duplicate(world, apis, cust):
    """A merged duplicate is not offered "reopen" (the transition would refuse it); its survivor is."""
    survivor, dup = world.order(cust), world.order(cust, title="重复报修")
    assert (
        apis("supervisor").post(f"/orders/{dup.pk}/merge", {"survivor": survivor.number}).status_code == 200
    )
    for who in ("agent", "supervisor"):
        assert apis(who).get(f"/orders/{dup.pk}/allowed-transitions").body == []
    assert_error(
        apis("supervisor").post(
            f"/orders/{dup.pk}/transition", {"status": "reopened", "reason": "客户再次来电"}
        ),
        400,
        "merged_order",
        "status",
    )
    api = apis("supervisor")
    assert (
        api.post(
            f"/orders/{survivor.pk}/transition", {"status": "resolved", "resolution": "修好"}
        ).status_code
        == 200
    )
    offered = {t["status"]: t for t in api.get(f"/orders/{survivor.pk}/allowed-transitions").body}
    assert set(offered) == {"closed", "reopened"} and offered["reopened"]["allowed"] is True
    r = api.post(f"/orders/{survivor.pk}/transition", {"status": "reopened", "reason": "客户再次来电"})
    assert r.status_code == 200 and r.body["status"] == "reopened"


def test_reply_and_note(world, apis, cust):
    o = world.order(cust)
    api = apis("agent")
    r = api.post(f"/orders/{o.pk}/replies", {"channel": "sms", "body": "您好，师傅下午上门", "version": 1})
    assert r.status_code == 201 and r.body["kind"] == "reply" and r.body["public"] is True
    assert r.body["order_version"] == 2
    assert_error(
        api.post(f"/orders/{o.pk}/replies", {"channel": "sms", "body": "again", "version": 1}), 409, "stale"
    )
    r = api.post(f"/orders/{o.pk}/notes", {"body": "内部：需带备件"})
    assert r.status_code == 201 and r.body["kind"] == "note" and r.body["public"] is False
    assert_error(api.post(f"/orders/{o.pk}/notes", {"body": "   "}), 400, "required", "body")
    o.refresh_from_db()
    assert o.first_response_at is not None


def test_transfer_keeps_owner(world, apis, cust):
    o = world.order(cust)
    r = apis("agent").post(
        f"/orders/{o.pk}/transfer", {"to_staff_id": world.technician.pk, "reason": "需上门"}
    )
    assert r.status_code == 200, r.body
    assert r.body["to_staff"]["id"] == world.technician.pk
    assert r.body["order"]["owner"]["id"] == world.agent.pk
    assert r.body["order"]["assignee"]["id"] == world.technician.pk
    assert_error(apis("agent").post(f"/orders/{o.pk}/transfer", {"reason": "x"}), 400, "no_receiver")
    assert_error(
        apis("agent").post(f"/orders/{o.pk}/transfer", {"to_staff_id": 999999, "reason": "x"}),
        400,
        "invalid_choice",
        "to_staff",
    )
    assert Transfer.objects.filter(workorder=o).count() == 1


def test_escalate(world, apis, cust):
    o = world.order(cust)
    r = apis("agent").post(f"/orders/{o.pk}/escalate", {"reason": "客户多次投诉"})
    assert r.status_code == 201, r.body
    assert r.body["leader"]["id"] == world.supervisor.pk
    assert r.body["order"]["escalated"] is True
    assert_error(
        apis("agent").post(f"/orders/{o.pk}/escalate", {"reason": ""}), 400, "reason_required", "reason"
    )
    assert Escalation.objects.filter(workorder=o).count() == 1


def test_link_and_merge(world, apis, cust):
    a = world.order(cust)
    b = world.order(cust)
    c = world.order(cust)
    api = apis("agent")
    r = api.post(f"/orders/{a.pk}/links", {"other": b.number})
    assert r.status_code == 201 and r.body == {
        "id": r.body["id"],
        "source": a.number,
        "target": b.number,
        "kind": "related",
    }
    assert_error(api.post(f"/orders/{a.pk}/links", {"other": str(b.pk)}), 400, "already_linked", "other")
    assert_error(api.post(f"/orders/{a.pk}/links", {"other": a.number}), 400, "self_link")
    r = api.post(f"/orders/{c.number}/merge", {"survivor": a.number, "reason": "重复报修"})
    assert r.status_code == 200, r.body
    assert r.body["duplicate"]["status"] == "closed" and r.body["duplicate"]["merged_into"] == a.number
    assert r.body["duplicate"]["close_reason"] == "duplicate"
    assert r.body["survivor"]["id"] == a.pk
    assert OrderLink.objects.count() == 2


def test_timeline(world, apis, cust):
    o = world.order(cust)
    api = apis("agent")
    api.post(f"/orders/{o.pk}/replies", {"channel": "sms", "body": "公开回复"})
    api.post(f"/orders/{o.pk}/notes", {"body": "内部备注"})
    r = api.get(f"/orders/{o.pk}/timeline")
    assert r.status_code == 200
    assert [e["kind"] for e in r.body["items"]] == ["system", "reply", "note"]
    assert r.body["count"] == 3
    assert r.body["items"][2]["author"] == world.agent.name
    assert TimelineEntry.objects.filter(workorder=o).count() == 3


def test_every_write_is_audited(world, apis, cust):
    o = world.order(cust)
    api = apis("agent")
    api.patch(f"/orders/{o.pk}", {"title": "改", "version": 1})
    api.post(f"/orders/{o.pk}/transition", {"status": "in_progress"})
    actions = set(AuditRecord.objects.filter(workorder_id=o.pk).values_list("action", flat=True))
    assert {"order.create", "order.update", "order.start"} <= actions
