"""工单: work orders with first-contact responsibility (R-9..R-12)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.customers.models import Channel
from kefu.lib import previews
from kefu.workorders.rules import OPEN_STATUSES, PRIORITY_ORDER, CloseReason, OrderType, Status


class OrderTypeChoices(models.TextChoices):
    INQUIRY = OrderType.INQUIRY.value, _("inquiry")
    FAULT_GENERAL = OrderType.FAULT_GENERAL.value, _("fault (general)")
    FAULT_MAJOR = OrderType.FAULT_MAJOR.value, _("fault (major)")
    INSTALL_URBAN = OrderType.INSTALL_URBAN.value, _("installation (urban)")
    INSTALL_RURAL = OrderType.INSTALL_RURAL.value, _("installation (rural)")
    RESTORATION = OrderType.RESTORATION.value, _("service restoration")
    COMPLAINT = OrderType.COMPLAINT.value, _("complaint")
    SUGGESTION = OrderType.SUGGESTION.value, _("suggestion")
    PRAISE = OrderType.PRAISE.value, _("praise")


class SalePhase(models.TextChoices):
    PRE = "pre", _("pre-sale")
    IN = "in", _("in-sale")
    AFTER = "after", _("after-sale")


class ServicePlace(models.TextChoices):
    COUNTER = "counter", _("at the counter")
    ONSITE = "onsite", _("on site")
    REMOTE = "remote", _("remote")


class StatusChoices(models.TextChoices):
    NEW = Status.NEW.value, _("new")
    AWAITING_MATERIALS = Status.AWAITING_MATERIALS.value, _("awaiting materials")
    IN_PROGRESS = Status.IN_PROGRESS.value, _("in progress")
    PENDING_CUSTOMER = Status.PENDING_CUSTOMER.value, _("pending customer")
    RESOLVED = Status.RESOLVED.value, _("resolved")
    CLOSED = Status.CLOSED.value, _("closed")
    REOPENED = Status.REOPENED.value, _("reopened")


class Priority(models.TextChoices):
    URGENT = "urgent", _("urgent")
    HIGH = "high", _("high")
    NORMAL = "normal", _("normal")
    LOW = "low", _("low")


_OPEN = sorted(s.value for s in OPEN_STATUSES)

# The queues' default order (``workorders.queries.by_urgency``): open work first, most urgent priority
# first (0 urgent … 3 low), then the resolved and closed orders (4 … 7). Computed and stored by the
# database, so that it sorts the same on SQLite and PostgreSQL and an index can serve the sort.
URGENCY = models.Case(
    *[
        models.When(models.Q(status__in=_OPEN, priority=p), then=models.Value(rank))
        for p, rank in PRIORITY_ORDER.items()
    ],
    *[
        models.When(priority=p, then=models.Value(len(PRIORITY_ORDER) + rank))
        for p, rank in PRIORITY_ORDER.items()
    ],
    default=models.Value(9),
    output_field=models.SmallIntegerField(),
)


def urgency_of(status: str, priority: str) -> int:
    """What the database computes for :data:`URGENCY` (the same table), for an order not written yet: a new
    order's write can then wait in a batch without the value being read back (``kefu.lib.batch``)."""
    if priority not in PRIORITY_ORDER:
        return 9
    return PRIORITY_ORDER[priority] + (0 if status in _OPEN else len(PRIORITY_ORDER))


class CloseReasonChoices(models.TextChoices):
    SOLVED = CloseReason.SOLVED.value, _("solved")
    WITHDRAWN = CloseReason.WITHDRAWN.value, _("withdrawn by the customer")
    DUPLICATE = CloseReason.DUPLICATE.value, _("duplicate (merged)")
    INVALID = CloseReason.INVALID.value, _("not a real request")


class WorkOrder(models.Model):
    number = models.CharField(_("number"), max_length=30, unique=True)
    order_type = models.CharField(_("type"), max_length=20, choices=OrderTypeChoices.choices)
    service = models.ForeignKey(
        "commitments.Service",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("service"),
    )
    sale_phase = models.CharField(
        _("sale phase"), max_length=10, choices=SalePhase.choices, default=SalePhase.AFTER
    )
    technical = models.BooleanField(_("technical"), default=True)
    place = models.CharField(
        _("place"), max_length=10, choices=ServicePlace.choices, default=ServicePlace.ONSITE
    )
    paid = models.BooleanField(_("paid"), default=False)
    recurring = models.BooleanField(_("recurring"), default=False)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="workorders", verbose_name=_("customer")
    )
    # the phone / e-mail the requester gave for this order (the anonymous report form): replies go there
    # first, whatever the customer record holds
    reply_phone = models.CharField(_("reply to phone"), max_length=20, blank=True)
    reply_email = models.CharField(_("reply to e-mail"), max_length=254, blank=True)
    branch = models.ForeignKey(
        "organization.Branch", on_delete=models.PROTECT, related_name="workorders", verbose_name=_("branch")
    )
    area = models.ForeignKey(
        "organization.ServiceArea",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="workorders",
        verbose_name=_("service area"),
    )
    area_kind = models.CharField(
        _("urban or rural"),
        max_length=10,
        choices=[("urban", _("urban (city)")), ("rural", _("rural (county)"))],
        default="urban",
        help_text=_("Taken from the customer's service area; a different choice needs a reason."),
    )
    area_kind_reason = models.TextField(_("reason for urban/rural override"), blank=True)
    outlet = models.ForeignKey(  # where a counter or phone order was received (docs/kpis.md)
        "organization.Outlet",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="workorders",
        verbose_name=_("received at outlet"),
        help_text=_("Counter and phone orders: the outlet, or the outlet's line, that received the order."),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=20, choices=StatusChoices.choices, default=StatusChoices.NEW
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    owner = models.ForeignKey(
        "organization.Staff",
        on_delete=models.PROTECT,
        related_name="owned_orders",
        verbose_name=_("first-contact owner"),
    )
    assignee = models.ForeignKey(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_orders",
        verbose_name=_("assignee"),
    )
    department = models.ForeignKey(
        "organization.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("department"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalated = models.BooleanField(_("escalated"), default=False)
    to_president = models.BooleanField(_("asked for the top of the company"), default=False)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_orders",
        verbose_name=_("merged into"),
    )
    close_reason = models.CharField(
        _("close reason"), max_length=20, choices=CloseReasonChoices.choices, blank=True
    )
    resolution = models.TextField(_("resolution"), blank=True)
    received_at = models.DateTimeField(_("received at"))
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    due_provisional = models.BooleanField(
        _("due time provisional"),
        default=False,
        help_text=_("Counted without the holidays of a year not loaded yet (weekends only)."),
    )
    last_reply_at = models.DateTimeField(_("last reply at"), null=True, blank=True)
    last_reply_by = models.ForeignKey(
        "organization.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    urgency = models.GeneratedField(
        expression=URGENCY,
        output_field=models.SmallIntegerField(),
        db_persist=True,
        verbose_name=_("urgency"),
    )
    version = models.PositiveIntegerField(default=1)
    search_text = models.TextField(blank=True, editable=False)
    # set when the retention job blanked the personal fields of the closed order (docs/privacy.md, "Retention")
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["branch", "status", "due_at"], name="wo_branch_status_due"),
            models.Index(fields=["assignee", "status", "due_at"], name="wo_assignee_status_due"),
            models.Index(fields=["owner", "status", "due_at"], name="wo_owner_status_due"),
            models.Index(fields=["customer", "created_at"], name="wo_customer_created"),
            models.Index(fields=["branch", "created_at"], name="wo_branch_created"),
            models.Index(fields=["area", "created_at"], name="wo_area_created"),
            models.Index(fields=["escalated", "status"], name="wo_escalated"),
            # the monthly reports (kefu.reports): orders received in a period
            models.Index(fields=["received_at"], name="wo_received"),
            # the queues and the API list of open orders: counted with an index-only scan (the visibility
            # rule "branch OR owner OR assignee" is checked on the included columns) and listed by due time
            # without reading the closed 90 % of the table (bench/RESULTS.md, 1,000,000 orders)
            models.Index(
                fields=["due_at"],
                include=["branch", "owner", "assignee"],
                condition=models.Q(status__in=sorted(s.value for s in OPEN_STATUSES)),
                name="wo_open_due",
            ),
            # the queues' and the API's default order, urgent open work first (queries.by_urgency): read in
            # index order and stopped after a page, whatever the number of orders — the team queue and the
            # API list by the first, "My queue" and "My responsibilities" (a technician may have thousands
            # of orders) by the other two (bench/RESULTS.md, 1,000,000 orders: 0.5 ms instead of 110 ms)
            models.Index(fields=["urgency", "due_at", "id"], name="wo_urgency"),
            models.Index(fields=["assignee", "urgency", "due_at", "id"], name="wo_assignee_urgency"),
            models.Index(fields=["owner", "urgency", "due_at", "id"], name="wo_owner_urgency"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status not in (Status.RESOLVED, Status.CLOSED)


class Receiver(models.Model):
    """Staff who received the request together (the most senior becomes the owner, R-10)."""

    workorder = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="receivers")
    staff = models.ForeignKey("organization.Staff", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workorder", "staff"], name="receiver_unique")]

    def __str__(self) -> str:
        return f"{self.workorder_id}:{self.staff_id}"


class TimelineEntry(models.Model):
    class Kind(models.TextChoices):
        REPLY = "reply", _("reply to customer")
        CUSTOMER = "customer", _("message from customer")
        NOTE = "note", _("internal note")
        STATUS = "status", _("status change")
        TRANSFER = "transfer", _("transfer")
        ESCALATION = "escalation", _("escalation")
        SYSTEM = "system", _("system")
        CALLBACK = "callback", _("call-back")

    workorder = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # not a column: what the reply checks found, set on the entry ``actions.do_reply`` returns
    check_data: dict[str, Any]
    author_staff = models.ForeignKey(
        "organization.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("text"), blank=True)
    public = models.BooleanField(_("visible to the customer"), default=False)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["workorder", "created_at"], name="timeline_wo_at")]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.created_at:%Y/%m}/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    workorder = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="attachments")
    entry = models.ForeignKey(
        TimelineEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=300)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    public = models.BooleanField(_("visible to the customer"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename

    @property
    def previewable(self) -> bool:
        """A raster image the pages may show inline (kefu.lib.previews)."""
        return previews.previewable(self.content_type)


class Transfer(models.Model):
    """Every hand-over: who passed the work to whom, and why (the owner stays the same)."""

    workorder = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="transfers")
    by = models.ForeignKey("organization.Staff", on_delete=models.PROTECT, related_name="+")
    from_staff = models.ForeignKey(
        "organization.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_department = models.ForeignKey(
        "organization.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_staff = models.ForeignKey(
        "organization.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_department = models.ForeignKey(
        "organization.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.workorder_id} → {self.to_staff_id or self.to_department_id}"


class Escalation(models.Model):
    """R-12: an order raised to a leader (or to the top of the company)."""

    workorder = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="escalations")
    # empty when the system raised it (the breach sweep escalates a passed deadline, R-16)
    raised_by = models.ForeignKey(
        "organization.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    leader = models.ForeignKey(
        "organization.Staff",
        on_delete=models.PROTECT,
        related_name="escalations_received",
        verbose_name=_("leader"),
    )
    reason = models.TextField(_("reason"))
    to_president = models.BooleanField(_("to the top of the company"), default=False)
    created_at = models.DateTimeField(_("at"))
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    response = models.TextField(_("response"), blank=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["leader", "handled_at"], name="escalation_leader_open")]

    def __str__(self) -> str:
        return f"{self.workorder_id} → {self.leader_id}"


class SendBack(models.Model):
    """退单: the unit an order was routed to hands it back to the dispatcher who routed it, with a reason.

    ``transfer`` is the hand-back itself (unit → dispatcher, on the order's transfer list); the send-back is
    *pending* until the next transfer routes the order again (``rerouted_at``, ``reroute``). The unit is
    ``from_department`` when the order had one, else ``from_staff``."""

    workorder = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="send_backs")
    transfer = models.OneToOneField(Transfer, on_delete=models.CASCADE, related_name="send_back")
    by = models.ForeignKey(
        "organization.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("sent back by")
    )
    from_staff = models.ForeignKey(
        "organization.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_department = models.ForeignKey(
        "organization.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dispatcher = models.ForeignKey(
        "organization.Staff",
        on_delete=models.PROTECT,
        related_name="sent_back_to_me",
        verbose_name=_("dispatcher"),
    )
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("at"))
    rerouted_at = models.DateTimeField(_("routed again at"), null=True, blank=True)
    reroute = models.ForeignKey(
        Transfer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("routed again"),
    )

    class Meta:
        verbose_name = _("send-back")
        verbose_name_plural = _("send-backs")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["created_at"], name="sendback_at"),
            models.Index(fields=["dispatcher", "rerouted_at"], name="sendback_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.workorder_id} ← {self.from_department_id or self.from_staff_id}"


class OrderLink(models.Model):
    class Kind(models.TextChoices):
        RELATED = "related", _("related")
        DUPLICATE = "duplicate", _("duplicate of")
        SPLIT = "split", _("split from")

    source = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.RELATED)
    created_by = models.ForeignKey("organization.Staff", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "target"], name="orderlink_unique")]

    def __str__(self) -> str:
        return f"{self.source_id} ↔ {self.target_id}"


class Presence(models.Model):
    """Who has an order open right now (for the collision notice)."""

    workorder = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="presence")
    staff = models.ForeignKey("organization.Staff", on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workorder", "staff"], name="presence_unique")]

    def __str__(self) -> str:
        return f"{self.staff_id}@{self.workorder_id}"
