"""Agents' replies to e-mail orders leave by e-mail (issue 4, point 2): queued in the outbox in the
reply's transaction, threaded onto the customer's mail (``In-Reply-To``/``References``) and carrying the
order number in the subject, so the customer's answer threads back onto the order."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.channels import outbox
from kefu.channels.models import OutboxChannel


def reply_subject(number: str, title: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("Re: [%(number)s] %(title)s") % {"number": number, "title": title}


def queue_reply(order: Any, entry: Any, text: str) -> Any | None:
    """Queue the e-mail of an agent's reply on an e-mail order (inside the reply's transaction).

    Returns the outbox row, or None when the order did not come by e-mail or the customer has no address.
    """
    from kefu.channels.models_mail import InboundMessage

    if order.channel != "email" or not order.customer.email:
        return None
    inbound = list(
        InboundMessage.objects.filter(workorder=order)
        .exclude(message_id__startswith="sha256:")
        .order_by("-id")
        .values_list("message_id", flat=True)[:10]
    )
    headers: dict[str, Any] = {"human": True}
    if inbound:
        headers["In-Reply-To"] = _angle(inbound[0])
        headers["References"] = " ".join(_angle(m) for m in reversed(inbound))
    row, _created = outbox.enqueue(
        channel=OutboxChannel.EMAIL,
        recipient=order.customer.email,
        subject=reply_subject(order.number, order.title),
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
