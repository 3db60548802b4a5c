"""Emergencies: the keywords that make a request an emergency, per language, and the record
that an order was found to be one (which service or keyword, when)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EmergencyKeyword(models.Model):
    """A word or phrase that makes a customer's request an emergency (e.g. 燃气泄漏, gas leak) in the
    language it is written in. Matching ignores case and spaces; a keyword of another language matches
    too (a customer may write in any of them)."""

    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    keyword = models.CharField(_("keyword"), max_length=50)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("emergency keyword")
        verbose_name_plural = _("emergency keywords")
        ordering = ["language", "keyword"]
        constraints = [
            models.UniqueConstraint(fields=["language", "keyword"], name="emergency_keyword_unique")
        ]

    def __str__(self) -> str:
        return f"{self.keyword} ({self.language})"


class EmergencyReason(models.TextChoices):
    SERVICE = "service", _("emergency service")
    KEYWORD = "keyword", _("emergency keyword in the request")


class OrderEmergency(models.Model):
    """The order is an emergency: why and since when. Written by ``commitments.emergency`` only."""

    workorder = models.OneToOneField(
        "workorders.WorkOrder",
        on_delete=models.CASCADE,
        related_name="emergency",
        verbose_name=_("work order"),
    )
    reason = models.CharField(_("reason"), max_length=10, choices=EmergencyReason.choices)
    keyword = models.CharField(_("keyword"), max_length=50, blank=True)
    detected_at = models.DateTimeField(_("detected at"))

    class Meta:
        verbose_name = _("emergency order")
        verbose_name_plural = _("emergency orders")

    def __str__(self) -> str:
        return f"{self.workorder_id} {self.reason} {self.keyword}"
