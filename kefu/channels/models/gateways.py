"""Phone (CTI) calls and call-back tasks (R-7).

A CTI system posts call events to ``POST /api/v1/cti/calls``; each (call id, event) is stored once
(``CallEvent``) so a retried webhook changes nothing. A missed call becomes a ``CallbackTask``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CallState(models.TextChoices):
    RINGING = "ringing", _("ringing")
    ANSWERED = "answered", _("answered")
    ENDED = "ended", _("ended")
    MISSED = "missed", _("missed")


class Call(models.Model):
    """One phone call as reported by the CTI system; ``call_id`` is the CTI's own id."""

    call_id = models.CharField(_("call id"), max_length=100, unique=True)
    caller = models.CharField(_("caller number"), max_length=60)
    caller_normalized = models.CharField(_("caller (normalised)"), max_length=60, blank=True, db_index=True)
    line = models.CharField(_("called line"), max_length=60, blank=True)
    staff = models.ForeignKey(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("agent"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("customer"),
    )
    # the branch of the called line (ChannelEndpoint), else of the customer or agent; None when unknown
    branch = models.ForeignKey(
        "organization.Branch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("branch"),
    )
    state = models.CharField(_("state"), max_length=10, choices=CallState.choices, default=CallState.RINGING)
    started_at = models.DateTimeField(_("started"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [models.Index(fields=["staff", "state", "started_at"], name="call_staff_state")]

    def __str__(self) -> str:
        return f"{self.call_id} {self.caller}"


class CallEvent(models.Model):
    """One webhook event of a call; unique per (call, event) — the idempotency key of the webhook."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events")
    event = models.CharField(_("event"), max_length=10, choices=CallState.choices)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)

    class Meta:
        verbose_name = _("call event")
        verbose_name_plural = _("call events")
        constraints = [models.UniqueConstraint(fields=["call", "event"], name="callevent_once")]

    def __str__(self) -> str:
        return f"{self.call_id} {self.event}"


class CallbackTask(models.Model):
    """Call the customer back after a missed call."""

    call = models.OneToOneField(
        Call, on_delete=models.CASCADE, related_name="callback", verbose_name=_("call")
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="callback_tasks",
        verbose_name=_("customer"),
    )
    phone = models.CharField(_("phone"), max_length=60)
    branch = models.ForeignKey(
        "organization.Branch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="callback_tasks",
        verbose_name=_("branch"),
    )
    due = models.DateTimeField(_("due"))
    done_by = models.ForeignKey(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="callbacks_done",
        verbose_name=_("called back by"),
    )
    done_at = models.DateTimeField(_("called back at"), null=True, blank=True)

    class Meta:
        verbose_name = _("call-back task")
        verbose_name_plural = _("call-back tasks")
        indexes = [models.Index(fields=["branch", "done_at", "due"], name="callback_open")]

    def __str__(self) -> str:
        return self.phone


class GatewayKind(models.TextChoices):
    SMS = "sms", _("SMS")
    CHAT = "chat", _("chat")
    SOCIAL = "social", _("social media mention")


class GatewayMessage(models.Model):
    """One inbound message from a gateway (SMS, chat, social media), stored once per gateway id:
    the provider's message id, the chat msgid, the post's URL."""

    kind = models.CharField(_("kind"), max_length=10, choices=GatewayKind.choices)
    external_id = models.CharField(_("gateway id"), max_length=500)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="gateway_messages",
        verbose_name=_("customer"),
    )
    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="gateway_messages",
        verbose_name=_("work order"),
    )
    received_at = models.DateTimeField(_("received"))
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    endpoint = models.ForeignKey(
        "channels.ChannelEndpoint",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
        verbose_name=_("endpoint"),
    )

    class Meta:
        verbose_name = _("gateway message")
        verbose_name_plural = _("gateway messages")
        constraints = [models.UniqueConstraint(fields=["kind", "external_id"], name="gatewaymessage_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.external_id[:60]}"
