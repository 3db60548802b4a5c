"""The answers of the hot writes (create, reply) are rendered straight from the action's result, without
ninja's validation into the response schema (``kefu.api.render.written``): validating them through the
schema must change nothing — same keys, same values, same JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kefu.api.renderer import dumps
from kefu.api.schemas import OrderOut, TimelineEntryOut
from kefu.api.tests.conftest import api_for

pytestmark = pytest.mark.django_db


def _through_schema(schema: Any, body: dict[str, Any]) -> Any:
    return json.loads(dumps(schema.model_validate(body).model_dump()))


def test_create_answer_is_what_the_schema_renders(world: Any) -> None:
    cust = world.customer(name="钱七", phone="13700137055")
    api = api_for(world.agent.user)
    resp = api.post(
        "/orders",
        {
            "customer_id": cust.pk,
            "order_type": "fault_general",
            "service_id": world.service_fault.pk,
            "title": "燃气灶打不着火",
            "description": "客户来电：燃气灶打不着火",
            "channel": "phone",
        },
    )
    assert resp.status_code == 201, resp.body
    assert resp["Content-Type"].startswith("application/json")
    assert resp["Location"].endswith(resp.body["number"]) and resp["ETag"]
    assert list(resp.body) == list(OrderOut.model_fields)  # every field of the schema, in its order
    assert resp.body == _through_schema(OrderOut, resp.body)
    assert resp.body["custom_fields"] is None and resp.body["tags"] is None
    assert resp.body["owner"]["id"] == world.agent.pk and resp.body["due_at"]
    # the same order read back says the same (the answer is not a guess)
    got = api.get(f"/orders/{resp.body['number']}").body
    for key in ("id", "number", "status", "priority", "due_at", "version", "owner", "branch", "customer"):
        assert got[key] == resp.body[key], key


def test_reply_answer_is_what_the_schema_renders(world: Any) -> None:
    cust = world.customer(name="孙八", phone="13700137056")
    o = world.order(cust, title="停水")
    api = api_for(world.agent.user)
    resp = api.post(f"/orders/{o.number}/replies", {"body": "您好，明天上午恢复供水。", "channel": "sms"})
    assert resp.status_code == 201, resp.body
    assert list(resp.body) == list(TimelineEntryOut.model_fields)
    assert resp.body == _through_schema(TimelineEntryOut, resp.body)
    assert resp.body["data"]["outbox"] == f"reply:{resp.body['id']}"
    assert resp.body["order_version"] == o.version + 1
    assert resp.body["message"]
