"""Template data for the materials checklist and the one-time notices of an order the page already shows.

The pages that use these tags fetched the order through ``access_workorder``; the tags only read its rows.
"""

from __future__ import annotations

from typing import Any

from django import template

from kefu.commitments.materials import order_materials
from kefu.commitments.models.materials import MaterialsNotice, OrderMaterial
from kefu.commitments.panels import NOTICE_RELATED
from kefu.lib import json_rows
from kefu.workorders.hooks import panel_rows
from kefu.workorders.models import WorkOrder

register = template.Library()


@register.simple_tag
def materials_panel(order: WorkOrder) -> dict[str, Any]:
    """Checklist rows and notices of ``order`` for the console include."""
    rows = panel_rows(order, "commitments_material_rows")
    if rows is not None:  # read with the order (commitments.panels.order_panel_annotations): no query
        order._prefetched_objects_cache = {  # type: ignore[attr-defined]
            **getattr(order, "_prefetched_objects_cache", {}),
            "materials": json_rows.prefetched(OrderMaterial, json_rows.instances(OrderMaterial, rows)),
        }
    read = panel_rows(order, "commitments_notice_rows")
    notices = (
        list(order.materials_notices.select_related("created_by", "outbox").order_by("-created_at", "-id"))
        if read is None
        else json_rows.instances(MaterialsNotice, read, NOTICE_RELATED)
    )
    return {"rows": order_materials(order), "notices": notices}


@register.simple_tag
def order_notices_for_customer(order: WorkOrder) -> list[Any]:
    """The one-time notices of ``order`` (all are written to the customer)."""
    return list(order.materials_notices.order_by("-created_at", "-id"))
