"""Safety-check campaigns (R-18): area-wide proactive visits, planned in batches as appointments, with the
households' progress (pending, scheduled, done, refused, absent) and the repeat rules."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.lib.content_i18n import Translatable


class Campaign(Translatable, models.Model):
    """An area-wide campaign of one on-site service (e.g. the annual gas safety check) in one branch. The
    notice's Simplified Chinese text is ``notice_text``, the other languages' in ``translations``; each
    household gets it in its customer's language (docs/adr/0008-content-translations.md)."""

    translatable_fields = ("notice_text",)

    branch = models.ForeignKey(
        "organization.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    name = models.CharField(_("name"), max_length=200)
    service = models.ForeignKey(
        "commitments.Service", on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    areas = models.ManyToManyField("organization.ServiceArea", related_name="+", verbose_name=_("areas"))
    starts_on = models.DateField(_("first visit day"))
    ends_on = models.DateField(_("last visit day"))
    window_minutes = models.PositiveSmallIntegerField(_("visit window (minutes)"), default=120)
    daily_capacity = models.PositiveSmallIntegerField(_("visits per technician and day"), default=8)
    batch_size = models.PositiveIntegerField(_("households per batch"), default=50)
    notice_text = models.TextField(
        _("notice to households"),
        help_text=_(
            "Sent by SMS, or printed as a letter for households without a mobile phone. Placeholders: "
            "{name}, {date}, {window}, {technician}, {hotline}."
        ),
    )
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    absent_repeats = models.PositiveSmallIntegerField(
        _("further attempts after the customer was not at home"), default=2
    )
    repeat_gap_days = models.PositiveSmallIntegerField(_("days at least between attempts"), default=7)
    recheck_months = models.PositiveSmallIntegerField(_("next check due after (months)"), default=12)
    auto_batches = models.BooleanField(
        _("plan the next batch every working day"),
        default=False,
        help_text=_("Otherwise a supervisor plans each batch with the button."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        "organization.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"))
    last_batch_at = models.DateTimeField(_("last batch planned"), null=True, blank=True)
    batches = models.PositiveIntegerField(_("batches planned"), default=0)

    class Meta:
        verbose_name = _("safety-check campaign")
        verbose_name_plural = _("safety-check campaigns")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["branch", "active"], name="campaign_branch_active")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="campaign_period_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class HouseholdStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("campaign household", "not yet planned")
    SCHEDULED = "scheduled", pgettext_lazy("campaign household", "visit booked")
    DONE = "done", pgettext_lazy("campaign household", "checked")
    REFUSED = "refused", pgettext_lazy("campaign household", "refused")
    ABSENT = "absent", pgettext_lazy("campaign household", "not at home, letter sent")


class CampaignHousehold(models.Model):
    """One household (customer) of a campaign's areas and where its check stands."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="households", verbose_name=_("campaign")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    area = models.ForeignKey(
        "organization.ServiceArea", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=HouseholdStatus.choices, default=HouseholdStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("visits planned"), default=0)
    absences = models.PositiveSmallIntegerField(_("times not at home"), default=0)
    not_before = models.DateField(_("next visit not before"), null=True, blank=True)
    appointment = models.ForeignKey(
        "fieldservice.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current appointment"),
    )
    refused_reason = models.CharField(_("reason for refusing"), max_length=300, blank=True)
    done_on = models.DateField(_("checked on"), null=True, blank=True)
    next_due = models.DateField(_("next check due"), null=True, blank=True)
    letter_at = models.DateTimeField(_("letter asking to book sent"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("campaign household")
        verbose_name_plural = _("campaign households")
        ordering = ["campaign", "id"]
        indexes = [
            models.Index(fields=["campaign", "status", "id"], name="camp_hh_status"),
            models.Index(fields=["campaign", "area", "status"], name="camp_hh_area_status"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="camp_hh_once"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.customer_id}"


class CampaignVisit(models.Model):
    """One planned attempt at a household: its appointment (and through it the work order)."""

    household = models.ForeignKey(
        CampaignHousehold, on_delete=models.CASCADE, related_name="visits", verbose_name=_("household")
    )
    attempt = models.PositiveSmallIntegerField(_("attempt"))
    appointment = models.OneToOneField(
        "fieldservice.Appointment",
        on_delete=models.CASCADE,
        related_name="campaign_visit",
        verbose_name=_("appointment"),
    )
    notice_channel = models.CharField(_("notice sent by"), max_length=10)
    outcome = models.CharField(_("outcome"), max_length=20, blank=True)
    closed_at = models.DateTimeField(_("outcome recorded"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign visit")
        verbose_name_plural = _("campaign visits")
        ordering = ["household", "attempt"]
        constraints = [
            models.UniqueConstraint(fields=["household", "attempt"], name="camp_visit_once"),
        ]
        indexes = [models.Index(fields=["outcome", "household"], name="camp_visit_open")]

    def __str__(self) -> str:
        return f"{self.household_id}#{self.attempt}"
