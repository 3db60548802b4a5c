"""Webhooks against a real HTTP server on loopback: signed, one delivery per event, retried after a 500, the
delivery log, disabled after repeated failures, replayed from the log, refused addresses (docs/webhooks.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time

import pytest
from django.db import transaction

from kefu.automation import actions, delivery, rules
from kefu.automation.models import Delivery, DeliveryAttempt, DeliveryStatus, Webhook
from kefu.automation.tests.receiver import receiver
from kefu.lib.errors import PermissionDenied, ValidationFailed
from kefu.notifications.models import Notification
from kefu.testing.clock import freeze, utc
from kefu.workorders.actions import do_transition, do_update_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):  # type: ignore[no-untyped-def]
    settings.KEFU_WEBHOOK_ALLOW_HOSTS = ["127.0.0.1"]
    settings.KEFU_WEBHOOK_RETRY_SECONDS = 30


def verify_like_the_docs(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """The receiver's check exactly as docs/webhooks.md shows it (no Kefu code)."""
    parts = dict(item.split("=", 1) for item in header.split(",") if item.startswith("t="))
    signatures = [item[3:] for item in header.split(",") if item.startswith("v1=")]
    timestamp = parts.get("t", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, s) for s in signatures)


def hook(world, url: str, events: list[str], **kw):  # type: ignore[no-untyped-def]
    return actions.do_save_webhook(
        world.admin.user, actions.WebhookInput(name="ERP", url=url, events=events, **kw)
    )


def test_one_signed_delivery_per_event(world):  # type: ignore[no-untyped-def]
    with receiver() as rx:
        w = hook(world, rx.url, ["created", "status_changed"])
        o = world.order(world.customer())
        do_transition(world.agent.user, o.pk, "in_progress")
        assert Delivery.objects.filter(webhook=w).count() == 2
        assert delivery.send_due() == 2
        assert delivery.send_due() == 0  # nothing is sent twice
        assert len(rx.requests) == 2
        first, second = rx.requests
        assert first.path == "/hooks/kefu"
        assert verify_like_the_docs(w.secret, first.headers["kefu-signature"], first.body)
        assert rules.verify(w.secret, first.headers["kefu-signature"], first.body, int(time.time()))
        assert not verify_like_the_docs("whsec_other", first.headers["kefu-signature"], first.body)
        assert not verify_like_the_docs(w.secret, first.headers["kefu-signature"], first.body + b" ")
        created = json.loads(first.body)
        assert created["schema"] == "kefu.webhook/1"
        assert created["type"] == "order.created"
        assert created["id"] == first.headers["kefu-event-id"]
        assert created["data"]["order"]["number"] == o.number
        assert created["data"]["order"]["status"] == "new"
        assert "13800138000" not in first.body.decode() and "张三" not in first.body.decode()
        changed = json.loads(second.body)
        assert changed["type"] == "order.status_changed"
        assert (changed["data"]["from"], changed["data"]["to"]) == ("new", "in_progress")
        assert changed["data"]["order"]["status"] == "in_progress"
        assert created["id"] != changed["id"]
        assert second.headers["kefu-event-type"] == "order.status_changed"
    d = Delivery.objects.get(webhook=w, event_type="order.created")
    assert d.status == DeliveryStatus.DELIVERED and d.attempts == 1 and d.last_status_code == 200
    attempt = DeliveryAttempt.objects.get(delivery=d)
    assert attempt.status_code == 200 and attempt.response_excerpt == '{"ok": true}'


def test_not_subscribed_events_and_other_branches_are_not_sent(world):  # type: ignore[no-untyped-def]
    with receiver() as rx:
        hook(world, rx.url, ["status_changed"], branch_id=world.south.pk)
        o = world.order(world.customer())  # north, and "created" is not subscribed
        do_transition(world.agent.user, o.pk, "in_progress")
        assert delivery.send_due() == 0
        assert rx.requests == []


def test_rolled_back_change_records_no_event(world):  # type: ignore[no-untyped-def]
    w = hook(world, "http://127.0.0.1:9/none", ["created"])
    customer = world.customer()
    with pytest.raises(RuntimeError), transaction.atomic():
        world.order(customer)
        assert Delivery.objects.filter(webhook=w).count() == 1
        raise RuntimeError("the change fails after the event")
    assert Delivery.objects.filter(webhook=w).count() == 0


def test_retry_after_500_with_backoff_and_the_log(world, monkeypatch):  # type: ignore[no-untyped-def]
    now = freeze(monkeypatch, utc(2026, 12, 7, 2, 0))
    with receiver(statuses=[500]) as rx:
        w = hook(world, rx.url, ["updated"])
        o = world.order(world.customer())
        do_update_order(world.agent.user, o.pk, {"priority": "high"})
        assert delivery.send_due() == 0
        d = Delivery.objects.get(webhook=w)
        assert d.status == DeliveryStatus.FAILED and d.last_status_code == 500 and d.attempts == 1
        wait = (d.next_attempt_at - now()).total_seconds()
        assert 24 <= wait <= 36  # 30 s ± 20 % jitter
        assert delivery.send_due() == 0  # not due yet
        assert len(rx.requests) == 1
        now.advance(dt.timedelta(seconds=37))
        assert delivery.send_due() == 1
        assert len(rx.requests) == 2
        assert rx.requests[0].headers["kefu-event-id"] == rx.requests[1].headers["kefu-event-id"]
        body = json.loads(rx.requests[1].body)
        assert body["data"]["changes"] == {"priority": {"from": "normal", "to": "high"}}
    d.refresh_from_db()
    assert d.status == DeliveryStatus.DELIVERED and d.attempts == 2
    log = list(DeliveryAttempt.objects.filter(delivery=d).order_by("at", "id"))
    assert [a.status_code for a in log] == [500, 200]
    assert log[0].response_excerpt == "internal error: try again later"
    w.refresh_from_db()
    assert w.consecutive_failures == 0


def test_given_up_after_max_attempts(world, settings, monkeypatch):  # type: ignore[no-untyped-def]
    settings.KEFU_WEBHOOK_MAX_ATTEMPTS = 2
    now = freeze(monkeypatch, utc(2026, 12, 7, 2, 0))
    with receiver(statuses=[503, 502, 200]) as rx:
        w = hook(world, rx.url, ["created"])
        world.order(world.customer())
        delivery.send_due()
        now.advance(dt.timedelta(minutes=5))
        delivery.send_due()
        now.advance(dt.timedelta(hours=1))
        delivery.send_due()
        assert len(rx.requests) == 2
    d = Delivery.objects.get(webhook=w)
    assert d.status == DeliveryStatus.GIVEN_UP and d.last_status_code == 502


def test_disabled_after_repeated_failures_and_admins_told(world, settings, monkeypatch):  # type: ignore[no-untyped-def]
    settings.KEFU_WEBHOOK_DISABLE_AFTER = 3
    now = freeze(monkeypatch, utc(2026, 12, 7, 2, 0))
    with receiver(statuses=[500] * 10) as rx:
        w = hook(world, rx.url, ["created"])
        c = world.customer()
        world.order(c)
        world.order(c, title="第二单")
        delivery.send_due()  # two failures
        now.advance(dt.timedelta(hours=1))
        delivery.send_due()  # the third: disabled before the fourth
        assert len(rx.requests) == 3
        w.refresh_from_db()
        assert w.disabled_at is not None and w.consecutive_failures == 3
        now.advance(dt.timedelta(hours=2))
        assert delivery.send_due() == 0
        assert len(rx.requests) == 3  # nothing goes to a disabled webhook
        n = Notification.objects.get(kind="webhook_disabled", recipient=world.admin)
        assert n.params["name"] == "ERP" and n.params["failures"] == 3
        rx.statuses.clear()  # the receiver is fixed; the admin enables the webhook
        actions.do_enable_webhook(world.admin.user, w.pk)
        assert delivery.send_due() == 2
        assert len(rx.requests) == 5


def test_replay_from_the_log(world):  # type: ignore[no-untyped-def]
    with receiver() as rx:
        w = hook(world, rx.url, ["created"])
        world.order(world.customer())
        delivery.send_due()
        d = Delivery.objects.get(webhook=w)
        copy = actions.do_replay(world.admin.user, d.pk)
        assert copy.replay_of_id == d.pk and copy.event_id == d.event_id
        assert delivery.send_due() == 1
        assert len(rx.requests) == 2
        a, b = rx.requests
        assert a.body == b.body and a.headers["kefu-event-id"] == b.headers["kefu-event-id"]
        assert a.headers["kefu-delivery-id"] != b.headers["kefu-delivery-id"]
    with pytest.raises(PermissionDenied):
        actions.do_replay(world.agent.user, d.pk)


def test_rotated_secret_signs_with_both_for_a_day(world):  # type: ignore[no-untyped-def]
    with receiver() as rx:
        w = hook(world, rx.url, ["created"])
        old = w.secret
        w = actions.do_rotate_secret(world.admin.user, w.pk)
        assert w.secret != old
        world.order(world.customer())
        delivery.send_due()
        sig = rx.requests[0].headers["kefu-signature"]
        assert sig.count("v1=") == 2
        assert verify_like_the_docs(old, sig, rx.requests[0].body)
        assert verify_like_the_docs(w.secret, sig, rx.requests[0].body)


def test_ping(world):  # type: ignore[no-untyped-def]
    with receiver() as rx:
        w = hook(world, rx.url, [])
        actions.do_send_test(world.admin.user, w.pk)
        assert delivery.send_due() == 1
        assert json.loads(rx.requests[0].body)["type"] == "ping"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://127.0.0.1:8080/x", "forbidden_address"),  # loopback, not allowed
        ("https://10.1.2.3/x", "forbidden_address"),  # private
        ("https://169.254.169.254/latest/meta-data", "forbidden_address"),  # cloud metadata
        ("https://[::1]/x", "forbidden_address"),
        ("http://93.184.215.14/x", "https_required"),  # public but plain http
        ("ftp://93.184.215.14/x", "invalid_url"),
        ("https://user:pw@93.184.215.14/x", "invalid_url"),
    ],
)
def test_refused_urls(world, settings, url, code):  # type: ignore[no-untyped-def]
    settings.KEFU_WEBHOOK_ALLOW_HOSTS = []
    with pytest.raises(ValidationFailed) as exc:
        hook(world, url, ["created"])
    assert exc.value.code == code and exc.value.field == "url"
    assert not Webhook.objects.exists()


def test_public_https_url_is_accepted(world, settings):  # type: ignore[no-untyped-def]
    settings.KEFU_WEBHOOK_ALLOW_HOSTS = []
    w = hook(world, "https://93.184.215.14/hooks", ["created"])
    assert w.url == "https://93.184.215.14/hooks" and w.secret.startswith("whsec_")


def test_address_allowed_when_saved_is_checked_again_when_sent(world, settings):  # type: ignore[no-untyped-def]
    with receiver() as rx:
        w = hook(world, rx.url, ["created"])
        settings.KEFU_WEBHOOK_ALLOW_HOSTS = []  # e.g. the setting changed, or DNS now points inside
        world.order(world.customer())
        delivery.send_due()
        assert rx.requests == []
    d = Delivery.objects.get(webhook=w)
    assert d.status == DeliveryStatus.FAILED and "127.0.0.1" in d.last_error  # the refused address, named


def test_log_is_pruned_after_its_days_but_not_under_a_waiting_replay(world, settings, monkeypatch):  # type: ignore[no-untyped-def]
    settings.KEFU_WEBHOOK_LOG_DAYS = 30
    now = freeze(monkeypatch, utc(2026, 11, 1, 2, 0))
    with receiver() as rx:
        w = hook(world, rx.url, ["created"])
        c = world.customer()
        world.order(c)
        world.order(c, title="第二单")
        delivery.send_due()
        assert len(rx.requests) == 2
    old_a, old_b = Delivery.objects.filter(webhook=w).order_by("id")
    now.set(utc(2026, 12, 7, 2, 0))
    actions.do_replay(world.admin.user, old_b.pk)  # waits (nobody sends it here)
    assert delivery.prune() == 1
    assert set(Delivery.objects.values_list("pk", flat=True)) == {old_b.pk, old_b.pk + 1}
    assert not Delivery.objects.filter(pk=old_a.pk).exists()
