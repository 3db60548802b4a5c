"""Service catalog (服务项目) and business calendars. Time limits and clocks build on them (R-13..R-18)."""

from __future__ import annotations

import zoneinfo
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.lib.content_i18n import Translatable, with_translation
from kefu.workorders.models import OrderTypeChoices, SalePhase, ServicePlace


class Service(Translatable, models.Model):
    """A service the company offers, with its class (R-9). Time limits are attached per service.

    Texts in other languages are in ``translations`` (docs/adr/0008-content-translations.md); ``name_en``
    is kept equal to the English name there (older API clients read it), see :meth:`save`.
    """

    translatable_fields = ("name", "description", "commitment")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    order_type = models.CharField(_("work-order type"), max_length=20, choices=OrderTypeChoices.choices)
    sale_phase = models.CharField(
        _("sale phase"), max_length=10, choices=SalePhase.choices, default=SalePhase.AFTER
    )
    technical = models.BooleanField(_("technical"), default=True)
    place = models.CharField(
        _("place"), max_length=10, choices=ServicePlace.choices, default=ServicePlace.ONSITE
    )
    paid = models.BooleanField(_("paid"), default=False)
    fee = models.DecimalField(_("fee"), max_digits=10, decimal_places=2, default=Decimal("0"))
    recurring = models.BooleanField(_("recurring"), default=False)
    public = models.BooleanField(_("published"), default=True)
    description = models.TextField(_("description"), blank=True)
    commitment = models.TextField(
        _("published commitment"),
        blank=True,
        help_text=_("The promise printed with the service on the disclosure page (服务承诺)."),
    )
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_emergency = models.BooleanField(
        _("emergency"),
        default=False,
        help_text=_(
            "Requests for this service are emergencies (e.g. gas leak): urgent priority, an arrival clock in "
            "minutes, the on-duty technicians told at once, and the 24-hour hotline shown to the customer."
        ),
    )

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("service catalog")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keep ``name_en`` and the English name in ``translations`` equal (the translation wins)."""
        english = ((self.translations or {}).get("en") or {}).get("name") or ""
        if english:
            self.name_en = english
        elif self.name_en:
            self.translations = with_translation(self.translations, "en", "name", self.name_en)
        super().save(*args, **kwargs)


# --- business calendars (R-13) -------------------------------------------------------------------------------


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class BusinessCalendar(models.Model):
    """Working hours, holidays and make-up working days (调休) that time limits are counted on.

    Computation happens in ``commitments.rules`` on the value ``calendars.load_calendar`` builds. A year
    counts as known only when it has a ``CalendarYear`` row: days entered for a year without one are not
    trusted yet, so a half-entered year never passes for a complete one.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    is_24x7 = models.BooleanField(
        _("24 hours × 7 days"),
        default=False,
        help_text=_("Every hour of every day counts (e.g. the hotline); no holidays or working periods."),
    )
    makeup_weekday = models.PositiveSmallIntegerField(
        _("make-up days work like"),
        choices=Weekday.choices,
        default=Weekday.MONDAY,
        help_text=_("Make-up working days (调休) use the working periods of this weekday."),
    )

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(makeup_weekday__lte=6), name="commitments_calendar_makeup_weekday"
            )
        ]

    def __str__(self) -> str:
        return self.name


class WorkingPeriod(models.Model):
    """One working period of a weekday, e.g. Monday 08:30–12:00 (several per day are allowed)."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="periods", verbose_name=_("calendar")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("working period")
        verbose_name_plural = _("working periods")
        ordering = ["calendar", "weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")),
                name="commitments_period_start_before_end",
                violation_error_message=_("A working period must end after it starts."),
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="commitments_period_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("holiday")
    WORKDAY = "workday", _("make-up working day (调休)")


class CalendarDay(models.Model):
    """A date that differs from the weekly pattern: a public holiday, or a make-up working day."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="days", verbose_name=_("calendar")
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("holiday or make-up day")
        verbose_name_plural = _("holidays and make-up days")
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "date"],
                name="commitments_calendarday_unique",
                violation_error_message=_("This date is already in the calendar."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()


class YearSource(models.TextChoices):
    CHINESECALENDAR = "chinesecalendar", _("chinesecalendar package")
    MANUAL = "manual", _("entered by hand")
    ICALENDAR = "ics", _("iCalendar file")
    CSV = "csv", _("CSV file")


class CalendarYear(models.Model):
    """A year whose official holidays and make-up days are complete in this calendar."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="years", verbose_name=_("calendar")
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2200)]
    )
    source = models.CharField(
        _("source"), max_length=20, choices=YearSource.choices, default=YearSource.MANUAL
    )

    class Meta:
        verbose_name = _("year with complete holiday data")
        verbose_name_plural = _("years with complete holiday data")
        ordering = ["calendar", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "year"],
                name="commitments_calendaryear_unique",
                violation_error_message=_("This year is already marked as complete."),
            )
        ]

    def __str__(self) -> str:
        return str(self.year)


# --- time limits and clocks (R-13..R-16) ---------------------------------------------------------------------


class ClockKindChoices(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("first response")
    RESOLUTION = "resolution", _("resolution")
    COMPLAINT_ANSWER = "complaint_answer", _("complaint answer")
    ARRIVAL = "arrival", _("arrival on site (emergency)")


class UnitChoices(models.TextChoices):
    CALENDAR_HOURS = "calendar_hours", _("calendar hours")
    CALENDAR_MINUTES = "calendar_minutes", _("calendar minutes")
    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")
    CALENDAR_MONTHS = "calendar_months", _("calendar months")


class TimeLimit(models.Model):
    """A configured time limit (R-13). The most specific matching row wins (see ``commitments.limits``)."""

    kind = models.CharField(_("clock"), max_length=20, choices=ClockKindChoices.choices)
    order_type = models.CharField(
        _("work-order type"),
        max_length=20,
        blank=True,
        choices=OrderTypeChoices.choices,
        help_text=_("Empty: every type (e.g. a first-response limit per channel)."),
    )
    channel = models.CharField(
        _("channel"),
        max_length=10,
        blank=True,
        choices=[
            ("phone", _("phone")),
            ("counter", _("counter visit")),
            ("email", _("e-mail")),
            ("portal", _("web portal")),
            ("sms", _("SMS")),
            ("chat", _("chat / WeChat")),
            ("social", _("social media")),
            ("api", _("API")),
            ("visit", _("on-site visit")),
        ],
        help_text=_("Empty: every channel the request came in by."),
    )
    emergency = models.BooleanField(
        _("emergencies only"),
        default=False,
        help_text=_("Applies only to emergency orders (emergency service or emergency keyword)."),
    )
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="time_limits",
        verbose_name=_("service"),
        help_text=_("Empty: every service of this order type."),
    )
    area_kind = models.CharField(
        _("area kind"),
        max_length=10,
        blank=True,
        choices=[("urban", _("urban (city)")), ("rural", _("rural (county)"))],
        help_text=_("Empty: urban and rural areas."),
    )
    tier = models.CharField(
        _("customer tier"),
        max_length=10,
        blank=True,
        choices=[
            ("diamond", _("diamond")),
            ("gold", _("gold")),
            ("brass", _("brass")),
            ("lead", _("lead")),
        ],
        help_text=_("Empty: every customer tier. Use it for shorter limits for VIP customers."),
    )
    priority = models.CharField(
        _("priority"),
        max_length=10,
        blank=True,
        choices=[("urgent", _("urgent")), ("high", _("high")), ("normal", _("normal")), ("low", _("low"))],
        help_text=_("Empty: every priority."),
    )
    unit = models.CharField(_("unit"), max_length=20, choices=UnitChoices.choices)
    amount = models.DecimalField(
        pgettext_lazy("duration", "amount"),
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("How many of the unit: e.g. 3 with “working days”."),
    )
    around_the_clock = models.BooleanField(
        _("24 × 7"),
        default=False,
        help_text=_("Count on the 24 × 7 calendar instead of the branch's business calendar."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        ordering = ["kind", "order_type", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="commitments_timelimit_positive")
        ]

    def __str__(self) -> str:
        scope = self.get_order_type_display() or self.get_channel_display() or "*"
        return f"{self.get_kind_display()} · {scope} · {self.amount.normalize()} {self.get_unit_display()}"

    def clean(self) -> None:
        # the service being edited (maybe not saved yet) when the editor set it, else the stored one
        cached = TimeLimit.service.field.get_cached_value(self, default=None)
        service = cached if isinstance(cached, Service) else (self.service if self.service_id else None)
        if service is not None and self.order_type and service.order_type != self.order_type:
            raise ValidationError(
                {
                    "order_type": _(
                        "The service “%(service)s” takes %(type)s orders: leave the work-order type empty or "
                        "choose that type."
                    )
                    % {"service": service.name, "type": service.get_order_type_display()}
                }
            )
        order_type = self.order_type or (service.order_type if service is not None else "")
        if self.kind == ClockKindChoices.COMPLAINT_ANSWER and order_type and order_type != "complaint":
            raise ValidationError(
                {
                    "kind": _(
                        "A complaint-answer limit applies only to complaints; this one is for %(type)s orders."
                    )
                    % {"type": OrderTypeChoices(order_type).label}
                }
            )
        if self.kind == ClockKindChoices.ARRIVAL and not (
            self.emergency or (service and service.is_emergency)
        ):
            raise ValidationError(
                {
                    "kind": _(
                        "An arrival limit applies only to emergencies: tick “emergencies only” or choose an "
                        "emergency service."
                    )
                }
            )
        if (
            self.unit in (UnitChoices.WORKING_DAYS, UnitChoices.CALENDAR_MONTHS)
            and self.amount is not None
            and self.amount != int(self.amount)
        ):
            if self.unit == UnitChoices.CALENDAR_MONTHS:
                raise ValidationError({"amount": _("Months must be whole months.")})
            raise ValidationError({"amount": _("Working days must be whole days.")})


class ClockStatusChoices(models.TextChoices):
    NOT_STARTED = "not_started", _("not started (materials incomplete)")
    RUNNING = "running", _("running")
    PAUSED = "paused", _("paused")
    BREACHED = "breached", pgettext_lazy("time limit", "overdue")
    MET = "met", _("met on time")
    MET_UNREACHABLE = "met_unreachable", _("met (customer unreachable, report filed)")
    LATE = "late", _("met late")
    CANCELLED = "cancelled", _("cancelled (withdrawn)")


OPEN_CLOCK_STATUSES = ("not_started", "running", "paused", "breached")
# clocks whose passed deadline the breach sweep records: still running, already marked overdue by a hook,
# or ended late before a sweep saw them
BREACH_CANDIDATE_STATUSES = ("running", "breached", "late")


class OrderClock(models.Model):
    """One commitment clock of one work order (R-14). Written only by ``commitments.clocks``.

    ``due_at``/``warn_at``/``status`` are stored results of ``rules.clock_state`` so that the breach sweep
    is an indexed query. A reopened order gets a new ``round`` of its resolution clock.
    """

    workorder = models.ForeignKey(
        "workorders.WorkOrder", on_delete=models.CASCADE, related_name="clocks", verbose_name=_("work order")
    )
    kind = models.CharField(_("clock"), max_length=20, choices=ClockKindChoices.choices)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    time_limit = models.ForeignKey(
        TimeLimit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("rule")
    )
    unit = models.CharField(_("unit"), max_length=20, choices=UnitChoices.choices)
    amount = models.DecimalField(_("amount"), max_digits=7, decimal_places=2)
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, related_name="+", verbose_name=_("calendar")
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    pauses = models.JSONField(_("pauses"), default=list, blank=True)
    extension_amount = models.DecimalField(
        _("approved extensions"), max_digits=7, decimal_places=2, default=Decimal("0")
    )
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ClockStatusChoices.choices, default=ClockStatusChoices.NOT_STARTED
    )
    remaining_seconds = models.BigIntegerField(_("remaining (s)"), null=True, blank=True)
    unreachable_report = models.TextField(_("unreachable report"), blank=True)
    unreachable_reported_at = models.DateTimeField(_("unreachable reported at"), null=True, blank=True)
    unreachable_reported_by = models.ForeignKey(
        "organization.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # the leader's decision on the report: only an approved report stops the clock
    unreachable_status = models.CharField(
        _("unreachable report decision"),
        max_length=10,
        blank=True,
        choices=[
            ("pending", _("waiting for the leader")),
            ("approved", _("approved")),
            ("rejected", _("rejected")),
        ],
    )
    unreachable_decided_by = models.ForeignKey(
        "organization.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unreachable_decided_at = models.DateTimeField(_("unreachable report decided at"), null=True, blank=True)
    unreachable_decision_note = models.TextField(_("decision note"), blank=True)
    calendar_missing_year = models.PositiveSmallIntegerField(
        _("calendar data missing for"), null=True, blank=True
    )
    # set once by the breach sweep (commitments.sweep, R-16); never cleared
    warned_at = models.DateTimeField(_("deadline warning given at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breach detected at"), null=True, blank=True)
    sweep_token = models.CharField(max_length=32, blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("order clock")
        verbose_name_plural = _("order clocks")
        ordering = ["workorder", "kind", "round"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="clock_status_due"),
            models.Index(fields=["status", "warn_at"], name="clock_status_warn"),
            # what the breach sweep still has to look at: small partial indexes, so that a sweep over
            # many open orders with nothing due reads only a few index pages
            models.Index(
                fields=["due_at"],
                name="clock_breach_todo",
                condition=models.Q(breached_at__isnull=True, status__in=BREACH_CANDIDATE_STATUSES),
            ),
            models.Index(
                fields=["warn_at"],
                name="clock_warn_todo",
                condition=models.Q(warned_at__isnull=True, status="running"),
            ),
            # the reports' on-time rate: resolution clocks ended in a period
            models.Index(fields=["kind", "stopped_at"], name="clock_kind_stopped"),
            # clocks waiting for a calendar year an administrator has still to enter (clocks.recompute_missing)
            models.Index(
                fields=["calendar_id"],
                name="clock_missing_year",
                condition=models.Q(calendar_missing_year__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["workorder", "kind", "round"], name="commitments_clock_unique")
        ]

    def __str__(self) -> str:
        return f"{self.workorder_id} {self.kind} #{self.round}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CLOCK_STATUSES

    @property
    def provisional(self) -> bool:
        """The due time was counted without the holidays of ``calendar_missing_year`` (weekends only)."""
        return self.calendar_missing_year is not None and self.due_at is not None


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class ExtensionRequest(models.Model):
    """A request to extend a clock's deadline (R-15): only a leader's approval moves the deadline."""

    clock = models.ForeignKey(
        OrderClock, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("clock")
    )
    requested_by = models.ForeignKey(
        "organization.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"))
    amount = models.DecimalField(
        _("amount"), max_digits=7, decimal_places=2, help_text=_("In the clock's unit.")
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
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

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["status", "requested_at"], name="extension_status")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="commitments_extension_positive")
        ]

    def __str__(self) -> str:
        return f"{self.clock} +{self.amount.normalize()}"


class Breach(models.Model):
    """A passed deadline detected by the breach sweep (R-16): one per clock, recorded against the
    responsible staff (the order's assignee, else its first-contact owner) and the leader the breach was
    escalated to. Accountability records (R-27) are created from these."""

    clock = models.OneToOneField(
        OrderClock, on_delete=models.CASCADE, related_name="breach", verbose_name=_("clock")
    )
    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.CASCADE,
        related_name="breaches",
        verbose_name=_("work order"),
    )
    kind = models.CharField(_("clock"), max_length=20, choices=ClockKindChoices.choices)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    due_at = models.DateTimeField(_("due at"))
    detected_at = models.DateTimeField(_("detected at"))
    responsible = models.ForeignKey(
        "organization.Staff", on_delete=models.PROTECT, related_name="breaches", verbose_name=_("responsible")
    )
    leader = models.ForeignKey(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_breaches",
        verbose_name=_("leader"),
    )
    escalated = models.BooleanField(_("escalated"), default=False)
    escalation = models.ForeignKey(
        "workorders.Escalation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("escalation"),
    )

    class Meta:
        verbose_name = _("breach")
        verbose_name_plural = _("breaches")
        ordering = ["-detected_at", "-id"]
        indexes = [
            models.Index(fields=["responsible", "detected_at"], name="breach_responsible"),
            models.Index(fields=["detected_at"], name="breach_detected"),
        ]

    def __str__(self) -> str:
        return f"{self.workorder_id} {self.kind} #{self.round}"


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("phone call")
    SMS = "sms", _("SMS")
    VISIT = "visit", _("visit")
    OTHER = "other", _("other")


class ContactAttempt(models.Model):
    """A recorded attempt to reach the customer of an order (R-14): the proof an unreachable report needs."""

    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.CASCADE,
        related_name="contact_attempts",
        verbose_name=_("work order"),
    )
    method = models.CharField(_("how"), max_length=10, choices=ContactMethod.choices)
    at = models.DateTimeField(_("when"))
    staff = models.ForeignKey(
        "organization.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    note = models.CharField(_("result"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        ordering = ["workorder", "at", "id"]
        indexes = [models.Index(fields=["workorder", "at"], name="contact_attempt_order_at")]

    def __str__(self) -> str:
        return f"{self.workorder_id} {self.method} {self.at:%Y-%m-%d %H:%M}"


# service catalog details and the one-time notice live in their own module
# emergencies: keywords and the orders found to be emergencies
from kefu.commitments.models.emergency import EmergencyKeyword, OrderEmergency  # noqa: E402, F401
from kefu.commitments.models.materials import (  # noqa: E402, F401
    AdditionalMaterialsRequest,
    MaterialsNotice,
    OrderMaterial,
    ServiceFee,
    ServiceMaterial,
    ServiceStep,
)

# proactive service: planned maintenance and care plans
from kefu.commitments.models.proactive import CarePlan, PlannedMaintenance  # noqa: E402, F401
from kefu.commitments.models.revisions import ServiceRevision  # noqa: E402, F401
