"""The order page's "Reaching the customer" card: contact attempts, the unreachable policy, pending reports
for the leader to decide (R-14), and requests for materials beyond the one-time notice (R-11)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest

from kefu.commitments import clocks as clocks_of_order
from kefu.commitments import unreachable
from kefu.commitments.materials import may_decide_additional
from kefu.commitments.models import ContactAttempt, ContactMethod, ExtensionRequest
from kefu.commitments.models.materials import AdditionalMaterialsRequest, MaterialsNotice, OrderMaterial
from kefu.lib import clock
from kefu.organization.access import staff_of
from kefu.workorders.hooks import panel_flag
from kefu.workorders.models import WorkOrder


def order_panel_annotations() -> dict[str, Any]:
    """What the card and the page's clock and materials cards need to know with the order: whether it has
    contact attempts, requests for more materials, extension requests, a materials checklist, notices."""
    pk = OuterRef("pk")
    return {
        "commitments_has_attempts": Exists(ContactAttempt.objects.filter(workorder_id=pk)),
        "commitments_has_material_requests": Exists(
            AdditionalMaterialsRequest.objects.filter(workorder_id=pk)
        ),
        "commitments_has_extensions": Exists(ExtensionRequest.objects.filter(clock__workorder_id=pk)),
        "commitments_has_materials": Exists(OrderMaterial.objects.filter(workorder_id=pk)),
        "commitments_has_notices": Exists(MaterialsNotice.objects.filter(workorder_id=pk)),
    }


def order_panel(request: HttpRequest, order: WorkOrder) -> dict[str, Any] | None:
    staff = staff_of(request.user)
    if staff is None:
        return None
    clocks_ = clocks_of_order.order_clock_list(order)  # shared with the page's clock card
    if not clocks_:
        return None
    attempts = (
        list(ContactAttempt.objects.filter(workorder=order).select_related("staff"))
        if panel_flag(order, "commitments_has_attempts")
        else []
    )
    reports = [c for c in clocks_ if c.unreachable_reported_at is not None]
    decidable = {
        c.pk for c in reports if c.unreachable_status == "pending" and unreachable.may_decide(staff, c, order)
    }
    open_ = order.status not in ("resolved", "closed")
    now = clock.now()
    running = [c for c in clocks_ if c.is_open and c.started_at is not None]
    verdict = unreachable.verdict(running[0], now, attempts) if running else None
    requests = (
        list(
            AdditionalMaterialsRequest.objects.filter(workorder=order).select_related(
                "requested_by", "decided_by"
            )
        )
        if panel_flag(order, "commitments_has_material_requests")
        else []
    )
    return {
        "order": order,
        "attempts": attempts,
        "methods": ContactMethod.choices,
        "policy": unreachable.policy_text(),
        "verdict": verdict,
        "reports": reports,
        "decidable": decidable,
        "can_record": open_ and staff.can("order.work"),
        "material_requests": requests,
        "material_decidable": {
            r.pk for r in requests if r.status == "pending" and may_decide_additional(staff, r, order)
        },
        "header_badge": None,
    }
