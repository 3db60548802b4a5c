"""Macros (named sets of actions on an order), their use, and saved queue views (docs/macros.md).

A macro or view with an ``owner`` is personal; without one it is shared with the staff of ``branch``
(no branch: every branch — company-level staff only). Shared ones are written by supervisors
(capability ``queue.share``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.workorders.models import Priority, StatusChoices


class Macro(models.Model):
    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="macros",
        verbose_name=_("personal macro of"),
    )
    branch = models.ForeignKey(
        "organization.Branch",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("shared with branch"),
    )
    reply_text = models.TextField(_("reply to the customer"), blank=True)
    reply_channel = models.CharField(_("reply channel"), max_length=10, blank=True)
    note = models.TextField(_("internal note"), blank=True)
    status = models.CharField(_("new status"), max_length=20, choices=StatusChoices.choices, blank=True)
    status_comment = models.TextField(_("reason or resolution"), blank=True)
    priority = models.CharField(_("new priority"), max_length=10, choices=Priority.choices, blank=True)
    assignee = models.ForeignKey(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assign to"),
    )
    department = models.ForeignKey(
        "organization.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("hand to group"),
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        "organization.Staff", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["owner", "active"], name="macro_owner"),
            models.Index(fields=["branch", "active"], name="macro_branch"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def shared(self) -> bool:
        return self.owner_id is None


class MacroUse(models.Model):
    """One application of a macro to one order (the usage figures: which macros, by whom)."""

    macro = models.ForeignKey(Macro, on_delete=models.CASCADE, related_name="uses")
    staff = models.ForeignKey("organization.Staff", on_delete=models.CASCADE, related_name="+")
    workorder = models.ForeignKey("workorders.WorkOrder", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["macro", "at"], name="macrouse_macro_at"),
            models.Index(fields=["staff", "at"], name="macrouse_staff_at"),
        ]

    def __str__(self) -> str:
        return f"{self.macro_id}@{self.workorder_id}"


class SavedView(models.Model):
    """A queue definition: tab, filters, sort and columns (``rules.VIEW_*``), shown in the queue's menu
    with its count."""

    name = models.CharField(_("name"), max_length=60)
    owner = models.ForeignKey(
        "organization.Staff",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="saved_views",
        verbose_name=_("personal view of"),
    )
    branch = models.ForeignKey(
        "organization.Branch",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("shared with branch"),
    )
    tab = models.CharField(_("queue"), max_length=12, default="team")
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    sort = models.CharField(_("sort by"), max_length=20, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    created_by = models.ForeignKey(
        "organization.Staff", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["position", "name", "id"]
        indexes = [
            models.Index(fields=["owner"], name="savedview_owner"),
            models.Index(fields=["branch"], name="savedview_branch"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def shared(self) -> bool:
        return self.owner_id is None


def visible_to(staff_pk: int, branch_id: int | None) -> Q:
    """Rows (macros or views) a staff member may use: their own, and the shared ones of their branch and of
    the whole company. Company-level staff (no branch) see every branch's shared ones."""
    shared = Q(owner__isnull=True)
    if branch_id is not None:
        shared &= Q(branch__isnull=True) | Q(branch_id=branch_id)
    return Q(owner_id=staff_pk) | shared
