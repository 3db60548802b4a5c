"""The incident card on the console order page (a work-order ``OrderPanel``): its rows come with the order
(``incident_rows``); one statement when the order was read without them."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest

from kefu.incidents import actions
from kefu.incidents.models import Incident, IncidentOrder, IncidentStatus
from kefu.lib.json_rows import JSONRows, instances
from kefu.organization.access import staff_of
from kefu.workorders import rules as wo_rules
from kefu.workorders.hooks import panel_rows
from kefu.workorders.models import WorkOrder


def incident_rows() -> JSONRows:
    """An annotation for the order page's own query (``incident_rows``): the incident the order belongs to
    and the active incidents covering its branch and area (``actions.order_incidents`` ranks them), as one
    JSON array (``kefu.lib.json_rows``). When empty the card costs nothing; otherwise no statement either."""
    # inside the incident's own subquery: OuterRef("pk") is the incident, OuterRef(OuterRef("pk")) the order
    attached = Exists(
        IncidentOrder.objects.filter(workorder_id=OuterRef(OuterRef("pk")), incident_id=OuterRef("pk"))
    )
    candidates = Incident.objects.filter(
        Exists(
            IncidentOrder.objects.filter(workorder_id=OuterRef(OuterRef("pk")), incident_id=OuterRef("pk"))
        )
        | (
            Q(status=IncidentStatus.ACTIVE, branch_id=OuterRef("branch_id"))
            & (Q(area__isnull=True) | Q(area_id=OuterRef("area_id")))
        )
    ).order_by("-started_at", "-id")[: actions.ORDER_INCIDENTS]
    return JSONRows(candidates, Incident, extra={"mine": attached})


def order_panel(request: HttpRequest, order: WorkOrder) -> dict[str, Any] | None:
    """The incident the order belongs to, else (an open order) the active incidents it may belong to."""
    staff = staff_of(request.user)
    if staff is None:
        return None
    read = panel_rows(order, "incident_rows")
    if read is not None and not read:  # read with the order: nothing to show, no statement
        return None
    rows = None if read is None else instances(Incident, read, extra=("mine",))
    if not wo_rules.is_open(order.status) and order.status != wo_rules.Status.RESOLVED:
        # a closed order: only the incident it belongs to, if any (still the same one statement)
        mine, _suggested = actions.order_incidents(order, rows)
        return (
            {"number": order.number, "incident": mine, "suggested": [], "can_attach": False} if mine else None
        )
    mine, suggested = actions.order_incidents(order, rows)
    if mine is None and not suggested:
        return None
    return {
        "number": order.number,
        "incident": mine,
        "suggested": suggested,
        "can_attach": actions.may_manage(staff) and wo_rules.is_open(order.status),
    }
