"""Revisions of a service's catalogue entry with the date they take effect (R-17, docs/commitments.md).

A revision is a *patch* (``commitments.catalogue_patch``): the service's fields and the rows of its time
limits, materials, process steps and fee items that the editor changed, each with its value before and after.
A revision effective now is applied when it is saved; one effective later is *pending* until the job
``commitments.catalogue_revisions`` applies it on top of the entry as it is then — only what it changes. If
something it changes was changed since it was saved, it is not applied: *conflict*, with the fields in
``conflicts``, for an administrator to apply anyway or cancel. A pending revision can be *cancelled*. The clock
engine and the disclosure page read only the live tables; orders already registered keep the limits copied
onto their clocks.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RevisionStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("revision", "pending")
    APPLIED = "applied", pgettext_lazy("revision", "applied")
    CANCELLED = "cancelled", pgettext_lazy("revision", "cancelled")
    CONFLICT = "conflict", pgettext_lazy("revision", "conflict")


class ServiceRevision(models.Model):
    service = models.ForeignKey(
        "commitments.Service", on_delete=models.CASCADE, related_name="revisions", verbose_name=_("service")
    )
    effective_from = models.DateTimeField(_("effective from"))
    status = models.CharField(
        _("status"), max_length=12, choices=RevisionStatus.choices, default=RevisionStatus.PENDING
    )
    patch = models.JSONField(_("changed fields and rows, before and after"), default=dict)
    changes = models.JSONField(_("what changed"), default=list, blank=True)
    conflicts = models.JSONField(_("conflicts"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("saved by"),
    )
    created_at = models.DateTimeField(_("saved at"))
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("cancelled or applied anyway by"),
    )
    decided_at = models.DateTimeField(_("cancelled or applied anyway at"), null=True, blank=True)

    class Meta:
        verbose_name = _("service revision")
        verbose_name_plural = _("service revisions")
        ordering = ["service", "-effective_from", "-id"]
        indexes = [
            models.Index(fields=["status", "effective_from"], name="svc_revision_due"),
            models.Index(fields=["service", "-effective_from"], name="svc_revision_history"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} @ {self.effective_from:%Y-%m-%d %H:%M}"
