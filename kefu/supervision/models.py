"""Models of supervision: accountability records (R-27), supervision notices (督办) and the dated history
of the service-area contractors (R-30). Writers: ``kefu.supervision.actions`` and ``jobs``."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.supervision import rules


class KindChoices(models.TextChoices):
    BREACH = rules.Kind.BREACH.value, _("deadline breached")
    MISSED_FOLLOWUP = rules.Kind.MISSED_FOLLOWUP.value, _("missed follow-up")
    FORBIDDEN_PHRASE = rules.Kind.FORBIDDEN_PHRASE.value, _("forbidden phrase")
    SENT_AWAY = rules.Kind.SENT_AWAY.value, _("customer sent away")
    NOTICE_OVERDUE = rules.Kind.NOTICE_OVERDUE.value, _("supervision notice overdue")
    MANUAL = rules.Kind.MANUAL.value, _("found by supervision")


class SeverityChoices(models.TextChoices):
    MINOR = rules.Severity.MINOR.value, _("minor")
    SERIOUS = rules.Severity.SERIOUS.value, _("serious")
    GRAVE = rules.Severity.GRAVE.value, _("grave")


class OutcomeChoices(models.TextChoices):
    NONE = rules.Outcome.NONE.value, _("no sanction")
    WARNING = rules.Outcome.WARNING.value, _("warning")
    NO_AWARD = rules.Outcome.NO_AWARD.value, _("loss of award eligibility")
    CRITICISM = rules.Outcome.CRITICISM.value, _("public criticism and penalty")


REASON_LABELS: dict[str, Any] = {
    "severity_minor": _("minor violation: a warning"),
    "severity_serious": _("serious violation: loss of award eligibility"),
    "severity_grave": _("grave violation: public criticism and a penalty"),
    "repeat": _("repeat offence: %(count)s other violations in the last 12 months (heavier)"),
    "retaliation": _("retaliation against the customer (heavier)"),
    "obstruction": _("obstructed the investigation (heavier)"),
    "apologised_forgiven": _("apologised and the customer forgave (lighter)"),
    "harm_prevented": _("prevented the harm (lighter)"),
    "loss_recovered": _("recovered the loss (lighter)"),
    "floor_warning": _("not lighter than a warning: the violation happened"),
    "penalty": _("penalty %(amount)s yuan"),
}


def reason_text(reason: dict[str, Any] | rules.Reason) -> str:
    code = reason.code if isinstance(reason, rules.Reason) else str(reason.get("code", ""))
    params = reason.params if isinstance(reason, rules.Reason) else dict(reason.get("params") or {})
    label = REASON_LABELS.get(code)
    if label is None:
        return code
    try:
        return str(label) % params if params else str(label)
    except (KeyError, TypeError, ValueError):
        return str(label)


class AccountabilityRecord(models.Model):
    """责任追究: one violation recorded against a staff member and their manager; one per source row."""

    class Status(models.TextChoices):
        OPEN = "open", _("awaiting the statement")
        HEARD = "heard", _("statement given")
        CLOSED = "closed", _("decided")

    kind = models.CharField(_("kind"), max_length=20, choices=KindChoices.choices)
    source_id = models.BigIntegerField(
        _("source"), null=True, blank=True, help_text=_("The row it was created from (empty when manual).")
    )
    staff = models.ForeignKey(
        "organization.Staff",
        on_delete=models.PROTECT,
        related_name="accountability_records",
        verbose_name=_("staff member"),
    )
    manager = models.ForeignKey(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="managed_accountability_records",
        verbose_name=_("manager"),
    )
    branch = models.ForeignKey(
        "organization.Branch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("branch"),
    )
    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accountability_records",
        verbose_name=_("work order"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("customer"),
    )
    summary = models.TextField(_("what happened"))
    severity = models.CharField(_("severity"), max_length=10, choices=SeverityChoices.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    created_at = models.DateTimeField(_("recorded at"))
    created_by = models.ForeignKey(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    statement_due = models.DateTimeField(_("statement due"))
    statement = models.TextField(_("statement (申辩)"), blank=True)
    statement_at = models.DateTimeField(_("statement given at"), null=True, blank=True)
    retaliation = models.BooleanField(_("retaliation"), default=False)
    obstruction = models.BooleanField(_("obstruction"), default=False)
    apologised_forgiven = models.BooleanField(_("apologised and the customer forgave"), default=False)
    harm_prevented = models.BooleanField(_("harm prevented"), default=False)
    loss_recovered = models.BooleanField(_("loss recovered"), default=False)
    proposed_outcome = models.CharField(
        _("proposed outcome"), max_length=12, choices=OutcomeChoices.choices, blank=True
    )
    proposal_reasons = models.JSONField(_("reasons of the proposal"), default=list, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=OutcomeChoices.choices, blank=True)
    penalty = models.DecimalField(_("penalty (yuan)"), max_digits=10, decimal_places=2, default=0)
    decision = models.TextField(_("decision"), blank=True)
    decided_by = models.ForeignKey(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("accountability record")
        verbose_name_plural = _("accountability records")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source_id"],
                condition=Q(source_id__isnull=False),
                name="accountability_one_per_source",
            )
        ]
        indexes = [
            models.Index(fields=["branch", "-occurred_at"], name="acc_branch_at"),
            models.Index(fields=["staff", "-occurred_at"], name="acc_staff_at"),
            models.Index(fields=["status", "-occurred_at"], name="acc_status_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.staff_id} #{self.pk}"

    @property
    def factors(self) -> rules.Factors:
        return rules.Factors(
            retaliation=self.retaliation,
            obstruction=self.obstruction,
            apologised_forgiven=self.apologised_forgiven,
            harm_prevented=self.harm_prevented,
            loss_recovered=self.loss_recovered,
        )

    def reason_texts(self) -> list[str]:
        return [reason_text(r) for r in self.proposal_reasons]


class SourceWatermark(models.Model):
    """How far the accountability job has scanned each source table (ids below are done)."""

    source = models.CharField(max_length=30, unique=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.source}>{self.last_id}"


class SupervisionNotice(models.Model):
    """督办: a supervisor or inspector demands that an order be dealt with by a due time."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ANSWERED = "answered", pgettext_lazy("supervision notice", "answered")

    class AnsweredHow(models.TextChoices):
        RESOLVED = "resolved", _("order resolved")
        REPLY = "reply", _("written reply")

    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.CASCADE,
        related_name="supervision_notices",
        verbose_name=_("work order"),
    )
    branch = models.ForeignKey(
        "organization.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    issued_by = models.ForeignKey(
        "organization.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    issued_at = models.DateTimeField(_("issued at"))
    due_at = models.DateTimeField(_("due at"))
    text = models.TextField(_("what is demanded"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_how = models.CharField(_("answered by"), max_length=10, choices=AnsweredHow.choices, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    overdue_reported_at = models.DateTimeField(_("reported overdue at"), null=True, blank=True)
    reported_to = models.ForeignKey(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reported to"),
    )
    escalation = models.ForeignKey(
        "workorders.Escalation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("escalation"),
    )

    class Meta:
        verbose_name = _("supervision notice")
        verbose_name_plural = _("supervision notices")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="notice_status_due"),
            models.Index(fields=["branch", "status", "due_at"], name="notice_branch_status_due"),
        ]

    def __str__(self) -> str:
        return f"督办 #{self.pk} · {self.workorder_id}"


class AreaAssignment(models.Model):
    """片区承包: who was responsible for a service area from when until when (``to_date`` exclusive: the day
    the successor took over; empty while current). ``from_date`` is empty for a person who was already
    responsible before the history began."""

    area = models.ForeignKey(
        "organization.ServiceArea",
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("service area"),
    )
    staff = models.ForeignKey(
        "organization.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("staff member")
    )
    from_date = models.DateField(_("from"), null=True, blank=True)
    to_date = models.DateField(_("until"), null=True, blank=True)
    published = models.BooleanField(_("published"), default=True)
    created_by = models.ForeignKey(
        "organization.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("area assignment")
        verbose_name_plural = _("area assignments")
        ordering = ["area", "-from_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "staff"],
                condition=Q(to_date__isnull=True),
                name="area_assignment_one_current",
            )
        ]
        indexes = [models.Index(fields=["-created_at"], name="area_assignment_recent")]

    def __str__(self) -> str:
        return f"{self.area_id}:{self.staff_id} {self.from_date}–{self.to_date or ''}"
