"""The order page's reply box and each reply's delivery status on the timeline.

The SMTP test runs a real aiosmtpd server on loopback: while it is down the timeline says "failed,
retrying" with the reason, and "sent" only after the worker retried and the server took the message."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from kefu.channels.models import OutboxMessage, OutboxStatus
from kefu.jobs import runner
from kefu.testing.clock import freeze
from kefu.testing.shell import free_port
from kefu.workorders import actions
from kefu.workorders.models import TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db


def client_for(staff: Any) -> Client:
    c = Client()
    c.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(staff.user)
    return c


def page(c: Client, o: WorkOrder) -> str:
    resp = c.get(f"/orders/{o.number}/")
    assert resp.status_code == 200
    return resp.content.decode()


def reply_url(o: WorkOrder) -> str:
    return f"/orders/{o.number}/reply/"


def flash(resp: Any) -> list[str]:
    return [str(m) for m in resp.context["messages"]]


def delivery(html: str, entry_id: int) -> str:
    """The text of one entry's delivery line, whitespace folded."""
    m = re.search(rf'data-testid="delivery-{entry_id}"[^>]*>(.*?)</p>', html, re.S)
    assert m, f"no delivery line for entry {entry_id}"
    return " ".join(re.sub(r"<[^>]+>", "", m.group(1).replace("<br>", " ")).split())


def test_phone_order_box_offers_the_reachable_channels_and_no_default(world: Any) -> None:
    o = world.order(world.customer(phone="13812341234", email="zhang@example.com"))
    html = page(client_for(world.agent), o)
    radios = re.findall(r'<input type="radio" name="channel" value="(\w+)"[^>]*?( checked)?>', html)
    assert radios == [("sms", ""), ("email", ""), ("callback", "")]  # nothing chosen for the agent
    assert "138****1234" in html and "z***@example.com" in html
    assert 'data-testid="reply-choose"' in html
    assert 'value="portal"' not in html and 'value="wecom"' not in html


def test_email_order_box_defaults_to_email(world: Any) -> None:
    o = world.order(world.customer(email="zhang@example.com"), channel="email")
    html = page(client_for(world.agent), o)
    assert re.search(r'name="channel" value="email"[^>]*checked', html)


def test_reply_without_a_channel_is_refused_next_to_the_field(world: Any) -> None:
    o = world.order(world.customer(phone="13812341234"))
    c = client_for(world.agent)
    resp = c.post(reply_url(o), {"body": "您好，师傅明天上门。", "version": o.version})
    assert resp.status_code == 400
    html = resp.content.decode()
    m = re.search(r'data-testid="error-reply-channel"[^>]*>([^<]*)<', html)
    assert m and m.group(1).startswith("Choose how the reply reaches the customer")
    assert not TimelineEntry.objects.filter(workorder=o, kind="reply").exists()
    assert not OutboxMessage.objects.exists()
    # the text the agent wrote is still there
    assert "您好，师傅明天上门。" in html


def test_reply_by_sms_says_exactly_what_happened_and_shows_queued(world: Any) -> None:
    o = world.order(world.customer(phone="13812341234"))
    c = client_for(world.agent)
    resp = c.post(
        reply_url(o), {"channel": "sms", "body": "您好，师傅明天上门。", "version": o.version}, follow=True
    )
    assert resp.status_code == 200
    assert flash(resp) == ["Reply queued for SMS to 138****1234."]
    entry = TimelineEntry.objects.get(workorder=o, kind="reply")
    assert delivery(resp.content.decode(), entry.pk) == "SMS → 138****1234: queued"


def test_call_back_is_logged_from_the_box(world: Any) -> None:
    o = world.order(world.customer(phone="13812341234"))
    c = client_for(world.agent)
    no_outcome = c.post(reply_url(o), {"channel": "callback", "body": "约好了", "version": o.version})
    assert no_outcome.status_code == 400
    assert re.search(
        r'data-testid="error-reply-callback_outcome"[^>]*>Choose the outcome', no_outcome.content.decode()
    )
    resp = c.post(
        reply_url(o),
        {"channel": "callback", "callback_outcome": "no_answer", "body": "", "version": o.version},
        follow=True,
    )
    assert flash(resp) == ["Call-back to 138****1234 logged: no answer."]
    entry = TimelineEntry.objects.get(workorder=o, kind="callback")
    assert delivery(resp.content.decode(), entry.pk) == "Called back 138****1234: no answer"
    assert WorkOrder.objects.get(pk=o.pk).first_response_at is None


def test_timeline_shows_failed_retried_given_up_and_sent_from_the_outbox(world: Any) -> None:
    o = world.order(world.customer(phone="13812341234"))
    entry = actions.do_reply(world.agent.user, o.pk, "您好", channel="sms")
    row = OutboxMessage.objects.get(idempotency_key=f"reply:{entry.pk}")
    c = client_for(world.agent)
    error = "HttpSmsError: gateway answered 503\nTraceback (most recent call last): ..."
    OutboxMessage.objects.filter(pk=row.pk).update(status=OutboxStatus.FAILED, attempts=3, last_error=error)
    text = delivery(page(c, o), entry.pk)
    assert text.startswith("SMS → 138****1234: failed, retrying · retried 2 times · next try ")
    assert text.endswith("HttpSmsError: gateway answered 503")
    assert "Traceback" not in text
    OutboxMessage.objects.filter(pk=row.pk).update(status=OutboxStatus.DEAD, attempts=8)
    assert delivery(page(c, o), entry.pk) == (
        "SMS → 138****1234: given up after 8 attempts HttpSmsError: gateway answered 503"
    )
    sent_at = dt.datetime(2026, 12, 7, 2, 30, tzinfo=dt.UTC)
    OutboxMessage.objects.filter(pk=row.pk).update(
        status=OutboxStatus.SENT, attempts=1, last_error="", sent_at=sent_at
    )
    assert delivery(page(c, o), entry.pk) == "SMS → 138****1234: sent 2026-12-07 10:30"


def test_email_reply_is_failed_retrying_while_smtp_is_down_and_sent_after_the_worker_retries(
    world: Any, settings: Any, monkeypatch: Any
) -> None:
    aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
    from aiosmtpd.handlers import Message

    port = free_port()  # nothing listens here yet: the SMTP server is "stopped"
    settings.KEFU_OUTBOX_EMAIL_TRANSPORT = "smtp"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    settings.DEFAULT_FROM_EMAIL = "kefu@north.example.cn"
    now = freeze(monkeypatch, timezone.now())
    runner.load_job_modules()

    o = world.order(world.customer(email="zhang@example.com"), title="燃气表不走字")
    c = client_for(world.agent)
    resp = c.post(
        reply_url(o), {"channel": "email", "body": "您好，师傅明天上门。", "version": o.version}, follow=True
    )
    assert flash(resp) == ["Reply queued for e-mail to z***@example.com."]
    entry = TimelineEntry.objects.get(workorder=o, kind="reply")
    assert delivery(page(c, o), entry.pk) == "e-mail → z***@example.com: queued"

    assert "channels.outbox" in runner.run_due_jobs("w1")  # the worker tries: connection refused
    row = OutboxMessage.objects.get(idempotency_key=f"reply:{entry.pk}")
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 1)
    failed = delivery(page(c, o), entry.pk)
    assert failed.startswith("e-mail → z***@example.com: failed, retrying · next try ")
    assert "ConnectionRefusedError" in failed

    received: list[Any] = []

    class Keep(Message):
        def handle_message(self, message: Any) -> None:
            received.append(message)

    controller = aiosmtpd_controller.Controller(
        Keep(message_class=email.message.EmailMessage), hostname="127.0.0.1", port=port
    )
    controller.start()  # the server is back
    try:
        now.advance(dt.timedelta(minutes=2))  # past the back-off (60 s) and the job's interval (10 s)
        assert "channels.outbox" in runner.run_due_jobs("w1")
    finally:
        controller.stop()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)
    sent = delivery(page(c, o), entry.pk)
    assert sent.startswith("e-mail → z***@example.com: sent ") and sent.endswith("retried 1 time")
    assert len(received) == 1
    mail = email.message_from_bytes(received[0].as_bytes(), policy=email.policy.default)
    assert mail["To"] == "zhang@example.com" and o.number in mail["Subject"]
    plain = mail.get_body(preferencelist=("plain",))
    assert plain is not None and "师傅明天上门" in plain.get_content()
