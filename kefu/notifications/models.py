"""Notifications to staff and their delivery preferences (docs/design/notifications.md)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.notifications.rules import EMERGENCY
from kefu.workorders.hooks import StaffEventKind as K


class KindChoices(models.TextChoices):
    ASSIGNED = K.ASSIGNED, _("assigned or transferred to me")
    OWNER = K.OWNER, _("I became the first-contact owner")
    ESCALATION = K.ESCALATION, _("escalated to me")
    WARNING = K.WARNING, _("deadline near on my order")
    BREACH = K.BREACH, _("deadline passed on my order")
    SUPERVISION_NOTICE = K.SUPERVISION_NOTICE, _("supervision notice (督办) to my unit")
    EXTENSION_REQUESTED = K.EXTENSION_REQUESTED, _("extension requested from me")
    EXTENSION_DECIDED = K.EXTENSION_DECIDED, _("my extension request decided")
    FOLLOWUP_FAILED = K.FOLLOWUP_FAILED, _("follow-up failed, the order came back to me")
    CUSTOMER_MESSAGE = K.CUSTOMER_MESSAGE, _("the customer wrote on my order")
    MENTION = K.MENTION, _("@mention in an internal note")
    INSPECTION = K.INSPECTION, _("inspection about me published")
    STATEMENT = K.STATEMENT, _("my statement requested")
    UNREACHABLE_REPORTED = K.UNREACHABLE_REPORTED, _("customer-unreachable report to decide")
    UNREACHABLE_DECIDED = K.UNREACHABLE_DECIDED, _("my customer-unreachable report decided")
    MATERIALS_REQUEST = K.MATERIALS_REQUEST, _("materials beyond the one-time notice to approve")
    MATERIALS_DECIDED = K.MATERIALS_DECIDED, _("my request for further materials decided")
    EMERGENCY = K.EMERGENCY, _("emergency order in my area or on my duty")
    TRIGGER = K.TRIGGER, _("a trigger tells me about an order")
    WEBHOOK_DISABLED = K.WEBHOOK_DISABLED, _("a webhook was disabled after repeated failures")


class PreferenceKind(models.TextChoices):
    """What a preference row is about: a kind, or every event on an urgent order."""

    ASSIGNED = KindChoices.ASSIGNED.value, KindChoices.ASSIGNED.label
    OWNER = KindChoices.OWNER.value, KindChoices.OWNER.label
    ESCALATION = KindChoices.ESCALATION.value, KindChoices.ESCALATION.label
    WARNING = KindChoices.WARNING.value, KindChoices.WARNING.label
    BREACH = KindChoices.BREACH.value, KindChoices.BREACH.label
    SUPERVISION_NOTICE = KindChoices.SUPERVISION_NOTICE.value, KindChoices.SUPERVISION_NOTICE.label
    EXTENSION_REQUESTED = KindChoices.EXTENSION_REQUESTED.value, KindChoices.EXTENSION_REQUESTED.label
    EXTENSION_DECIDED = KindChoices.EXTENSION_DECIDED.value, KindChoices.EXTENSION_DECIDED.label
    FOLLOWUP_FAILED = KindChoices.FOLLOWUP_FAILED.value, KindChoices.FOLLOWUP_FAILED.label
    CUSTOMER_MESSAGE = KindChoices.CUSTOMER_MESSAGE.value, KindChoices.CUSTOMER_MESSAGE.label
    MENTION = KindChoices.MENTION.value, KindChoices.MENTION.label
    INSPECTION = KindChoices.INSPECTION.value, KindChoices.INSPECTION.label
    STATEMENT = KindChoices.STATEMENT.value, KindChoices.STATEMENT.label
    UNREACHABLE_REPORTED = KindChoices.UNREACHABLE_REPORTED.value, KindChoices.UNREACHABLE_REPORTED.label
    UNREACHABLE_DECIDED = KindChoices.UNREACHABLE_DECIDED.value, KindChoices.UNREACHABLE_DECIDED.label
    MATERIALS_REQUEST = KindChoices.MATERIALS_REQUEST.value, KindChoices.MATERIALS_REQUEST.label
    MATERIALS_DECIDED = KindChoices.MATERIALS_DECIDED.value, KindChoices.MATERIALS_DECIDED.label
    EMERGENCY_ = EMERGENCY, _("emergency (an emergency order, or any event on an urgent order)")


class Notification(models.Model):
    """One notification per event and recipient; a repeat of an unread one (same order and kind) updates it."""

    recipient = models.ForeignKey(
        "organization.Staff",
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=KindChoices.choices)
    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("work order"),
    )
    actor = models.ForeignKey(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    params = models.JSONField(_("details"), default=dict, blank=True)
    emergency = models.BooleanField(_("emergency"), default=False)
    repeats = models.PositiveIntegerField(_("times"), default=1)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "workorder", "kind"],
                condition=Q(read_at__isnull=True, workorder__isnull=False),
                name="notification_one_unread",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-updated_at"], name="notification_list"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class NotificationPreference(models.Model):
    """How one staff member hears of one kind beyond the console (always on). Absent: rules.default_channels."""

    staff = models.ForeignKey(
        "organization.Staff",
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("staff member"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=PreferenceKind.choices)
    email = models.BooleanField(_("e-mail"), default=False)
    sms = models.BooleanField(_("SMS"), default=False)
    wecom = models.BooleanField(_("WeCom"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["staff", "kind"], name="notification_pref_unique")]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.kind}"


class QuietHours(models.Model):
    """No e-mail or SMS between ``start`` and ``end`` (local time of the staff member's branch), except
    emergencies: what falls inside is sent when the quiet period ends."""

    staff = models.OneToOneField(
        "organization.Staff",
        on_delete=models.CASCADE,
        related_name="quiet_hours",
        verbose_name=_("staff member"),
    )
    start = models.TimeField(_("quiet from"))
    end = models.TimeField(_("quiet until"))

    class Meta:
        verbose_name = _("quiet hours")
        verbose_name_plural = _("quiet hours")

    def __str__(self) -> str:
        return f"{self.staff_id} {self.start}-{self.end}"
