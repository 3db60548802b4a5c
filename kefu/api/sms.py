"""/api/v1/sms/inbound: SMS from the signed-HTTP gateway (no token; the HMAC signature authenticates)."""

from __future__ import annotations

import json
from typing import Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from kefu.api.common import GATEWAY_ERRORS
from kefu.channels.outbox import sms
from kefu.channels.sms import inbound as sms_inbound
from kefu.lib.errors import PermissionDenied, ValidationFailed
from kefu.media import fetch as media

router = Router(tags=["SMS"], auth=None)


class SmsMediaOut(Schema):
    kind: str
    state: Literal["pending", "done", "refused", "failed"]
    attachment_id: int | None
    error: str


class InboundSmsOut(Schema):
    id: int
    order: str | None
    customer_id: int | None
    created: bool
    media: list[SmsMediaOut] = Field(default_factory=list)


@router.post(
    "/sms/inbound",
    response={200: InboundSmsOut, 201: InboundSmsOut, **GATEWAY_ERRORS},
    summary="Receive an SMS from the gateway",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["id", "from", "text"],
                        "properties": {
                            "id": {
                                "type": "string",
                                "description": "The gateway's message id (stored once).",
                            },
                            "from": {"type": "string", "description": "The sender's number."},
                            "text": {"type": "string"},
                            "to": {
                                "type": ["string", "null"],
                                "description": "The number the customer wrote to (null or empty: unknown).",
                            },
                            "media": {
                                "type": "array",
                                "maxItems": 10,
                                "description": "MMS: the gateway's ids of the message's images and files, "
                                "fetched from KEFU_SMS_MEDIA_URL into attachments (docs/media.md).",
                                "items": {
                                    "type": "object",
                                    "required": ["id"],
                                    "properties": {
                                        "id": {"type": "string", "minLength": 1, "maxLength": 200},
                                        "filename": {"type": "string", "maxLength": 200},
                                    },
                                },
                            },
                        },
                        "examples": [
                            {
                                "id": "gw-20260302-0001",
                                "from": "13800138000",
                                "text": "燃气表漏气，请尽快来人",
                                "to": "",
                            }
                        ],
                    }
                }
            },
            "required": True,
        }
    },
)
def inbound(request: HttpRequest) -> Status:
    """Body ``{"id", "from", "text", "to"?}`` with ``X-Kefu-Timestamp: <unix seconds>`` and
    ``X-Kefu-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + raw body>`` (secret
    ``KEFU_SMS_HTTP_SECRET``); a missing, wrong or stale (over 5 minutes) signature answers 403. ``to``, the
    receiving number, routes the message to the branch of that SMS endpoint. 201 when stored, 200 when this
    gateway id was received before."""
    body = request.body
    if not sms.verify(
        settings.KEFU_SMS_HTTP_SECRET,
        body,
        request.headers.get(sms.SIGNATURE_HEADER),
        request.headers.get(sms.TIMESTAMP_HEADER),
    ):
        raise PermissionDenied(
            "bad_signature", _("The signature or timestamp of the request is missing, wrong or too old.")
        )
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("id", "from", "text")):
        raise ValidationFailed("malformed", _("Send a JSON object with the strings id, from and text."))
    to = data.get("to")
    if to is not None and not isinstance(to, str):
        raise ValidationFailed("malformed", _("The receiving number must be a string."), "to")
    gm, created = sms_inbound.ingest(
        sms_inbound.InboundSms(
            message_id=data["id"],
            sender=data["from"],
            text=data["text"],
            receiver=to or "",
            media=_media_refs(data.get("media", [])),
        )
    )
    fetches = sms_inbound.message_media(gm)
    if created:
        fetches = media.fetch_now(fetches)
    out = {
        "id": gm.pk,
        "order": gm.workorder.number if gm.workorder else None,
        "customer_id": gm.customer_id,
        "created": created,
        "media": [media.fetch_out(f) for f in fetches],
    }
    return Status(201 if created else 200, out)


def _media_refs(raw: object) -> list[media.MediaRef]:
    if not isinstance(raw, list) or len(raw) > 10:  # absent is [], an explicit null is refused
        raise ValidationFailed("malformed", _("media must be a list of at most 10 items."), "media")
    refs = []
    for item in raw:
        mid = item.get("id") if isinstance(item, dict) else None
        name = item.get("filename", "") if isinstance(item, dict) else ""
        if not isinstance(mid, str) or not mid.strip() or len(mid) > 200 or not isinstance(name, str):
            raise ValidationFailed("malformed", _("Each media item needs its id (a string)."), "media")
        if len(name) > 200:
            raise ValidationFailed("too_long", _("A media file name has at most 200 characters."), "media")
        refs.append(media.MediaRef("sms", mid.strip(), "mms", name))
    return refs
