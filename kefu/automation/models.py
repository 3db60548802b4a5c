"""Triggers, webhooks, and the webhook deliveries with their attempts (the delivery log): docs/webhooks.md."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EventChoices(models.TextChoices):
    CREATED = "created", _("Order created")
    UPDATED = "updated", _("Order updated")
    STATUS_CHANGED = "status_changed", _("Status changed")
    CLOCK_WARNED = "clock_warned", _("Deadline near (warning)")
    CLOCK_BREACHED = "clock_breached", _("Deadline passed (breach)")
    SATISFACTION_RECEIVED = "satisfaction_received", _("Satisfaction answer received")


class Trigger(models.Model):
    """When ``event`` happens to an order and the conditions hold, run the actions (in the change's
    transaction, as ``run_as``: the administrator who last saved it). ``conditions``:
    ``[{"field", "op", "value"}]``; ``actions``: ``[{"kind", "value", "text"}]`` — the kinds of
    ``kefu.automation.registry``."""

    name = models.CharField(_("name"), max_length=120)
    event = models.CharField(_("when"), max_length=30, choices=EventChoices.choices)
    match = models.CharField(
        _("conditions must"),
        max_length=3,
        choices=[("all", _("all hold")), ("any", _("any holds"))],
        default="all",
    )
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    actions = models.JSONField(_("actions"), default=list)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(pgettext_lazy("sort", "position"), default=100)
    run_as = models.ForeignKey(
        "organization.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("runs as")
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    fired = models.PositiveIntegerField(_("fired"), default=0)
    last_fired_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["event", "active"], name="trigger_event_active")]

    def __str__(self) -> str:
        return self.name


class Webhook(models.Model):
    """An HTTPS endpoint outside Kefu that receives signed JSON events: those of ``events`` (every order of
    ``branch``, or of all branches), and those a trigger's "call webhook" action sends it."""

    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(max_length=80)
    previous_secret = models.CharField(max_length=80, blank=True)  # still signs until the rotation ends
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    events = models.JSONField(_("events"), default=list, blank=True)
    branch = models.ForeignKey(
        "organization.Branch",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("branch"),
    )
    active = models.BooleanField(_("active"), default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)  # set when repeated failures disabled it
    disabled_reason = models.CharField(max_length=200, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey("organization.Staff", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    SENDING = "sending", _("sending")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed, will retry")
    GIVEN_UP = "given_up", _("given up")


class Delivery(models.Model):
    """One event for one webhook: the exact body (fixed when the event happened), recorded in the transaction
    of the change and sent by the job runner after commit, retried with back-off. ``event_id`` is the
    receiver's idempotency key (header ``Kefu-Event-Id``); a replay is a new delivery of the same event."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4)
    event_type = models.CharField(max_length=40)
    workorder_id = models.BigIntegerField(null=True, blank=True)  # for the log's filter; no FK (it outlives)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # CASCADE, not SET NULL: a replay without its original would collide with it on delivery_once_per_event
    replay_of = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replays"
    )
    replayed_by = models.ForeignKey(
        "organization.Staff", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "event_id"],
                condition=Q(replay_of__isnull=True),
                name="delivery_once_per_event",
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["webhook", "-created_at"], name="delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class DeliveryAttempt(models.Model):
    """One HTTP request of a delivery: what came back (status code, duration, the start of the body)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="tries")
    at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.status_code or '-'} {self.at:%Y-%m-%d %H:%M:%S}"
