"""Order-page panels of the channels app (see kefu.workorders.hooks)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from kefu.channels.chat import wecom as chat
from kefu.channels.models.mail import InboundMessage, SenderVerification
from kefu.workorders.hooks import OrderPanel, register_order_panel


def chat_window(request: HttpRequest, order: Any) -> dict[str, Any] | None:
    """For chat orders: whether a reply can still go out by chat, and until when."""
    if order.channel != "chat":
        return None

    last_in, replies = chat.reply_window(order.customer)
    if last_in is None:
        return {"open": False, "hours": chat.window_hours(None), "max": chat.max_replies(None)}
    hours, most = chat.window_hours(last_in), chat.max_replies(last_in)
    return {
        "open": replies < most,
        "last_in": last_in.received_at,
        "closes_at": last_in.received_at + dt.timedelta(hours=hours),
        "replies": replies,
        "left": max(0, most - replies),
        "hours": hours,
        "max": most,
    }


def sender_check(request: HttpRequest, order: Any) -> dict[str, Any] | None:
    """For e-mail orders opened by an unverified sender (DMARC failed at our receiving server): a warning
    with the mails concerned and the server's verdict. One query, only on e-mail orders."""
    if order.channel != "email":
        return None

    mails = list(
        InboundMessage.objects.filter(workorder=order, sender_check=SenderVerification.FAIL)
        .order_by("received_at", "id")
        .values("from_address", "received_at", "sender_check_detail")[:20]
    )
    if not mails:
        return None
    return {
        "mails": mails,
        "header_badge": {"text": _("Unverified sender: DMARC failed"), "anchor": "sender-check"},
    }


def register() -> None:
    register_order_panel(OrderPanel("chat_window", "channels/_chat_window.html", chat_window, position=5))
    register_order_panel(OrderPanel("sender_check", "channels/_sender_check.html", sender_check, position=1))
