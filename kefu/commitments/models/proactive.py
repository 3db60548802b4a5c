"""Proactive service (R-17, R-18): planned maintenance announced ahead, fee-expiry reminders (sent through
the outbox; idempotency keys make each one go out once) and periodic care plans that create work orders."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlannedMaintenance(models.Model):
    class Status(models.TextChoices):
        ANNOUNCED = "announced", _("announced")
        CANCELLED = "cancelled", _("cancelled")

    branch = models.ForeignKey(
        "organization.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    areas = models.ManyToManyField(
        "organization.ServiceArea", related_name="+", verbose_name=_("affected areas")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what customers need to know"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ANNOUNCED)
    created_by = models.ForeignKey(
        "organization.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("announced by")
    )
    created_at = models.DateTimeField(_("announced at"))
    override_reason = models.CharField(
        _("reason for announcing less than 24 hours ahead"), max_length=300, blank=True
    )
    customers_notified = models.PositiveIntegerField(_("customers notified"), default=0)

    class Meta:
        verbose_name = _("planned maintenance")
        verbose_name_plural = _("planned maintenance")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["branch", "starts_at"], name="maint_branch_start")]

    def __str__(self) -> str:
        return self.title


class CarePlan(models.Model):
    """A periodic care visit for one customer (e.g. the yearly gas safety check, quarterly visits to a
    large business customer); the daily job turns a due plan into a work order."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="care_plans", verbose_name=_("customer")
    )
    service = models.ForeignKey(
        "commitments.Service", on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    title = models.CharField(_("title"), max_length=200)
    every_months = models.PositiveSmallIntegerField(_("every (months)"), default=12)
    next_due = models.DateField(_("next visit due"), db_index=True)
    active = models.BooleanField(_("active"), default=True)
    last_order = models.ForeignKey(
        "workorders.WorkOrder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("last work order"),
    )

    class Meta:
        verbose_name = _("care plan")
        verbose_name_plural = _("care plans")
        ordering = ["next_due"]

    def __str__(self) -> str:
        return self.title
