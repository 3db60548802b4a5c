"""Forged senders, unverified mail, Outlook's ISO-2022-JP and acknowledgements through the real IMAP poller
(dovecot on loopback): what the mailbox holds becomes the orders and acknowledgements it should."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.channels import outbox
from kefu.channels.mail import imap as imap_poll
from kefu.channels.models import OutboxMessage
from kefu.channels.models.mail import InboundMessage, Mailbox
from kefu.channels.tests import dovecot
from kefu.workorders.models import WorkOrder

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not dovecot.available(), reason="dovecot not installed (scripts/system-deps)"),
]

MX = "mx.kefu.example.cn"


@pytest.fixture(scope="module")
def imap() -> Iterator[dovecot.Dovecot]:
    with dovecot.running() as server:
        yield server


@pytest.fixture
def box(world: Any, imap: dovecot.Dovecot, request: Any) -> Mailbox:
    folder = "Sender-" + request.node.name.replace("[", "_").replace("]", "")[-40:]
    imap.create(folder)
    return Mailbox.objects.create(
        branch=world.north,
        address="kefu@north.example.cn",
        imap_host="127.0.0.1",
        imap_port=imap.port,
        imap_ssl=False,
        imap_user=imap.user,
        imap_password=imap.password,
        folders=folder,
    )


def b64(data: str | bytes) -> str:
    return base64.b64encode(data.encode("utf-8") if isinstance(data, str) else data).decode()


def delivered(
    sender: str, subject: str, body: str, msgid: str, *, dmarc: str = "", in_reply_to: str = ""
) -> bytes:
    """A message as the receiving server files it: its Authentication-Results on top."""
    lines = (
        [
            f"Authentication-Results: {MX}; spf=pass smtp.mailfrom=relay.example; dmarc={dmarc} header.from=example.com"
        ]
        if dmarc
        else []
    )
    lines += [
        f"From: {sender}",
        "To: kefu@north.example.cn",
        f"Subject: =?utf-8?b?{b64(subject)}?=",
        f"Message-ID: {msgid}",
        *([f"In-Reply-To: {in_reply_to}", f"References: {in_reply_to}"] if in_reply_to else []),
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode("utf-8")


def ack_of(order: WorkOrder) -> OutboxMessage:
    return OutboxMessage.objects.get(workorder=order, idempotency_key__startswith="mail-ack:")


def test_forged_and_unverified_senders_never_join_the_customers_order(
    imap: dovecot.Dovecot, box: Mailbox, settings: Any
) -> None:
    settings.KEFU_MAIL_TRUSTED_AUTHSERV_IDS = [MX]
    folder = box.folder_list()[0]
    victim = f"=?utf-8?b?{b64('王, 小明')}?= <Wang.XM@Example.com>"
    imap.append(folder, delivered(victim, "燃气表漏气", "请尽快派人", "<v1@example.com>", dmarc="pass"))
    imap_poll.poll_mailbox(box)
    order = WorkOrder.objects.get()
    assert order.customer.name == "王, 小明" and order.customer.email == "wang.xm@example.com"
    our_id = outbox._email(ack_of(order)).extra_headers["Message-ID"]

    # 1. an outsider whose encoded display name reads "wang.xm@example.com,"
    forged = f"=?utf-8?b?{b64('wang.xm@example.com, ')}?= <attacker@evil.example>"
    imap.append(
        folder,
        delivered(
            forged, f"Re: [{order.number}]", "退款请打到 6222…", "<f1@evil.example>", in_reply_to=our_id
        ),
    )
    # 2. the customer's own address, but DMARC failed at our server: anyone may have written it
    imap.append(
        folder,
        delivered(
            victim,
            f"Re: [{order.number}]",
            "改约明天",
            "<f2@relay.example>",
            dmarc="fail",
            in_reply_to=our_id,
        ),
    )
    # 3. the customer's real reply
    imap.append(
        folder,
        delivered(
            victim, f"Re: [{order.number}]", "表号 123", "<v2@example.com>", dmarc="pass", in_reply_to=our_id
        ),
    )
    imap_poll.poll_mailbox(box)
    assert imap.unseen(folder) == 0

    bodies = list(order.timeline.filter(kind="customer").order_by("id").values_list("body", flat=True))
    assert bodies == ["请尽快派人", "表号 123"]
    outsider = WorkOrder.objects.get(inbound_mail__message_id="f1@evil.example")
    assert outsider.pk != order.pk and outsider.customer.email == "attacker@evil.example"
    unverified = WorkOrder.objects.get(inbound_mail__message_id="f2@relay.example")
    assert unverified.pk != order.pk and unverified.customer_id == order.customer_id
    assert unverified.timeline.filter(kind="system", data__event="mail_unverified").exists()
    checks = dict(InboundMessage.objects.values_list("message_id", "sender_check"))
    assert checks == {
        "v1@example.com": "pass",
        "f1@evil.example": "",  # no DMARC result in the header for that message
        "f2@relay.example": "fail",
        "v2@example.com": "pass",
    }
    assert WorkOrder.objects.count() == 3


def test_outlook_iso2022jp_over_imap(imap: dovecot.Dovecot, box: Mailbox) -> None:
    def jis(text: str) -> bytes:
        return text.encode("iso2022_jp")[3:-3]

    subject = b"\x1b$B" + b"\x2d\x21" + jis("ガス漏れ") + b"\x2d\x35" + b"\x1b(B"
    body = b"\x1b$B" + b"\x2d\x21" + jis("番の部屋") + b"\x2d\x34" + b"\x1b(B\r\nTel 03-1234\r\n"
    raw = (
        b"From: =?ISO-2022-JP?B?"
        + b64(b"\x1b$B" + jis("山田") + b"\x1b(B").encode()
        + b"?= <yamada@example.jp>\r\n"
        b"To: kefu@north.example.cn\r\nMessage-ID: <jp-imap@example.jp>\r\n"
        b"Subject: =?ISO-2022-JP?B?" + b64(subject).encode() + b"?=\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" + body
    )
    imap.append(box.folder_list()[0], raw)
    imap_poll.poll_mailbox(box)
    order = WorkOrder.objects.get()
    assert order.title == "①ガス漏れⅠ"
    assert order.customer.name == "山田"
    [text] = order.timeline.filter(kind="customer").values_list("body", flat=True)
    assert text.replace("\r\n", "\n") == "①番の部屋⑳\nTel 03-1234"


def test_acknowledgement_over_imap_repeats_nothing_of_the_sender(imap: dovecot.Dovecot, box: Mailbox) -> None:
    imap.append(
        box.folder_list()[0],
        delivered(
            "Buy at www.spam.example <victim@example.com>",
            "Cheap pills at http://pills.spam.example/",
            "x",
            "<s1@x>",
        ),
    )
    imap_poll.poll_mailbox(box)
    order = WorkOrder.objects.get()
    ack = ack_of(order)
    assert ack.recipient == "victim@example.com"
    with translation.override(
        order.customer.language_code
    ):  # the customer's language, whatever this thread's
        assert ack.subject == _("[%(number)s] We have received your e-mail") % {"number": order.number}
    wire = outbox._email(ack).message().as_bytes().decode("utf-8", "replace")
    assert order.number in ack.body
    for fragment in ("spam", "pills", "http", "Cheap", "Buy"):
        assert fragment not in wire and fragment not in ack.body
