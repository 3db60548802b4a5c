"""/api/v1/chat/inbound: chat messages in WeCom customer-service shape (kf/sync_msg), token auth."""

from __future__ import annotations

import json
import logging

from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from kefu.api.common import GATEWAY_ERRORS, WRITE_ERRORS, ApiRequest, ErrorOut
from kefu.channels.chat import wecom as chat
from kefu.lib.errors import KefuError, ValidationFailed
from kefu.organization.access import require_staff

log = logging.getLogger(__name__)
router = Router(tags=["chat"])


class ChatResultOut(Schema):
    msgid: str
    order: str | None
    customer_id: int | None
    created: bool
    auto_answer: str = Field(
        "", description="An automatic answer to relay to the customer at once (emergency: call the hotline)."
    )


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
    """Text messages are stored once per ``msgid`` (``created`` false for a repeat); other message types
    are skipped."""
    require_staff(request.auth, "customer.edit")
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise ValidationFailed("malformed", _("Send a JSON object."))
    results = []
    for m in chat.parse(data):
        gm, created = chat.ingest(m)
        results.append(
            {
                "msgid": m.msgid,
                "order": gm.workorder.number if gm.workorder else None,
                "customer_id": gm.customer_id,
                "created": created,
                "auto_answer": str(gm.payload.get("auto_answer") or ""),
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
