"""Booking visit windows (R-38): the only writer of an appointment's lifecycle.

- ``offer`` lists the free windows of an order (``availability.free_windows`` over the technicians of the
  customer's service area — else of the branch — the branch calendar, their shifts, the bookings and the
  travel buffer).
- ``do_book`` / ``do_reschedule`` / ``do_cancel`` / ``do_confirm`` are used by staff (console, API), by the
  customer on the portal and by the holder of the SMS link. Each runs in one transaction with the order row
  locked (a second booking of the same window waits, then sees it taken), writes the audit record (R-33), a
  timeline entry, and queues the message to the customer in the outbox (idempotency key per appointment
  and version) in the customer's language.
- A customer may reschedule or cancel up to ``KEFU_FIELD_CHANGE_NOTICE_HOURS`` before the window and
  reschedule at most ``KEFU_FIELD_MAX_RESCHEDULES`` times; staff are not bound by these rules.
- The clock rule (R-14, R-38; docs/requirements.md): a window later than the earliest offered, chosen by
  the customer, pauses the order's resolution clock from the earliest window's start to the chosen start
  (``commitments.clocks.set_planned_pause``).
- ``send_reminders`` (the day before) and ``sweep_late`` (no arrival by window end + tolerance → missed,
  technician late) are periodic jobs (jobs.py). The technician's phone view records arrival with
  ``mark_arrived`` (or sets the status to done / missed directly); an appointment still booked or
  confirmed without an arrival is what the lateness check looks at.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.channels import outbox
from kefu.channels.models import MessageClass, OutboxChannel
from kefu.commitments import clocks as order_clocks
from kefu.commitments.rules import CalendarDataMissing, WorkCalendar, local_date
from kefu.customers.models import Customer
from kefu.fieldservice import availability as av
from kefu.fieldservice.models import (
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    MissedReason,
    TechnicianShift,
)
from kefu.lib import clock, links
from kefu.lib.errors import NotFound, ValidationFailed
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import RoleChoices, Staff
from kefu.workorders.access import access_workorder, visible_workorders
from kefu.workorders.actions import add_entry
from kefu.workorders.models import TimelineEntry, WorkOrder

OPEN = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)
# the order types a customer may book a visit for by themselves (on-site work, R-9); staff may book any
VISIT_TYPES = ("fault_general", "fault_major", "install_urban", "install_rural", "restoration")
SALT_OF_LINKS = "kefu.fieldservice.visit-link"


# --- settings ----------------------------------------------------------------------------------------------


def _minutes(name: str, default: int) -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, name, default)))


def travel() -> dt.timedelta:
    return _minutes("KEFU_FIELD_TRAVEL_MINUTES", 30)


def window_length() -> dt.timedelta:
    return _minutes("KEFU_FIELD_WINDOW_MINUTES", 90)


def late_tolerance() -> dt.timedelta:
    return _minutes("KEFU_FIELD_LATE_TOLERANCE_MINUTES", 30)


def booking_days() -> int:
    return int(getattr(settings, "KEFU_FIELD_BOOKING_DAYS", 14))


def lead_time() -> dt.timedelta:
    return dt.timedelta(hours=int(getattr(settings, "KEFU_FIELD_LEAD_HOURS", 2)))


def change_rules() -> av.ChangeRules:
    return av.ChangeRules(
        min_notice=dt.timedelta(hours=int(getattr(settings, "KEFU_FIELD_CHANGE_NOTICE_HOURS", 24))),
        max_reschedules=int(getattr(settings, "KEFU_FIELD_MAX_RESCHEDULES", 2)),
    )


def reminder_hour() -> int:
    return int(getattr(settings, "KEFU_FIELD_REMINDER_HOUR", 18))


def link_days() -> int:
    return int(getattr(settings, "KEFU_FIELD_LINK_DAYS", 14))


# --- availability from the database ------------------------------------------------------------------------


def technicians_for(order: WorkOrder) -> list[Staff]:
    """Who may visit: the active technicians contracting the order's service area (R-30), else the active
    technicians of the order's branch (one query)."""
    base = Staff.objects.filter(is_active=True, role=RoleChoices.TECHNICIAN).order_by("pk")
    if order.area_id is not None:
        in_area = list(base.filter(areas__pk=order.area_id).distinct())
        if in_area:
            return in_area
    return list(base.filter(branch_id=order.branch_id))


def calendar_of(order: WorkOrder) -> WorkCalendar:
    return order_clocks.calendar_for_branch(order.branch)


@dataclass(frozen=True)
class Offer:
    windows: list[av.Window]
    calendar: WorkCalendar
    missing_year: int | None = None

    @property
    def earliest(self) -> dt.datetime | None:
        return self.windows[0].start if self.windows else None

    def find(self, start: dt.datetime) -> av.Window | None:
        return next((w for w in self.windows if w.start == start), None)


def offer(order: WorkOrder, *, now: dt.datetime | None = None, exclude: Appointment | None = None) -> Offer:
    """The free windows of ``order`` from now (plus the lead time) for the booking horizon. ``exclude``: the
    appointment being rescheduled (its own window is not busy for itself)."""
    now = now or clock.now()
    cal = calendar_of(order)
    techs = technicians_for(order)
    if not techs:
        return Offer([], cal)
    shifts: dict[int, list[av.Shift]] = {t.pk: [] for t in techs}
    for s in TechnicianShift.objects.filter(staff__in=techs):
        shifts[s.staff_id].append(av.Shift(s.weekday, s.start, s.end))
    first_day = local_date(now, cal)
    horizon_end = now + dt.timedelta(days=booking_days() + 2)
    rows = Appointment.objects.filter(
        technician__in=techs, status__in=OPEN, window_end__gt=now - travel(), window_start__lt=horizon_end
    )
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    busy = [av.Busy(a.technician_id, a.window_start, a.window_end) for a in rows if a.technician_id]
    people = [av.Technician(t.pk, tuple(shifts[t.pk])) for t in techs]
    try:
        windows = av.free_windows(
            cal,
            people,
            busy,
            first_day=first_day,
            days=booking_days(),
            window=window_length(),
            travel=travel(),
            not_before=now + lead_time(),
        )
    except CalendarDataMissing as exc:
        # a year without holiday data is not guessed: offer the days before it, and say so
        days = (dt.date(exc.year, 1, 1) - first_day).days
        windows = []
        if days > 0:
            windows = av.free_windows(
                cal,
                people,
                busy,
                first_day=first_day,
                days=min(days, booking_days()),
                window=window_length(),
                travel=travel(),
                not_before=now + lead_time(),
            )
        return Offer(windows, cal, missing_year=exc.year)
    return Offer(windows, cal)


# --- messages to the customer --------------------------------------------------------------------------------


def _mobile(customer: Customer) -> str:
    phone = customer.phone_e164 or ""
    if phone.startswith("+861") and len(phone) == 14:
        return phone
    raw = "".join(ch for ch in (customer.phone or "") if ch.isdigit())
    return phone or raw if len(raw) == 11 and raw.startswith("1") else ""


def route(order: WorkOrder, customer: Customer) -> tuple[str, str]:
    """The customer's channel: e-mail when the order came by e-mail (or there is no mobile), else SMS to the
    mobile; ("", "") when there is neither (the portal shows the appointment)."""
    mobile = _mobile(customer)
    if customer.email and (order.channel == "email" or not mobile):
        return OutboxChannel.EMAIL, customer.email
    if mobile:
        return OutboxChannel.SMS, mobile
    return "", ""


def link_token(order: WorkOrder, now: dt.datetime | None = None) -> str:
    """A signed link token for the order's visit page, valid ``KEFU_FIELD_LINK_DAYS`` days (the expiry is
    inside the signed value, on the project's clock)."""
    expires = (now or clock.now()) + dt.timedelta(days=link_days())
    return signing.dumps({"o": order.pk, "e": int(expires.timestamp())}, salt=SALT_OF_LINKS, compress=True)


def order_of_token(token: str, *, for_update: bool = False) -> WorkOrder:
    """The order of a visit link; NotFound when the token is forged, expired or its order gone."""
    invalid = NotFound("link_invalid", _("This link is not valid or has expired."), "token")
    try:
        data = signing.loads(token[:300], salt=SALT_OF_LINKS)
    except signing.BadSignature:
        raise invalid from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("e"), int)
        or data["e"] < clock.now().timestamp()
    ):
        raise invalid
    qs = WorkOrder.objects.select_related("customer", "branch")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    pk = data.get("o")
    order = qs.filter(pk=pk).first() if isinstance(pk, int) else None
    if order is None:
        raise invalid
    return order


def visit_url(order: WorkOrder) -> str:
    return links.absolute(reverse("portal:visit_link", args=[link_token(order)]))


def window_text(appt: Appointment, tz: Any) -> str:
    start, end = timezone.localtime(appt.window_start, tz), timezone.localtime(appt.window_end, tz)
    return f"{formats.date_format(start, 'Y-m-d')} {start:%H:%M}–{end:%H:%M}"


def _notify(appt: Appointment, kind: str, version: Any) -> None:
    order = appt.order
    customer = order.customer
    channel, recipient = route(order, customer)
    if not channel:
        return
    tz = calendar_of(order).tz
    with translation.override(customer.language_code):
        when = window_text(appt, tz)
        tech = appt.technician
        who = (
            _("Technician: %(name)s, badge number %(badge)s.") % {"name": tech.name, "badge": tech.badge_no}
            if tech is not None
            else ""
        )
        if kind == "confirm":
            subject = _("Your visit for %(number)s is booked") % {"number": order.number}
            lines = [
                _("Your visit for request %(number)s is booked for %(when)s.")
                % {"number": order.number, "when": when},
                who,
                _("See who will come, confirm, change or cancel: %(url)s") % {"url": visit_url(order)},
            ]
        elif kind == "remind":
            subject = _("Reminder: your visit tomorrow (%(number)s)") % {"number": order.number}
            lines = [
                _("Reminder: our technician visits you on %(when)s for request %(number)s.")
                % {"number": order.number, "when": when},
                who,
                _("Check the technician's photo and badge at the door: %(url)s") % {"url": visit_url(order)},
            ]
        elif kind == "missed":
            subject = _("Your visit for %(number)s did not take place") % {"number": order.number}
            lines = [
                _("Our technician came on %(when)s for request %(number)s but found nobody at home.")
                % {"number": order.number, "when": when}
                if appt.missed_reason == MissedReason.CUSTOMER_ABSENT
                else _("The visit of %(when)s for request %(number)s did not take place. We apologise.")
                % {"number": order.number, "when": when},
                _("Book a new time: %(url)s") % {"url": visit_url(order)},
            ]
        else:
            subject = _("Your visit for %(number)s is cancelled") % {"number": order.number}
            lines = [
                _("The visit of %(when)s for request %(number)s is cancelled.")
                % {"number": order.number, "when": when},
                _("Book a new time: %(url)s") % {"url": visit_url(order)},
            ]
    outbox.enqueue(
        channel=channel,
        recipient=recipient,
        subject=subject,
        body="\n".join(line for line in lines if line),
        idempotency_key=f"appt-{kind}:{appt.pk}:{version}",
        customer=customer,
        workorder=order,
        message_class=MessageClass.SERVICE,
    )


# --- access ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Who:
    """Who is acting: staff (``staff`` set), the signed-in customer, or the holder of an SMS link."""

    actor: Any
    source: str
    staff: Staff | None = None

    @property
    def is_customer(self) -> bool:
        return self.staff is None


def staff_who(user: Actor) -> Who:
    staff = require_staff(user, "order.work")
    return Who(user, AppointmentSource.AGENT, staff)


def portal_who(user: Actor) -> Who:
    return Who(user, AppointmentSource.PORTAL)


def link_who() -> Who:
    return Who(_("customer (visit link)"), AppointmentSource.SMS)


def lock_order(who: Who, order_key: int | str, token: str = "") -> WorkOrder:
    """The order, locked, if ``who`` may book for it (staff: by branch/role; the customer: their own order;
    a link: the order it was signed for)."""
    if who.source == AppointmentSource.SMS:
        return order_of_token(token, for_update=True)
    return access_workorder(who.actor, order_key, for_update=True, related=("customer", "branch"))


def open_appointment(order: WorkOrder, *, for_update: bool = False) -> Appointment | None:
    qs = Appointment.objects.filter(order=order, status__in=OPEN).select_related("technician")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    return qs.first()


def appointment_of(who: Who, appointment_id: int, *, token: str = "") -> tuple[WorkOrder, Appointment]:
    """The appointment and its order (both locked) if ``who`` may change it; NotFound otherwise."""
    row = Appointment.objects.filter(pk=appointment_id).values("order_id").first()
    if row is None:
        raise NotFound("not_found", _("Appointment not found."), "appointment")
    order = lock_order(who, row["order_id"], token)
    if order.pk != row["order_id"]:
        raise NotFound("not_found", _("Appointment not found."), "appointment")
    appt = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("technician")
        .get(pk=appointment_id)
    )
    return order, appt


# --- use cases ------------------------------------------------------------------------------------------------


def customer_may_book(order: WorkOrder) -> bool:
    """A customer books by themselves only on-site work (``VISIT_TYPES``) that has not been visited yet;
    a further visit after one was done is arranged by staff."""
    return (
        order.order_type in VISIT_TYPES
        and not Appointment.objects.filter(order=order, status=AppointmentStatus.DONE).exists()
    )


def _check_order_open(order: WorkOrder) -> None:
    if order.status in ("resolved", "closed"):
        raise ValidationFailed(
            "order_closed", _("This request is already finished; no visit can be booked."), "order"
        )


def _pick(window: av.Window, technician_id: int | None) -> int:
    if technician_id is None:
        return window.technician_ids[0]
    if technician_id not in window.technician_ids:
        raise ValidationFailed(
            "technician_busy", _("This technician is not free in the chosen window."), "technician"
        )
    return technician_id


def _window(off: Offer, start: dt.datetime | None) -> av.Window:
    w = off.find(start) if start is not None else None
    if w is None:
        raise ValidationFailed(
            "window_taken",
            _("This window is no longer free. Please choose another one."),
            "window",
        )
    return w


def _audit(who: Who, action: str, appt: Appointment, before: dict[str, Any] | None, summary: str) -> None:
    audit.record(
        who.actor,
        action,
        appt,
        before=before,
        after=audit.snapshot(
            appt,
            ["status", "window_start", "window_end", "technician", "source", "reschedules", "missed_reason"],
        ),
        customer_id=appt.order.customer_id,
        workorder_id=appt.order_id,
        summary=summary,
    )


def _timeline(who: Who, order: WorkOrder, text: str, event: str, at: dt.datetime) -> None:
    add_entry(order, TimelineEntry.Kind.SYSTEM, staff=who.staff, body=text, data={"event": event}, at=at)


def _pause_for(appt: Appointment) -> tuple[dt.datetime, dt.datetime] | None:
    if appt.paused_from and appt.paused_until:
        return (appt.paused_from, appt.paused_until)
    return None


@transaction.atomic
def do_book(
    who: Who,
    order_key: int | str,
    start: dt.datetime | None,
    *,
    token: str = "",
    technician_id: int | None = None,
    customer_asked: bool = False,
    now: dt.datetime | None = None,
) -> Appointment:
    """Book the free window starting at ``start`` (UTC) for the order. Refused: the order finished, an
    open appointment exists (reschedule it), the window no longer free. ``customer_asked``: staff book a
    later window because the customer asked for it (on the phone, at the counter): the clock rule applies
    as when the customer chooses it themselves."""
    now = now or clock.now()
    order = lock_order(who, order_key, token)
    _check_order_open(order)
    if who.is_customer and not customer_may_book(order):
        raise ValidationFailed(
            "no_visit", _("This request does not need a visit. Please call us if you think it does."), "order"
        )
    if open_appointment(order) is not None:
        raise ValidationFailed(
            "already_booked",
            _("A visit is already booked for this request; reschedule it instead."),
            "window",
        )
    off = offer(order, now=now)
    w = _window(off, start)
    tech_id = _pick(w, technician_id if not who.is_customer else None)
    later = bool(off.earliest and w.start > off.earliest) and (who.is_customer or customer_asked)
    pause = av.customer_choice_pause(off.earliest, w.start) if later else None
    try:
        with transaction.atomic():
            appt = Appointment.objects.create(
                order=order,
                technician_id=tech_id,
                window_start=w.start,
                window_end=w.end,
                status=AppointmentStatus.CONFIRMED if who.is_customer else AppointmentStatus.BOOKED,
                confirmed_at=now if who.is_customer else None,
                source=who.source,
                booked_by=who.staff,
                customer_requested_later=later,
                earliest_offered=off.earliest,
                paused_from=pause[0] if pause else None,
                paused_until=pause[1] if pause else None,
            )
    except IntegrityError:
        raise ValidationFailed(
            "already_booked",
            _("A visit is already booked for this request; reschedule it instead."),
            "window",
        ) from None
    appt.order = order
    if pause is not None:
        order_clocks.set_planned_pause(order, None, pause, now, who.actor)
    _audit(who, "appointment.book", appt, None, f"{order.number} {w.start.isoformat()}")
    _timeline(
        who,
        order,
        _("Visit booked: %(when)s") % {"when": window_text(appt, off.calendar.tz)},
        "appointment.book",
        now,
    )
    appt = Appointment.objects.select_related("technician").get(pk=appt.pk)
    appt.order = order
    _notify(appt, "confirm", 0)
    return appt


@transaction.atomic
def do_reschedule(
    who: Who,
    appointment_id: int,
    start: dt.datetime | None,
    *,
    token: str = "",
    technician_id: int | None = None,
    customer_asked: bool = False,
    now: dt.datetime | None = None,
) -> Appointment:
    """Move an open appointment to another free window. A customer: within the change rules."""
    now = now or clock.now()
    order, appt = appointment_of(who, appointment_id, token=token)
    _check_order_open(order)
    if appt.status not in OPEN:
        raise ValidationFailed("not_open", _("This visit can no longer be changed."), "appointment")
    if who.is_customer:
        refusal = av.change_refusal(change_rules(), appt.window_start, now, appt.reschedules, reschedule=True)
        _refuse(refusal)
    off = offer(order, now=now, exclude=appt)
    w = _window(off, start)
    tech_id = appt.technician_id if appt.technician_id in w.technician_ids else w.technician_ids[0]
    if not who.is_customer and technician_id is not None:
        tech_id = _pick(w, technician_id)
    before = audit.snapshot(appt, ["status", "window_start", "window_end", "technician", "reschedules"])
    old_pause = _pause_for(appt)
    later = bool(off.earliest and w.start > off.earliest) and (who.is_customer or customer_asked)
    new_pause = av.customer_choice_pause(off.earliest, w.start) if later else None
    appt.window_start, appt.window_end, appt.technician_id = w.start, w.end, tech_id
    appt.reschedules += 1
    appt.customer_requested_later = later
    appt.earliest_offered = off.earliest
    appt.paused_from, appt.paused_until = new_pause if new_pause else (None, None)
    appt.reminded_at = None
    if who.is_customer:
        appt.status, appt.confirmed_at = AppointmentStatus.CONFIRMED, now
    appt.save()
    if old_pause or new_pause:
        order_clocks.set_planned_pause(order, old_pause, new_pause, now, who.actor)
    appt = Appointment.objects.select_related("technician").get(pk=appt.pk)
    appt.order = order
    _audit(who, "appointment.reschedule", appt, before, f"{order.number} {w.start.isoformat()}")
    _timeline(
        who,
        order,
        _("Visit moved to %(when)s") % {"when": window_text(appt, off.calendar.tz)},
        "appointment.reschedule",
        now,
    )
    _notify(appt, "confirm", appt.reschedules)
    return appt


def _refuse(refusal: str) -> None:
    if refusal == "too_late":
        hours = int(change_rules().min_notice.total_seconds() // 3600)
        raise ValidationFailed(
            "too_late",
            _("A visit can be changed only up to %(hours)d hours before it starts. Please call us.")
            % {"hours": hours},
            "window",
        )
    if refusal == "too_many":
        raise ValidationFailed(
            "too_many_reschedules",
            _("This visit was already changed %(count)d times. Please call us to change it again.")
            % {"count": change_rules().max_reschedules},
            "window",
        )


@transaction.atomic
def do_cancel(
    who: Who, appointment_id: int, *, token: str = "", now: dt.datetime | None = None
) -> Appointment:
    now = now or clock.now()
    order, appt = appointment_of(who, appointment_id, token=token)
    if appt.status not in OPEN:
        raise ValidationFailed("not_open", _("This visit can no longer be changed."), "appointment")
    if who.is_customer:
        _refuse(av.change_refusal(change_rules(), appt.window_start, now, appt.reschedules, reschedule=False))
    before = audit.snapshot(appt, ["status"])
    old_pause = _pause_for(appt)
    appt.status, appt.cancelled_at = AppointmentStatus.CANCELLED, now
    appt.save(update_fields=["status", "cancelled_at", "updated_at"])
    if old_pause:
        order_clocks.set_planned_pause(order, old_pause, None, now, who.actor)
    appt.order = order
    _audit(who, "appointment.cancel", appt, before, order.number)
    tz = calendar_of(order).tz
    _timeline(
        who,
        order,
        _("Visit cancelled: %(when)s") % {"when": window_text(appt, tz)},
        "appointment.cancel",
        now,
    )
    _notify(appt, "cancel", 0)
    return appt


@transaction.atomic
def do_confirm(
    who: Who, appointment_id: int, *, token: str = "", now: dt.datetime | None = None
) -> Appointment:
    """The customer confirms a window staff booked."""
    now = now or clock.now()
    order, appt = appointment_of(who, appointment_id, token=token)
    if appt.status == AppointmentStatus.CONFIRMED:
        return appt
    if appt.status != AppointmentStatus.BOOKED:
        raise ValidationFailed("not_open", _("This visit can no longer be changed."), "appointment")
    before = audit.snapshot(appt, ["status"])
    appt.status, appt.confirmed_at = AppointmentStatus.CONFIRMED, now
    appt.save(update_fields=["status", "confirmed_at", "updated_at"])
    appt.order = order
    _audit(who, "appointment.confirm", appt, before, order.number)
    return appt


@transaction.atomic
def do_record_missed(
    user: Actor, appointment_id: int, reason: str, note: str = "", *, now: dt.datetime | None = None
) -> Appointment:
    """Staff record that a visit did not happen and why (customer absent, technician late or absent): the
    appointment missed (audited), a timeline entry, and the customer told by their channel how to book a new
    time (once per appointment: the outbox key). The technician's phone view records "customer absent"
    through here too, with ``now`` the time the technician took the action."""
    who = staff_who(user)
    now = now or clock.now()
    if reason not in MissedReason.values:
        raise ValidationFailed("reason", _("Choose why the visit was missed."), "reason")
    note = (note or "").strip()
    if reason == MissedReason.OTHER and not note:
        raise ValidationFailed("required", _("Write what happened."), "note")
    order, appt = appointment_of(who, appointment_id)
    if appt.status not in OPEN:
        raise ValidationFailed("not_open", _("This visit can no longer be changed."), "appointment")
    if appt.window_start > now:
        raise ValidationFailed("not_yet", _("The visit window has not started yet."), "reason")
    before = audit.snapshot(appt, ["status", "missed_reason"])
    appt.status, appt.missed_reason, appt.missed_note, appt.missed_at = (
        AppointmentStatus.MISSED,
        reason,
        note[:2000],
        now,
    )
    appt.save(update_fields=["status", "missed_reason", "missed_note", "missed_at", "updated_at"])
    appt.order = order
    _audit(who, "appointment.missed", appt, before, f"{order.number} {reason}")
    _timeline(
        who,
        order,
        _("Visit missed: %(reason)s") % {"reason": MissedReason(reason).label},
        "appointment.missed",
        now,
    )
    _notify(appt, "missed", 0)
    return appt


@transaction.atomic
def mark_arrived(appointment_id: int, at: dt.datetime, actor: Any = None) -> bool:
    """For the technician's phone view: the technician arrived (the lateness check then skips the visit).
    False when the appointment is not open."""
    appt = Appointment.objects.select_for_update().filter(pk=appointment_id, status__in=OPEN).first()
    if appt is None:
        return False
    if appt.arrived_at is None:
        appt.arrived_at = at
        appt.save(update_fields=["arrived_at", "updated_at"])
        audit.record(actor, "appointment.arrived", appt, after={"arrived_at": at}, workorder_id=appt.order_id)
    return True


# --- periodic work ---------------------------------------------------------------------------------------------


def send_reminders(now: dt.datetime | None = None, limit: int = 500) -> int:
    """Queue the day-before reminder of every open appointment whose reminder time has come (once per
    appointment and version: the idempotency key and ``reminded_at``)."""
    now = now or clock.now()
    rows = (
        Appointment.objects.filter(status__in=OPEN, reminded_at__isnull=True, window_start__gt=now)
        .filter(window_start__lte=now + dt.timedelta(hours=48))
        .select_related("order__customer", "order__branch", "technician")
        .order_by("window_start")[:limit]
    )
    sent = 0
    for appt in rows:
        cal = calendar_of(appt.order)
        due = av.reminder_due_at(appt.window_start, cal, reminder_hour())
        if now < due:
            continue
        with transaction.atomic():
            locked = (
                Appointment.objects.select_for_update().filter(pk=appt.pk, reminded_at__isnull=True).first()
            )
            if locked is None:
                continue
            if appt.created_at < due:  # booked after the reminder time: the confirmation was enough
                _notify(appt, "remind", appt.reschedules)
                sent += 1
            Appointment.objects.filter(pk=appt.pk).update(reminded_at=now)
    return sent


def sweep_late(now: dt.datetime | None = None, limit: int = 500) -> int:
    """Open appointments with no arrival by the window's end plus the tolerance become missed, technician
    late (audited; once each)."""
    now = now or clock.now()
    cutoff = now - late_tolerance()
    ids = list(
        Appointment.objects.filter(status__in=OPEN, arrived_at__isnull=True, window_end__lt=cutoff)
        .order_by("window_end")
        .values_list("pk", flat=True)[:limit]
    )
    count = 0
    for pk in ids:
        with transaction.atomic():
            appt = (
                Appointment.objects.select_for_update()
                .filter(pk=pk, status__in=OPEN, arrived_at__isnull=True)
                .select_related("order")
                .first()
            )
            if appt is None or not av.is_late(appt.window_end, late_tolerance(), now):
                continue
            appt.status, appt.missed_reason, appt.missed_at = (
                AppointmentStatus.MISSED,
                MissedReason.TECHNICIAN_LATE,
                now,
            )
            appt.save(update_fields=["status", "missed_reason", "missed_at", "updated_at"])
            audit.record(
                None,
                "appointment.missed",
                appt,
                after={"status": appt.status, "missed_reason": appt.missed_reason},
                customer_id=appt.order.customer_id,
                workorder_id=appt.order_id,
                summary=f"{appt.order.number} technician_late",
            )
            add_entry(
                appt.order,
                TimelineEntry.Kind.SYSTEM,
                body=_("Visit missed: %(reason)s") % {"reason": MissedReason.TECHNICIAN_LATE.label},
                data={"event": "appointment.missed", "reason": "technician_late"},
                at=now,
            )
            count += 1
    return count


# --- what the customer sees --------------------------------------------------------------------------------


def identification(appt: Appointment) -> dict[str, Any] | None:
    """The technician's name, badge number and photo address (None: a placeholder) for the customer, only
    while the visit is ahead (booked or confirmed)."""
    if appt.status not in OPEN or appt.technician is None:
        return None
    tech = appt.technician
    photo = reverse("disclosure_staff_photo", args=[tech.badge_no]) if tech.photo else None
    return {"name": tech.name, "badge_no": tech.badge_no, "photo_url": photo}


def visible_appointments(user: Actor) -> QuerySet[Appointment]:
    """Appointments of the orders ``user`` may see (staff by branch/role, a customer their own)."""
    return Appointment.objects.filter(order__in=visible_workorders(user).values("pk"))


def customer_summary(order: WorkOrder) -> dict[str, Any]:
    """The portal order page's visit section: the open appointment with who will come, and whether the
    customer may book one (one query: the order's open and visited appointments)."""
    rows = list(
        Appointment.objects.filter(order=order, status__in=(*OPEN, AppointmentStatus.DONE)).select_related(
            "technician"
        )
    )
    current = next((a for a in rows if a.status in OPEN), None)
    visited = any(a.status == AppointmentStatus.DONE for a in rows)
    tz = calendar_of(order).tz if current else None
    return {
        "order": order,
        "current": current,
        "ident": identification(current) if current else None,
        "window_text": window_text(current, tz) if current else "",
        "can_book": current is None
        and order.status not in ("resolved", "closed")
        and order.order_type in VISIT_TYPES
        and not visited,
    }
