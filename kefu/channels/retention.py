"""Retention of the channels' data (docs/privacy.md, "Retention"): call records, the gateways' message
transcripts (chat, SMS, social media), sent outbox messages and the raw bytes of inbound e-mail."""

from __future__ import annotations

import datetime as dt

from kefu.channels.mail import inbound as inbound_mail
from kefu.channels.models import OutboxMessage, OutboxStatus
from kefu.channels.models.gateways import Call, GatewayMessage
from kefu.retention.registry import Outcome, pick, register


@register("calls")
def prune_calls(before: dt.datetime, limit: int) -> Outcome:
    """Calls started before ``before``, with their webhook events (which carry the CTI's recording link)
    and their done call-back tasks. A call scored in a quality inspection stays with the inspection; a
    call whose call-back is still open stays until it is done."""
    ids = pick(
        Call.objects.filter(started_at__lt=before)
        .exclude(inspections__isnull=False)
        .exclude(callback__isnull=False, callback__done_at__isnull=True),
        limit,
    )
    return Outcome(deleted=Call.objects.filter(pk__in=ids).delete()[1].get("channels.Call", 0))


@register("chat_transcripts")
def prune_gateway_messages(before: dt.datetime, limit: int) -> Outcome:
    ids = pick(GatewayMessage.objects.filter(received_at__lt=before), limit)
    return Outcome(deleted=GatewayMessage.objects.filter(pk__in=ids).delete()[0])


@register("outbox")
def prune_outbox(before: dt.datetime, limit: int) -> Outcome:
    """Messages sent or given up before ``before``; queued and retrying ones are never deleted."""
    ids = pick(
        OutboxMessage.objects.filter(
            created_at__lt=before, status__in=[OutboxStatus.SENT.value, OutboxStatus.DEAD.value]
        ),
        limit,
    )
    return Outcome(deleted=OutboxMessage.objects.filter(pk__in=ids).delete()[0])


@register("raw_email")
def prune_raw_email(before: dt.datetime, limit: int) -> Outcome:
    return Outcome(deleted=inbound_mail.purge_raw_batch(before, limit))
