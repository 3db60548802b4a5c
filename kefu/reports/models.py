"""Models of reports: KPI targets set in the admin (R-31)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.reports import kpis


class KpiChoices(models.TextChoices):
    COMPLAINT_RATE = kpis.Kpi.COMPLAINT_RATE.value, _("Complaint rate")
    ANSWERED_24H = kpis.Kpi.ANSWERED_24H.value, _("Answered within 24 h")
    ON_TIME = kpis.Kpi.ON_TIME.value, _("Resolved on time")
    FOLLOWUP = kpis.Kpi.FOLLOWUP.value, _("Follow-up coverage")
    CSAT = kpis.Kpi.CSAT.value, _("CSAT")
    NPS = kpis.Kpi.NPS.value, _("NPS")
    RETENTION = kpis.Kpi.RETENTION.value, _("Customer retention")
    GROWTH = kpis.Kpi.GROWTH.value, _("Customer growth")
    RENEWAL = kpis.Kpi.RENEWAL.value, _("Renewal rate")


class ScopeChoices(models.TextChoices):
    COMPANY = "company", _("company-wide")
    BRANCH = "branch", _("branch")
    AREA = "area", _("service area")
    STAFF = "staff", _("staff member")


class DirectionChoices(models.TextChoices):
    HIGHER = kpis.Direction.HIGHER.value, _("higher is better")
    LOWER = kpis.Direction.LOWER.value, _("lower is better")


class KpiTarget(models.Model):
    """A target for one KPI. The most specific row wins: the staff member / area / branch itself before
    the company-wide row, and a row for the month before a row for the whole year (``month`` empty)."""

    kpi = models.CharField(_("KPI"), max_length=20, choices=KpiChoices.choices)
    scope = models.CharField(_("scope"), max_length=10, choices=ScopeChoices.choices)
    branch = models.ForeignKey(
        "organization.Branch", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    area = models.ForeignKey(
        "organization.ServiceArea", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    staff = models.ForeignKey(
        "organization.Staff", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(
        _("month"), null=True, blank=True, help_text=_("Empty: the target holds for every month of the year.")
    )
    target = models.DecimalField(_("target value"), max_digits=10, decimal_places=2)
    direction = models.CharField(_("direction"), max_length=10, choices=DirectionChoices.choices)

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        ordering = ["year", "month", "kpi", "scope"]
        indexes = [models.Index(fields=["year", "kpi"], name="reports_target_year_kpi")]

    def __str__(self) -> str:
        when = f"{self.year}" if self.month is None else f"{self.year}-{self.month:02d}"
        return f"{self.get_kpi_display()} {self.get_scope_display()} {when}: {self.target}"

    def clean(self) -> None:
        needs = {
            "branch": self.scope == "branch",
            "area": self.scope == "area",
            "staff": self.scope == "staff",
        }
        errors: dict[str, object] = {}
        for field, wanted in needs.items():
            present = getattr(self, f"{field}_id") is not None
            if wanted and not present:
                errors[field] = _("Choose the %(what)s this target is for.") % {"what": field}
            if present and not wanted:
                errors[field] = _("Leave empty for this scope.")
        if self.month is not None and not 1 <= self.month <= 12:
            errors["month"] = _("A month is 1 to 12.")
        if errors:
            raise ValidationError(errors)


class ClosedPeriod(models.Model):
    """A month (or year) whose KPI figures are frozen: computed once, after the period ended and the
    days of grace for late answers and follow-ups passed (``KEFU_REPORT_CLOSE_AFTER_DAYS``), by the job
    ``reports.close_periods`` or by the "recompute" action of the back office. Reports of a closed period
    read :class:`KpiFigure` instead of counting the orders again (docs/kpis.md, "Closed months").

    A *provisional* row is a snapshot of the current month (or year, or a month still in its days of
    grace), recounted every ``KEFU_REPORT_REFRESH_MINUTES`` by the job ``reports.refresh_open``: reports
    read it while it is fresh and say when it was counted (docs/kpis.md, "The current month")."""

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"), help_text=_("0: the whole year."))
    tz = models.CharField(_("time zone"), max_length=64)
    closed_at = models.DateTimeField(_("closed at"))
    closed_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    figures = models.PositiveIntegerField(_("figures"), default=0)
    duration_ms = models.PositiveIntegerField(_("computed in (ms)"), default=0)
    provisional = models.BooleanField(
        _("provisional"),
        default=False,
        help_text=_(
            "A snapshot of a period not closed yet, recounted every few minutes by the job "
            "reports.refresh_open; it is replaced when the period is closed."
        ),
    )

    class Meta:
        verbose_name = _("closed period")
        verbose_name_plural = _("closed periods")
        ordering = ["-year", "-month"]
        constraints = [models.UniqueConstraint(fields=["year", "month"], name="reports_closed_period_once")]

    def __str__(self) -> str:
        return f"{self.year}" if self.month == 0 else f"{self.year}-{self.month:02d}"


class KpiFigure(models.Model):
    """The counts of one KPI of a closed period, per row key (area, staff member or branch; empty: the
    rows no key groups, which count only for the company) and per branch of the counted rows (so that a
    viewer limited to some branches sums only theirs, exactly as the live query filters them)."""

    period = models.ForeignKey(ClosedPeriod, on_delete=models.CASCADE, related_name="kpi_figures")
    dim = models.CharField(_("dimension"), max_length=10)
    kpi = models.CharField(_("KPI"), max_length=20, choices=KpiChoices.choices)
    key = models.IntegerField(_("row"), null=True, blank=True)
    branch_id = models.IntegerField(_("branch"), null=True, blank=True)
    num = models.BigIntegerField(_("numerator"))
    den = models.BigIntegerField(_("denominator"))
    extra = models.BigIntegerField(_("detractors (NPS)"), default=0)

    class Meta:
        verbose_name = _("KPI figure")
        verbose_name_plural = _("KPI figures")
        indexes = [models.Index(fields=["period", "dim", "kpi"], name="reports_figure_period_dim")]

    def __str__(self) -> str:
        return f"{self.period} {self.dim} {self.kpi} {self.key}: {self.num}/{self.den}"
