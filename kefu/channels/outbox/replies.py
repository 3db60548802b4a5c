"""Agents' replies to e-mail orders leave by e-mail, to SMS orders by SMS: queued in the outbox in the
reply's transaction, threaded onto the customer's mail (``In-Reply-To``/``References``) and carrying the
order number in the subject, so the customer's answer threads back onto the order."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.channels import outbox
from kefu.channels.models import OutboxChannel
from kefu.channels.models.endpoints import SmsTemplateCode
from kefu.channels.models.gateways import GatewayKind, GatewayMessage
from kefu.channels.models.mail import InboundMessage, SenderVerification
from kefu.channels.outbox import sms_templates


def reply_subject(number: str, title: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return (_("Re: [%(number)s] %(title)s") % {"number": number, "title": title}).strip()


def queue_reply(order: Any, entry: Any, text: str) -> Any | None:
    """Queue the e-mail of an agent's reply on an e-mail order (inside the reply's transaction).

    It goes to the address the customer last wrote from (which may be another of their addresses than the
    main one), else to their main address. Returns the outbox row, or None when the order did not come by
    e-mail or there is no address.
    """

    if order.channel == "sms":
        return queue_sms_reply(order, entry, text)
    if order.channel != "email":
        return None
    inbound = list(
        InboundMessage.objects.filter(workorder=order)
        .order_by("-id")
        .values_list("message_id", "from_address", "sender_check")[:10]
    )
    recipient = next((addr for _mid, addr, _check in inbound if addr), "") or order.customer.email
    if not recipient:
        return None
    ids = [mid for mid, _addr, _check in inbound if not mid.startswith("sha256:")]
    # the title of an order opened by an unverified sender is their subject: never echoed back to them
    unverified = any(check == SenderVerification.FAIL for _mid, _addr, check in inbound)
    headers: dict[str, Any] = {"human": True}
    if ids:
        headers["In-Reply-To"] = _angle(ids[0])
        headers["References"] = " ".join(_angle(m) for m in reversed(ids))
    row, _created = outbox.enqueue(
        channel=OutboxChannel.EMAIL,
        recipient=recipient,
        subject=reply_subject(order.number, "" if unverified else order.title),
        body=text,
        idempotency_key=f"reply:{entry.pk}",
        customer=order.customer,
        workorder=order,
        headers=headers,
        log_contact=False,  # do_reply already wrote the contact
    )
    return row


def _angle(message_id: str) -> str:
    message_id = message_id.strip()
    return message_id if message_id.startswith("<") else f"<{message_id}>"


def queue_sms_reply(order: Any, entry: Any, text: str) -> Any | None:
    """Queue the SMS of an agent's reply on an SMS order: to the number the customer last wrote from,
    else their mobile; the text through the "reply" SMS template when one is configured."""

    last = (
        GatewayMessage.objects.filter(kind=GatewayKind.SMS, workorder=order)
        .order_by("-received_at", "-id")
        .values_list("payload", flat=True)
        .first()
    )
    customer = order.customer
    recipient = (last or {}).get("from") or customer.phone_e164 or customer.phone
    if not recipient:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        sms = sms_templates.render_current(
            SmsTemplateCode.REPLY,
            text,
            {"customer_name": customer.name, "order_number": order.number, "text": text},
        )
    row, _created = outbox.enqueue(
        channel=OutboxChannel.SMS,
        recipient=recipient,
        body=sms.body,
        template=sms.template,
        idempotency_key=f"reply:{entry.pk}",
        customer=customer,
        workorder=order,
        log_contact=False,  # do_reply already wrote the contact
    )
    return row
