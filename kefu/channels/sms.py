"""SMS providers. The outbox picks one by ``KEFU_OUTBOX_SMS_TRANSPORT``:

- ``console``: one log line per message (development);
- ``file``: a text file per message in ``KEFU_OUTBOX_DIR`` (development, tests);
- ``http``: a generic signed-HTTP gateway. Each message is ``POST``-ed as JSON
  ``{"id": <idempotency key>, "to": <E.164 number>, "text": <body>}`` to ``KEFU_SMS_HTTP_URL`` with the
  header ``X-Kefu-Signature: sha256=<hex HMAC-SHA256 of the raw body with KEFU_SMS_HTTP_SECRET>``. Any 2xx
  answer is success; anything else (or no answer) raises, and the outbox retries with back-off. The
  gateway should treat ``id`` as its idempotency key: after a crash between its answer and our commit the
  outbox gives the message up rather than resend it, but a gateway retry by the network is possible.

The same secret signs the inbound direction (the gateway calling us); ``verify`` checks it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from typing import Any, Protocol

from django.conf import settings

SIGNATURE_HEADER = "X-Kefu-Signature"
TIMEOUT_SECONDS = 10


class SmsProvider(Protocol):
    def send(self, message: Any) -> None: ...


class SmsGatewayError(RuntimeError):
    """The gateway refused the message or could not be reached (the outbox retries)."""


def sign(secret: str, body: bytes) -> str:
    """The signature header value of ``body``: ``sha256=<hex>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is the signature of ``body`` (constant-time; False without a secret).
    Compared as bytes: ``compare_digest`` refuses str with non-ASCII characters (a 500 otherwise)."""
    if not secret or not header:
        return False
    return hmac.compare_digest(sign(secret, body).encode(), header.strip().encode("utf-8", "replace"))


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
        body = json.dumps(
            {"id": message.idempotency_key, "to": message.recipient, "text": message.body},
            ensure_ascii=False,
        ).encode("utf-8")
        if not self.url.startswith(("http://", "https://")):
            raise SmsGatewayError(f"KEFU_SMS_HTTP_URL must be an http(s) URL, not {self.url!r}")
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                SIGNATURE_HEADER: sign(self.secret, body),
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
