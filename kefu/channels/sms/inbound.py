"""Inbound SMS from the signed-HTTP gateway (``POST /api/v1/sms/inbound``).

The gateway posts ``{"id": <its message id>, "from": <sender number>, "text": <body>}`` signed like the
outbound direction (``X-Kefu-Signature``, HMAC-SHA256 with ``KEFU_SMS_HTTP_SECRET``). Each gateway id is
stored once (``GatewayMessage``): a redelivery returns the first result.

Threading rule: the message goes onto the customer's most recently updated order that is still open
(not resolved or closed) and was updated within ``KEFU_SMS_THREAD_DAYS`` days (default 7) — an SMS is
usually the answer to our last SMS about that order. Otherwise it opens a new order (channel sms,
type inquiry — the agent who reads it sets the type) received by the branch's portal receiver.
The sender is matched by the normalised phone; an unknown number becomes a new customer of the
branch of the SMS endpoint the message was sent to (``to``, a ``ChannelEndpoint`` of kind sms configured
in the admin), else of ``KEFU_SMS_BRANCH`` (code; default the first branch). The endpoint's own thread
window, when set, replaces ``KEFU_SMS_THREAD_DAYS``.

An SMS whose whole text is an opt-out word ("R", "TD", "退订", "STOP", "LEIRATKOZ" …) or a re-subscribe
word ("START", "恢复" …) opens no order: it records the opt-out (or its withdrawal) for that number and
queues one confirmation (``kefu.channels.outbox.consent``); the gateway message keeps the outcome
``opted_out`` / ``opted_in`` and a known customer's contact history shows it.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kefu.channels import endpoints
from kefu.channels.actions import create_channel_customer, thread_or_open
from kefu.channels.models.endpoints import ChannelEndpoint, EndpointKind
from kefu.channels.models.gateways import GatewayKind, GatewayMessage
from kefu.channels.outbox import consent_rules, keywords
from kefu.channels.outbox import sms as sms_transport
from kefu.customers import rules as cust_rules
from kefu.customers.actions import record_contact
from kefu.customers.lookup import customer_for_phone
from kefu.customers.models import Channel, Contact, Customer
from kefu.lib import clock
from kefu.lib.errors import ValidationFailed
from kefu.media import fetch as media
from kefu.media.models import MediaFetch
from kefu.organization.models import Branch
from kefu.workorders.models import TimelineEntry


@dataclass
class InboundSms:
    message_id: str
    sender: str
    text: str
    receiver: str = ""  # the number the customer wrote to (routes to its endpoint's branch)
    # MMS: the gateway's media ids (and the file names it gave), fetched from KEFU_SMS_MEDIA_URL
    media: list[media.MediaRef] = field(default_factory=list)


def thread_window(endpoint: ChannelEndpoint | None = None) -> dt.timedelta:
    return dt.timedelta(days=endpoints.option(endpoint, "thread_days", "KEFU_SMS_THREAD_DAYS", 7))


def _customer(phone: str, branch: Branch | None) -> Customer:
    found = customer_for_phone(phone)
    if found is not None:
        return Customer.objects.select_for_update().get(pk=found.pk)
    if branch is None:
        raise ValidationFailed("no_branch", _("No branch can receive SMS."))
    return create_channel_customer(
        name=phone,
        phone=phone,
        branch=branch,
        summary=_("Customer %(name)s created from an SMS") % {"name": phone},
    )


def ingest(sms: InboundSms) -> tuple[GatewayMessage, bool]:
    """Store one inbound SMS; (row, created). The same gateway id again → (first row, False)."""
    message_id = sms.message_id.strip()
    if not message_id or len(message_id) > 200:
        raise ValidationFailed("required", _("The message id is missing or too long."), "id")
    try:
        phone = cust_rules.normalize_phone(sms.sender)
    except cust_rules.InvalidPhone:
        raise ValidationFailed(
            "invalid_phone", _("The sender is not a valid phone number."), "from"
        ) from None
    text = sms.text.strip() or (_("(MMS without text)") if sms.media else _("(The SMS has no text.)"))
    existing = GatewayMessage.objects.filter(kind=GatewayKind.SMS, external_id=message_id).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return _store(message_id, phone, text, sms.receiver, sms.media), True
    except IntegrityError:
        return GatewayMessage.objects.get(kind=GatewayKind.SMS, external_id=message_id), False


def _store(
    message_id: str, phone: str, text: str, receiver: str = "", refs: list[media.MediaRef] | None = None
) -> GatewayMessage:
    now = clock.now()
    branch, endpoint = endpoints.route(EndpointKind.SMS, receiver, "KEFU_SMS_BRANCH")
    payload = {"from": phone, "text": text}
    if receiver:
        payload["to"] = receiver[:60]
    gm = GatewayMessage.objects.create(
        kind=GatewayKind.SMS, external_id=message_id, received_at=now, payload=payload, endpoint=endpoint
    )
    endpoints.note_inbound(endpoint, now)
    if _consent_keyword(gm, phone, text, now):
        return gm
    customer = _customer(phone, branch)
    order, rule = thread_or_open(
        customer,
        text,
        channel=Channel.SMS,
        title=_("SMS from %(phone)s") % {"phone": phone},
        window=thread_window(endpoint),
        refused=_("Nobody in the branch can receive the SMS."),
        now=now,
    )
    if rule is None:
        gm.payload["outcome"] = "threaded"
    else:
        gm.payload["outcome"] = "new_order"
        gm.payload["receiver_rule"] = rule.value
    gm.customer = customer
    gm.workorder = order
    if refs:  # MMS: fetched into attachments of the message just recorded (kefu.media)
        gm.payload["media"] = len(refs)
        entry = order.timeline.filter(kind=TimelineEntry.Kind.CUSTOMER).order_by("-id").first()
        media.queue(order, entry, channel="sms", message_id=message_id, refs=refs)
    gm.save(update_fields=["customer", "workorder", "payload"])
    return gm


# --- MMS media (kefu.media) ---------------------------------------------------------------------------------


def media_request(media_id: str) -> tuple[str, dict[str, str]]:
    """The SMS gateway's media API: ``GET`` ``KEFU_SMS_MEDIA_URL`` with ``{id}`` replaced by the media id,
    signed like the gateway's own requests (``X-Kefu-Timestamp``, ``X-Kefu-Signature`` = HMAC-SHA256 of
    ``"<timestamp>." + media id`` with ``KEFU_SMS_HTTP_SECRET``). Only that URL is ever fetched: a media id
    from the request body cannot point the server elsewhere."""
    template = str(getattr(settings, "KEFU_SMS_MEDIA_URL", "") or "")
    if "{id}" not in template:
        raise media.FetchRefused("not_configured", "KEFU_SMS_MEDIA_URL")
    ts = int(clock.now().timestamp())
    headers = {
        sms_transport.TIMESTAMP_HEADER: str(ts),
        sms_transport.SIGNATURE_HEADER: sms_transport.sign(
            settings.KEFU_SMS_HTTP_SECRET, media_id.encode(), ts
        ),
    }
    return template.replace("{id}", urllib.parse.quote(media_id, safe="")), headers


def register_media() -> None:
    media.register_fetcher("sms", media_request)


def message_media(gm: GatewayMessage) -> list[MediaFetch]:
    return list(MediaFetch.objects.filter(channel="sms", message_id=gm.external_id).order_by("position"))


def _consent_keyword(gm: GatewayMessage, phone: str, text: str, now: dt.datetime) -> bool:
    """An opt-out or re-subscribe word: recorded (and confirmed once) instead of opening an order."""
    known = customer_for_phone(phone)
    word = keywords.handle_sms_keyword(phone, text, known)
    if word is None:
        return False
    gm.payload["outcome"] = "opted_out" if word == consent_rules.Keyword.OPT_OUT else "opted_in"
    gm.customer = known
    gm.save(update_fields=["customer", "payload"])
    if known is not None:
        record_contact(
            known,
            Channel.SMS,
            direction=Contact.Direction.INBOUND,
            summary=(
                _("SMS %(text)s: refuses reminders and marketing")
                if word == consent_rules.Keyword.OPT_OUT
                else _("SMS %(text)s: subscribes to reminders again")
            )
            % {"text": text[:20]},
            details={"gateway_message": gm.pk},
            at=now,
        )
    return True
