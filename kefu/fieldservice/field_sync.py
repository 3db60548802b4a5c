"""The technician's day (R-38; docs/field-service.md, "The technician's day on a phone"): which visits a technician
has today, and the actions of a visit sent from the phone — set off, arrived, a note, a photo, the customer's
signature, finished with an outcome.

The phone queues each action with an id it generates (a UUID) and sends them in the order they were taken,
possibly much later (no network in a cellar). :func:`apply_action` applies an id **exactly once**: the first
time it changes the visit, the order and the appointment in one transaction and stores the answer with the
id (``FieldAction.action_id`` is unique); a replay of the same id changes nothing and gets the stored answer.
An action the visit's state does not allow (arrived before setting off is fine, finishing before arriving is
not) is refused with a conflict and stored nowhere, so the phone may show it and the technician redo it.

Lock order: the work order's row first (``access_workorder(..., for_update=True)``), as in
``kefu.workorders.actions``; the replay check runs under that lock, so two copies of one action sent at once
are applied once.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.audit import log as audit
from kefu.fieldservice import booking
from kefu.fieldservice.models import (
    Appointment,
    AppointmentStatus,
    FieldAction,
    FieldActionKind,
    MissedReason,
    Visit,
    VisitOutcome,
    VisitState,
)
from kefu.lib import clock, previews
from kefu.lib.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import Staff
from kefu.organization.rules import Role
from kefu.workorders import actions as wo_actions
from kefu.workorders import rules as wo_rules
from kefu.workorders.access import access_workorder
from kefu.workorders.models import Priority, ServicePlace, TimelineEntry, WorkOrder

#: how far the device's clock may be ahead of the server's, and how old a queued action may be
CLOCK_AHEAD = dt.timedelta(minutes=10)
QUEUED_AT_MOST = dt.timedelta(days=3)
NOTE_MAX = 2000
SIGNER_MAX = 100
#: the orders without an appointment listed after today's appointments (the rest stay in the queue)
OPEN_ORDERS_SHOWN = 30

ACTIVE_APPOINTMENT = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)
SHOWN_APPOINTMENT = (*ACTIVE_APPOINTMENT, AppointmentStatus.DONE, AppointmentStatus.MISSED)

#: what each action needs the visit's state to be
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    FieldActionKind.START_TRAVEL: (VisitState.PLANNED,),
    FieldActionKind.ARRIVE: (VisitState.PLANNED, VisitState.TRAVELLING),
    FieldActionKind.NOTE: (VisitState.PLANNED, VisitState.TRAVELLING, VisitState.ON_SITE),
    FieldActionKind.PHOTO: (VisitState.ON_SITE,),
    FieldActionKind.SIGNATURE: (VisitState.ON_SITE,),
    FieldActionKind.FINISH: (VisitState.ON_SITE,),
}
STATE_MESSAGES: dict[str, Any] = {
    FieldActionKind.START_TRAVEL: gettext_lazy("You have already set off for this visit."),
    FieldActionKind.ARRIVE: gettext_lazy("You have already arrived at this visit."),
    FieldActionKind.NOTE: gettext_lazy("The visit is finished; a note can no longer be added here."),
    FieldActionKind.PHOTO: gettext_lazy("Photos are taken on site: press “Arrived” first."),
    FieldActionKind.SIGNATURE: gettext_lazy("The customer signs on site: press “Arrived” first."),
    FieldActionKind.FINISH: gettext_lazy("Only a visit you have arrived at can be finished."),
}
#: the order statuses a finished visit resolves the order from (the transition table allows "resolve")
RESOLVABLE = frozenset(
    {
        wo_rules.Status.NEW,
        wo_rules.Status.IN_PROGRESS,
        wo_rules.Status.PENDING_CUSTOMER,
        wo_rules.Status.REOPENED,
    }
)
STARTABLE = frozenset({wo_rules.Status.NEW, wo_rules.Status.REOPENED})


def require_technician(user: Actor) -> Staff:
    """The technician behind ``user``; PermissionDenied for anyone else (the day view is theirs only)."""
    staff = require_staff(user)
    if staff.role != Role.TECHNICIAN:
        raise PermissionDenied("not_technician", _("Only field technicians have a day of visits."))
    return staff


# --- the day -----------------------------------------------------------------------------------------


@dataclass
class DayItem:
    """One line of the technician's day: an appointment (with its order), or an assigned order without one."""

    key: str
    order: WorkOrder
    appointment: Appointment | None
    visit: Visit | None

    @property
    def state(self) -> str:
        return self.visit.state if self.visit is not None else VisitState.PLANNED


def branch_day(staff: Staff, now: dt.datetime | None = None) -> tuple[dt.date, dt.datetime, dt.datetime]:
    """Today in the technician's branch time zone, and its start and end in UTC."""
    branch = staff.branch
    tz = zoneinfo.ZoneInfo(branch.time_zone) if branch is not None else timezone.get_default_timezone()
    local = (now or clock.now()).astimezone(tz)
    start = dt.datetime.combine(local.date(), dt.time(0, 0), tzinfo=tz)
    end = start + dt.timedelta(days=1)
    return local.date(), start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def today_appointments(staff: Staff, now: dt.datetime | None = None) -> QuerySet[Appointment]:
    _day, start, end = branch_day(staff, now)
    return (
        Appointment.objects.filter(
            technician=staff, window_start__lt=end, window_end__gt=start, status__in=SHOWN_APPOINTMENT
        )
        .select_related("order__customer", "order__service", "visit")
        .order_by("window_start", "id")
    )


def open_orders_without_appointment(staff: Staff) -> QuerySet[WorkOrder]:
    """The technician's assigned open on-site orders with no booked appointment (by urgency, then due)."""
    booked = Appointment.objects.filter(order=OuterRef("pk"), status__in=ACTIVE_APPOINTMENT)
    return (
        WorkOrder.objects.filter(
            assignee=staff,
            status__in=sorted(s.value for s in wo_rules.OPEN_STATUSES),
            place=ServicePlace.ONSITE,
            merged_into__isnull=True,
        )
        .exclude(Exists(booked))
        .select_related("customer", "service")
        .order_by("urgency", "due_at", "id")
    )


def my_day(staff: Staff, now: dt.datetime | None = None) -> tuple[list[DayItem], int]:
    """Today's appointments by window, then the open orders without one (at most ``OPEN_ORDERS_SHOWN``,
    by urgency then due time), and how many such orders there are in all; an urgent order without an
    appointment (an emergency: a leak, an outage) comes before the appointments. A fixed number of
    statements, whatever the day holds."""
    items = [
        DayItem(f"a{a.pk}", a.order, a, getattr(a, "visit", None)) for a in today_appointments(staff, now)
    ]
    orders = open_orders_without_appointment(staff)
    total = orders.count()
    shown = list(orders[:OPEN_ORDERS_SHOWN])
    visits = {
        v.order_id: v
        for v in Visit.objects.filter(order__in=shown, technician=staff, appointment__isnull=True).order_by(
            "id"
        )
    }  # the latest visit of each order (later ids overwrite earlier ones)
    unbooked = [DayItem(f"o{o.pk}", o, None, visits.get(o.pk)) for o in shown]
    urgent = [i for i in unbooked if i.order.priority == Priority.URGENT]
    return urgent + items + [i for i in unbooked if i.order.priority != Priority.URGENT], total


def day_item(user: Actor, key: str) -> DayItem:
    """The visit ``key`` (``a<appointment>`` or ``o<order>``) of the technician; NotFound for anything else,
    another technician's visits included (nothing to probe)."""
    staff = require_technician(user)
    appointment, order = _target(user, staff, key)
    visit = _find_visit(staff, order, appointment)
    return DayItem(key, order, appointment, visit)


def _not_found() -> NotFound:
    return NotFound("not_found", _("This visit is not one of yours."), "visit")


def _target(
    user: Actor, staff: Staff, key: str, *, for_update: bool = False
) -> tuple[Appointment | None, WorkOrder]:
    kind, digits = (key or "")[:1], (key or "")[1:]
    if kind not in ("a", "o") or not digits.isdecimal() or len(digits) > 18:
        raise _not_found()
    if kind == "a":
        appointment = (
            Appointment.objects.filter(pk=int(digits), technician=staff).exclude(
                status=AppointmentStatus.CANCELLED
            )
        ).first()
        if appointment is None:
            raise _not_found()
        order = access_workorder(
            user, appointment.order_id, for_update=for_update, related=("customer", "service", "branch")
        )
        return appointment, order
    order = access_workorder(
        user, int(digits), for_update=for_update, related=("customer", "service", "branch")
    )
    if order.assignee_id != staff.pk:
        raise _not_found()
    return None, order


def _find_visit(staff: Staff, order: WorkOrder, appointment: Appointment | None) -> Visit | None:
    if appointment is not None:
        return Visit.objects.filter(appointment=appointment).first()
    return (
        Visit.objects.filter(order=order, technician=staff, appointment__isnull=True).order_by("-id").first()
    )


# --- the actions ---------------------------------------------------------------------------------------


@dataclass
class ActionInput:
    """One action as the phone sent it (form fields; ``upload`` is the photo or signature file)."""

    action_id: str
    visit: str
    kind: str
    at: str
    text: str = ""
    outcome: str = ""
    signed_by: str = ""
    upload: Any = None


@dataclass
class Applied:
    result: dict[str, Any]
    replayed: bool


def _clean(data: ActionInput, now: dt.datetime) -> tuple[uuid.UUID, str, dt.datetime]:
    try:
        action_id = uuid.UUID(str(data.action_id))
    except ValueError:
        raise ValidationFailed("invalid_id", _("The action id is not a UUID."), "action_id") from None
    if data.kind not in FieldActionKind.values:
        raise ValidationFailed("invalid_choice", _("Unknown visit action."), "kind")
    try:
        at = dt.datetime.fromisoformat(str(data.at).replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(
            "invalid_time", _("The time of the action is not a date and time."), "at"
        ) from None
    if at.tzinfo is None:
        raise ValidationFailed("invalid_time", _("The time of the action has no time zone."), "at")
    if at > now + CLOCK_AHEAD:
        raise ValidationFailed(
            "time_ahead", _("The time of the action is in the future; check the phone's clock."), "at"
        )
    if at < now - QUEUED_AT_MOST:
        raise ValidationFailed(
            "time_too_old", _("The action is more than three days old; enter it on the order instead."), "at"
        )
    return action_id, data.kind, at.astimezone(dt.UTC)


def apply_action(user: Actor, data: ActionInput) -> Applied:
    """Apply one action of the phone's queue exactly once (see the module's docstring)."""
    staff = require_technician(user)
    now = clock.now()
    action_id, kind, at = _clean(data, now)
    with transaction.atomic():
        appointment, order = _target(user, staff, data.visit, for_update=True)
        earlier = FieldAction.objects.filter(action_id=action_id).select_related("visit").first()
        if earlier is not None:
            if earlier.technician_id != staff.pk or earlier.visit.order_id != order.pk:
                # the id is taken by another visit: a broken device, never a replay of this action
                raise Conflict("id_taken", _("This action id was used for another visit."), "action_id")
            return Applied(earlier.result, replayed=True)
        visit = _find_visit(staff, order, appointment)
        if visit is None or (appointment is None and visit.state == VisitState.FINISHED):
            visit = Visit(appointment=appointment, order=order, technician=staff)
        if visit.state not in ALLOWED_FROM[kind]:
            raise Conflict("wrong_state", STATE_MESSAGES[kind], "kind", state=visit.state)
        if visit.pk is None:
            visit.save()
        attachment = HANDLERS[kind](Step(user, staff, visit, order, appointment, data, at))
        visit.save()
        result = {
            "action_id": str(action_id),
            "kind": kind,
            "visit": visit_state(visit, order, appointment),
        }
        FieldAction.objects.create(
            action_id=action_id,
            visit=visit,
            technician=staff,
            kind=kind,
            done_at=at,
            received_at=now,
            attachment=attachment,
            result=result,
        )
    return Applied(result, replayed=False)


def visit_state(visit: Visit | None, order: WorkOrder, appointment: Appointment | None) -> dict[str, Any]:
    """What the phone shows of a visit (the answer of every action, and the page's starting point)."""

    def iso(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "state": visit.state if visit is not None else VisitState.PLANNED,
        "travel_started_at": iso(visit.travel_started_at) if visit else None,
        "arrived_at": iso(visit.arrived_at) if visit else None,
        "finished_at": iso(visit.finished_at) if visit else None,
        "outcome": visit.outcome if visit else "",
        "signed": bool(visit and visit.signature_id),
        "order_status": order.status,
        "appointment_status": appointment.status if appointment is not None else "",
    }


@dataclass
class Step:
    """What a handler of one action works on (the order locked, the visit saved)."""

    user: Actor
    staff: Staff
    visit: Visit
    order: WorkOrder
    appointment: Appointment | None
    data: ActionInput
    at: dt.datetime

    def time(self) -> str:
        """The action's time on the branch's clock (``HH:MM``), for the timeline and the notes."""
        return f"{self.at.astimezone(zoneinfo.ZoneInfo(self.order.branch.time_zone)):%H:%M}"

    def entry(self, kind: str, body: str, **data: Any) -> TimelineEntry:
        """A timeline entry of the order at the action's time, tagged with the visit."""
        return wo_actions.add_entry(
            self.order, kind, staff=self.staff, body=body, at=self.at, data={"visit": self.visit.pk, **data}
        )

    def audit(self, action: str, before: dict[str, Any], summary: str = "") -> None:
        audit.record(
            self.user,
            action,
            self.visit,
            before=before,
            after=_snap(self.visit),
            customer_id=self.order.customer_id,
            workorder_id=self.order.pk,
            summary=summary[:200],
        )

    def add_note(self, text: str) -> None:
        line = f"[{self.time()}] {text}"
        self.visit.notes = f"{self.visit.notes}\n{line}" if self.visit.notes else line


def _snap(visit: Visit) -> dict[str, Any]:
    fields = ["state", "travel_started_at", "arrived_at", "finished_at", "outcome", "signature", "notes"]
    return audit.snapshot(visit, fields)


def _move(step: Step, state: str, stamp: str, message: str, kind: str) -> None:
    """Set off / arrived: the visit's state and time; the order starts (new or reopened → in progress)."""
    before = _snap(step.visit)
    step.visit.state = state
    setattr(step.visit, stamp, step.at)
    if step.order.status in STARTABLE:
        wo_actions.do_transition(step.user, step.order.pk, wo_rules.Status.IN_PROGRESS.value)
        step.order.refresh_from_db()
    step.entry(TimelineEntry.Kind.SYSTEM, message % {"time": step.time()}, step=kind)
    step.visit.save()
    step.audit(f"visit.{kind}", before)


def _start_travel(step: Step) -> None:
    _move(
        step,
        VisitState.TRAVELLING,
        "travel_started_at",
        _("Technician set off for the visit at %(time)s."),
        FieldActionKind.START_TRAVEL,
    )


def _arrive(step: Step) -> None:
    _move(
        step,
        VisitState.ON_SITE,
        "arrived_at",
        _("Technician arrived on site at %(time)s."),
        FieldActionKind.ARRIVE,
    )
    if step.appointment is not None:  # the lateness check (booking.sweep_late) then leaves the visit alone
        booking.mark_arrived(step.appointment.pk, step.at, step.user)


def _text(data: ActionInput, *, required: bool) -> str:
    text = (data.text or "").strip()
    if required and not text:
        raise ValidationFailed("required", _("Write the note."), "text")
    if len(text) > NOTE_MAX:
        raise ValidationFailed("too_long", _("The text is longer than 2,000 characters."), "text")
    return text


def _note(step: Step) -> None:
    text = _text(step.data, required=True)
    before = _snap(step.visit)
    step.add_note(text)
    step.entry(TimelineEntry.Kind.NOTE, text)
    step.visit.save()
    step.audit("visit.note", before, text)


def _upload(data: ActionInput, field: str, allowed: frozenset[str], message: Any) -> Any:
    """The uploaded file if its bytes (not the name or the client's claim) are of an ``allowed`` type."""
    upload = data.upload
    if upload is None:
        raise ValidationFailed("required", _("Choose the file to send."), field)
    head = upload.read(8192)
    upload.seek(0)
    if wo_actions.sniff_content_type(head, getattr(upload, "name", "") or "") not in allowed:
        raise ValidationFailed("invalid_type", message, field)
    return upload


def _photo(step: Step) -> Any:
    upload = _upload(
        step.data, "file", previews.INLINE_IMAGE_TYPES, _("The photo must be a JPEG, PNG, GIF or WebP image.")
    )
    text = _text(step.data, required=False)
    entry = step.entry(TimelineEntry.Kind.NOTE, text or _("Photo taken on site."), step="photo")
    return wo_actions.attach_file(step.user, step.order, upload, entry=entry, public=False)


def _signature(step: Step) -> Any:
    upload = _upload(step.data, "file", frozenset({"image/png"}), _("The signature must be a PNG image."))
    signer = (step.data.signed_by or "").strip()
    if len(signer) > SIGNER_MAX:
        raise ValidationFailed("too_long", _("The name is longer than 100 characters."), "signed_by")
    before = _snap(step.visit)
    body = _("The customer signed on the technician's phone to confirm the work%(by)s.") % {
        "by": f" ({signer})" if signer else ""
    }
    entry = step.entry(TimelineEntry.Kind.NOTE, body, step="signature")
    att = wo_actions.attach_file(step.user, step.order, upload, entry=entry, public=False)
    step.visit.signature, step.visit.signed_by = att, signer
    step.visit.save()
    step.audit("visit.signature", before, signer)
    return att


def _finish(step: Step) -> None:
    visit, order, appointment = step.visit, step.order, step.appointment
    if step.data.outcome not in VisitOutcome.values:
        raise ValidationFailed("required", _("Choose how the visit ended."), "outcome")
    outcome = VisitOutcome(step.data.outcome)
    text = _text(step.data, required=outcome != VisitOutcome.DONE)
    if outcome == VisitOutcome.DONE and not visit.signature_id:
        raise ValidationFailed(
            "signature_required",
            _("The customer confirms the work with a signature before you finish."),
            "signature",
        )
    before = _snap(visit)
    visit.state, visit.finished_at, visit.outcome = VisitState.FINISHED, step.at, outcome.value
    if text:
        step.add_note(text)
    visit.save()
    labels = {
        VisitOutcome.DONE: _("Visit finished at %(time)s: work done, confirmed by the customer's signature."),
        VisitOutcome.ANOTHER_VISIT: _(
            "Visit finished at %(time)s: another visit is needed; the order stays open and needs a new appointment."
        ),
        VisitOutcome.CUSTOMER_ABSENT: _("Visit finished at %(time)s: the customer was not at home."),
    }
    body = labels[outcome] % {"time": step.time()}
    step.entry(
        TimelineEntry.Kind.SYSTEM, f"{body}\n{text}" if text else body, step="finish", outcome=outcome.value
    )
    if appointment is not None:
        _close_appointment(step, appointment, outcome, text)
    if outcome == VisitOutcome.DONE and order.status in RESOLVABLE:
        wo_actions.do_transition(
            step.user,
            order.pk,
            wo_rules.Status.RESOLVED.value,
            resolution=text or _("Work done on site; the customer signed to confirm it."),
        )
        order.refresh_from_db()
    step.audit("visit.finish", before, outcome.value)


def _close_appointment(step: Step, appointment: Appointment, outcome: VisitOutcome, text: str) -> None:
    """The appointment was kept (visited), or missed because the customer was not at home (R-38). A missed
    visit takes the one path staff use (``booking.do_record_missed``: audit, timeline entry, the customer
    told how to book a new time), at the action's time; an appointment the lateness check already closed
    keeps its record. A replayed action never comes here (``apply_action`` answers it from the stored
    result), and the customer's message has one outbox key per appointment, so nothing is sent twice."""
    if outcome == VisitOutcome.CUSTOMER_ABSENT:
        if appointment.status in ACTIVE_APPOINTMENT:
            booking.do_record_missed(
                step.user, appointment.pk, MissedReason.CUSTOMER_ABSENT, text, now=step.at
            )
            appointment.refresh_from_db()
        return
    fields = ["status"]
    before = audit.snapshot(appointment, fields)
    appointment.status = AppointmentStatus.DONE
    appointment.save(update_fields=[*fields, "updated_at"])
    audit.record(
        step.user,
        "appointment.visited",
        appointment,
        before=before,
        after=audit.snapshot(appointment, fields),
        customer_id=step.order.customer_id,
        workorder_id=step.order.pk,
    )


HANDLERS: dict[str, Callable[[Step], Any]] = {
    FieldActionKind.START_TRAVEL: _start_travel,
    FieldActionKind.ARRIVE: _arrive,
    FieldActionKind.NOTE: _note,
    FieldActionKind.PHOTO: _photo,
    FieldActionKind.SIGNATURE: _signature,
    FieldActionKind.FINISH: _finish,
}
