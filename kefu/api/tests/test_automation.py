"""/api/v1 triggers, webhooks, the delivery log and replay (administrators only)."""

from __future__ import annotations

import pytest

from kefu.api.tests.conftest import assert_error
from kefu.automation import delivery
from kefu.automation.models import Delivery, Trigger, Webhook
from kefu.automation.tests.receiver import receiver

pytestmark = pytest.mark.django_db


def test_trigger_crud(world, apis):  # type: ignore[no-untyped-def]
    admin = apis("admin")
    body: dict[str, object] = {
        "name": "Urgent to the repair team",
        "event": "created",
        "conditions": [{"field": "priority", "op": "is", "value": "urgent"}],
        "actions": [{"kind": "assign_department", "value": str(world.repair_north.pk), "text": "urgent"}],
    }
    resp = admin.post("/triggers", body)
    assert resp.status_code == 201, resp.body
    tid = resp.body["id"]
    assert resp.body["run_as_id"] == world.admin.pk and resp.body["match"] == "all"
    assert admin.get(f"/triggers/{tid}").body["actions"][0]["kind"] == "assign_department"
    body["active"] = False
    assert admin.call("PUT", f"/triggers/{tid}", body).body["active"] is False
    bad = admin.post("/triggers", {**body, "actions": [{"kind": "set_priority", "value": "mega"}]})
    assert_error(bad, 400, "invalid_choice", "actions.0.value")
    assert_error(apis("supervisor").get("/triggers"), 403)
    assert admin.call("DELETE", f"/triggers/{tid}").status_code == 204
    assert not Trigger.objects.exists()
    assert_error(admin.get(f"/triggers/{tid}"), 404)


def test_webhook_log_and_replay(world, apis, settings):  # type: ignore[no-untyped-def]
    settings.KEFU_WEBHOOK_ALLOW_HOSTS = ["127.0.0.1"]
    admin = apis("admin")
    assert_error(
        admin.post("/webhooks", {"name": "x", "url": "https://192.168.1.1/", "events": ["created"]}),
        400,
        "forbidden_address",
        "url",
    )
    with receiver(statuses=[500]) as rx:
        resp = admin.post("/webhooks", {"name": "ERP", "url": rx.url, "events": ["created"]})
        assert resp.status_code == 201 and resp.body["secret"].startswith("whsec_")
        wid = resp.body["id"]
        world.order(world.customer())
        delivery.send_due()
        log = admin.get(f"/webhooks/{wid}/deliveries")
        assert log.status_code == 200 and log.body["count"] == 1
        item = log.body["items"][0]
        assert item["status"] == "failed" and item["tries"][0]["status_code"] == 500
        again = admin.post(f"/webhook-deliveries/{item['id']}/replay")
        assert again.status_code == 201 and again.body["replay_of_id"] == item["id"]
        assert again.body["event_id"] == item["event_id"]
        assert delivery.send_due() == 1
    assert Delivery.objects.filter(status="delivered").count() == 1
    assert_error(apis("agent").post(f"/webhook-deliveries/{item['id']}/replay"), 403)
    assert admin.call("DELETE", f"/webhooks/{wid}").status_code == 204
    assert not Webhook.objects.exists()


def test_schema_names_do_not_collide(client):  # type: ignore[no-untyped-def]
    """Ninja names components by class: the delivery attempts must not replace the contact attempts."""
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "status_code" in schemas["DeliveryAttemptOut"]["properties"]
    assert "method" in schemas["AttemptOut"]["properties"]


def test_trigger_and_webhook_lists_are_paginated(world, apis):  # type: ignore[no-untyped-def]
    admin = apis("admin")
    for name in ("A first", "B second", "C third"):
        body = {
            "name": name,
            "event": "created",
            "conditions": [{"field": "priority", "op": "is", "value": "urgent"}],
            "actions": [{"kind": "set_priority", "value": "high"}],
        }
        assert admin.post("/triggers", body).status_code == 201
    first = admin.get("/triggers?limit=2")
    assert first.status_code == 200
    assert first.body["count"] == 3 and len(first.body["items"]) == 2
    rest = admin.get("/triggers?limit=2&offset=2")
    assert [t["name"] for t in rest.body["items"]] == [
        Trigger.objects.order_by("position", "id").last().name  # type: ignore[union-attr]
    ]
    assert_error(admin.get("/triggers?limit=0"), 400)
    assert admin.get("/webhooks").body == {
        "count": 0,
        "count_capped": False,
        "limit": 50,
        "offset": 0,
        "items": [],
    }
