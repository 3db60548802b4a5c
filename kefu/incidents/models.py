"""Incidents (一事多报): a parent for the many reports of one outage (docs/incidents.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.lib.content_i18n import Translatable


class IncidentKind(models.TextChoices):
    OUTAGE = "outage", _("supply outage")
    BURST_MAIN = "burst_main", _("burst main")
    LEAK = "leak", _("leak")
    QUALITY = "quality", _("quality problem")
    NETWORK = "network", _("network fault")
    OTHER = "other", _("other")


class IncidentStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    RESOLVED = "resolved", _("resolved")


class Incident(Translatable, models.Model):
    """An outage or other event many customers report; its public title, address range and cause have a value
    per language (``translations``, docs/adr/0008-content-translations.md)."""

    translatable_fields = ("title", "address_range", "cause")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("type"), max_length=20, choices=IncidentKind.choices, default=IncidentKind.OUTAGE
    )
    service = models.ForeignKey(
        "commitments.Service",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service"),
    )
    branch = models.ForeignKey(
        "organization.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    area = models.ForeignKey(
        "organization.ServiceArea",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service area"),
    )
    address_range = models.CharField(
        _("address range"),
        max_length=300,
        blank=True,
        help_text=_("Streets or buildings affected, e.g. 安定路 1–99号."),
    )
    cause = models.TextField(_("cause"), blank=True)
    started_at = models.DateTimeField(_("started at"))
    estimated_end_at = models.DateTimeField(_("estimated end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.ACTIVE
    )
    public = models.BooleanField(
        _("public notice"),
        default=True,
        help_text=_("Shown on the disclosure page, the report form and the hotline while it lasts."),
    )
    owner_unit = models.ForeignKey(
        "organization.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner unit (主办)"),
    )
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    created_by = models.ForeignKey(
        "organization.Staff", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    translations = models.JSONField(_("translations"), default=dict, blank=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["branch", "status", "started_at"], name="incident_branch_status")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        return f"INC-{self.pk:06d}"

    @property
    def is_active(self) -> bool:
        return self.status == IncidentStatus.ACTIVE


class IncidentUnit(models.Model):
    """A co-handling unit (协办) with its own task and deadline."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="units")
    department = models.ForeignKey(
        "organization.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    task = models.TextField(_("task"))
    due_at = models.DateTimeField(_("deadline"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey("organization.Staff", null=True, on_delete=models.SET_NULL, related_name="+")
    done_note = models.TextField(_("what was done"), blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "department"], name="incident_unit_once"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.department_id}"


class IncidentOrder(models.Model):
    """A report (work order) attached to an incident; an order belongs to one incident at most."""

    class Source(models.TextChoices):
        AGENT = "agent", _("attached by staff")
        SUGGESTION = "suggestion", _("suggestion accepted")
        CUSTOMER = "customer", _("the caller chose the incident")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="children")
    workorder = models.OneToOneField(
        "workorders.WorkOrder", on_delete=models.CASCADE, related_name="incident_link"
    )
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.AGENT)
    attached_by = models.ForeignKey(
        "organization.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attached_at = models.DateTimeField()
    # the first report (earliest received): the only one the unit's response KPI counts (docs/kpis.md)
    lead = models.BooleanField(default=False)
    followup_sample = models.BooleanField(default=False)  # chosen for the follow-up sample at resolution
    covered = models.BooleanField(default=False)  # closed as covered by the incident, without its own call
    close_error = models.CharField(max_length=300, blank=True)  # why it could not be closed together

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.workorder_id}"


class IncidentMessage(models.Model):
    """One update or resolution message of an incident; each reporter gets it once."""

    class Kind(models.TextChoices):
        UPDATE = "update", _("update")
        RESOLUTION = "resolution", _("resolution")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    key = models.CharField(max_length=80)
    body = models.TextField()
    sent_by = models.ForeignKey("organization.Staff", null=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["incident", "key"], name="incident_message_key")]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.kind}"


class IncidentDelivery(models.Model):
    """The message to one reporter: the reply on their order, or why it could not be written."""

    message = models.ForeignKey(IncidentMessage, on_delete=models.CASCADE, related_name="deliveries")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    workorder = models.ForeignKey("workorders.WorkOrder", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, blank=True)  # sms / email / portal; empty: not reachable
    entry_id = models.BigIntegerField(null=True, blank=True)  # the reply's timeline entry
    outbox_key = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "customer"], name="incident_delivery_once"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.customer_id}"
