"""An agent's reply to an e-mail order leaves by e-mail through the outbox: UTF-8,
threaded onto the customer's mail, sent once over a real SMTP server on loopback, and the customer's
answer to it threads back onto the same order."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from typing import Any

import pytest
from django.utils import translation

from kefu.channels import outbox
from kefu.channels.mail import inbound as email_in
from kefu.channels.models import OutboxMessage, OutboxStatus
from kefu.channels.models.mail import Mailbox
from kefu.customers.models import Contact
from kefu.lib.errors import ValidationFailed
from kefu.testing.shell import free_port
from kefu.workorders import actions as wo_actions

pytestmark = pytest.mark.django_db


def mail(subject: str, body: str, msgid: str, **headers: str) -> bytes:
    m = EmailMessage()
    m["From"] = "王小明 <wang.xm@example.com>"
    m["To"] = "kefu@north.example.cn"
    m["Subject"] = subject
    m["Message-ID"] = msgid
    for k, v in headers.items():
        m[k.replace("_", "-")] = v
    m.set_content(body)
    return m.as_bytes()


def test_reply_is_threaded_sent_once_over_smtp_and_the_answer_threads_back(world: Any, settings: Any) -> None:
    aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
    from aiosmtpd.handlers import Message

    box = Mailbox.objects.create(branch=world.north, address="kefu@north.example.cn", imap_host="127.0.0.1")
    first = email_in.ingest(box, mail("燃气表不走字", "我家燃气表三天没走字了。", "<m1@example.com>"))
    o = first.order
    assert o is not None
    OutboxMessage.objects.all().delete()  # the acknowledgement is not what this test is about
    entry = wo_actions.do_reply(world.agent.user, o.pk, "王先生您好，维修师傅明天上午上门检查燃气表。")
    (row,) = OutboxMessage.objects.all()
    assert (row.channel, row.recipient, row.idempotency_key) == (
        "email",
        "wang.xm@example.com",
        f"reply:{entry.pk}",
    )
    assert o.number in row.subject and row.log_contact is False
    assert row.headers["In-Reply-To"] == "<m1@example.com>"

    received: list[Any] = []

    class Keep(Message):
        def handle_message(self, message: Any) -> None:
            received.append(message)

    port = free_port()
    controller = aiosmtpd_controller.Controller(
        Keep(message_class=email.message.EmailMessage), hostname="127.0.0.1", port=port
    )
    controller.start()
    try:
        settings.KEFU_OUTBOX_EMAIL_TRANSPORT = "smtp"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.DEFAULT_FROM_EMAIL = "客服中心 <kefu@north.example.cn>"
        contacts_before = Contact.objects.filter(workorder=o, direction="out").count()
        assert outbox.send_due() == 1
        assert outbox.send_due() == 0  # never twice
    finally:
        controller.stop()
    assert len(received) == 1
    raw = received[0].as_bytes()
    sent = email.message_from_bytes(raw, policy=email.policy.default)
    assert sent["In-Reply-To"] == "<m1@example.com>" and "<m1@example.com>" in sent["References"]
    assert o.number in sent["Subject"] and sent.get_content_type() == "multipart/alternative"
    assert "Auto-Submitted" not in sent  # a person wrote it
    plain = sent.get_body(preferencelist=("plain",))  # with the signature's HTML part beside it
    assert plain is not None and plain.get_content_charset() == "utf-8"
    assert "维修师傅明天上午上门" in plain.get_content()
    # the reply was written to the contact history once, by do_reply, not again when sent
    assert Contact.objects.filter(workorder=o, direction="out").count() == contacts_before
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT

    # the customer answers our mail: it lands on the same order
    answer = email_in.ingest(
        box,
        mail(
            "Re: " + sent["Subject"],
            "好的，明天上午有人在家。",
            "<m2@example.com>",
            In_Reply_To=sent["Message-ID"],
        ),
    )
    assert answer.order is not None and answer.order.pk == o.pk


def test_a_phone_order_reply_leaves_only_on_the_channel_chosen(world: Any) -> None:
    c = world.customer(email="li@example.com")
    o = world.order(c, channel="phone")
    with pytest.raises(ValidationFailed) as exc:
        wo_actions.do_reply(world.agent.user, o.pk, "您好，已为您登记。")  # no channel: nothing to default to
    assert (exc.value.code, exc.value.field) == ("channel_required", "channel")
    assert not OutboxMessage.objects.exists()
    entry = wo_actions.do_reply(world.agent.user, o.pk, "您好，已为您登记。", channel="sms")
    (row,) = OutboxMessage.objects.filter(idempotency_key__startswith="reply:")
    assert (row.channel, row.recipient, row.idempotency_key) == ("sms", "+8613800138000", f"reply:{entry.pk}")
    assert entry.data == {"channel": "sms", "to": "138****8000", "outbox": f"reply:{entry.pk}"}
    with translation.override("en"):
        assert wo_actions.reply_message(entry) == "Reply queued for SMS to 138****8000."


def test_reply_goes_to_the_address_the_customer_wrote_from(world: Any) -> None:
    from kefu.customers.actions import add_contact_point

    c = world.customer(name="王小明", phone="13800138000", email="wang.home@example.com")
    add_contact_point(c, "email", "wang.xm@example.com")  # a second address of the same customer
    box = Mailbox.objects.create(branch=world.north, address="kefu@north.example.cn", imap_host="127.0.0.1")
    o = email_in.ingest(box, mail("燃气表不走字", "三天没走字了。", "<m7@example.com>")).order
    assert o is not None and o.customer == c
    entry = wo_actions.do_reply(world.agent.user, o.pk, "您好，明天上门。")
    row = OutboxMessage.objects.get(idempotency_key=f"reply:{entry.pk}")
    assert row.recipient == "wang.xm@example.com"
