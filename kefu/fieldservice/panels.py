"""The console order page's "Visit" card (R-38): the booked window, the technician and what staff can do.

No query of its own: the order's latest appointments with their technicians are read with the order on the
page (:func:`order_annotations`, ``kefu.lib.json_rows``); the free windows load on demand
(``views_booking.windows``)."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef
from django.http import HttpRequest

from kefu.fieldservice.models import Appointment, AppointmentStatus, MissedReason
from kefu.lib import clock
from kefu.lib.json_rows import JSONRows, instances
from kefu.organization.access import staff_of
from kefu.organization.models import Staff
from kefu.workorders.hooks import panel_rows
from kefu.workorders.models import WorkOrder

OPEN = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)
HISTORY = 5


ROWS = "fieldservice_appointment_rows"
RELATED: dict[str, Any] = {"technician": (Staff, {}, ("name", "badge_no"))}


def _latest(order_id: Any) -> Any:
    return Appointment.objects.filter(order_id=order_id).order_by("-window_start", "-id")[:HISTORY]


def order_annotations() -> dict[str, Any]:
    """The order's latest appointments with their technicians, read with the order on its page
    (``json_rows``): no query of the card's own."""
    return {ROWS: JSONRows(_latest(OuterRef("pk")), Appointment, RELATED)}


def order_panel(request: HttpRequest, order: WorkOrder) -> dict[str, Any] | None:
    staff = staff_of(request.user)
    if staff is None:
        return None
    read = panel_rows(order, ROWS)
    rows = (
        list(_latest(order.pk).select_related("technician"))
        if read is None
        else instances(Appointment, read, RELATED)
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
