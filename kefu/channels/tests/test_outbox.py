"""Outbox (R-6): sent after commit, exactly once across workers, retried with back-off."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import smtplib
import threading
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from kefu.audit.models import AuditRecord
from kefu.channels import outbox
from kefu.channels.models import OutboxMessage, OutboxStatus
from kefu.customers.models import Contact
from kefu.jobs import runner
from kefu.testing.shell import free_port
from kefu.testing.threads import together


@pytest.fixture(autouse=True)
def _outbox_dir(settings: Any, tmp_path: Any) -> Any:
    settings.KEFU_OUTBOX_DIR = tmp_path / "outbox"
    settings.KEFU_OUTBOX_EMAIL_TRANSPORT = "file"
    settings.KEFU_OUTBOX_SMS_TRANSPORT = "console"
    settings.KEFU_OUTBOX_RETRY_SECONDS = 60
    settings.KEFU_OUTBOX_MAX_ATTEMPTS = 3
    return settings.KEFU_OUTBOX_DIR


def queue(world: Any, key: str = "k1", channel: str = "email", recipient: str = "zhang@example.com") -> Any:
    customer = world.customer(email="zhang@example.com")
    with transaction.atomic():
        msg, created = outbox.enqueue(
            channel=channel,
            recipient=recipient,
            subject="您的工单 GD-20261123-000001 需要补充材料",
            body="尊敬的张三：\n请携带身份证复印件。",
            idempotency_key=key,
            customer=customer,
        )
    assert created
    return msg


@pytest.mark.django_db
def test_same_key_is_queued_once(world: Any) -> None:
    msg = queue(world)
    with transaction.atomic():
        again, created = outbox.enqueue(channel="sms", recipient="x", body="other", idempotency_key="k1")
    assert not created and again.pk == msg.pk and OutboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_file_transport_sends_once_and_writes_contact_history(world: Any, _outbox_dir: Any) -> None:
    msg = queue(world)
    assert outbox.send_due() == 1
    assert outbox.send_due() == 0
    msg.refresh_from_db()
    assert msg.status == OutboxStatus.SENT and msg.sent_at is not None and msg.attempts == 1
    files = list(_outbox_dir.iterdir())
    assert len(files) == 1 and files[0].suffix == ".eml"
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == "您的工单 GD-20261123-000001 需要补充材料"
    assert "身份证复印件" in parsed.get_content()
    contact = Contact.objects.get(details__outbox_id=msg.pk)
    assert (contact.channel, contact.direction, contact.customer_id) == ("email", "out", msg.customer_id)


@pytest.mark.django_db
def test_sms_console_transport_logs(world: Any, caplog: Any) -> None:
    queue(world, channel="sms", recipient="+8613800138000")
    with caplog.at_level("INFO", logger="kefu.outbox"):
        assert outbox.send_due() == 1
    assert "SMS to +8613800138000" in caplog.text and "身份证复印件" in caplog.text


@pytest.mark.django_db
def test_email_console_transport_logs_as_email(world: Any, settings: Any, caplog: Any) -> None:
    settings.KEFU_OUTBOX_EMAIL_TRANSPORT = "console"
    queue(world)
    with caplog.at_level("INFO", logger="kefu.outbox"):
        assert outbox.send_due() == 1
    assert "E-mail to zhang@example.com" in caplog.text and "SMS to" not in caplog.text


class Broken:
    calls = 0

    def send(self, message: Any) -> None:
        Broken.calls += 1
        raise ConnectionRefusedError("smtp down")


@pytest.mark.django_db
def test_retry_with_exponential_backoff_then_dead(world: Any, monkeypatch: Any) -> None:
    monkeypatch.setitem(outbox.TRANSPORTS, "file", Broken)
    msg = queue(world)
    start = timezone.now()
    assert outbox.send_due() == 0
    msg.refresh_from_db()
    assert msg.status == OutboxStatus.FAILED and msg.attempts == 1 and "smtp down" in msg.last_error
    assert start + dt.timedelta(seconds=59) < msg.next_attempt_at < timezone.now() + dt.timedelta(seconds=61)
    assert outbox.send_due() == 0 and Broken.calls == 1  # not due yet
    OutboxMessage.objects.filter(pk=msg.pk).update(next_attempt_at=timezone.now())
    outbox.send_due()
    msg.refresh_from_db()
    assert msg.attempts == 2 and msg.status == OutboxStatus.FAILED
    delay = msg.next_attempt_at - timezone.now()
    assert dt.timedelta(seconds=115) < delay <= dt.timedelta(seconds=120)  # 60 s × 2
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert outbox.backoff(30) == outbox.MAX_BACKOFF
    OutboxMessage.objects.filter(pk=msg.pk).update(next_attempt_at=timezone.now())
    outbox.send_due()
    msg.refresh_from_db()
    assert msg.status == OutboxStatus.DEAD and msg.attempts == 3  # KEFU_OUTBOX_MAX_ATTEMPTS
    assert not Contact.objects.filter(details__outbox_id=msg.pk).exists()
    # the admin's "retry now" gives it another attempt at once, and it goes out when the transport works
    monkeypatch.setitem(outbox.TRANSPORTS, "file", outbox.FileTransport)
    admin = world.admin.user
    c = Client()
    c.force_login(admin)
    resp = c.post(
        "/admin/channels/outboxmessage/",
        {"action": "retry_now", "_selected_action": [msg.pk]},
    )
    assert resp.status_code == 302
    assert AuditRecord.objects.filter(action="outbox.retry").exists()
    assert outbox.send_due() == 1
    msg.refresh_from_db()
    assert msg.status == OutboxStatus.SENT


@pytest.mark.django_db
def test_interrupted_send_is_not_repeated(world: Any) -> None:
    msg = queue(world)
    OutboxMessage.objects.filter(pk=msg.pk).update(
        status=OutboxStatus.SENDING, attempts=1, claimed_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert outbox.send_due() == 0
    msg.refresh_from_db()
    assert msg.status == OutboxStatus.DEAD and msg.last_error == outbox.INTERRUPTED


@pytest.mark.django_db
def test_admin_list_filters(world: Any) -> None:
    queue(world)
    c = Client()
    c.force_login(world.admin.user)
    resp = c.get("/admin/channels/outboxmessage/?status__exact=queued")
    assert resp.status_code == 200 and "zhang@example.com" in resp.content.decode()
    assert (
        "zhang@example.com" not in c.get("/admin/channels/outboxmessage/?status__exact=dead").content.decode()
    )


@pytest.mark.django_db(transaction=True)
def test_two_parallel_workers_send_exactly_once(world: Any, monkeypatch: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("parallel claiming is exercised on PostgreSQL (SQLite serialises writers)")
    sent: list[int] = []
    lock = threading.Lock()

    class Counting:
        def send(self, message: Any) -> None:
            with lock:
                sent.append(message.pk)

    monkeypatch.setitem(outbox.TRANSPORTS, "file", Counting)
    customer = world.customer(email="zhang@example.com")
    with transaction.atomic():
        for i in range(40):
            outbox.enqueue(
                channel="email",
                recipient=f"c{i}@example.com",
                body="正文",
                idempotency_key=f"p{i}",
                customer=customer,
            )

    def worker(_: int) -> None:
        for _ in range(5):
            outbox.send_due(limit=7)

    together(worker, range(2))
    assert sorted(sent) == sorted(set(sent)) and len(sent) == 40
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 40
    assert Contact.objects.filter(details__has_key="outbox_id").count() == 40


@pytest.mark.django_db(transaction=True)
def test_job_runner_runs_outbox_job(world: Any) -> None:
    runner.load_job_modules()
    assert "channels.outbox" in runner.JOBS
    queue(world)
    assert "channels.outbox" in runner.run_due_jobs("w1")
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT


@pytest.mark.django_db
def test_smtp_delivery_to_loopback_server_with_utf8_headers(world: Any, settings: Any) -> None:
    aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
    from aiosmtpd.handlers import Message

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
        settings.DEFAULT_FROM_EMAIL = "客服中心 <kefu@gas.example.com>"
        msg = queue(world, recipient="张三 <zhang@example.com>")
        assert outbox.send_due() == 1
    finally:
        controller.stop()
    assert len(received) == 1
    raw = received[0].as_bytes() if hasattr(received[0], "as_bytes") else bytes(received[0])
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == "您的工单 GD-20261123-000001 需要补充材料"
    assert "=?utf-8?" in raw.decode("ascii").lower()  # RFC 2047 encoded, 7-bit clean headers
    assert parsed["To"].addresses[0].display_name == "张三"
    assert parsed["From"].addresses[0].display_name == "客服中心"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Message-ID"].startswith(f"<outbox-{msg.pk}.") and parsed["Message-ID"].endswith(
        "@gas.example.com>"
    )
    assert parsed.get_content_charset() == "utf-8"
    assert "请携带身份证复印件" in parsed.get_content()
    msg.refresh_from_db()
    assert msg.status == OutboxStatus.SENT


@pytest.mark.django_db
def test_smtp_error_on_quit_after_the_message_was_accepted_is_not_a_failure(
    world: Any, settings: Any, monkeypatch: Any
) -> None:
    aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
    from aiosmtpd.handlers import Sink
    from django.core.mail.backends.smtp import EmailBackend

    accepted: list[bytes] = []

    class Keep(Sink):
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            accepted.append(envelope.content)
            return "250 OK"

    def quit_fails(self: Any, conn: Any) -> None:
        conn.close()
        raise smtplib.SMTPResponseException(421, b"closing")

    monkeypatch.setattr(EmailBackend, "_close_connection", quit_fails)
    port = free_port()
    controller = aiosmtpd_controller.Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.KEFU_OUTBOX_EMAIL_TRANSPORT = "smtp"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        msg = queue(world)
        assert outbox.send_due() == 1
        assert outbox.send_due() == 0
    finally:
        controller.stop()
    assert len(accepted) == 1
    msg.refresh_from_db()
    assert msg.status == OutboxStatus.SENT and msg.attempts == 1


@pytest.mark.django_db
def test_sms_file_transport_writes_utf8_text(world: Any, settings: Any, _outbox_dir: Any) -> None:
    settings.KEFU_OUTBOX_SMS_TRANSPORT = "file"
    queue(world, channel="sms", recipient="+8613800138000")
    assert outbox.send_due() == 1
    (path,) = _outbox_dir.iterdir()
    assert path.suffix == ".txt" and "To: +8613800138000" in path.read_text(encoding="utf-8")
    assert "身份证复印件" in path.read_text(encoding="utf-8")
    assert Contact.objects.get(details__has_key="outbox_id").channel == "sms"


@pytest.mark.django_db
def test_claim_expired_before_sending_is_given_back_unsent(world: Any, monkeypatch: Any) -> None:
    calls: list[int] = []

    class Counting:
        def send(self, message: Any) -> None:
            calls.append(message.pk)

    monkeypatch.setitem(outbox.TRANSPORTS, "file", Counting)
    msg = queue(world)
    (claimed,) = outbox.claim_due()
    claimed.claimed_until = timezone.now() - dt.timedelta(seconds=1)  # e.g. a slow batch before it
    assert outbox.send_one(claimed) is False and calls == []
    msg.refresh_from_db()
    assert msg.status == OutboxStatus.QUEUED and msg.attempts == 0
    assert outbox.send_due() == 1 and calls == [msg.pk]


@pytest.mark.django_db
def test_send_due_works_through_more_than_one_batch(world: Any) -> None:
    customer = world.customer(email="zhang@example.com")
    with transaction.atomic():
        for i in range(45):
            outbox.enqueue(
                channel="sms",
                recipient=f"+86138000000{i:02d}",
                body="通知",
                idempotency_key=f"b{i}",
                customer=customer,
            )
    assert outbox.send_due() == 45
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 45


@pytest.mark.django_db
def test_error_while_sending_gives_the_rest_of_the_batch_back(world: Any, monkeypatch: Any) -> None:
    sent: list[int] = []

    def failing_mark_sent(message: Any) -> None:
        sent.append(message.pk)
        raise RuntimeError("database went away")

    monkeypatch.setattr(outbox, "_mark_sent", failing_mark_sent)
    first, second, third = (queue(world, key=f"k{i}") for i in range(3))
    with pytest.raises(RuntimeError):
        outbox.send_due()
    assert sent == [first.pk]  # the first one left; marking it sent failed
    rows = {m.pk: m for m in OutboxMessage.objects.all()}
    assert rows[first.pk].status == OutboxStatus.SENDING  # delivery unknown: expires to dead later
    for pk in (second.pk, third.pk):  # never handed to a transport: queued again, no attempt counted
        assert (rows[pk].status, rows[pk].attempts, rows[pk].claimed_until) == (OutboxStatus.QUEUED, 0, None)


@pytest.mark.django_db
def test_messages_of_history_played_on_the_simulated_clock_are_recorded_as_sent_not_sent_again() -> None:
    from django.db import transaction

    from kefu.lib import clock

    past = dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.UTC)
    with transaction.atomic(), clock.simulated(past):
        old, _ = outbox.enqueue(
            channel="sms", recipient="+8613800138000", body="旧消息", idempotency_key="h1"
        )
    with transaction.atomic():
        new, _ = outbox.enqueue(
            channel="sms", recipient="+8613800138000", body="新消息", idempotency_key="h2"
        )
    old.refresh_from_db()
    assert old.status == OutboxStatus.SENT and old.sent_at == past
    assert new.status == OutboxStatus.QUEUED
    outbox.send_due()
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.sent_at == past and old.attempts == 0  # never handed to a transport
    assert new.status == OutboxStatus.SENT and new.attempts == 1
