"""A hotline agent's session with one customer: the customer they have "on the line" (docs/hotline.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionVia(models.TextChoices):
    SEARCH = "search", _("opened from the hotline search")
    CREATED = "created", _("customer created on the hotline")


class HotlineSession(models.Model):
    """While open (``ended_at`` empty and ``expires_at`` ahead), the agent sees the customer and the
    customer's orders and may register orders for them. Opening another customer ends the previous
    session: one customer on the line at a time. (A CTI call routed to the agent is a session too, read
    from the call itself: ``kefu.hotline.access``.)"""

    staff = models.ForeignKey(
        "organization.Staff",
        on_delete=models.CASCADE,
        related_name="hotline_sessions",
        verbose_name=_("agent"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="hotline_sessions",
        verbose_name=_("customer"),
    )
    via = models.CharField(_("opened"), max_length=10, choices=SessionVia.choices)
    opened_at = models.DateTimeField(_("opened at"))
    expires_at = models.DateTimeField(_("expires at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("hotline session")
        verbose_name_plural = _("hotline sessions")
        indexes = [models.Index(fields=["staff", "expires_at"], name="hotline_session_staff")]

    def __str__(self) -> str:
        return f"{self.staff_id} → {self.customer_id}"
