"""``{% training_banner %}``: the untrained staff member's reminder (console home page)."""

from __future__ import annotations

from typing import Any

from django import template

from kefu.inspections import training

register = template.Library()


@register.inclusion_tag("inspections/_training_banner.html", takes_context=True)
def training_banner(context: dict[str, Any]) -> dict[str, Any]:
    staff = context.get("current_staff")
    return {"missing": training.missing_for(staff) if staff is not None and staff.is_active else []}
