"""Opt-outs: a number or address that refused a class of messages (docs/privacy.md, "SMS and e-mail consent").

One row per refusal. A row is active while ``withdrawn_at`` is empty; re-subscribing ("START", 恢复) sets
``withdrawn_at`` and keeps the row, so the history of who refused what and when stays answerable. At most
one active row per channel, address and class (a partial unique constraint).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OptOutSource(models.TextChoices):
    SMS_KEYWORD = "sms_keyword", _("SMS reply (R, TD, 退订, STOP …)")
    EMAIL_ONE_CLICK = "email_one_click", _("e-mail unsubscribe link")
    STAFF = "staff", _("recorded by staff")


class OptOut(models.Model):
    channel = models.CharField(_("channel"), max_length=10)  # "sms" or "email" (OutboxChannel values)
    # E.164 for SMS, the lower-cased address for e-mail
    address = models.CharField(_("number or address"), max_length=254)
    message_class = models.CharField(_("message class"), max_length=10)
    source = models.CharField(_("source"), max_length=20, choices=OptOutSource.choices)
    # the words the customer sent, or the message the link came from
    evidence = models.CharField(_("evidence"), max_length=200, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("customer"),
    )
    created_at = models.DateTimeField(_("opted out"))
    withdrawn_at = models.DateTimeField(_("subscribed again"), null=True, blank=True)

    class Meta:
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "address", "message_class"],
                condition=Q(withdrawn_at__isnull=True),
                name="optout_active_once",
            )
        ]
        indexes = [models.Index(fields=["address", "channel"], name="optout_address")]

    def __str__(self) -> str:
        return f"{self.channel} {self.address}: {self.message_class}"
