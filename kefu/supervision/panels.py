"""The supervision card on the console order page: notices (督办), transfers that may be reported as
sending the customer away, and the accountability records of the order."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest

from kefu.lib import clock
from kefu.lib.json_rows import JSONRows, instances
from kefu.organization.access import staff_of
from kefu.organization.models import Staff
from kefu.supervision import actions
from kefu.supervision.access import visible_records
from kefu.supervision.models import AccountabilityRecord, SupervisionNotice
from kefu.workorders.hooks import panel_flag, panel_rows
from kefu.workorders.models import Transfer, WorkOrder

# the notices' people as the card shows them (``json_rows``: read with the order)
NOTICE_RELATED: dict[str, Any] = {
    name: (Staff, {}, ("name", "badge_no")) for name in ("issued_by", "answered_by", "reported_to")
}


def _notices(order_id: Any) -> Any:
    return SupervisionNotice.objects.filter(workorder_id=order_id).order_by("issued_at", "id")


def order_panel_annotations() -> dict[str, Any]:
    """The order's notices, and whether it has accountability records, read with the order
    (``hooks.OrderPanel.annotations``; the records the user may see are filtered when there are any)."""
    pk = OuterRef("pk")
    return {
        "supervision_notice_rows": JSONRows(_notices(pk), SupervisionNotice, NOTICE_RELATED),
        "supervision_has_records": Exists(AccountabilityRecord.objects.filter(workorder_id=pk)),
    }


def order_panel(request: HttpRequest, order: WorkOrder) -> dict[str, Any] | None:
    staff = staff_of(request.user)
    if staff is None:
        return None
    rows = panel_rows(order, "supervision_notice_rows")
    notices = (
        list(_notices(order.pk).select_related(*NOTICE_RELATED))
        if rows is None
        else instances(SupervisionNotice, rows, NOTICE_RELATED)
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
