"""The chat auto-answer names the 24-hour hotline when a message is an emergency."""

from __future__ import annotations

import time
from typing import Any

import pytest

from kefu.api.tests.conftest import api_for
from kefu.commitments import clocks, emergency
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _defaults(db: Any) -> None:
    clocks.ensure_defaults()
    emergency.clear_cache()


def msg(msgid: str, text: str) -> dict[str, Any]:
    return {
        "msgid": msgid,
        "open_kfid": "wkKF001",
        "external_userid": "wmGas0001",
        "send_time": int(time.time()),
        "origin": 3,
        "msgtype": "text",
        "text": {"content": text},
    }


def test_emergency_chat_message_gets_the_hotline_auto_answer_and_an_urgent_order(world: Any) -> None:
    api = api_for(world.agent.user)
    r = api.post("/chat/inbound", msg("g1", "家里漏气了怎么办"))
    assert r.status_code == 200, r.body
    [result] = r.body["results"]
    assert "96777" in result["auto_answer"]
    o = WorkOrder.objects.get(number=result["order"])
    assert o.priority == "urgent" and o.channel == "chat"
    plain = api.post("/chat/inbound", {**msg("g2", "在吗？"), "external_userid": "wmOther01"})
    assert plain.body["results"][0]["auto_answer"] == ""
