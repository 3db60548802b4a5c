"""Revisions of a service's catalogue entry with the date they take effect (R-17, docs/commitments.md).

A revision is the whole entry as the console editor saved it (the service's fields, its own time limits,
materials, process steps and fee items, with their translations) in ``data``. A revision effective now is
applied when it is saved; one effective later waits (``applied_at`` empty) until the job
``commitments.catalogue_revisions`` applies it. The clock engine and the disclosure page read only the live
tables, i.e. the revision in effect; orders already registered keep the limits copied onto their clocks.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RevisionStatus(models.TextChoices):
    PENDING = "pending", _("waiting for its date")
    APPLIED = "applied", _("in effect")
    SUPERSEDED = "superseded", _("replaced before its date")


class ServiceRevision(models.Model):
    service = models.ForeignKey(
        "commitments.Service", on_delete=models.CASCADE, related_name="revisions", verbose_name=_("service")
    )
    effective_from = models.DateTimeField(_("effective from"))
    status = models.CharField(
        _("status"), max_length=12, choices=RevisionStatus.choices, default=RevisionStatus.PENDING
    )
    data = models.JSONField(_("content"), default=dict)
    changes = models.JSONField(_("what changed"), default=list, blank=True)
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
