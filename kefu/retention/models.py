"""Retention periods edited by administrators, the run log of the retention job, and files waiting to be
removed from disk after the rows that named them were deleted (docs/privacy.md, "Retention")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RetentionPolicy(models.Model):
    """The period an administrator set for one kind of data; a kind without a row keeps its default
    (``kefu.retention.kinds``). ``days == 0`` keeps the data for ever."""

    kind = models.CharField(_("kind of data"), max_length=40, unique=True)
    days = models.PositiveIntegerField(_("kept for (days)"))
    updated_at = models.DateTimeField(_("changed at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        verbose_name = _("retention period")
        verbose_name_plural = _("retention periods")
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.days}"


class RetentionRun(models.Model):
    """One pass of the retention job over one kind. The counts grow in the transaction of each batch that
    deleted or anonymised the rows, so after a crash they still say exactly what was done; a run that
    never finished keeps ``finished_at`` empty and the next run goes on with the rest."""

    kind = models.CharField(_("kind of data"), max_length=40)
    days = models.PositiveIntegerField(_("period (days)"))
    cutoff = models.DateTimeField(_("older than"))
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    deleted = models.PositiveIntegerField(_("deleted"), default=0)
    anonymised = models.PositiveIntegerField(_("anonymised"), default=0)
    files = models.PositiveIntegerField(_("files removed"), default=0)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["kind", "started_at"], name="retention_run_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.started_at:%Y-%m-%d %H:%M}"


class PendingFile(models.Model):
    """A stored file (name in the default storage) whose row was deleted: written in the same transaction
    as the deletion and removed, with the file, after it committed. A crash in between leaves the row here
    and the next run removes the file then."""

    name = models.CharField(_("file"), max_length=300)
    run = models.ForeignKey(RetentionRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    queued_at = models.DateTimeField(_("queued"))

    class Meta:
        verbose_name = _("file to remove")
        verbose_name_plural = _("files to remove")

    def __str__(self) -> str:
        return self.name
