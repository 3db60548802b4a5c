"""Taking in e-mail from senders that may be forged (kefu.channels.mail.inbound): the sender read from the raw
From header, DMARC verdicts of the trusted receiving server, unverified mail never joining an existing
order, and acknowledgements that echo nothing of the sender's."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.channels import outbox
from kefu.channels.mail import inbound as email_in
from kefu.channels.models import OutboxMessage
from kefu.channels.models.mail import InboundMessage, Mailbox
from kefu.channels.outbox import replies as email_out
from kefu.customers.models import Customer
from kefu.workorders import actions as wo_actions
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db

MX = "mx.kefu.example.cn"
VICTIM = "wang.xm@example.com"


@pytest.fixture
def box(world: Any) -> Mailbox:
    return Mailbox.objects.create(branch=world.north, address="kefu@north.example.cn", imap_host="127.0.0.1")


@pytest.fixture
def trusted(settings: Any) -> None:
    settings.KEFU_MAIL_TRUSTED_AUTHSERV_IDS = [MX]


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode()


def raw_mail(
    sender: str = f"=?utf-8?b?{b64('王小明')}?= <Wang.XM@Example.com>",
    subject: str = "水表漏水",
    body: str = "您好，我家水表漏水，请派人来看看。",
    *,
    msgid: str = "<a1@example.com>",
    dmarc: str | None = None,
    server: str = MX,
    header_from: str = "example.com",
    headers: tuple[str, ...] = (),
) -> bytes:
    """A message as the receiving server hands it over: its Authentication-Results on top."""
    lines: list[str] = []
    if dmarc:
        lines.append(
            f"Authentication-Results: {server}; spf=pass smtp.mailfrom=relay.example; "
            f"dkim=none; dmarc={dmarc} (p=reject dis=none) header.from={header_from}"
        )
    lines += [
        f"From: {sender}",
        "To: kefu@north.example.cn",
        f"Subject: =?utf-8?b?{b64(subject)}?=",
        f"Message-ID: {msgid}",
        *headers,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode("utf-8")


def acks(to: str = VICTIM) -> list[OutboxMessage]:
    return list(
        OutboxMessage.objects.filter(recipient=to, idempotency_key__startswith="mail-ack:").order_by("id")
    )


def victims_waiting_order(world: Any, box: Mailbox) -> tuple[WorkOrder, str]:
    """The victim's e-mail order, waiting for them, and the Message-ID of our acknowledgement."""
    o = email_in.ingest(box, raw_mail()).order
    assert o is not None
    [ack] = acks()
    wo_actions.do_transition(world.agent.user, o.pk, "in_progress")
    wo_actions.do_transition(world.agent.user, o.pk, "pending_customer", reason="等客户提供表号")
    return o, outbox._email(ack).extra_headers["Message-ID"]


def customer_messages(o: WorkOrder) -> list[str]:
    return list(o.timeline.filter(kind="customer").order_by("id").values_list("body", flat=True))


# --- the sender is the address in the raw header ---------------------------------------------


def test_encoded_display_name_cannot_post_on_another_customers_order(world: Any, box: Mailbox) -> None:
    o, ack_id = victims_waiting_order(world, box)
    forged = f"=?utf-8?b?{b64(VICTIM + ', ')}?= <attacker@evil.example>"
    r = email_in.ingest(
        box,
        raw_mail(
            forged,
            f"Re: [{o.number}]",
            "把退款打到这个账户",
            msgid="<x1@evil.example>",
            headers=(f"In-Reply-To: {ack_id}", f"References: {ack_id}"),
        ),
    )
    assert r.status == email_in.Status.NEW_ORDER and r.order is not None and r.order.pk != o.pk
    assert r.order.customer.email == "attacker@evil.example"
    assert r.inbound is not None
    assert r.inbound.from_address == "attacker@evil.example"
    o.refresh_from_db()
    assert o.status == "pending_customer" and customer_messages(o) == ["您好，我家水表漏水，请派人来看看。"]
    assert [
        a.recipient
        for a in OutboxMessage.objects.filter(idempotency_key__startswith="mail-ack:").order_by("id")
    ] == [
        VICTIM,
        "attacker@evil.example",
    ]


def test_display_name_with_comma_is_stored_whole(world: Any, box: Mailbox) -> None:
    r = email_in.ingest(box, raw_mail(f"=?utf-8?b?{b64('王, 小明')}?= <wang@example.cn>"))
    assert r.order is not None
    assert (r.order.customer.name, r.order.customer.email) == ("王, 小明", "wang@example.cn")
    assert Customer.objects.filter(name="小明").count() == 0


# --- DMARC: unverified mail never joins an existing order ---------------------------------------------


def test_dmarc_fail_reply_opens_a_new_unverified_order(world: Any, box: Mailbox, trusted: None) -> None:
    o, ack_id = victims_waiting_order(world, box)
    r = email_in.ingest(
        box,
        raw_mail(
            subject=f"Re: [{o.number}] 收到",
            body="表号是 12345",
            msgid="<a2@example.com>",
            dmarc="fail",
            headers=(f"In-Reply-To: {ack_id}", f"References: {ack_id}"),
        ),
    )
    assert r.status == email_in.Status.NEW_ORDER and r.order is not None and r.order.pk != o.pk
    assert r.order.customer_id == o.customer_id  # the archive's customer of that address, a new order
    o.refresh_from_db()
    assert o.status == "pending_customer" and customer_messages(o) == ["您好，我家水表漏水，请派人来看看。"]
    assert r.inbound is not None
    inbound = InboundMessage.objects.get(pk=r.inbound.pk)
    assert inbound.sender_check == "fail"
    assert inbound.sender_check_detail == f"{MX}: dmarc=fail header.from=example.com"
    assert inbound.get_sender_check_display() == _("unverified sender: DMARC failed")
    [mark] = r.order.timeline.filter(kind="system", data__event="mail_unverified")
    assert mark.data["from"] == VICTIM and mark.data["domain"] == "example.com"
    assert not o.timeline.filter(data__event="mail_unverified").exists()


def test_dmarc_fail_with_order_number_in_subject_opens_a_new_order(
    world: Any, box: Mailbox, trusted: None
) -> None:
    o, _ack_id = victims_waiting_order(world, box)
    r = email_in.ingest(
        box, raw_mail(subject=f"关于 {o.number} 的补充", msgid="<a3@example.com>", dmarc="fail")
    )
    assert r.order is not None
    assert r.status == email_in.Status.NEW_ORDER and r.order.pk != o.pk
    assert WorkOrder.objects.count() == 2


def test_dmarc_fail_automatic_mail_does_not_join_the_order(world: Any, box: Mailbox, trusted: None) -> None:
    o, _ack_id = victims_waiting_order(world, box)
    r = email_in.ingest(
        box,
        raw_mail(
            subject=f"自动回复: {o.number}",
            msgid="<ooo@x>",
            dmarc="fail",
            headers=("Auto-Submitted: auto-replied",),
        ),
    )
    assert r.status == email_in.Status.AUTOMATIC and r.order is None
    assert not o.timeline.filter(data__event="automatic_mail").exists()
    assert r.inbound is not None
    assert r.inbound.sender_check == "fail" and len(acks()) == 1


@pytest.mark.parametrize(
    ("dmarc", "server", "trusted_ids", "state"),
    [
        ("pass", MX, [MX], "pass"),
        ("none", MX, [MX], "none"),
        ("fail", "mx.forged.example", [MX], ""),  # a header of a server we do not trust: ignored
        ("fail", MX, [], ""),  # not configured: Authentication-Results are not read
    ],
)
def test_verified_or_unchecked_reply_still_threads(
    world: Any, box: Mailbox, settings: Any, dmarc: str, server: str, trusted_ids: list[str], state: str
) -> None:
    settings.KEFU_MAIL_TRUSTED_AUTHSERV_IDS = trusted_ids
    o, ack_id = victims_waiting_order(world, box)
    r = email_in.ingest(
        box,
        raw_mail(
            body="表号是 12345",
            msgid="<a2@example.com>",
            dmarc=dmarc,
            server=server,
            headers=(f"In-Reply-To: {ack_id}",),
        ),
    )
    assert r.order is not None
    assert r.status == email_in.Status.THREADED and r.order.pk == o.pk
    assert r.inbound is not None
    assert r.inbound.sender_check == state
    o.refresh_from_db()
    assert o.status == "in_progress" and customer_messages(o)[-1] == "表号是 12345"


def test_forged_fail_below_the_servers_pass_is_ignored(world: Any, box: Mailbox, trusted: None) -> None:
    o, ack_id = victims_waiting_order(world, box)
    forged_below = f"Authentication-Results: {MX}; dmarc=fail header.from=example.com"
    raw = raw_mail(msgid="<a2@example.com>", dmarc="pass", headers=(f"In-Reply-To: {ack_id}",))
    raw = raw.replace(b"\r\nFrom: ", f"\r\n{forged_below}\r\nFrom: ".encode(), 1)
    r = email_in.ingest(box, raw)
    assert r.order is not None
    assert r.inbound is not None
    assert r.status == email_in.Status.THREADED and r.order.pk == o.pk and r.inbound.sender_check == "pass"


def test_unverified_order_is_marked_on_the_order_page(world: Any, box: Mailbox, trusted: None) -> None:
    verified = email_in.ingest(box, raw_mail()).order
    unverified = email_in.ingest(box, raw_mail(msgid="<u1@example.com>", dmarc="fail")).order
    assert verified is not None and unverified is not None
    c = Client()
    c.force_login(world.supervisor.user)
    page = c.get(reverse("console:order_detail", args=[unverified.number])).content.decode()
    assert 'data-testid="sender-check"' in page
    assert 'href="#sender-check" data-testid="header-badge-sender-check"' in page
    assert _("Unverified sender: DMARC failed") in page
    assert f"{MX}: dmarc=fail header.from=example.com" in page
    assert 'data-testid="mail-unverified"' in page and VICTIM in page
    page = c.get(reverse("console:order_detail", args=[verified.number])).content.decode()
    assert 'data-testid="sender-check"' not in page and 'data-testid="mail-unverified"' not in page
    assert "header-badge" not in page


# --- acknowledgements echo nothing of the sender's -------------------------------------------

SPAM_SUBJECT = "Cheap pills at http://pills.spam.example/buy"
SPAM_NAME = "Visit www.spam.example now"


def assert_echoes_nothing(ack: OutboxMessage) -> None:
    wire = outbox._email(ack).message().as_bytes().decode("utf-8", "replace")
    for fragment in ("pills", "spam.example", "http", "Visit", "Cheap"):
        assert fragment not in ack.subject and fragment not in ack.body and fragment not in wire


def test_acknowledgement_names_only_the_order_number(world: Any, box: Mailbox) -> None:
    r = email_in.ingest(
        box, raw_mail(f"{SPAM_NAME} <{VICTIM}>", SPAM_SUBJECT, "buy now http://pills.spam.example")
    )
    assert r.order is not None and r.acknowledgement is not None
    ack = r.acknowledgement
    with translation.override(r.order.customer.language_code):  # the customer's, whatever this thread's
        assert ack.subject == _("[%(number)s] We have received your e-mail") % {"number": r.order.number}
    assert r.order.number in ack.body
    assert_echoes_nothing(ack)
    # a verified sender's mail program still threads it under their message
    wire = outbox._email(ack).message().msg
    assert wire["In-Reply-To"] == "<a1@example.com>"


def test_acknowledgement_to_an_unverified_sender_references_nothing_of_theirs(
    world: Any, box: Mailbox, trusted: None
) -> None:
    raw = raw_mail(
        f"{SPAM_NAME} <{VICTIM}>", SPAM_SUBJECT, "x", msgid="<http://pills.spam.example/@x>", dmarc="fail"
    )
    r = email_in.ingest(box, raw)
    assert r.order is not None and r.acknowledgement is not None
    assert r.inbound is not None
    assert r.inbound.sender_check == "fail"
    ack = r.acknowledgement
    with translation.override(r.order.customer.language_code):  # the customer's, whatever this thread's
        assert ack.subject == _("[%(number)s] We have received your e-mail") % {"number": r.order.number}
    assert_echoes_nothing(ack)
    wire = outbox._email(ack).message().msg
    assert wire["In-Reply-To"] is None and wire["References"] is None
    assert wire["Auto-Submitted"] == "auto-generated"


def test_agents_reply_to_an_unverified_order_does_not_echo_its_title(
    world: Any, box: Mailbox, trusted: None
) -> None:
    unverified = email_in.ingest(
        box, raw_mail(subject=SPAM_SUBJECT, msgid="<u2@example.com>", dmarc="fail")
    ).order
    verified = email_in.ingest(
        box, raw_mail(subject="水压低", msgid="<v2@example.com>", sender="li@example.cn")
    ).order
    assert unverified is not None and verified is not None and unverified.title == SPAM_SUBJECT
    wo_actions.do_reply(world.supervisor.user, unverified.pk, "您好，请致电 95598 核实身份。")
    wo_actions.do_reply(world.supervisor.user, verified.pk, "您好，师傅下午到。")
    [to_unverified] = OutboxMessage.objects.filter(workorder=unverified, idempotency_key__startswith="reply:")
    [to_verified] = OutboxMessage.objects.filter(workorder=verified, idempotency_key__startswith="reply:")
    assert to_unverified.subject == email_out.reply_subject(unverified.number, "")
    assert "spam" not in to_unverified.subject and unverified.number in to_unverified.subject
    assert (
        to_verified.subject == email_out.reply_subject(verified.number, "水压低")
        and "水压低" in to_verified.subject
    )


# --- end to end: Outlook's ISO-2022-JP -----------------------------------------------------------


def test_iso2022jp_without_charset_becomes_readable_order(world: Any, box: Mailbox) -> None:
    def jis(text: str) -> bytes:
        return text.encode("iso2022_jp")[3:-3]

    subject = b"\x1b$B" + b"\x2d\x21" + jis("水漏れ") + b"\x1b(B"
    body = b"\x1b$B" + b"\x2d\x21" + jis("番の部屋") + b"\x2d\x34" + b"\x1b(B\r\n"
    raw = (
        b"From: yamada@example.jp\r\nTo: kefu@north.example.cn\r\nMessage-ID: <jp@example.jp>\r\n"
        b"Subject: =?ISO-2022-JP?B?" + base64.b64encode(subject) + b"?=\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" + body
    )
    r = email_in.ingest(box, raw)
    assert r.order is not None
    assert r.inbound is not None
    assert r.order.title == "①水漏れ" and r.inbound.subject == "①水漏れ"
    assert customer_messages(r.order) == ["①番の部屋⑳"]
