"""Channel health for administrators and SMS templates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from kefu.channels import health, outbox
from kefu.channels.models import (
    Call,
    CallbackTask,
    ChannelEndpoint,
    DeadLetter,
    EndpointKind,
    GatewayMessage,
    Mailbox,
    OutboxMessage,
    SmsTemplate,
)
from kefu.channels.outbox import sms_template_edit, sms_templates
from kefu.lib.errors import ValidationFailed
from kefu.testing.factories import World

pytestmark = pytest.mark.django_db


def _setup(world: World) -> dict[str, Any]:
    now = timezone.now()
    mb = Mailbox.objects.create(
        branch=world.north,
        address="service@north.example",
        imap_host="127.0.0.1",
        last_fetch_at=now - dt.timedelta(minutes=1),
        last_error="IMAP login failed",
        last_error_at=now,
    )
    DeadLetter.objects.create(mailbox=mb, raw=b"x", sha256="a" * 64, reason="bad", created_at=now)
    DeadLetter.objects.create(
        mailbox=mb, raw=b"y", sha256="b" * 64, reason="bad", created_at=now, resolved=True
    )
    sms_ep = ChannelEndpoint.objects.create(
        branch=world.south, kind=EndpointKind.SMS, identifier="10690000002", last_inbound_at=now
    )
    phone = ChannelEndpoint.objects.create(
        branch=world.south, kind=EndpointKind.PHONE, identifier="075596000001"
    )
    for i in range(3):
        GatewayMessage.objects.create(
            kind="sms", external_id=f"h{i}", received_at=now - dt.timedelta(hours=i * 20), endpoint=sms_ep
        )
    call = Call.objects.create(call_id="h-call", caller="13000000000", started_at=now, branch=world.south)
    CallbackTask.objects.create(call=call, phone="+8613000000000", branch=world.south, due=now)
    with transaction.atomic():
        for i, status in enumerate(["queued", "failed", "dead", "sent"]):
            row, _ = outbox.enqueue(
                channel="sms", recipient="+861300000000", body="x", idempotency_key=f"k{i}"
            )
            OutboxMessage.objects.filter(pk=row.pk).update(
                status=status,
                last_error="gateway answered 502" if status in ("failed", "dead") else "",
                sent_at=now if status == "sent" else None,
                created_at=now - dt.timedelta(minutes=30),
            )
    return {"mailbox": mb, "sms": sms_ep, "phone": phone}


def test_overview_counts_each_channel(world: World, django_assert_max_num_queries: Any) -> None:
    _setup(world)
    with django_assert_max_num_queries(6):
        data = health.overview()
    rows = {(e.kind, e.name): e for e in data["endpoints"]}
    mail = rows[("email", "service@north.example")]
    assert mail.state == "error" and mail.waiting == 1  # the error is newer than the last fetch
    sms = rows[("sms", "10690000002")]
    assert sms.recent == 2 and sms.state == "ok"  # 0 h and 20 h ago; 40 h ago is outside 24 h
    phone = rows[("phone", "075596000001")]
    assert phone.waiting == 1
    queues = {q.channel: q for q in data["queues"]}
    assert (queues["sms"].waiting, queues["sms"].retrying, queues["sms"].dead) == (2, 1, 1)
    assert queues["sms"].state == "error" and queues["sms"].last_error == "gateway answered 502"
    assert queues["email"].waiting == 0 and queues["email"].state == "ok"
    # a supervisor's view: the endpoints of the branch only
    south = health.overview(branch_id=world.south.pk)
    assert {e.kind for e in south["endpoints"]} == {"sms", "phone"}
    assert south["queues"] == []  # the outbox is shared by all branches: not a supervisor's
    assert {e.waiting for e in south["endpoints"] if e.kind == "phone"} == {1}


def test_health_page_for_admin_and_supervisor_only(world: World) -> None:
    _setup(world)
    c = Client()
    c.force_login(world.admin.user)
    c.cookies["django_language"] = "en"
    page = c.get("/calls/health/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "service@north.example" in html and 'data-channel="sms" data-state="error"' in html
    sup = Client()
    sup.force_login(world.supervisor_south.user)
    html = sup.get("/calls/health/").content.decode()
    assert "10690000002" in html and "service@north.example" not in html and "health-queues" not in html
    agent = Client()
    agent.force_login(world.agent.user)
    assert agent.get("/calls/health/").status_code == 404


def test_sms_template_variables_checked_and_filled(world: World) -> None:
    with pytest.raises(ValidationFailed) as refused:
        sms_template_edit.do_save_template(
            world.admin.user,
            "materials_notice",
            {"text": "{customer_name}您好，缺{materals}{missing_materials}", "active": "1"},
        )
    assert refused.value.field == "text" and "{materals}" in str(refused.value.message)
    assert not SmsTemplate.objects.exists()
    SmsTemplate.objects.create(
        code="materials_notice",
        language="zh-hans",
        text="{customer_name}您好，工单{order_number}还缺：{missing_materials}。",
        signature="【城市燃气】",
        provider_template_id="SMS_123456",
    )
    r = sms_templates.render_current(
        "materials_notice",
        "default text",
        {"customer_name": "王芳", "order_number": "GD-1", "missing_materials": "身份证、房产证", "x": "y"},
    )
    assert r.body == "【城市燃气】王芳您好，工单GD-1还缺：身份证、房产证。"
    assert r.template == {
        "id": "SMS_123456",
        "params": {"customer_name": "王芳", "order_number": "GD-1", "missing_materials": "身份证、房产证"},
    }
    # no template of that kind: the built-in text, no provider template
    assert sms_templates.render_current("fee_reminder", "内置文本", {}) == sms_templates.Rendered(
        "内置文本", {}
    )


def test_sms_reply_leaves_by_sms_through_the_reply_template(world: World, settings: Any) -> None:
    from kefu.channels.sms import inbound as sms_inbound
    from kefu.workorders import actions as wo_actions

    SmsTemplate.objects.create(code="reply", language="zh-hans", text="【客服】{text}（工单{order_number}）")
    gm, _ = sms_inbound.ingest(sms_inbound.InboundSms("s-1", "13600136000", "燃气表不走了"))
    assert gm.workorder is not None
    entry = wo_actions.do_reply(world.agent.user, gm.workorder.pk, "您好，明天上午师傅上门。")
    row = OutboxMessage.objects.get(idempotency_key=f"reply:{entry.pk}")
    assert row.channel == "sms" and row.recipient == "+8613600136000"
    assert row.body == f"【客服】您好，明天上午师傅上门。（工单{gm.workorder.number}）"
    assert row.log_contact is False
