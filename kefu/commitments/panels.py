"""The order page's "Reaching the customer" card: contact attempts, the unreachable policy, pending reports
for the leader to decide (R-14), and requests for materials beyond the one-time notice (R-11)."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef
from django.http import HttpRequest

from kefu.channels.models import OutboxMessage
from kefu.commitments import clocks as clocks_of_order
from kefu.commitments import unreachable
from kefu.commitments.materials import may_decide_additional
from kefu.commitments.models import ContactAttempt, ContactMethod, ExtensionRequest
from kefu.commitments.models.materials import AdditionalMaterialsRequest, MaterialsNotice, OrderMaterial
from kefu.lib import clock
from kefu.lib.json_rows import JSONRows, instances
from kefu.organization.access import staff_of
from kefu.organization.models import Staff
from kefu.workorders.hooks import panel_rows
from kefu.workorders.models import WorkOrder

STAFF_NAME: tuple[Any, ...] = (Staff, {}, ("name", "badge_no"))
REQUEST_RELATED = {"requested_by": STAFF_NAME, "decided_by": STAFF_NAME}
NOTICE_RELATED = {"created_by": STAFF_NAME, "outbox": (OutboxMessage, {}, ("status",))}


def _attempts(order_id: Any) -> Any:
    return ContactAttempt.objects.filter(workorder_id=order_id).order_by("at", "id")


def _requests(order_id: Any) -> Any:
    return AdditionalMaterialsRequest.objects.filter(workorder_id=order_id).order_by("requested_at", "id")


def order_panel_annotations() -> dict[str, Any]:
    """What the card and the page's clock and materials cards show, read with the order (``json_rows``):
    its contact attempts, requests for more materials, extension requests, materials checklist and
    one-time notices."""
    pk = OuterRef("pk")
    return {
        "commitments_attempt_rows": JSONRows(_attempts(pk), ContactAttempt, {"staff": STAFF_NAME}),
        "commitments_request_rows": JSONRows(_requests(pk), AdditionalMaterialsRequest, REQUEST_RELATED),
        "commitments_extension_rows": JSONRows(
            ExtensionRequest.objects.filter(clock__workorder_id=pk).order_by("-requested_at", "-id"),
            ExtensionRequest,
            clocks_of_order.EXTENSION_RELATED,
        ),
        "commitments_material_rows": JSONRows(
            OrderMaterial.objects.filter(workorder_id=pk).order_by("order", "id"), OrderMaterial
        ),
        "commitments_notice_rows": JSONRows(
            MaterialsNotice.objects.filter(workorder_id=pk).order_by("-created_at", "-id"),
            MaterialsNotice,
            NOTICE_RELATED,
        ),
    }


def order_panel(request: HttpRequest, order: WorkOrder) -> dict[str, Any] | None:
    staff = staff_of(request.user)
    if staff is None:
        return None
    clocks_ = clocks_of_order.order_clock_list(order)  # shared with the page's clock card
    if not clocks_:
        return None
    rows = panel_rows(order, "commitments_attempt_rows")
    attempts = (
        list(_attempts(order.pk).select_related("staff"))
        if rows is None
        else instances(ContactAttempt, rows, {"staff": STAFF_NAME})
    )
    reports = [c for c in clocks_ if c.unreachable_reported_at is not None]
    decidable = {
        c.pk for c in reports if c.unreachable_status == "pending" and unreachable.may_decide(staff, c, order)
    }
    open_ = order.status not in ("resolved", "closed")
    now = clock.now()
    running = [c for c in clocks_ if c.is_open and c.started_at is not None]
    verdict = unreachable.verdict(running[0], now, attempts) if running else None
    rows = panel_rows(order, "commitments_request_rows")
    requests = (
        list(_requests(order.pk).select_related(*REQUEST_RELATED))
        if rows is None
        else instances(AdditionalMaterialsRequest, rows, REQUEST_RELATED)
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
