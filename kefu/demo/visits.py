"""Demo data of booked visits (R-38, docs/field-service.md): weekday shifts for the installers, a few future
appointments on open repair and installation orders (booked by an agent) and one missed visit three days ago (customer not at home). Not on tech1's
today: the technician's phone view makes tech1's visits of today. Made through ``fieldservice.booking``."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kefu.demo.loader import Loader
from kefu.fieldservice import booking
from kefu.fieldservice.models import Appointment, TechnicianShift
from kefu.lib import clock
from kefu.lib.errors import KefuError
from kefu.organization.models import Staff
from kefu.workorders.models import WorkOrder
from kefu.workorders.rules import OPEN_STATUSES

OPEN = [s.value for s in OPEN_STATUSES]
AVOID = "tech1"  # the phone view's demo technician: their day is made by the visits demo


def _orders(branch_code: str, limit: int, received_before: dt.datetime | None = None) -> list[WorkOrder]:
    extra = {"received_at__lt": received_before} if received_before else {}
    return list(
        WorkOrder.objects.filter(
            **extra,
            status__in=OPEN,
            merged_into__isnull=True,
            branch__code=branch_code,
            order_type__in=booking.VISIT_TYPES,
        )
        .exclude(appointments__status__in=booking.OPEN)
        .select_related("customer", "branch")
        .order_by("-received_at", "pk")[:limit]
    )


def _window(order: WorkOrder, *, skip: int, now: dt.datetime) -> tuple[dt.datetime, int] | None:
    """The ``skip``-th free window not today (tech1's today belongs to the phone view's demo) and the
    technician who would come."""
    today = timezone.localtime(now, booking.calendar_of(order).tz).date()
    found = [
        (w.start, w.technician_ids[0])
        for w in booking.offer(order, now=now).windows
        if w.start.astimezone(booking.calendar_of(order).tz).date() > today
    ]
    return found[min(skip, len(found) - 1)] if found else None


def load(L: Loader) -> None:
    techs = {
        s.user.username: s
        for s in Staff.objects.filter(role="technician", is_active=True, user__isnull=False).select_related(
            "user", "branch"
        )
    }
    installers = [s for u, s in sorted(techs.items()) if u != AVOID]
    for tech in installers[:2]:  # tech2 (north) and tech3 (south): Monday–Friday 08:30–12:00, 13:30–17:30
        for weekday in range(5):
            TechnicianShift.objects.create(
                staff=tech, weekday=weekday, start=dt.time(8, 30), end=dt.time(12, 0)
            )
            TechnicianShift.objects.create(
                staff=tech, weekday=weekday, start=dt.time(13, 30), end=dt.time(17, 30)
            )
    agents = {
        code: Staff.objects.filter(role="agent", is_active=True, branch__code=code, user__isnull=False)
        .select_related("user")
        .order_by("pk")
        .first()
        for code in ("north", "south")
    }
    made = 0
    for code, agent in agents.items():
        if agent is None:
            continue
        who = booking.staff_who(agent.user)
        for i, order in enumerate(_orders(code, 3)):
            found = _window(order, skip=1 + 3 * i, now=L.now)
            if found is None:
                continue
            try:
                booking.do_book(who, order.pk, found[0], technician_id=found[1])
            except KefuError:
                continue
            made += 1
    # the missed visit: booked four days ago for three days ago, the customer was not at home
    orders = _orders("north", 1, received_before=L.now - dt.timedelta(days=5))
    if orders and agents["north"] is not None:
        order, who = orders[0], booking.staff_who(agents["north"].user)
        with clock.simulated(L.now - dt.timedelta(days=4)) as sim:
            found = _window(order, skip=0, now=sim.at or L.now)
            if found is not None and timezone.localtime(found[0], L.tz).date() < L.today:
                start, tech_id = found
                tech = Staff.objects.select_related("user").get(pk=tech_id)
                try:
                    appt = booking.do_book(who, order.pk, start, technician_id=tech_id)
                    sim.set(appt.window_start + dt.timedelta(minutes=40))
                    booking.do_record_missed(
                        tech.user, appt.pk, "customer_absent", "敲门无人应答，电话两次未接，已留联系卡"
                    )
                    made += 1
                except KefuError:
                    pass
    L.say(f"visits: {made} appointments, {Appointment.objects.filter(status='missed').count()} missed")
