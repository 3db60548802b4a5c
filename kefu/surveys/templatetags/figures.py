"""``{{ value|figure:"%" }}``: a reported figure rounded and written by the one rule of its unit
(:mod:`kefu.lib.units`: "%", "‰", "pt" for NPS points, "gap" for SERVQUAL gaps); "—" without a value."""

from __future__ import annotations

from decimal import Decimal

from django import template

from kefu.lib import units

register = template.Library()


@register.filter
def figure(value: Decimal | float | int | None, unit: str = "%") -> str:
    return units.text(value, unit)
