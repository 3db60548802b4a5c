"""Service catalog (服务项目). Time limits, calendars and clocks build on it (R-13..R-18)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.workorders.rules import OrderType


class OrderTypeChoices(models.TextChoices):
    INQUIRY = OrderType.INQUIRY.value, _("inquiry")
    FAULT_GENERAL = OrderType.FAULT_GENERAL.value, _("fault (general)")
    FAULT_MAJOR = OrderType.FAULT_MAJOR.value, _("fault (major)")
    INSTALL_URBAN = OrderType.INSTALL_URBAN.value, _("installation (urban)")
    INSTALL_RURAL = OrderType.INSTALL_RURAL.value, _("installation (rural)")
    RESTORATION = OrderType.RESTORATION.value, _("service restoration")
    COMPLAINT = OrderType.COMPLAINT.value, _("complaint")
    SUGGESTION = OrderType.SUGGESTION.value, _("suggestion")
    PRAISE = OrderType.PRAISE.value, _("praise")


class SalePhase(models.TextChoices):
    PRE = "pre", _("pre-sale")
    IN = "in", _("in-sale")
    AFTER = "after", _("after-sale")


class ServicePlace(models.TextChoices):
    COUNTER = "counter", _("at the counter")
    ONSITE = "onsite", _("on site")
    REMOTE = "remote", _("remote")


class Service(models.Model):
    """A service the company offers, with its class (R-9). Time limits are attached per service."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    order_type = models.CharField(_("work-order type"), max_length=20, choices=OrderTypeChoices.choices)
    sale_phase = models.CharField(
        _("sale phase"), max_length=10, choices=SalePhase.choices, default=SalePhase.AFTER
    )
    technical = models.BooleanField(_("technical"), default=True)
    place = models.CharField(
        _("place"), max_length=10, choices=ServicePlace.choices, default=ServicePlace.ONSITE
    )
    paid = models.BooleanField(_("paid"), default=False)
    fee = models.DecimalField(_("fee"), max_digits=10, decimal_places=2, default=Decimal("0"))
    recurring = models.BooleanField(_("recurring"), default=False)
    public = models.BooleanField(_("published"), default=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("service catalog")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
