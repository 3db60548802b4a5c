"""The signed-HTTP SMS provider against a real HTTP server on loopback, through the outbox."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.db import transaction

from kefu.channels import outbox
from kefu.channels.models import OutboxMessage, OutboxStatus
from kefu.channels.outbox import sms

SECRET = "s3cret-共享"


class Gateway:
    """A fake SMS gateway: records each request; answers ``status`` (settable)."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings: Any) -> Iterator[Gateway]:
    gw = Gateway()
    settings.KEFU_OUTBOX_SMS_TRANSPORT = "http"
    settings.KEFU_SMS_HTTP_URL = gw.url
    settings.KEFU_SMS_HTTP_SECRET = SECRET
    settings.KEFU_OUTBOX_MAX_ATTEMPTS = 3
    yield gw
    gw.close()


def _queue(world: Any, key: str = "sms-1") -> OutboxMessage:
    customer = world.customer(phone="13800138000")
    with transaction.atomic():
        msg, _created = outbox.enqueue(
            channel="sms",
            recipient="+8613800138000",
            body="【客服】您的工单 GD-20261123-000001 已受理。",
            idempotency_key=key,
            customer=customer,
        )
    return msg


def test_sign_and_verify(settings: Any) -> None:
    body = b'{"to": "+8613800138000"}'
    ts = 1795420800  # 2026-11-23 00:00 UTC
    expected = "sha256=" + hmac.new(SECRET.encode(), b"1795420800." + body, hashlib.sha256).hexdigest()
    assert sms.sign(SECRET, body, ts) == expected
    assert sms.verify(SECRET, body, expected, "1795420800", now=ts + 299)
    assert sms.verify(SECRET, body, expected, "1795420800", now=ts - 299)  # a gateway clock slightly ahead
    assert not sms.verify(SECRET, body, expected, "1795420800", now=ts + 301)  # a replay after 5 minutes
    assert not sms.verify(SECRET, body, expected, None, now=ts)  # the timestamp is required
    assert not sms.verify(SECRET, body, expected, "1795420801", now=ts)  # the timestamp is signed too
    assert not sms.verify(SECRET, body + b" ", expected, "1795420800", now=ts)
    assert not sms.verify("other", body, expected, "1795420800", now=ts)
    assert not sms.verify(SECRET, body, None, "1795420800", now=ts)
    assert not sms.verify("", body, sms.sign("", body, ts), "1795420800", now=ts)
    # a gateway that cannot send a timestamp: KEFU_SMS_SIGNATURE_MAX_AGE=0 checks the body alone
    settings.KEFU_SMS_SIGNATURE_MAX_AGE = 0
    plain = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert sms.sign(SECRET, body) == plain
    assert sms.verify(SECRET, body, plain)
    assert not sms.verify(SECRET, body, expected)


@pytest.mark.django_db
def test_outbox_sends_sms_once_through_the_signed_http_gateway(world: Any, gateway: Gateway) -> None:
    msg = _queue(world)
    assert outbox.send_due() == 1
    assert outbox.send_due() == 0
    assert len(gateway.requests) == 1
    headers, body = gateway.requests[0]
    assert json.loads(body) == {
        "id": "sms-1",
        "to": "+8613800138000",
        "text": "【客服】您的工单 GD-20261123-000001 已受理。",
    }
    ts = int(headers["x-kefu-timestamp"])
    assert abs(ts - time.time()) < 60
    assert headers["x-kefu-signature"] == sms.sign(SECRET, body, ts)
    assert sms.verify(SECRET, body, headers["x-kefu-signature"], headers["x-kefu-timestamp"])
    assert headers["content-type"].startswith("application/json")
    msg.refresh_from_db()
    assert msg.status == OutboxStatus.SENT


@pytest.mark.django_db
def test_gateway_error_is_retried_later(world: Any, gateway: Gateway) -> None:
    gateway.status = 503
    msg = _queue(world, "sms-2")
    outbox.send_due()
    msg.refresh_from_db()
    assert msg.status == OutboxStatus.FAILED
    assert "503" in msg.last_error
    assert len(gateway.requests) == 1


def test_http_transport_needs_url_and_secret(settings: Any) -> None:
    settings.KEFU_SMS_HTTP_URL = ""
    settings.KEFU_SMS_HTTP_SECRET = SECRET
    with pytest.raises(sms.SmsGatewayError):
        sms.HttpSmsTransport()


@pytest.mark.django_db
def test_a_provider_template_travels_with_the_message(world: Any, gateway: Gateway) -> None:
    customer = world.customer(phone="13800138000")
    with transaction.atomic():
        outbox.enqueue(
            channel="sms",
            recipient="+8613800138000",
            body="【城市燃气】王芳您好，工单GD-1还缺：身份证。",
            idempotency_key="sms-tpl",
            customer=customer,
            template={"id": "SMS_123456", "params": {"customer_name": "王芳", "order_number": "GD-1"}},
        )
    assert outbox.send_due() == 1
    _headers, body = gateway.requests[0]
    sent = json.loads(body)
    assert sent["template"] == "SMS_123456"
    assert sent["params"] == {"customer_name": "王芳", "order_number": "GD-1"}
    assert sent["text"] == "【城市燃气】王芳您好，工单GD-1还缺：身份证。"
