"""The incident card on the console order page (a work-order ``OrderPanel``): one statement."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.http import HttpRequest

from kefu.incidents import actions
from kefu.incidents.models import Incident, IncidentOrder, IncidentStatus
from kefu.organization.access import staff_of
from kefu.workorders import rules as wo_rules
from kefu.workorders.models import WorkOrder


def maybe_incident() -> ExpressionWrapper:
    """An annotation for the order page's own query (``incident_maybe``): whether the order belongs to an
    incident or an active incident covers its branch and area. When False the card costs no statement."""
    attached = Exists(IncidentOrder.objects.filter(workorder_id=OuterRef("pk")))
    active = Exists(
        Incident.objects.filter(status=IncidentStatus.ACTIVE, branch_id=OuterRef("branch_id")).filter(
            Q(area__isnull=True) | Q(area_id=OuterRef("area_id"))
        )
    )
    return ExpressionWrapper(Q(attached) | Q(active), output_field=BooleanField())


def order_panel(request: HttpRequest, order: WorkOrder) -> dict[str, Any] | None:
    """The incident the order belongs to, else (an open order) the active incidents it may belong to."""
    staff = staff_of(request.user)
    if staff is None or not getattr(order, "incident_maybe", True):
        return None
    if not wo_rules.is_open(order.status) and order.status != wo_rules.Status.RESOLVED:
        # a closed order: only the incident it belongs to, if any (still the same one statement)
        mine, _suggested = actions.order_incidents(order)
        return (
            {"number": order.number, "incident": mine, "suggested": [], "can_attach": False} if mine else None
        )
    mine, suggested = actions.order_incidents(order)
    if mine is None and not suggested:
        return None
    return {
        "number": order.number,
        "incident": mine,
        "suggested": suggested,
        "can_attach": actions.may_manage(staff) and wo_rules.is_open(order.status),
    }
