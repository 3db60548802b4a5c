"""A customer's request about their personal information, tracked as a work order (PIPL Art. 44-50,
GDPR Art. 12-21). The order carries the time limit (service "personal information request"); this row
says what was asked and what was done."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.rights.rules import Regime, RequestKind


class KindChoices(models.TextChoices):
    COPY = RequestKind.COPY.value, _("copy of my data")
    CORRECTION = RequestKind.CORRECTION.value, _("correction")
    CONSENT_WITHDRAWAL = RequestKind.CONSENT_WITHDRAWAL.value, _("withdrawal of marketing consent")
    ERASURE = RequestKind.ERASURE.value, _("erasure")


class RegimeChoices(models.TextChoices):
    PIPL = Regime.PIPL.value, _("PIPL (15 working days)")
    GDPR = Regime.GDPR.value, _("GDPR (1 month)")


class Via(models.TextChoices):
    PORTAL = "portal", _("customer portal")
    COUNTER = "counter", _("at the counter")


class RightsRequest(models.Model):
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="rights_requests",
        verbose_name=_("customer"),
    )
    workorder = models.OneToOneField(
        "workorders.WorkOrder",
        on_delete=models.PROTECT,
        related_name="rights_request",
        verbose_name=_("work order"),
    )
    kind = models.CharField(_("request"), max_length=20, choices=KindChoices.choices)
    via = models.CharField(_("received"), max_length=10, choices=Via.choices)
    regime = models.CharField(_("law"), max_length=10, choices=RegimeChoices.choices)
    # a correction: what is wrong and what is right, in the customer's words (blanked by an erasure)
    details = models.TextField(_("details"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("received at"))
    # when the order was resolved (the copy handed over, the correction made, the erasure run)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # what was done: for an erasure, the rows anonymised / deleted / kept per table
    outcome = models.JSONField(_("outcome"), default=dict, blank=True)

    class Meta:
        verbose_name = _("personal information request")
        verbose_name_plural = _("personal information requests")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.workorder_id}"
