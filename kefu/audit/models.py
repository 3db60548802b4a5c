"""客服服务日志 (R-33): who did what, when, on which customer and work order."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditRecord(models.Model):
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor"), max_length=200)
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=60)
    customer_id = models.BigIntegerField(_("customer"), null=True, blank=True)
    workorder_id = models.BigIntegerField(_("work order"), null=True, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    summary = models.CharField(_("summary"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("service log entry")
        verbose_name_plural = _("service log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["workorder_id", "at"], name="audit_wo_at"),
            models.Index(fields=["customer_id", "at"], name="audit_cust_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"
        )
