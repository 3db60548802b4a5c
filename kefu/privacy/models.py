"""Access records: who read which customer's personal data, when, and why (docs/privacy.md).

Separate from the change audit (``kefu.audit``, R-33): one narrow row per customer per request, written with
at most one INSERT per request (``records.record`` uses ``bulk_create``), no foreign-key constraints to
check on write, pruned by age by the retention job (``retention.prune_access_records``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.privacy.rules import Kind, Reason


class AccessKind(models.TextChoices):
    VIEW = Kind.VIEW.value, _("viewed the archive")
    REVEAL = Kind.REVEAL.value, _("revealed a field")
    EXPORT = Kind.EXPORT.value, _("exported")
    API = Kind.API.value, _("read through the API")


class RevealReason(models.TextChoices):
    CALL_BACK = Reason.CALL_BACK.value, _("calling the customer back")
    SITE_VISIT = Reason.SITE_VISIT.value, _("visiting on site")
    VERIFY_IDENTITY = Reason.VERIFY_IDENTITY.value, _("verifying identity")
    COMPLAINT = Reason.COMPLAINT.value, _("complaint handling")
    OTHER = Reason.OTHER.value, _("other")


class AccessRecord(models.Model):
    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("at"))
    # no database constraints: a write checks nothing, and the record outlives what it names
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("user"),
    )
    actor = models.CharField(_("who"), max_length=150, blank=True)  # the name then, kept after a rename
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("customer"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AccessKind.choices)
    field = models.CharField(_("field"), max_length=30, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=RevealReason.choices, blank=True)
    reason_text = models.CharField(_("reason (text)"), max_length=200, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    where = models.CharField(_("where"), max_length=200, blank=True)  # the page, export or API path

    class Meta:
        verbose_name = _("access record")
        verbose_name_plural = _("access records")
        indexes = [
            models.Index(fields=["customer", "at"], name="access_customer_at"),
            models.Index(fields=["user", "at"], name="access_user_at"),
            models.Index(fields=["at"], name="access_at"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.kind} {self.customer_id} {self.at:%Y-%m-%d %H:%M}"
