"""Taking in e-mail (kefu.channels.mail.inbound.ingest): customers, orders, threading, acknowledgement, dedup."""

from __future__ import annotations

import base64
import datetime as dt
from email.message import EmailMessage
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kefu.channels import outbox
from kefu.channels.mail import inbound as email_in
from kefu.channels.models import OutboxMessage
from kefu.channels.models.mail import DeadLetter, InboundMessage, Mailbox
from kefu.commitments.models import OrderClock, TimeLimit
from kefu.customers.models import Contact, Customer
from kefu.testing.threads import together
from kefu.workorders import actions as wo_actions
from kefu.workorders.models import Attachment, WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def box(world: Any) -> Mailbox:
    return Mailbox.objects.create(branch=world.north, address="kefu@north.example.cn", imap_host="127.0.0.1")


def make(
    subject: str = "水表漏水",
    body: str = "您好，我家水表漏水，请派人来看看。",
    *,
    sender: str = "王小明 <Wang.XM@Example.com>",
    msgid: str | None = "<a1@example.com>",
    **headers: str,
) -> bytes:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = "kefu@north.example.cn"
    m["Subject"] = subject
    if msgid:
        m["Message-ID"] = msgid
    for k, v in headers.items():
        m[k.replace("_", "-")] = v
    m.set_content(body)
    return m.as_bytes()


def acks(to: str = "wang.xm@example.com") -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(recipient=to, idempotency_key__startswith="mail-ack:"))


def test_new_sender_becomes_customer_and_order_with_acknowledgement(world: Any, box: Mailbox) -> None:
    limit = TimeLimit.objects.get(kind="first_response", order_type="complaint", tier="")
    limit.pk, limit.order_type = None, "inquiry"  # a first-response limit on the e-mail's order type
    limit.save()
    r = email_in.ingest(box, make())
    assert r.status == email_in.Status.NEW_ORDER
    o = r.order
    assert o is not None and o.channel == "email" and o.title == "水表漏水"
    c = o.customer
    assert (c.name, c.email, c.branch_id) == ("王小明", "wang.xm@example.com", world.north.pk)
    assert c.contact_points.filter(kind="email", normalized="wang.xm@example.com").exists()
    assert o.owner_id == world.agent.pk or o.owner.branch_id == world.north.pk
    msg = o.timeline.get(kind="customer")
    assert msg.body == "您好，我家水表漏水，请派人来看看。" and msg.public
    assert Contact.objects.filter(customer=c, channel="email", workorder=o).exists()
    [ack] = acks()
    assert o.number in ack.subject and o.number in ack.body
    assert r.inbound is not None
    assert ack.workorder_id == o.pk and ack.idempotency_key == f"mail-ack:{r.inbound.pk}"
    wire = outbox._email(ack).message().msg
    assert wire["Auto-Submitted"] == "auto-generated"
    # it threads under the customer's message in their mail program
    assert wire["In-Reply-To"] == f"<{r.inbound.message_id.strip('<>')}>" == wire["References"]
    # the acknowledgement is not a person's answer: the first-response clock keeps running
    clock = OrderClock.objects.get(workorder=o, kind="first_response")
    assert clock.stopped_at is None
    wo_actions.do_reply(world.agent.user, o.pk, "您好，师傅下午到。")
    clock.refresh_from_db()
    assert clock.stopped_at is not None


def test_known_customer_matched_by_normalised_address(world: Any, box: Mailbox) -> None:
    c = world.customer("李四", "13900139000", email="Li.Si@Example.com")
    r = email_in.ingest(box, make(sender="Someone Else <LI.SI@example.COM>"))
    assert r.order is not None and r.order.customer_id == c.pk
    assert Customer.objects.filter(email__iexact="li.si@example.com").count() == 1


def test_same_message_twice_is_one_order(world: Any, box: Mailbox) -> None:
    first = email_in.ingest(box, make())
    again = email_in.ingest(box, make())
    assert (
        again.status == email_in.Status.DUPLICATE and again.inbound is not None and first.inbound is not None
    )
    assert again.inbound.pk == first.inbound.pk
    assert WorkOrder.objects.count() == 1 and InboundMessage.objects.count() == 1 and len(acks()) == 1


def test_without_message_id_dedup_by_bytes(world: Any, box: Mailbox) -> None:
    raw = make(msgid=None)
    assert email_in.ingest(box, raw).status == email_in.Status.NEW_ORDER
    assert email_in.ingest(box, raw).status == email_in.Status.DUPLICATE
    assert InboundMessage.objects.get().message_id.startswith("sha256:")


def test_reply_threads_by_in_reply_to_and_resumes_the_order(world: Any, box: Mailbox) -> None:
    o = email_in.ingest(box, make()).order
    assert o is not None
    [ack] = acks()
    wire_id = outbox._email(ack).extra_headers["Message-ID"]
    wo_actions.do_transition(world.agent.user, o.pk, "in_progress")
    wo_actions.do_transition(world.agent.user, o.pk, "pending_customer", reason="等客户提供表号")
    reply = make(
        "Re: 收到", "表号是 12345", msgid="<a2@example.com>", In_Reply_To=wire_id, References=wire_id
    )
    r = email_in.ingest(box, reply)
    assert r.status == email_in.Status.THREADED and r.order is not None and r.order.pk == o.pk
    o.refresh_from_db()
    assert o.status == "in_progress"
    assert list(o.timeline.filter(kind="customer").values_list("body", flat=True).order_by("id")) == [
        "您好，我家水表漏水，请派人来看看。",
        "表号是 12345",
    ]
    assert WorkOrder.objects.count() == 1
    assert len(acks()) == 1  # within the window: no second acknowledgement


def test_thread_by_order_number_in_subject_only_for_the_same_customer(world: Any, box: Mailbox) -> None:
    o = email_in.ingest(box, make()).order
    assert o is not None
    r = email_in.ingest(box, make(f"关于 {o.number} 的补充", "补充说明", msgid="<a3@example.com>"))
    assert r.status == email_in.Status.THREADED and r.order is not None and r.order.pk == o.pk
    # a stranger quoting the number does not write into someone else's order
    s = email_in.ingest(box, make(f"{o.number}", "我也是", sender="x@other.cn", msgid="<a4@other.cn>"))
    assert s.status == email_in.Status.NEW_ORDER and s.order is not None and s.order.pk != o.pk


def test_closed_order_is_not_reopened_by_mail(world: Any, box: Mailbox) -> None:
    o = email_in.ingest(box, make()).order
    assert o is not None
    WorkOrder.objects.filter(pk=o.pk).update(status="closed")
    r = email_in.ingest(box, make(f"Re: {o.number}", "又漏了", msgid="<a5@example.com>"))
    assert r.status == email_in.Status.NEW_ORDER and r.order is not None and r.order.pk != o.pk


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"Precedence": "list"},
        {"Precedence": "junk"},
        {"sender": "MAILER-DAEMON@mx.example.com"},
        {"sender": "postmaster@example.com"},
    ],
)
def test_automatic_mail_no_order_no_acknowledgement(
    world: Any, box: Mailbox, headers: dict[str, str]
) -> None:
    r = email_in.ingest(box, make(**headers))
    assert r.status == email_in.Status.AUTOMATIC
    assert WorkOrder.objects.count() == 0
    assert not OutboxMessage.objects.exists()
    assert r.inbound is not None and r.inbound.outcome == "automatic"


def test_delivery_report_not_acknowledged(world: Any, box: Mailbox) -> None:
    raw = (
        b"From: Mail Delivery System <mailer@mx.example.com>\r\nTo: kefu@north.example.cn\r\n"
        b"Subject: Undelivered Mail\r\nMessage-ID: <dsn1@mx>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--b--\r\n"
    )
    assert email_in.ingest(box, raw).status == email_in.Status.AUTOMATIC
    assert not OutboxMessage.objects.exists() and not WorkOrder.objects.exists()


def test_auto_reply_on_an_order_goes_on_the_timeline_without_ack_or_resume(world: Any, box: Mailbox) -> None:
    o = email_in.ingest(box, make()).order
    assert o is not None
    r = email_in.ingest(
        box, make(f"自动回复: {o.number}", "我正在休假", msgid="<ooo@x>", Auto_Submitted="auto-replied")
    )
    assert r.status == email_in.Status.THREADED and r.order is not None and r.order.pk == o.pk
    assert o.timeline.filter(kind="system", data__event="automatic_mail").exists()
    assert o.timeline.filter(kind="customer").count() == 1
    assert len(acks()) == 1


def test_own_address_is_never_acknowledged(world: Any, box: Mailbox, settings: Any) -> None:
    Mailbox.objects.create(branch=world.south, address="kefu@south.example.cn")
    r = email_in.ingest(box, make(sender="Kefu South <KEFU@south.example.cn>"))
    assert r.status == email_in.Status.OWN
    settings.DEFAULT_FROM_EMAIL = "客服中心 <noreply-kefu@gd.example.cn>"
    r = email_in.ingest(box, make(sender="noreply-kefu@gd.example.cn", msgid="<own2@x>"))
    assert r.status == email_in.Status.OWN
    assert not OutboxMessage.objects.exists() and not WorkOrder.objects.exists()


def test_at_most_one_acknowledgement_per_sender_per_window(world: Any, box: Mailbox, settings: Any) -> None:
    settings.KEFU_MAIL_ACK_WINDOW_MINUTES = 30
    email_in.ingest(box, make("一", msgid="<w1@x>"))
    email_in.ingest(box, make("二", msgid="<w2@x>"))
    assert WorkOrder.objects.count() == 2 and len(acks()) == 1
    OutboxMessage.objects.update(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31))
    email_in.ingest(box, make("三", msgid="<w3@x>"))
    assert len(acks()) == 2
    email_in.ingest(box, make("四", sender="other@example.com", msgid="<w4@x>"))
    assert len(acks("other@example.com")) == 1


def test_malformed_goes_to_dead_letter_and_rest_flows(world: Any, box: Mailbox) -> None:
    r = email_in.ingest(box, b"\r\n\r\nno headers at all")
    assert r.status == email_in.Status.DEAD_LETTER
    letter = DeadLetter.objects.get()
    assert letter.reason and not letter.resolved and bytes(letter.raw) == b"\r\n\r\nno headers at all"
    assert email_in.ingest(box, b"\r\n\r\nno headers at all").dead_letter == letter  # once
    assert email_in.ingest(box, make()).status == email_in.Status.NEW_ORDER


def test_no_receiver_in_branch_is_a_dead_letter_nothing_half_written(world: Any, box: Mailbox) -> None:
    from kefu.organization.models import Staff

    Staff.objects.filter(branch=world.north, role__in=["agent", "supervisor"]).update(is_active=False)
    r = email_in.ingest(box, make())
    assert r.status == email_in.Status.DEAD_LETTER and "no_receiver" in r.reason
    assert not InboundMessage.objects.exists() and not Customer.objects.filter(email="wang.xm@example.com")
    assert not WorkOrder.objects.exists() and not OutboxMessage.objects.exists()


def test_attachments_and_inline_images_stored_oversized_noted(
    world: Any, box: Mailbox, settings: Any
) -> None:
    settings.KEFU_MAX_ATTACHMENT_BYTES = 2000
    m = EmailMessage()
    m["From"] = "zhao@example.cn"
    m["Subject"] = "照片"
    m["Message-ID"] = "<att@x>"
    m.set_content("见照片")
    m.add_alternative('<p>见 <img src="cid:p1"></p>', subtype="html")
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 200
    list(m.iter_parts())[1].add_related(png, "image", "png", cid="<p1>")
    m.add_attachment(b"%PDF-1.4 small", maintype="application", subtype="pdf", filename="水费单.pdf")
    m.add_attachment(b"x" * 5000, maintype="application", subtype="octet-stream", filename="big.bin")
    r = email_in.ingest(box, m.as_bytes())
    assert r.order is not None
    atts = {a.filename: a for a in Attachment.objects.filter(workorder=r.order)}
    assert set(atts) == {"inline-1", "水费单.pdf"}
    assert atts["inline-1"].content_type == "image/png" and atts["inline-1"].public
    body = r.order.timeline.get(kind="customer").body
    assert body.startswith("见照片") and "big.bin" in body


def test_gb2312_big5_mail_end_to_end(world: Any, box: Mailbox) -> None:
    subject = "=?gb2312?B?" + base64.b64encode("停水投诉".encode("gb2312")).decode() + "?="
    raw = (
        f"From: =?big5?B?{base64.b64encode('陳大文'.encode('big5')).decode()}?= <chan@example.hk>\r\n"
        f"Subject: {subject}\r\nMessage-ID: <big5@x>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=big5\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + "臺北市停水三天".encode("big5")
    r = email_in.ingest(box, raw)
    assert r.order is not None and r.order.title == "停水投诉"
    assert r.order.customer.name == "陳大文"
    assert r.order.timeline.get(kind="customer").body == "臺北市停水三天"


def test_admin_pages_show_health_and_dead_letters_password_not_logged(
    world: Any, box: Mailbox, client: Any, django_user_model: Any
) -> None:
    from kefu.audit.models import AuditRecord

    email_in.ingest(box, b"\r\n\r\nbroken")
    Mailbox.objects.filter(pk=box.pk).update(last_error="IMAP login failed")
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.cn", "pw"))
    page = client.get("/admin/channels/mailbox/").content.decode()
    assert "kefu@north.example.cn" in page and "IMAP login failed" in page
    assert '<td class="field-open_dead_letters">1</td>' in page
    email_in.ingest(box, make())
    with CaptureQueriesContext(connection) as lists:  # the lists never load the raw messages
        letters = client.get("/admin/channels/deadletter/").content.decode()
        assert client.get("/admin/channels/inboundmessage/").status_code == 200
    assert not [q["sql"] for q in lists.captured_queries if '."raw"' in q["sql"]]
    assert "no header fields" in letters or "no From" in letters
    preview = client.get(f"/admin/channels/deadletter/{DeadLetter.objects.get().pk}/change/")
    assert preview.status_code == 200 and "broken" in preview.content.decode()
    form = {
        "branch": world.north.pk,
        "address": "kefu@north.example.cn",
        "imap_host": "127.0.0.1",
        "imap_port": 143,
        "imap_user": "kefu",
        "imap_password": "s3cret-pw",
        "imap_password_file": "",
        "folders": "INBOX, Junk",
        "active": "on",
    }
    resp = client.post(f"/admin/channels/mailbox/{box.pk}/change/", form)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    box.refresh_from_db()
    assert box.password() == "s3cret-pw" and box.folder_list() == ["INBOX", "Junk"]
    logged = AuditRecord.objects.filter(action="admin.change", object_id=str(box.pk)).get()
    assert logged.after is not None
    assert "s3cret-pw" not in str(logged.after) and logged.after["imap_password"] == "********"


@pytest.mark.django_db(transaction=True)
def test_parallel_deliveries_make_one_order_and_one_customer(world: Any) -> None:

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("parallel ingest is exercised on PostgreSQL (SQLite serialises writers)")
    box = Mailbox.objects.create(branch=world.north, address="kefu@north.example.cn")
    raws = [make(msgid="<same@x>")] * 4 + [make(f"第{i}封", msgid=f"<n{i}@x>") for i in range(4)]
    statuses = together(lambda raw: email_in.ingest(box, raw).status, raws)
    assert sorted(statuses) == ["duplicate"] * 3 + ["new_order"] * 5
    assert WorkOrder.objects.count() == 5 and InboundMessage.objects.count() == 5
    assert Customer.objects.filter(email="wang.xm@example.com").count() == 1
    assert len(acks()) == 1


def test_dead_letter_retry_after_fixing_the_cause_and_resolve(
    world: Any, box: Mailbox, client: Any, django_user_model: Any
) -> None:
    from kefu.organization.models import Staff

    active = list(Staff.objects.filter(branch=world.north, role__in=["agent", "supervisor"], is_active=True))
    Staff.objects.filter(pk__in=[s.pk for s in active]).update(is_active=False)
    email_in.ingest(box, make())
    email_in.ingest(box, b"\r\n\r\nbroken")
    assert DeadLetter.objects.count() == 2
    Staff.objects.filter(pk__in=[s.pk for s in active]).update(is_active=True)  # the cause is fixed
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.cn", "pw"))
    pks = [str(pk) for pk in DeadLetter.objects.values_list("pk", flat=True)]
    resp = client.post("/admin/channels/deadletter/", {"action": "retry", "_selected_action": pks})
    assert resp.status_code == 302
    assert WorkOrder.objects.count() == 1 and len(acks()) == 1
    [left] = DeadLetter.objects.all()  # the broken one failed again, once
    assert bytes(left.raw) == b"\r\n\r\nbroken" and not left.resolved
    client.post("/admin/channels/deadletter/", {"action": "mark_resolved", "_selected_action": [left.pk]})
    left.refresh_from_db()
    assert left.resolved


def test_raw_mail_dropped_after_the_retention_period(world: Any, box: Mailbox, settings: Any) -> None:
    settings.KEFU_MAIL_RAW_RETENTION_DAYS = 90
    old = email_in.ingest(box, make(msgid="<old@example.com>")).inbound
    new = email_in.ingest(box, make(msgid="<new@example.com>", subject="另一件事")).inbound
    assert old is not None and new is not None
    InboundMessage.objects.filter(pk=old.pk).update(received_at=timezone.now() - dt.timedelta(days=91))
    assert email_in.purge_raw() == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert bytes(old.raw) == b"" and old.raw_purged and old.subject  # headers stay for tracing
    assert bytes(new.raw) != b"" and not new.raw_purged
    assert old.workorder is not None and old.workorder.timeline.filter(kind="customer").exists()
    assert email_in.purge_raw() == 0
    settings.KEFU_MAIL_RAW_RETENTION_DAYS = 0  # keep forever
    InboundMessage.objects.filter(pk=new.pk).update(received_at=timezone.now() - dt.timedelta(days=400))
    assert email_in.purge_raw() == 0
