"""Template data for the materials checklist and the one-time notices of an order the page already shows.

The pages that use these tags fetched the order through ``access_workorder``; the tags only read its rows.
"""

from __future__ import annotations

from typing import Any

from django import template

from kefu.commitments.materials import order_materials
from kefu.workorders.models import WorkOrder

register = template.Library()


@register.simple_tag
def materials_panel(order: WorkOrder) -> dict[str, Any]:
    """Checklist rows and notices of ``order`` for the console include."""
    notices = order.materials_notices.select_related("created_by", "outbox").order_by("-created_at", "-id")
    return {"rows": order_materials(order), "notices": list(notices)}


@register.simple_tag
def order_notices_for_customer(order: WorkOrder) -> list[Any]:
    """The one-time notices of ``order`` (all are written to the customer)."""
    return list(order.materials_notices.order_by("-created_at", "-id"))
