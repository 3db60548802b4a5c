"""SMS providers. The outbox picks one by ``KEFU_OUTBOX_SMS_TRANSPORT``:

- ``console``: one log line per message (development);
- ``file``: a text file per message in ``KEFU_OUTBOX_DIR`` (development, tests);
- ``http``: a generic signed-HTTP gateway. Each message is ``POST``-ed as JSON
  ``{"id": <idempotency key>, "to": <E.164 number>, "text": <body>}`` to ``KEFU_SMS_HTTP_URL`` with the
  headers ``X-Kefu-Timestamp: <unix seconds>`` and ``X-Kefu-Signature: sha256=<hex HMAC-SHA256 of
  "<timestamp>." followed by the raw body, with KEFU_SMS_HTTP_SECRET>``. A message sent from a registered
  provider template also carries ``"template": <provider template id>, "params": {...}``. Any 2xx
  answer is success; anything else (or no answer) raises, and the outbox retries with back-off. The
  gateway should treat ``id`` as its idempotency key: after a crash between its answer and our commit the
  outbox gives the message up rather than resend it, but a gateway retry by the network is possible.

The same secret signs the inbound direction (the gateway calling us); ``verify`` checks it, and refuses
a timestamp more than ``KEFU_SMS_SIGNATURE_MAX_AGE`` seconds (300) away from our clock, so a captured
request cannot be replayed later. (A replay within that time is harmless: each gateway id is stored once.)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from typing import Any, Protocol

from django.conf import settings

SIGNATURE_HEADER = "X-Kefu-Signature"
TIMESTAMP_HEADER = "X-Kefu-Timestamp"
TIMEOUT_SECONDS = 10


class SmsProvider(Protocol):
    def send(self, message: Any) -> None: ...


class SmsGatewayError(RuntimeError):
    """The gateway refused the message or could not be reached (the outbox retries)."""


def sign(secret: str, body: bytes, timestamp: int | str | None = None) -> str:
    """The signature header value of ``body`` sent at ``timestamp`` (unix seconds): ``sha256=<hex>``.
    Without a timestamp the body alone is signed (only accepted when timestamps are not required)."""
    signed = body if timestamp is None else f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def max_age() -> int:
    return int(getattr(settings, "KEFU_SMS_SIGNATURE_MAX_AGE", 300))


def verify(
    secret: str, body: bytes, header: str | None, timestamp: str | None = None, *, now: float | None = None
) -> bool:
    """Whether ``header`` is the signature of ``body`` sent at ``timestamp`` (constant-time; False without
    a secret, and False when the timestamp is missing or further than ``max_age()`` seconds from now —
    ``KEFU_SMS_SIGNATURE_MAX_AGE=0`` accepts signatures of the body alone, for gateways that cannot send
    a timestamp). Compared as bytes: ``compare_digest`` refuses str with non-ASCII characters."""
    if not secret or not header:
        return False
    age = max_age()
    if age > 0:
        try:
            ts = int((timestamp or "").strip())
        except ValueError:
            return False
        if abs((now if now is not None else time.time()) - ts) > age:
            return False
        expected = sign(secret, body, ts)
    else:
        expected = sign(secret, body)
    return hmac.compare_digest(expected.encode(), header.strip().encode("utf-8", "replace"))


class HttpSmsTransport:
    """The generic signed-HTTP SMS gateway (see the module docstring)."""

    def __init__(self, url: str | None = None, secret: str | None = None) -> None:
        self.url = url if url is not None else settings.KEFU_SMS_HTTP_URL
        self.secret = secret if secret is not None else settings.KEFU_SMS_HTTP_SECRET
        if not self.url or not self.secret:
            raise SmsGatewayError(
                "KEFU_SMS_HTTP_URL and KEFU_SMS_HTTP_SECRET must be set for the http SMS transport"
            )

    def send(self, message: Any) -> None:
        data: dict[str, Any] = {"id": message.idempotency_key, "to": message.recipient, "text": message.body}
        template = getattr(message, "template", None) or {}
        if template.get("id"):
            data["template"] = template["id"]
            data["params"] = template.get("params") or {}
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        timestamp = int(time.time())
        if not self.url.startswith(("http://", "https://")):
            raise SmsGatewayError(f"KEFU_SMS_HTTP_URL must be an http(s) URL, not {self.url!r}")
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                TIMESTAMP_HEADER: str(timestamp),
                SIGNATURE_HEADER: sign(self.secret, body, timestamp),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            raise SmsGatewayError(f"SMS gateway answered {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise SmsGatewayError(f"SMS gateway unreachable: {exc}") from exc
        if not 200 <= status < 300:
            raise SmsGatewayError(f"SMS gateway answered {status}")
