"""/api/v1/chat/inbound: chat messages in WeCom customer-service shape (kf/sync_msg), token auth."""

from __future__ import annotations

import json
import logging
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from kefu.api.common import GATEWAY_ERRORS, WRITE_ERRORS, ApiRequest, ErrorOut
from kefu.channels.chat import wecom as chat
from kefu.lib.errors import KefuError, ValidationFailed
from kefu.media import fetch as media
from kefu.organization.access import require_staff

log = logging.getLogger(__name__)
router = Router(tags=["chat"])


class MediaOut(Schema):
    kind: str = Field(description="What WeCom called it: image, voice, video, file.")
    state: Literal["pending", "done", "refused", "failed"] = Field(
        description="done: an attachment of the message; pending: the download is retried by the job "
        "media.fetch; refused: too large or a type not accepted (the timeline says so)."
    )
    attachment_id: int | None
    error: str


class ChatResultOut(Schema):
    msgid: str
    msgtype: str
    order: str | None
    customer_id: int | None
    created: bool
    skipped: bool = Field(
        False, description="An event or an item without a msgtype (no customer message): nothing stored."
    )
    auto_answer: str = Field(
        "", description="An automatic answer to relay to the customer at once (emergency: call the hotline)."
    )
    media: list[MediaOut] = Field(default_factory=list)


class ChatInboundOut(Schema):
    results: list[ChatResultOut]


@router.post(
    "/chat/inbound",
    response={200: ChatInboundOut, **GATEWAY_ERRORS},
    summary="Receive chat messages (one sync_msg message or {msg_list: [...]})",
    openapi_extra={
        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}, "required": True}
    },
)
def inbound(request: ApiRequest) -> Status:
    """Every customer message is stored once per ``msgid`` (``created`` false for a repeat): text as it is;
    images, voice messages, videos and files as "(Image)" … with the media fetched through WeCom's
    ``media/get`` into attachments of the message (first attempt now, then by the job ``media.fetch``;
    limits ``KEFU_MEDIA_MAX_BYTES`` and ``KEFU_MEDIA_TYPES``, docs/media.md); ``event`` items are answered
    ``skipped``."""
    require_staff(request.auth, "customer.edit")
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise ValidationFailed("malformed", _("Send a JSON object."))
    results: list[dict[str, Any]] = []
    for m in chat.parse(data):
        if m.msgtype == "event":
            results.append(
                {"msgid": m.msgid, "msgtype": m.msgtype, "order": None, "customer_id": None, "created": False}
                | {"skipped": True}
            )
            continue
        gm, created = chat.ingest(m)
        fetches = media.fetch_now(chat.message_media(gm)) if created else chat.message_media(gm)
        results.append(
            {
                "msgid": m.msgid,
                "msgtype": m.msgtype,
                "order": gm.workorder.number if gm.workorder else None,
                "customer_id": gm.customer_id,
                "created": created,
                "auto_answer": str(gm.payload.get("auto_answer") or ""),
                "media": [media.fetch_out(f) for f in fetches],
            }
        )
    return Status(200, {"results": results})


class GatewayFailed(KefuError):
    status = 502


class ChatReplyIn(Schema):
    body: str = Field(max_length=2000)
    override_reason: str = Field("", max_length=2000, description="Send although it has a forbidden phrase.")


class ChatReplyOut(Schema):
    id: int
    msgid: str


@router.post(
    "/orders/{key}/chat-replies",
    response={201: ChatReplyOut, 502: ErrorOut, **WRITE_ERRORS},
    summary="Reply to the order's chat customer through the chat API",
)
def chat_reply(request: ApiRequest, key: str, payload: ChatReplyIn) -> Status:
    """400 ``reply_window_closed`` outside the reply window (48 h after the customer's last message, at most
    5 replies by default); 502 ``chat_gateway`` when the chat API refuses or cannot be reached (nothing is
    recorded then)."""
    try:
        gm = chat.send_reply(request.auth, key, payload.body, override_reason=payload.override_reason)
    except chat.ChatGatewayError as exc:
        # the gateway's own text (English, possibly its raw error body) goes to the log, not to the caller
        log.warning("chat reply on %s refused by the gateway: %s", key, exc)
        raise GatewayFailed(
            "chat_gateway", _("The chat service did not accept the reply; try again later.")
        ) from exc
    return Status(201, {"id": gm.pk, "msgid": str(gm.payload.get("msgid") or "")})
