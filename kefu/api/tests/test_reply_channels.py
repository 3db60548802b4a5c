"""The reply endpoint decides the channel like the console: machine-readable 4xx errors naming the field,
a call-back instead of a reply, and an answer that says what happened."""

from __future__ import annotations

from typing import Any

import pytest

from kefu.api.tests.conftest import assert_error
from kefu.channels.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_reply_on_a_phone_order_needs_a_channel(world: Any, apis: Any) -> None:
    o = world.order(world.customer(phone="13812341234"))
    api = apis("agent")
    assert_error(api.post(f"/orders/{o.pk}/replies", {"body": "您好"}), 400, "channel_required", "channel")
    assert_error(
        api.post(f"/orders/{o.pk}/replies", {"body": "您好", "channel": "email"}),
        400,
        "channel_unreachable",
        "channel",
    )
    assert_error(
        api.post(f"/orders/{o.pk}/replies", {"body": "您好", "channel": "carrier-pigeon"}),
        400,
        "invalid_choice",
        "channel",
    )
    assert_error(
        api.post(f"/orders/{o.pk}/replies", {"body": "您好", "channel": "wecom"}), 400, None, "channel"
    )
    assert not OutboxMessage.objects.exists()
    r = api.post(f"/orders/{o.pk}/replies", {"body": "您好，师傅下午上门", "channel": "sms"})
    assert r.status_code == 201, r.body
    assert r.body["message"] == "Reply queued for SMS to 138****1234."
    assert r.body["data"] == {"channel": "sms", "to": "138****1234", "outbox": f"reply:{r.body['id']}"}
    assert OutboxMessage.objects.get().recipient == "+8613812341234"


def test_call_back_through_the_api(world: Any, apis: Any) -> None:
    o = world.order(world.customer(phone="13812341234"))
    api = apis("agent")
    assert_error(
        api.post(f"/orders/{o.pk}/replies", {"channel": "callback"}), 400, "required", "callback_outcome"
    )
    r = api.post(f"/orders/{o.pk}/replies", {"channel": "callback", "callback_outcome": "wrong_number"})
    assert r.status_code == 201, r.body
    assert (r.body["kind"], r.body["public"], r.body["data"]["outcome"]) == (
        "callback",
        False,
        "wrong_number",
    )
    assert r.body["message"] == "Call-back to 138****1234 logged: wrong number."
