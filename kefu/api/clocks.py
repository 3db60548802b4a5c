"""/api/v1: time limits of work orders (R-13..R-15). Reads through workorders.access, writes through
commitments.clocks (the only writer of clocks and extension requests)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from kefu.api import render
from kefu.api.common import (
    ERRORS,
    WRITE_ERRORS,
    ApiRequest,
    Bool,
    DateTime,
    Id,
    NonBlank,
    Str20k,
    Str2000,
    check_key,
    decimal,
)
from kefu.api.schemas import StaffRef
from kefu.commitments import clocks, unreachable
from kefu.commitments.models import OPEN_CLOCK_STATUSES, ExtensionRequest, OrderClock
from kefu.lib import clock
from kefu.lib.errors import NotFound
from kefu.organization.access import require_staff
from kefu.workorders.access import access_workorder

router = Router(tags=["time limits"])


class ExtensionOut(Schema):
    id: int
    clock_id: int
    order: str = Field(description="Number of the work order.")
    amount: Decimal = Field(description="In the clock's unit.")
    reason: str
    status: str = Field(description="pending, approved or rejected.")
    requested_by: StaffRef
    requested_at: dt.datetime
    decided_by: StaffRef | None
    decided_at: dt.datetime | None
    decision_note: str


class ClockOut(Schema):
    id: int
    kind: str = Field(description="first_response, resolution or complaint_answer.")
    round: int = Field(description="1, or more after the order was reopened.")
    status: str = Field(
        description="not_started, running, paused, breached, met, met_unreachable, late or cancelled (live)."
    )
    unit: str = Field(description="calendar_minutes, calendar_hours, working_hours or working_days.")
    amount: Decimal
    extension_amount: Decimal = Field(description="Approved extensions, in the same unit.")
    calendar: str
    started_at: dt.datetime | None = Field(description="Empty until the required materials are complete.")
    paused_since: dt.datetime | None
    stopped_at: dt.datetime | None
    due_at: dt.datetime | None = Field(
        description="Empty while not started or paused; provisional (see provisional) while the calendar "
        "lacks a year."
    )
    warn_at: dt.datetime | None
    remaining_seconds: int | None = Field(
        description="Clock time left now: real seconds for calendar hours, else working seconds; negative when overdue."
    )
    warning: bool
    calendar_missing_year: int | None = Field(description="A year the calendar has no holiday data for.")
    provisional: bool = Field(
        description="The due time is provisional: counted on weekends only for calendar_missing_year, "
        "recomputed when that year is loaded."
    )
    unreachable_status: str = Field(
        description="The leader's decision on the unreachable report: pending, approved, rejected or empty."
    )
    unreachable_report: str
    unreachable_reported_at: dt.datetime | None
    extensions: list[ExtensionOut]


class ExtensionIn(Schema):
    amount: decimal(  # type: ignore[valid-type]
        4,
        2,
        gt=0,
        ge=None,
        le=1000,
        description="More time in the clock's unit (whole working days: 400 whole_days).",
    )
    reason: Annotated[Str20k, NonBlank]


class UnreachableIn(Schema):
    text: Annotated[Str20k, NonBlank] = Field(
        description="The written report: who tried to reach the customer, when and how."
    )


class DecisionIn(Schema):
    approve: Bool
    note: Str2000 = ""


def extension_out(e: ExtensionRequest, number: str) -> dict[str, Any]:
    return {
        "id": e.pk,
        "clock_id": e.clock_id,
        "order": number,
        "amount": e.amount,
        "reason": e.reason,
        "status": e.status,
        "requested_by": render.staff_ref(e.requested_by),
        "requested_at": e.requested_at,
        "decided_by": render.staff_ref(e.decided_by),
        "decided_at": e.decided_at,
        "decision_note": e.decision_note,
    }


def clock_out(c: OrderClock, number: str, now: dt.datetime) -> dict[str, Any]:
    st = clocks.state(c, now)
    status = clocks.live_status(c, st)
    return {
        "id": c.pk,
        "kind": c.kind,
        "round": c.round,
        "status": status,
        "unit": c.unit,
        "amount": c.amount,
        "extension_amount": c.extension_amount,
        "calendar": c.calendar.name,
        "started_at": c.started_at,
        "paused_since": clocks.paused_since(c),
        "stopped_at": c.stopped_at,
        "due_at": st.due_at if st else None,
        "warn_at": st.warn_at if st else None,
        "remaining_seconds": (
            int(st.remaining.total_seconds())
            if st is not None and st.remaining is not None and status in OPEN_CLOCK_STATUSES
            else None
        ),
        "warning": bool(st and st.warning),
        "calendar_missing_year": c.calendar_missing_year,
        "provisional": bool(c.calendar_missing_year is not None and st is not None and st.due_at),
        "unreachable_status": c.unreachable_status,
        "unreachable_report": c.unreachable_report,
        "unreachable_reported_at": c.unreachable_reported_at,
        "extensions": [extension_out(e, number) for e in c.extensions.all()],
    }


def _clock_of_order(request: ApiRequest, key: str, clock_id: int) -> OrderClock:
    o = access_workorder(request.auth, check_key(key))
    c = OrderClock.objects.filter(pk=clock_id, workorder=o).first()
    if c is None:
        raise NotFound("not_found", _("No such clock on this order."))
    return c


@router.get(
    "/orders/{key}/clocks", response={200: list[ClockOut], **ERRORS}, summary="Time limits of an order"
)
def order_clocks(request: ApiRequest, key: str) -> list[dict[str, Any]]:
    """Each clock with its live status, due time and remaining time (staff only)."""
    require_staff(request.auth)
    o = access_workorder(request.auth, check_key(key))
    now = clock.now()
    qs = (
        OrderClock.objects.filter(workorder=o)
        .select_related("calendar")
        .prefetch_related("extensions__requested_by", "extensions__decided_by")
        .order_by("kind", "round")
    )
    return [clock_out(c, o.number, now) for c in qs]


@router.post(
    "/orders/{key}/clocks/{clock_id}/extensions",
    response={201: ExtensionOut, **WRITE_ERRORS},
    summary="Request an extension (owner or assignee, before the deadline)",
)
def request_extension(request: ApiRequest, key: str, clock_id: Id, payload: ExtensionIn) -> Status:
    c = _clock_of_order(request, key, clock_id)
    req = clocks.do_request_extension(request.auth, c.pk, payload.amount, payload.reason)
    return Status(201, extension_out(req, c.workorder.number))


@router.post(
    "/orders/{key}/clocks/{clock_id}/unreachable",
    response={200: ClockOut, **WRITE_ERRORS},
    summary="File a written 'customer unreachable / not at home' report",
)
def report_unreachable(request: ApiRequest, key: str, clock_id: Id, payload: UnreachableIn) -> dict[str, Any]:
    """Refused (422, code ``attempts_missing``) until the contact attempts of the policy are recorded; then
    pending until the leader decides. Approved, and filed by the due time, the clock counts as met (R-14)."""
    c = _clock_of_order(request, key, clock_id)
    c = clocks.do_report_unreachable(request.auth, c.pk, payload.text)
    return clock_out(c, c.workorder.number, clock.now())


class AttemptIn(Schema):
    method: Literal["phone", "sms", "visit", "other"]
    at: DateTime | None = Field(None, description="When; empty: now. Not in the future.")
    note: Str2000 = ""


class AttemptOut(Schema):
    id: int
    method: str
    at: dt.datetime
    note: str
    staff: str


@router.post(
    "/orders/{key}/contact-attempts",
    response={201: AttemptOut, **WRITE_ERRORS},
    summary="Record an attempt to reach the customer (the proof an unreachable report needs)",
)
def record_attempt(request: ApiRequest, key: str, payload: AttemptIn) -> Status:
    a = unreachable.do_record_attempt(
        request.auth, check_key(key), payload.method, payload.note, at=payload.at
    )
    return Status(201, {"id": a.pk, "method": a.method, "at": a.at, "note": a.note, "staff": a.staff.name})


@router.post(
    "/orders/{key}/clocks/{clock_id}/unreachable/decision",
    response={200: ClockOut, **WRITE_ERRORS},
    summary="Approve or reject a pending unreachable report (leader, branch supervisor or admin)",
)
def decide_unreachable(request: ApiRequest, key: str, clock_id: Id, payload: DecisionIn) -> dict[str, Any]:
    """Only an approved report stops the clock; until the decision it runs (R-14)."""
    c = _clock_of_order(request, key, clock_id)
    c = unreachable.do_decide_unreachable(request.auth, c.pk, payload.approve, payload.note)
    return clock_out(c, c.workorder.number, clock.now())


@router.get(
    "/extensions",
    response={200: list[ExtensionOut], **ERRORS},
    summary="Pending extension requests I may decide",
)
def pending_extensions(request: ApiRequest) -> list[dict[str, Any]]:
    staff = require_staff(request.auth)
    return [extension_out(e, e.clock.workorder.number) for e in clocks.pending_extensions_for(staff)]


@router.post(
    "/extensions/{request_id}/decision",
    response={200: ExtensionOut, **WRITE_ERRORS},
    summary="Approve or reject an extension request (leader, branch supervisor or admin)",
)
def decide_extension(request: ApiRequest, request_id: Id, payload: DecisionIn) -> dict[str, Any]:
    """Only an approval before the deadline moves the due time (R-15)."""
    req = clocks.do_decide_extension(request.auth, request_id, payload.approve, payload.note)
    return extension_out(req, req.clock.workorder.number)
