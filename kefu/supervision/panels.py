"""The supervision card on the console order page: notices (督办), transfers that may be reported as
sending the customer away, and the accountability records of the order."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest

from kefu.lib import clock
from kefu.organization.access import staff_of
from kefu.supervision import actions
from kefu.supervision.access import visible_records
from kefu.supervision.models import AccountabilityRecord, SupervisionNotice
from kefu.workorders.hooks import panel_flag
from kefu.workorders.models import Transfer, WorkOrder


def order_panel_annotations() -> dict[str, Any]:
    """Whether the order has notices and accountability records, read with the order
    (``hooks.OrderPanel.annotations``; the records the user may see are filtered when there are any)."""
    pk = OuterRef("pk")
    return {
        "supervision_has_notices": Exists(SupervisionNotice.objects.filter(workorder_id=pk)),
        "supervision_has_records": Exists(AccountabilityRecord.objects.filter(workorder_id=pk)),
    }


def order_panel(request: HttpRequest, order: WorkOrder) -> dict[str, Any] | None:
    staff = staff_of(request.user)
    if staff is None:
        return None
    notices = (
        list(
            SupervisionNotice.objects.filter(workorder=order)
            .select_related("issued_by", "answered_by", "reported_to")
            .order_by("issued_at", "id")
        )
        if panel_flag(order, "supervision_has_notices")
        else []
    )
    can_issue = staff.can("supervision.notice") and order.status not in ("resolved", "closed")
    can_record = staff.can("accountability.record")
    transfers: list[Transfer] = []
    reported: set[int] = set()
    if can_record:
        transfers = list(
            Transfer.objects.filter(workorder=order).select_related("by", "to_staff", "to_department")
        )
        reported = {
            pk
            for pk in AccountabilityRecord.objects.filter(
                kind="sent_away", source_id__in=[t.pk for t in transfers]
            ).values_list("source_id", flat=True)
            if pk is not None
        }
    records = (
        list(
            visible_records(staff)
            .filter(workorder=order)
            .select_related("staff")
            .order_by("occurred_at", "id")
        )
        if panel_flag(order, "supervision_has_records")
        else []
    )
    if not (notices or can_issue or transfers or records):
        return None
    for n in notices:
        n.workorder = order
        n.may_answer = n.status == "open" and actions.may_answer(staff, n)  # type: ignore[attr-defined]
    for t in transfers:
        t.reported = t.pk in reported  # type: ignore[attr-defined]
    return {
        "order": order,
        "notices": notices,
        "can_issue": can_issue,
        "transfers": transfers,
        "records": records,
        "now": clock.now(),
    }
