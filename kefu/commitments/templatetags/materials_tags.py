"""Template data for the materials checklist and the one-time notices of an order the page already shows.

The pages that use these tags fetched the order through ``access_workorder``; the tags only read its rows.
"""

from __future__ import annotations

from typing import Any

from django import template

from kefu.commitments.materials import order_materials
from kefu.commitments.models.materials import OrderMaterial
from kefu.workorders.hooks import panel_flag
from kefu.workorders.models import WorkOrder

register = template.Library()


@register.simple_tag
def materials_panel(order: WorkOrder) -> dict[str, Any]:
    """Checklist rows and notices of ``order`` for the console include."""
    if not panel_flag(order, "commitments_has_materials"):  # known with the order: none, no query
        order._prefetched_objects_cache = {  # type: ignore[attr-defined]
            **getattr(order, "_prefetched_objects_cache", {}),
            "materials": OrderMaterial.objects.none(),
        }
    notices = (
        list(order.materials_notices.select_related("created_by", "outbox").order_by("-created_at", "-id"))
        if panel_flag(order, "commitments_has_notices")
        else []
    )
    return {"rows": order_materials(order), "notices": notices}


@register.simple_tag
def order_notices_for_customer(order: WorkOrder) -> list[Any]:
    """The one-time notices of ``order`` (all are written to the customer)."""
    return list(order.materials_notices.order_by("-created_at", "-id"))
