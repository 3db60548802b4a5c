"""A visit: what the technician did at the customer's door (travel, arrival, notes, photos, the customer's
signature, the outcome), and the device actions it was built from (each applied exactly once)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class VisitState(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("visit", "planned")
    TRAVELLING = "travelling", pgettext_lazy("visit", "on the way")
    ON_SITE = "on_site", pgettext_lazy("visit", "on site")
    FINISHED = "finished", pgettext_lazy("visit", "finished")


class VisitOutcome(models.TextChoices):
    DONE = "done", pgettext_lazy("visit outcome", "work done")
    ANOTHER_VISIT = "another_visit", pgettext_lazy("visit outcome", "needs another visit")
    CUSTOMER_ABSENT = "customer_absent", pgettext_lazy("visit outcome", "customer absent")


class Visit(models.Model):
    """One technician's visit for an order: to an appointment's window, or to an order assigned to them
    without one. Times are UTC, taken from the device when the action was done (it may sync later)."""

    appointment = models.OneToOneField(
        "fieldservice.Appointment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="visit",
        verbose_name=_("appointment"),
    )
    order = models.ForeignKey(
        "workorders.WorkOrder", on_delete=models.CASCADE, related_name="visits", verbose_name=_("work order")
    )
    technician = models.ForeignKey(
        "organization.Staff", on_delete=models.PROTECT, related_name="visits", verbose_name=_("technician")
    )
    state = models.CharField(
        _("state"), max_length=12, choices=VisitState.choices, default=VisitState.PLANNED
    )
    travel_started_at = models.DateTimeField(_("set off at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=VisitOutcome.choices, blank=True)
    signature = models.ForeignKey(
        "workorders.Attachment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer's signature"),
    )
    signed_by = models.CharField(_("signed by"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["technician", "state"], name="visit_tech_state"),
            models.Index(fields=["order", "state"], name="visit_order_state"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.state}"


class FieldActionKind(models.TextChoices):
    START_TRAVEL = "start_travel", _("set off")
    ARRIVE = "arrive", _("arrived")
    NOTE = "note", _("note")
    PHOTO = "photo", _("photo")
    SIGNATURE = "signature", _("signature")
    FINISH = "finish", _("finished")


class FieldAction(models.Model):
    """One action taken on the technician's device, with the id the device gave it. The unique id makes a
    replay (the device sending again after a lost answer) find the first application and answer the same."""

    action_id = models.UUIDField(_("action id"), unique=True)
    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="actions", verbose_name=_("visit")
    )
    technician = models.ForeignKey(
        "organization.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("technician")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=FieldActionKind.choices)
    done_at = models.DateTimeField(_("done on the device at"))
    received_at = models.DateTimeField(_("received at"))
    attachment = models.ForeignKey(
        "workorders.Attachment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    result = models.JSONField(_("answer"), default=dict)

    class Meta:
        verbose_name = _("field action")
        verbose_name_plural = _("field actions")
        ordering = ["received_at", "id"]
        indexes = [models.Index(fields=["visit", "received_at"], name="fieldaction_visit_at")]

    def __str__(self) -> str:
        return f"{self.kind} {self.action_id}"
