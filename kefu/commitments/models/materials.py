"""Service catalog details (materials, process steps, fee items) and the one-time notice (R-11, R-17).

Imported by ``commitments/models/__init__.py`` so that Django registers them in the ``commitments`` app.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.lib.content_i18n import Translatable


class ServiceMaterial(Translatable, models.Model):
    """A document or item the customer must bring for a service (the one-time notice lists the missing)."""

    translatable_fields = ("name", "description")

    service = models.ForeignKey(
        "commitments.Service", on_delete=models.CASCADE, related_name="materials", verbose_name=_("service")
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    required = models.BooleanField(_("required"), default=True)
    order = models.PositiveSmallIntegerField(pgettext_lazy("sort", "position"), default=0)
    translations = models.JSONField(_("translations"), default=dict, blank=True)

    class Meta:
        verbose_name = _("required material")
        verbose_name_plural = _("required materials")
        ordering = ["service", "order", "id"]

    def __str__(self) -> str:
        return self.name


class ServiceStep(Translatable, models.Model):
    """One step of the published business process of a service (R-17)."""

    translatable_fields = ("title", "description")

    service = models.ForeignKey(
        "commitments.Service", on_delete=models.CASCADE, related_name="steps", verbose_name=_("service")
    )
    order = models.PositiveSmallIntegerField(pgettext_lazy("sort", "position"), default=0)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    translations = models.JSONField(_("translations"), default=dict, blank=True)

    class Meta:
        verbose_name = _("process step")
        verbose_name_plural = _("process steps")
        ordering = ["service", "order", "id"]

    def __str__(self) -> str:
        return self.title


class ServiceFee(Translatable, models.Model):
    """A published fee item of a service and its amount (R-17)."""

    translatable_fields = ("name", "unit", "note")

    service = models.ForeignKey(
        "commitments.Service", on_delete=models.CASCADE, related_name="fees", verbose_name=_("service")
    )
    name = models.CharField(_("name"), max_length=200)
    amount = models.DecimalField(
        _("amount"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    unit = models.CharField(_("unit"), max_length=60, blank=True, help_text=_("e.g. per visit, per month"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(pgettext_lazy("sort", "position"), default=0)
    translations = models.JSONField(_("translations"), default=dict, blank=True)

    class Meta:
        verbose_name = _("fee item")
        verbose_name_plural = _("fee items")
        ordering = ["service", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="commitments_fee_amount_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.amount}"


class OrderMaterial(models.Model):
    """A material checked on a work order; name and required flag are copied from the service at the time."""

    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.CASCADE,
        related_name="materials",
        verbose_name=_("work order"),
    )
    service_material = models.ForeignKey(
        ServiceMaterial,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("service material"),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    required = models.BooleanField(_("required"), default=True)
    order = models.PositiveSmallIntegerField(pgettext_lazy("sort", "position"), default=0)
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    supplied = models.BooleanField(_("supplied"), default=False)
    checked_by = models.ForeignKey(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("checked by"),
    )
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)

    class Meta:
        verbose_name = _("order material")
        verbose_name_plural = _("order materials")
        ordering = ["workorder", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workorder", "service_material"], name="commitments_ordermaterial_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class MaterialsNotice(models.Model):
    """The one written notice listing everything missing at once (一次性告知, R-11)."""

    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.CASCADE,
        related_name="materials_notices",
        verbose_name=_("work order"),
    )
    items = models.JSONField(_("missing items"), default=list)
    text = models.TextField(_("text"))
    note = models.TextField(_("note"), blank=True)
    channel = models.CharField(_("sent through"), max_length=10)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    outbox = models.ForeignKey(
        "channels.OutboxMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("outbox message"),
    )
    created_by = models.ForeignKey(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"))
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("corrects the notice"),
        help_text=_("A corrected notice replaces this earlier one and lists everything still missing."),
    )

    class Meta:
        verbose_name = _("one-time notice")
        verbose_name_plural = _("one-time notices")
        ordering = ["workorder", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.workorder} {self.created_at:%Y-%m-%d %H:%M}"


class AdditionalRequestStatus(models.TextChoices):
    PENDING = "pending", _("waiting for the supervisor")
    APPROVED = "approved", _("approved: corrected notice sent")
    REJECTED = "rejected", _("rejected: not asked for")


class AdditionalMaterialsRequest(models.Model):
    """Asking, after the one-time notice, for materials the notice did not list (R-11): only with a reason
    and a supervisor's approval; an approval sends ONE corrected notice listing everything still missing and
    records a standards violation of the one-time rule."""

    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.CASCADE,
        related_name="additional_materials_requests",
        verbose_name=_("work order"),
    )
    notice = models.ForeignKey(
        MaterialsNotice,
        on_delete=models.PROTECT,
        related_name="additional_requests",
        verbose_name=_("notice it goes beyond"),
    )
    items = models.JSONField(_("items not in the notice"), default=list)
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        "organization.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AdditionalRequestStatus.choices,
        default=AdditionalRequestStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    corrected_notice = models.ForeignKey(
        MaterialsNotice,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("corrected notice"),
    )

    class Meta:
        verbose_name = _("request for materials beyond the notice")
        verbose_name_plural = _("requests for materials beyond the notice")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "requested_at"], name="addmat_status")]

    def __str__(self) -> str:
        return f"{self.workorder_id} +{'、'.join(self.items)}"
