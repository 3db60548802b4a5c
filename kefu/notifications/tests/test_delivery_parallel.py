"""Exactly once: a breach seen by two workers at the same moment, and two transactions writing the same
unread notification (PostgreSQL, real threads); one e-mail through a real SMTP server on loopback."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections, transaction

from kefu.channels import outbox
from kefu.channels.models import OutboxMessage, OutboxStatus
from kefu.commitments import clocks, sweep
from kefu.commitments.models import Breach
from kefu.jobs import runner
from kefu.notifications.delivery import record
from kefu.notifications.models import Notification, NotificationPreference
from kefu.testing.clock import sh
from kefu.workorders import actions
from kefu.workorders.hooks import StaffEvent
from kefu.workorders.hooks import StaffEventKind as K

SH = ZoneInfo("Asia/Shanghai")


def _run_together(n: int, fn: Any) -> list[BaseException]:
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            fn(barrier)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker) for _ in range(n)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    return errors


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_a_breach_notifies_each_recipient_once_with_two_workers(world: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("parallel workers are exercised on PostgreSQL (SQLite serialises writers)")
    clocks.ensure_defaults()
    with mock.patch("django.utils.timezone.now", return_value=sh(2025, 3, 3, 9, 0)):
        late = [
            world.order(world.customer(phone=f"1380013{i:04d}"), assignee_id=world.technician.pk)
            for i in range(6)
        ]
    at = sh(2025, 3, 4, 9, 30)  # every general fault was due Tue 09:00

    def work(barrier: threading.Barrier) -> None:
        barrier.wait()
        for _ in range(2):
            sweep.sweep(now=at, batch=2)

    assert _run_together(2, work) == []
    assert Breach.objects.filter(kind="resolution").count() == 6
    people = sorted([world.agent.pk, world.technician.pk, world.supervisor.pk])
    for o in late:
        rows = Notification.objects.filter(kind=K.BREACH, workorder=o)
        assert sorted(rows.values_list("recipient_id", flat=True)) == people
        # one unread notification per order and kind: each of the order's breaches (resolution and the
        # phone order's first response) counted exactly once, however the two workers interleaved
        breaches = Breach.objects.filter(workorder=o).count()
        assert breaches == 2
        assert set(rows.values_list("repeats", flat=True)) == {breaches}


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_two_transactions_writing_the_same_unread_notification_make_one_row(world: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the insert race is exercised on PostgreSQL")
    o = world.order(world.customer())
    event = StaffEvent(K.BREACH, (world.agent.pk,), o.pk, None, {"number": o.number}, sh(2026, 12, 7, 9, 0))

    def work(barrier: threading.Barrier) -> None:
        with transaction.atomic():
            barrier.wait()
            record(world.agent.pk, event)

    assert _run_together(2, work) == []
    n = Notification.objects.get(kind=K.BREACH)
    assert n.repeats == 2 and n.read_at is None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.django_db(transaction=True)
def test_email_preference_sends_one_email_through_the_outbox_worker(world: Any, settings: Any) -> None:
    aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
    from aiosmtpd.handlers import Message

    received: list[Any] = []

    class Keep(Message):
        def handle_message(self, message: Any) -> None:
            received.append(message)

    b = world.agent_senior
    b.user.email = "zhao@example.cn"
    b.user.save(update_fields=["email"])
    NotificationPreference.objects.create(staff=b, kind=K.ASSIGNED, email=True, sms=False)
    settings.KEFU_PUBLIC_URL = "https://kefu.example.cn"
    o = world.order(world.customer())
    actions.do_transfer(world.agent.user, o.pk, to_staff_id=b.pk, reason="请赵客服跟进")

    port = _free_port()
    controller = aiosmtpd_controller.Controller(
        Keep(message_class=email.message.EmailMessage), hostname="127.0.0.1", port=port
    )
    controller.start()
    try:
        settings.KEFU_OUTBOX_EMAIL_TRANSPORT = "smtp"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        runner.load_job_modules()
        assert "channels.outbox" in runner.run_due_jobs("w1")
        runner.JOBS["channels.outbox"].func()  # a second run finds nothing left to send
    finally:
        controller.stop()
    assert len(received) == 1
    raw = received[0].as_bytes() if hasattr(received[0], "as_bytes") else bytes(received[0])
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["To"] == "zhao@example.cn"
    assert o.number in parsed["Subject"]
    body = parsed.get_content()
    assert "请赵客服跟进" in body and f"https://kefu.example.cn/orders/{o.number}/" in body
    m = OutboxMessage.objects.get()
    assert m.status == OutboxStatus.SENT and m.customer_id is None
    assert outbox.send_due() == 0
