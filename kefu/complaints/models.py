"""Models of complaints (see apps.py): customer types per order, complaint causes, handling steps,
compensation and its limits (R-25, R-26)."""

from __future__ import annotations

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from kefu.complaints.classifier import CustomerType
from kefu.complaints.rules import HANDLING_STEPS
from kefu.organization.models import RoleChoices


class CustomerTypeChoices(models.TextChoices):
    DEMANDING = CustomerType.DEMANDING.value, _("demanding")
    CONFUSED = CustomerType.CONFUSED.value, _("confused")
    AGITATED = CustomerType.AGITATED.value, _("agitated")


class OrderCustomerType(models.Model):
    """One row of the customer-type history of an order: a suggestion of the classifier (from the
    request that opened the order or a later message of the customer) or the agent's choice.

    The order's current type is the latest choice, else the latest suggestion."""

    class Kind(models.TextChoices):
        SUGGESTED = "suggested", _("suggested")
        CHOSEN = "chosen", _("chosen by staff")

    class Source(models.TextChoices):
        ORDER = "order", _("the request")
        MESSAGE = "message", _("a message from the customer")
        STAFF = "staff", _("staff")

    workorder = models.ForeignKey(
        "workorders.WorkOrder", on_delete=models.CASCADE, related_name="customer_types"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    customer_type = models.CharField(_("customer type"), max_length=10, choices=CustomerTypeChoices.choices)
    suggested_type = models.CharField(
        _("suggested type"), max_length=10, choices=CustomerTypeChoices.choices, blank=True
    )
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    signals = models.JSONField(_("signals"), default=list, blank=True)
    set_by = models.ForeignKey(
        "organization.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("customer type")
        verbose_name_plural = _("customer types")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["workorder", "at"], name="custtype_wo_at")]

    def __str__(self) -> str:
        return f"{self.workorder_id}:{self.customer_type}"


class CauseCategory(models.TextChoices):
    PRODUCT = "product", _("product")
    SERVICE = "service", _("service")
    SAFETY = "safety", _("safety")


class ComplaintCause(models.Model):
    """A cause in the complaint taxonomy (R-26); seeded by migration, editable in the admin."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    category = models.CharField(_("category"), max_length=10, choices=CauseCategory.choices)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("complaint cause")
        verbose_name_plural = _("complaint causes")
        ordering = ["category", "position", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the current language (English when asked and entered, else the Chinese name)."""
        lang = translation.get_language() or ""
        if self.name_en and not lang.startswith("zh"):
            return self.name_en
        return self.name


class ComplaintRecord(models.Model):
    """The analysis of a complaint order: its cause (required before the order is closed)."""

    workorder = models.OneToOneField(
        "workorders.WorkOrder", on_delete=models.CASCADE, related_name="complaint"
    )
    cause = models.ForeignKey(
        ComplaintCause, on_delete=models.PROTECT, related_name="records", verbose_name=_("cause")
    )
    details = models.TextField(_("details"), blank=True)
    classified_by = models.ForeignKey(
        "organization.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    classified_at = models.DateTimeField(_("classified at"))

    class Meta:
        verbose_name = _("complaint classification")
        verbose_name_plural = _("complaint classifications")
        indexes = [models.Index(fields=["cause", "classified_at"], name="complaint_cause_at")]

    def __str__(self) -> str:
        return f"{self.workorder_id}:{self.cause_id}"


class HandlingStep(models.TextChoices):
    STAY_CALM = "stay_calm", _("stay calm")
    LISTEN = "listen", _("listen and let the customer vent")
    RECORD = "record", _("record the details")
    THANK = "thank", _("thank the customer")
    PROPOSE = "propose", _("propose a solution")
    CARRY_OUT = "carry_out", _("carry it out")
    SUMMARISE = "summarise", _("summarise")


assert tuple(HandlingStep.values) == HANDLING_STEPS


class ComplaintStep(models.Model):
    """A handling step ticked on a complaint order: who and when."""

    workorder = models.ForeignKey(
        "workorders.WorkOrder", on_delete=models.CASCADE, related_name="complaint_steps"
    )
    step = models.CharField(_("step"), max_length=12, choices=HandlingStep.choices)
    done_by = models.ForeignKey(
        "organization.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(_("done at"))

    class Meta:
        verbose_name = _("handling step")
        verbose_name_plural = _("handling steps")
        constraints = [models.UniqueConstraint(fields=["workorder", "step"], name="complaint_step_unique")]

    def __str__(self) -> str:
        return f"{self.workorder_id}:{self.step}"


class CompensationLimit(models.Model):
    """Up to this amount a compensation is granted without approval (R-26 "only within policy").

    Empty branch = every branch, empty role = every role; the most specific row applies
    (complaints.rules.applicable_limit). With no row at all every compensation needs approval."""

    branch = models.ForeignKey(
        "organization.Branch",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("branch"),
    )
    role = models.CharField(_("role"), max_length=20, choices=RoleChoices.choices, blank=True)
    amount = models.DecimalField(_("limit (CNY)"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("compensation limit")
        verbose_name_plural = _("compensation limits")
        ordering = ["branch__code", "role"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "role"], name="complimit_branch_role"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="complimit_amount_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.branch or '*'}/{self.role or '*'}: {self.amount}"


class Compensation(models.Model):
    """Compensation granted on a complaint: within the limit it is approved at once, above it waits
    for a supervisor (capability ``complaint.approve_compensation``)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for approval")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    workorder = models.ForeignKey(
        "workorders.WorkOrder", on_delete=models.CASCADE, related_name="compensations"
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    limit = models.DecimalField(
        _("limit that applied"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    requested_by = models.ForeignKey(
        "organization.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    requested_at = models.DateTimeField(_("recorded at"))
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

    class Meta:
        verbose_name = _("compensation")
        verbose_name_plural = _("compensations")
        ordering = ["requested_at", "id"]
        indexes = [models.Index(fields=["status", "requested_at"], name="compensation_status_at")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="compensation_amount_gt_0")
        ]

    def __str__(self) -> str:
        return f"{self.workorder_id}: {self.amount} {self.currency}"
