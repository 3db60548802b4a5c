"""Follow-up (回访) of resolved orders and visits of follow-up plans (R-19..R-21).

Writers: ``followup.actions`` (tasks, attempts, results, plan visits, misses). No logic in ``save()``.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.lib import clock


class UnitChoices(models.TextChoices):
    CALENDAR_HOURS = "calendar_hours", _("calendar hours")
    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")


class AssignmentChoices(models.TextChoices):
    LEAST_LOADED = "least_loaded", _("least loaded (fewest open tasks)")
    UNASSIGNED = "unassigned", _("leave unassigned (any follow-up staff of the branch takes it)")


class FollowupSettings(models.Model):
    """How follow-ups are due and assigned; one row per branch, an empty branch is the default for all."""

    branch = models.OneToOneField(
        "organization.Branch",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("branch"),
        help_text=_("Empty: the default for branches without settings of their own."),
    )
    due_amount = models.DecimalField(
        _("due within"),
        max_digits=6,
        decimal_places=1,
        default=Decimal("3"),
        validators=[MinValueValidator(Decimal("0.5"))],
    )
    due_unit = models.CharField(
        _("unit"),
        max_length=20,
        choices=UnitChoices.choices,
        default=UnitChoices.WORKING_DAYS,
        help_text=_(
            "Counted from the resolution on the branch's business calendar. The default, 3 working days, "
            "is R-19's 72 hours without weekends and holidays eating the time."
        ),
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts before unreachable"), default=3, validators=[MinValueValidator(1)]
    )
    assignment = models.CharField(
        _("assignment"),
        max_length=20,
        choices=AssignmentChoices.choices,
        default=AssignmentChoices.LEAST_LOADED,
    )
    allow_worker = models.BooleanField(
        _("the person who did the work may follow up"),
        default=False,
        help_text=_("Normally the owner and assignee of the order are never given its follow-up."),
    )

    class Meta:
        verbose_name = _("follow-up settings")
        verbose_name_plural = _("follow-up settings")

    def __str__(self) -> str:
        return str(self.branch) if self.branch_id else str(_("default"))

    def clean(self) -> None:
        if self.branch_id is None:
            others = FollowupSettings.objects.filter(branch__isnull=True).exclude(pk=self.pk)
            if others.exists():
                raise ValidationError(_("There already are default settings (without a branch)."))


class SatisfactionLevel(models.Model):
    """A satisfaction answer (data, editable): very satisfied, satisfied, basically satisfied, dissatisfied."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    label = models.CharField(_("label"), max_length=100)
    label_en = models.CharField(_("label (English)"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    satisfied = models.BooleanField(
        _("counts as satisfied"), default=True, help_text=_("Unticked: the answer reopens the order.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("satisfaction level")
        verbose_name_plural = _("satisfaction levels")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label


class FollowupPlan(models.Model):
    """R-20: regular visits to a large customer; the job turns a due plan into a visit task."""

    class Period(models.TextChoices):
        MONTHLY = "monthly", _("monthly")
        QUARTERLY = "quarterly", _("quarterly")
        YEARLY = "yearly", _("yearly")

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="followup_plans",
        verbose_name=_("customer"),
    )
    period = models.CharField(_("period"), max_length=10, choices=Period.choices, default=Period.QUARTERLY)
    next_visit = models.DateField(_("next visit"), db_index=True)
    assignee = models.ForeignKey(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("follow-up staff"),
    )
    note = models.CharField(_("what to talk about"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("follow-up plan")
        verbose_name_plural = _("follow-up plans")
        ordering = ["next_visit", "id"]

    def __str__(self) -> str:
        return f"{self.customer} · {self.get_period_display()}"

    def clean(self) -> None:
        staff = self.assignee
        if staff is None or self.customer_id is None:
            return
        if staff.branch_id is not None and staff.branch_id != self.customer.branch_id:
            raise ValidationError(
                {"assignee": _("Choose staff of the customer's branch (or the company level).")}
            )


class FollowupTask(models.Model):
    class Kind(models.TextChoices):
        ORDER = "order", _("after resolution")
        VISIT = "visit", _("planned visit")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("followed up")
        UNREACHABLE = "unreachable", _("unreachable")
        CANCELLED = "cancelled", _("cancelled")

    key = models.CharField(max_length=80, unique=True, editable=False)  # idempotency: order:<id>:<n>, plan:…
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followups",
        verbose_name=_("work order"),
    )
    plan = models.ForeignKey(
        FollowupPlan,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        verbose_name=_("plan"),
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    branch = models.ForeignKey(
        "organization.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    assignee = models.ForeignKey(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followup_tasks",
        verbose_name=_("follow-up staff"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("created at"))
    resolved_at = models.DateTimeField(_("order resolved at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    missing_year = models.PositiveSmallIntegerField(
        _("calendar lacks year"),
        null=True,
        blank=True,
        help_text=_("No due time: the calendar lacks this year."),
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    finished_by = models.ForeignKey(
        "organization.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    solved = models.BooleanField(_("problem really solved"), null=True, blank=True)
    satisfaction = models.ForeignKey(
        SatisfactionLevel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("satisfaction"),
    )
    comments = models.TextField(_("comments"), blank=True)
    reopened_order = models.BooleanField(_("order reopened"), default=False)
    missed_at = models.DateTimeField(_("missed (found by the system)"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workorder"], condition=Q(status="open"), name="followup_one_open_task_per_order"
            )
        ]
        indexes = [
            models.Index(fields=["branch", "status", "due_at"], name="followup_branch_status_due"),
            models.Index(fields=["due_at"], name="followup_due"),  # the reports: tasks due in a period
            models.Index(fields=["status", "due_at"], name="followup_status_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def overdue(self) -> bool:
        """Open and its due time has passed (the work list highlights it)."""
        return self.is_open and self.due_at is not None and self.due_at < clock.now()


class FollowupAttempt(models.Model):
    """One call or visit: when, by whom, and whether the customer was reached."""

    class Outcome(models.TextChoices):
        REACHED = "reached", _("reached")
        NO_ANSWER = "no_answer", _("no answer")
        BUSY = "busy", _("line busy")
        WRONG_NUMBER = "wrong_number", _("wrong number")
        NOT_AT_HOME = "not_at_home", _("not at home")
        REFUSED = "refused", _("refused to talk")

    task = models.ForeignKey(FollowupTask, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        "organization.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("follow-up attempt")
        verbose_name_plural = _("follow-up attempts")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.at:%Y-%m-%d %H:%M}"

    @property
    def reached(self) -> bool:
        return self.outcome == self.Outcome.REACHED


class FollowupMiss(models.Model):
    """A follow-up whose due time passed without a result, found by the job ``followup.miss_sweep``
    (exactly once per task) — for accountability (R-27)."""

    task = models.OneToOneField(FollowupTask, on_delete=models.CASCADE, related_name="miss")
    branch = models.ForeignKey("organization.Branch", on_delete=models.PROTECT, related_name="+")
    responsible = models.ForeignKey(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("responsible"),
    )
    due_at = models.DateTimeField(_("was due at"))
    found_at = models.DateTimeField(_("found at"))

    class Meta:
        verbose_name = _("missed follow-up")
        verbose_name_plural = _("missed follow-ups")
        ordering = ["-found_at", "-id"]

    def __str__(self) -> str:
        return f"{self.task} {self.due_at:%Y-%m-%d %H:%M}"
