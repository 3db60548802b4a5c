"""The REST API of macros, bulk actions and saved views: typed requests, per-order results, 4xx errors."""

from __future__ import annotations

import pytest

from kefu.api.tests.conftest import api_for, assert_error
from kefu.macros import actions, saved
from kefu.workorders.models import TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(world):  # type: ignore[no-untyped-def]
    c = world.customer(name="王五", phone="13700137000")
    return [world.order(c, title=f"燃气表故障 {i}", channel="sms") for i in range(3)]


@pytest.fixture
def macro(world):  # type: ignore[no-untyped-def]
    return actions.do_save_macro(
        world.supervisor.user,
        actions.MacroInput(
            name="已受理",
            shared=True,
            reply_text="{{customer.name}}您好，工单{{order.number}}已受理。",
            priority="high",
        ),
    )


def test_list_preview_apply(world, orders, macro) -> None:  # type: ignore[no-untyped-def]
    api = api_for(world.agent.user)
    r = api.get("/macros")
    assert r.status_code == 200
    assert [(m["name"], m["shared"], m["editable"]) for m in r.body] == [("已受理", True, False)]
    r = api.post(f"/macros/{macro.pk}/preview", {"orders": [orders[0].number]})
    assert r.status_code == 200, r.body
    assert r.body[0]["reply"] == f"王五您好，工单{orders[0].number}已受理。" and r.body[0]["problems"] == []
    assert not TimelineEntry.objects.filter(kind="reply").exists()
    south = world.order(world.customer(name="赵六", phone="13600136000", branch=world.south))
    r = api.post(f"/macros/{macro.pk}/apply", {"orders": [orders[0].number, str(orders[1].pk), south.number]})
    assert r.status_code == 200, r.body
    assert (r.body["applied"], r.body["refused"]) == (2, 1)
    assert r.body["results"][0] == {
        "key": orders[0].number,
        "number": orders[0].number,
        "ok": True,
        "done": ["reply", "priority"],
        "errors": [],
    }
    assert r.body["results"][2]["errors"][0]["code"] == "not_found"
    assert set(
        WorkOrder.objects.filter(pk__in=[orders[0].pk, orders[1].pk]).values_list("priority", flat=True)
    ) == {"high"}
    assert_error(api.post("/macros/999999/apply", {"orders": [orders[0].number]}), 404)
    assert_error(api.post(f"/macros/{macro.pk}/apply", {"orders": []}), 400)


def test_bulk_actions(world, orders, no_tags) -> None:  # type: ignore[no-untyped-def]
    api = api_for(world.agent.user)
    r = api.post(
        "/bulk-actions",
        {"action": "transfer", "orders": [o.number for o in orders], "to_staff_id": world.technician.pk},
    )
    assert r.status_code == 200
    assert {e["code"] for res in r.body["results"] for e in res["errors"]} == {"reason_required"}
    r = api.post(
        "/bulk-actions",
        {"action": "status", "orders": [orders[0].number], "status": "resolved", "resolution": "已修复"},
    )
    assert r.body["applied"] == 1
    assert_error(
        api.post("/bulk-actions", {"action": "add_tag", "orders": [orders[0].number], "tag": "x"}),
        400,
        field="action",
    )
    assert_error(api.post("/bulk-actions", {"action": "shout", "orders": [orders[0].number]}), 400, "invalid")


def test_saved_views(world, orders) -> None:  # type: ignore[no-untyped-def]
    sup = api_for(world.supervisor.user)
    r = sup.post(
        "/saved-views",
        {
            "name": "新工单",
            "tab": "team",
            "filters": {"status": "new"},
            "shared": True,
            "columns": ["customer"],
        },
    )
    assert r.status_code == 201, r.body
    assert (r.body["count"], r.body["shared"], r.body["filters"]) == (3, True, {"status": "new"})
    agent = api_for(world.agent.user)
    listed = agent.get("/saved-views").body
    assert [(v["name"], v["count"], v["editable"]) for v in listed] == [("新工单", 3, False)]
    assert_error(agent.post("/saved-views", {"name": "我的", "shared": True}), 403)
    assert_error(agent.call("DELETE", f"/saved-views/{r.body['id']}"), 404)
    assert_error(
        agent.post("/saved-views", {"name": "x", "filters": {"area": world.area_s1.pk}}), 400, field="area"
    )
    gone = sup.client.delete(f"/api/v1/saved-views/{r.body['id']}", headers=sup.headers)
    assert gone.status_code == 204 and gone.content == b""
    assert not saved.visible_views(world.agent).exists()
