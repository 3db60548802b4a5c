"""The outbox: every message to a customer, written in the transaction of the change that caused it (R-6).

A worker sends due rows after commit (``kefu.channels.outbox``), at most once per idempotency key.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxChannel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")
    WECOM = "wecom", _("WeCom app message")
    PRINT = "print", _("print only")


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed, will retry")
    DEAD = "dead", _("given up")
    # never handed to a transport: the recipient opted out of the class, or marketing without consent
    SUPPRESSED = "suppressed", _("suppressed, not sent")


class MessageClass(models.TextChoices):
    """What a message is, which decides whether the recipient may refuse it (docs/privacy.md).

    ``service``: what the company must tell the customer (replies, order notices, planned maintenance,
    safety, sign-in links) — always sent. ``reminder``: fee reminders, survey invitations — sent unless
    the number or address opted out; every SMS carries the opt-out text. ``marketing``: sent only with
    the customer's prior consent and unless opted out; carries the opt-out text. ``staff``: notifications
    to employees (not personal information of a customer; their own preferences govern them)."""

    SERVICE = "service", _("service notice")
    REMINDER = "reminder", _("reminder")
    MARKETING = "marketing", _("marketing")
    STAFF = "staff", _("staff notification")


class OutboxMessage(models.Model):
    """One message to one recipient. ``idempotency_key`` is unique: enqueueing the same key twice is a no-op."""

    channel = models.CharField(_("channel"), max_length=10, choices=OutboxChannel.choices)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("text"))
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox_messages",
        verbose_name=_("customer"),
    )
    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox_messages",
        verbose_name=_("work order"),
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    # threading headers of an e-mail reply (In-Reply-To, References); nothing else is taken from here
    headers = models.JSONField(_("e-mail headers"), default=dict, blank=True)
    # False when the change that queued the message already wrote the contact (an agent's reply)
    log_contact = models.BooleanField(_("write to the contact history when sent"), default=True)
    # an SMS sent from a registered provider template: {"id": <provider template id>, "params": {...}}
    template = models.JSONField(_("SMS template"), default=dict, blank=True)
    message_class = models.CharField(
        _("message class"), max_length=10, choices=MessageClass.choices, default=MessageClass.SERVICE
    )
    # e-mail: the HTML alternative of ``body`` (a reply with its signature, sanitised); empty: plain text only
    html_body = models.TextField(_("HTML part"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            # the acknowledgement window of inbound mail (channels.mail.inbound._acknowledge): one sender's recent rows
            models.Index(fields=["recipient", "created_at"], name="outbox_recipient_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient or '—'}: {self.subject or self.body[:40]}"


from kefu.channels.models.consent import OptOut, OptOutSource  # noqa: E402, F401
from kefu.channels.models.endpoints import ChannelEndpoint, EndpointKind, SmsTemplate  # noqa: E402, F401
from kefu.channels.models.gateways import (  # noqa: E402, F401
    Call,
    CallbackTask,
    CallEvent,
    CallState,
    GatewayKind,
    GatewayMessage,
)
from kefu.channels.models.mail import (  # noqa: E402, F401
    DeadLetter,
    InboundMessage,
    InboundOutcome,
    Mailbox,
    MailboxFolder,
)
from kefu.channels.models.signatures import EmailSignature  # noqa: E402, F401
