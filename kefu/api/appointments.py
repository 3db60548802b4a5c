"""/api/v1/orders/{key}/windows, /orders/{key}/appointments and /appointments: booking visit windows (R-38,
docs/field-service.md). Staff by branch and role (changes need ``order.work``); a signed-in portal customer
only their own orders, within the customer's change rules. Every change goes through
``kefu.fieldservice.booking``."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from kefu.api.common import (
    ERRORS,
    WRITE_ERRORS,
    ApiRequest,
    DateTime,
    Id,
    Page,
    PageParams,
    Str2000,
    check_key,
    paginate,
)
from kefu.fieldservice import booking
from kefu.fieldservice.models import Appointment
from kefu.lib.errors import NotFound
from kefu.organization.access import staff_of
from kefu.workorders.access import access_workorder

router = Router(tags=["appointments"])

AppointmentStatusName = Literal["booked", "confirmed", "cancelled", "done", "missed"]
AppointmentSourceName = Literal["agent", "portal", "sms", "campaign"]
AppointmentMissedName = Literal["technician_late", "technician_absent", "customer_absent", "other"]


class AppointmentWindowOut(Schema):
    start: dt.datetime
    end: dt.datetime
    technician_ids: list[int] = Field(
        description="Technicians free for the window, least booked that day first."
    )


class AppointmentWindowsOut(Schema):
    count: int
    count_capped: bool = False
    limit: int
    offset: int
    items: list[AppointmentWindowOut]
    missing_year: int | None = Field(
        description="A year the branch calendar has no holiday data for: windows stop before it."
    )


class AppointmentTechnicianOut(Schema):
    id: int
    name: str
    badge_no: str = Field(description="The badge number (工号) the customer checks at the door.")


class AppointmentOut(Schema):
    id: int
    order: str = Field(description="The work-order number.")
    window_start: dt.datetime
    window_end: dt.datetime
    status: AppointmentStatusName
    source: AppointmentSourceName
    technician: AppointmentTechnicianOut | None
    customer_requested_later: bool
    paused_from: dt.datetime | None = Field(description="The order's time limit does not run from here …")
    paused_until: dt.datetime | None = Field(
        description="… to here (R-14: a later window the customer chose)."
    )
    reschedules: int
    missed_reason: AppointmentMissedName | Literal[""]
    missed_note: str
    arrived_at: dt.datetime | None


class AppointmentBookIn(Schema):
    start: DateTime = Field(description="The start of a free window (from /orders/{key}/windows).")
    technician_id: int | None = Field(None, ge=1, description="Staff only: one of the window's technicians.")
    customer_requested_later: bool = Field(
        False,
        description="Staff only: the customer asked for this later window (the time limit waits for it, R-14).",
    )


class AppointmentMissedIn(Schema):
    reason: AppointmentMissedName
    note: Str2000 = ""


class AppointmentFilters(Schema):
    order: str | None = Field(None, max_length=40, description="A work-order number or id.")
    status: AppointmentStatusName | None = None
    technician_id: int | None = Field(None, ge=1)
    start_from: DateTime | None = Field(None, description="Windows starting at or after.")
    start_before: DateTime | None = Field(None, description="Windows starting before.")


def _out(a: Appointment) -> dict[str, Any]:
    tech = a.technician
    return {
        "id": a.pk,
        "order": a.order.number,
        "window_start": a.window_start,
        "window_end": a.window_end,
        "status": a.status,
        "source": a.source,
        "technician": {"id": tech.pk, "name": tech.name, "badge_no": tech.badge_no} if tech else None,
        "customer_requested_later": a.customer_requested_later,
        "paused_from": a.paused_from,
        "paused_until": a.paused_until,
        "reschedules": a.reschedules,
        "missed_reason": a.missed_reason,
        "missed_note": a.missed_note,
        "arrived_at": a.arrived_at,
    }


def _who(request: ApiRequest) -> booking.Who:
    return booking.staff_who(request.auth) if staff_of(request.auth) else booking.portal_who(request.auth)


def _get(request: ApiRequest, appointment_id: int) -> dict[str, Any]:
    a = (
        booking.visible_appointments(request.auth)
        .select_related("order", "technician")
        .filter(pk=appointment_id)
        .first()
    )
    if a is None:
        raise NotFound("not_found", _("Appointment not found."), "appointment")
    return _out(a)


@router.get(
    "/orders/{key}/windows",
    response={200: AppointmentWindowsOut, **ERRORS},
    summary="Free visit windows of an order",
)
def list_windows(request: ApiRequest, key: str, page: Query[PageParams]) -> dict[str, Any]:
    """The free windows for the booking horizon (``KEFU_FIELD_BOOKING_DAYS``), from the technicians of the
    customer's area (else the branch), the branch calendar, their shifts, the bookings and the travel buffer."""
    order = access_workorder(request.auth, check_key(key), related=("branch",))
    off = booking.offer(order, exclude=booking.open_appointment(order))
    rows = off.windows[page.offset : page.offset + page.limit]
    return {
        "count": len(off.windows),
        "count_capped": False,
        "limit": page.limit,
        "offset": page.offset,
        "items": [{"start": w.start, "end": w.end, "technician_ids": list(w.technician_ids)} for w in rows],
        "missing_year": off.missing_year,
    }


@router.post(
    "/orders/{key}/appointments",
    response={201: AppointmentOut, **WRITE_ERRORS},
    summary="Book a visit window",
)
def book(request: ApiRequest, key: str, payload: AppointmentBookIn) -> Status:
    a = booking.do_book(
        _who(request),
        check_key(key),
        payload.start,
        technician_id=payload.technician_id,
        customer_asked=payload.customer_requested_later,
    )
    return Status(201, _get(request, a.pk))


@router.get("/appointments", response={200: Page[AppointmentOut], **ERRORS}, summary="Appointments")
def list_appointments(
    request: ApiRequest, filters: Query[AppointmentFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Appointments of the orders the caller may see, by window start (newest first)."""
    qs = booking.visible_appointments(request.auth).select_related("order", "technician")
    if filters.order:
        key = check_key(filters.order)
        qs = qs.filter(order__pk=int(key)) if key.isdecimal() else qs.filter(order__number=key.upper())
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.technician_id:
        qs = qs.filter(technician_id=filters.technician_id)
    if filters.start_from:
        qs = qs.filter(window_start__gte=filters.start_from)
    if filters.start_before:
        qs = qs.filter(window_start__lt=filters.start_before)
    return paginate(qs.order_by("-window_start", "-pk"), page, _out)


@router.get(
    "/appointments/{appointment_id}", response={200: AppointmentOut, **ERRORS}, summary="One appointment"
)
def get_appointment(request: ApiRequest, appointment_id: Id) -> dict[str, Any]:
    return _get(request, appointment_id)


@router.post(
    "/appointments/{appointment_id}/reschedule",
    response={200: AppointmentOut, **WRITE_ERRORS},
    summary="Move a visit to another free window",
)
def reschedule(request: ApiRequest, appointment_id: Id, payload: AppointmentBookIn) -> dict[str, Any]:
    booking.do_reschedule(
        _who(request),
        appointment_id,
        payload.start,
        technician_id=payload.technician_id,
        customer_asked=payload.customer_requested_later,
    )
    return _get(request, appointment_id)


@router.post(
    "/appointments/{appointment_id}/cancel",
    response={200: AppointmentOut, **WRITE_ERRORS},
    summary="Cancel a visit",
)
def cancel(request: ApiRequest, appointment_id: Id) -> dict[str, Any]:
    booking.do_cancel(_who(request), appointment_id)
    return _get(request, appointment_id)


@router.post(
    "/appointments/{appointment_id}/confirm",
    response={200: AppointmentOut, **WRITE_ERRORS},
    summary="The customer confirms the window",
)
def confirm(request: ApiRequest, appointment_id: Id) -> dict[str, Any]:
    booking.do_confirm(_who(request), appointment_id)
    return _get(request, appointment_id)


@router.post(
    "/appointments/{appointment_id}/missed",
    response={200: AppointmentOut, **WRITE_ERRORS},
    summary="Record a missed visit",
)
def missed(request: ApiRequest, appointment_id: Id, payload: AppointmentMissedIn) -> dict[str, Any]:
    """Staff: the visit did not happen (customer absent, technician late or absent, other with a note)."""
    booking.do_record_missed(request.auth, appointment_id, payload.reason, payload.note)
    return _get(request, appointment_id)
