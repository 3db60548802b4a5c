"""Agents' replies leave through the outbox on the channel the agent chose (``workorders.actions.do_reply``):
queued in the reply's transaction under the key ``reply:<timeline entry id>``, so the order page reads each
reply's delivery status back from its outbox row.

- ``email``: with the author's signature (``signatures``: plain text and HTML), threaded onto the customer's mail (``In-Reply-To``/``References``), the order number in the
  subject, so the customer's answer threads back onto the order. To the address the customer last wrote
  from, else the address given for the order (anonymous report), else the customer's main address.
- ``sms``: to the number the customer last texted from, else the number given for the order, else the
  customer's mobile; through the "reply" SMS template when one is configured.
- ``portal``: nothing is sent (the reply is visible in the customer's portal); a customer with an e-mail
  address gets a short "you have a new reply" notice with the link (key ``reply-notice:<entry id>``).

Everything the customer reads is rendered in the customer's language (``Customer.language_code``), never
in the language of the agent's screen.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.channels import outbox
from kefu.channels.models import OutboxChannel
from kefu.channels.models.endpoints import SmsTemplateCode
from kefu.channels.models.gateways import GatewayKind, GatewayMessage
from kefu.channels.models.mail import InboundMessage, SenderVerification
from kefu.channels.outbox import signatures, sms_templates
from kefu.customers.rules import is_mobile
from kefu.lib import links


def reply_key(entry_id: int) -> str:
    return f"reply:{entry_id}"


def notice_key(entry_id: int) -> str:
    return f"reply-notice:{entry_id}"


def reply_subject(number: str, title: str, language: str | None = None) -> str:
    with translation.override(language or settings.LANGUAGE_CODE):
        return (_("Re: [%(number)s] %(title)s") % {"number": number, "title": title}).strip()


def sms_recipient(order: Any) -> str:
    """The number an SMS reply goes to ("" when there is no mobile to text)."""
    customer = order.customer
    if order.channel == "sms":
        last = (
            GatewayMessage.objects.filter(kind=GatewayKind.SMS, workorder=order)
            .order_by("-received_at", "-id")
            .values_list("payload", flat=True)
            .first()
        )
        if (last or {}).get("from"):
            return str(last["from"])  # type: ignore[index]
    for number in (order.reply_phone, customer.phone_e164):
        if is_mobile(number):
            return str(number)
    return ""


def queue_reply(order: Any, entry: Any, text: str, channel: str) -> list[Any]:
    """Queue what the reply ``entry`` sends on ``channel`` (inside the reply's transaction); the outbox
    rows, none when nothing leaves (a portal reply to a customer without e-mail)."""
    language = order.customer.language_code
    if channel == "email":
        row = _queue_email(order, entry, text, language)
        return [row] if row is not None else []
    if channel == "sms":
        row = _queue_sms(order, entry, text, language)
        return [row] if row is not None else []
    if channel == "portal":
        row = _queue_portal_notice(order, entry, language)
        return [row] if row is not None else []
    return []


def email_recipient(order: Any) -> tuple[str, list[tuple[str, str, str]]]:
    inbound: list[tuple[str, str, str]] = []
    if order.channel == "email":
        inbound = list(
            InboundMessage.objects.filter(workorder=order)
            .order_by("-id")
            .values_list("message_id", "from_address", "sender_check")[:10]
        )
    recipient = (
        next((addr for _mid, addr, _check in inbound if addr), "")
        or order.reply_email
        or order.customer.email
    )
    return recipient, inbound


def _queue_email(order: Any, entry: Any, text: str, language: str) -> Any | None:
    recipient, inbound = email_recipient(order)
    if not recipient:
        return None
    ids = [mid for mid, _addr, _check in inbound if not mid.startswith("sha256:")]
    # the title of an order opened by an unverified sender is their subject: never echoed back to them
    unverified = any(check == SenderVerification.FAIL for _mid, _addr, check in inbound)
    headers: dict[str, Any] = {"human": True}
    # the author's signature (name, badge number, branch, order number: R-24), plain text and HTML
    signed = signatures.compose(text, staff=entry.author_staff, order=order, language=language)
    if ids:
        headers["In-Reply-To"] = _angle(ids[0])
        headers["References"] = " ".join(_angle(m) for m in reversed(ids))
    row, _created = outbox.enqueue(
        channel=OutboxChannel.EMAIL,
        recipient=recipient,
        subject=reply_subject(order.number, "" if unverified else order.title, language),
        body=signed.text,
        html_body=signed.html,
        idempotency_key=reply_key(entry.pk),
        customer=order.customer,
        workorder=order,
        headers=headers,
        log_contact=False,  # do_reply already wrote the contact
        new_key=True,  # the entry was inserted in this transaction
    )
    return row


def _angle(message_id: str) -> str:
    message_id = message_id.strip()
    return message_id if message_id.startswith("<") else f"<{message_id}>"


def _queue_sms(order: Any, entry: Any, text: str, language: str) -> Any | None:
    customer = order.customer
    recipient = sms_recipient(order)
    if not recipient:
        return None
    with translation.override(language):
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
        idempotency_key=reply_key(entry.pk),
        customer=customer,
        workorder=order,
        log_contact=False,  # do_reply already wrote the contact
        new_key=True,  # the entry was inserted in this transaction
    )
    return row


def _queue_portal_notice(order: Any, entry: Any, language: str) -> Any | None:
    """The short e-mail telling a portal customer that a reply is waiting (the reply itself stays in
    the portal: it may carry files and is read signed in)."""
    customer = order.customer
    if not customer.email:
        return None
    link = links.absolute(reverse("portal:order_detail", args=[order.number]))
    with translation.override(language):
        subject = _("New reply on your request %(number)s") % {"number": order.number}
        body = _(
            "Hello %(name)s,\n\nthere is a new reply on your request %(number)s (%(title)s).\n"
            "Read it in the customer portal: %(link)s\n"
        ) % {"name": customer.name, "number": order.number, "title": order.title, "link": link}
    row, _created = outbox.enqueue(
        channel=OutboxChannel.EMAIL,
        recipient=customer.email,
        subject=subject,
        body=body,
        idempotency_key=notice_key(entry.pk),
        customer=customer,
        workorder=order,
        log_contact=False,  # do_reply already wrote the contact
        new_key=True,  # the entry was inserted in this transaction
    )
    return row
