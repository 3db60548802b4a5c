"""The console order page's "Visit" card (R-38): the booked window, the technician and what staff can do.

One query (the order's latest appointments with their technicians), none for an order without any (the page's
order query says so: :func:`order_annotations`); the free windows load on demand (``views_booking.windows``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest

from kefu.fieldservice.models import Appointment, AppointmentStatus, MissedReason
from kefu.lib import clock
from kefu.organization.access import staff_of
from kefu.workorders.hooks import panel_flag
from kefu.workorders.models import WorkOrder

OPEN = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)
HISTORY = 5


FLAG = "fieldservice_has_appointments"


def order_annotations() -> dict[str, Any]:
    """Whether the order has any appointment, read with the order on its page."""
    return {FLAG: Exists(Appointment.objects.filter(order=OuterRef("pk")))}


def order_panel(request: HttpRequest, order: WorkOrder) -> dict[str, Any] | None:
    staff = staff_of(request.user)
    if staff is None:
        return None
    rows = (
        list(
            Appointment.objects.filter(order=order)
            .select_related("technician")
            .order_by("-window_start")[:HISTORY]
        )
        if panel_flag(order, FLAG)
        else []
    )
    current = next((a for a in rows if a.status in OPEN), None)
    finished = order.status in ("resolved", "closed")
    can_work = staff.can("order.work")
    if not rows and finished:
        return None
    now = clock.now()
    return {
        "order": order,
        "current": current,
        "history": [a for a in rows if a is not current],
        "can_book": can_work and not finished and current is None,
        "can_change": can_work and current is not None,
        "can_record_missed": can_work and current is not None and current.window_start <= now,
        "reasons": MissedReason.choices,
        "header_badge": None,
    }
