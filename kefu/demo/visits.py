"""Demo data of booked visits (R-38, docs/field-service.md): weekday shifts for the installers, a few future
appointments on open repair and installation orders (booked by an agent) and one missed visit three days ago (customer not at home). Not on tech1's
today: the technician's phone view makes tech1's visits of today. Made through ``fieldservice.booking``."""

from __future__ import annotations

import datetime as dt

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


def _orders(branch_code: str, limit: int) -> list[WorkOrder]:
    return list(
        WorkOrder.objects.filter(
            status__in=OPEN,
            merged_into__isnull=True,
            branch__code=branch_code,
            order_type__in=booking.VISIT_TYPES,
        )
        .exclude(appointments__status__in=booking.OPEN)
        .select_related("customer", "branch")
        .order_by("-received_at", "pk")[:limit]
    )


def _window(order: WorkOrder, tech: Staff, *, skip: int, now: dt.datetime) -> dt.datetime | None:
    """The start of the ``skip``-th free window of ``tech`` that is not today."""
    today = clock.localdate()
    found = [
        w.start
        for w in booking.offer(order, now=now).windows
        if tech.pk in w.technician_ids and w.start.astimezone(booking.calendar_of(order).tz).date() > today
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
    agent = L.staff.get("agent1") or Staff.objects.filter(role="agent", is_active=True).order_by("pk").first()
    if agent is None:
        return
    who = booking.staff_who(agent.user)
    made = 0
    for code in ("north", "south"):
        branch_techs = [t for t in installers if t.branch is not None and t.branch.code == code]
        if not branch_techs:
            continue
        for i, order in enumerate(_orders(code, 3)):
            tech = branch_techs[i % len(branch_techs)]
            start = _window(order, tech, skip=1 + 2 * i, now=L.now)
            if start is None:
                continue
            try:
                booking.do_book(who, order.pk, start, technician_id=tech.pk)
            except KefuError:
                continue
            made += 1
    # the missed visit: booked four days ago for three days ago, the customer was not at home
    north = [t for t in installers if t.branch is not None and t.branch.code == "north"]
    orders = _orders("north", 1)
    if north and orders:
        order, tech = orders[0], north[0]
        with clock.simulated(L.now - dt.timedelta(days=4)) as sim:
            start = _window(order, tech, skip=0, now=sim.at or L.now)
            if start is not None and start < L.now - dt.timedelta(hours=2):
                try:
                    appt = booking.do_book(who, order.pk, start, technician_id=tech.pk)
                    sim.set(appt.window_start + dt.timedelta(minutes=40))
                    booking.do_record_missed(
                        tech.user, appt.pk, "customer_absent", "敲门无人应答，电话两次未接，已留联系卡"
                    )
                    made += 1
                except KefuError:
                    pass
    L.say(f"visits: {made} appointments, {Appointment.objects.filter(status='missed').count()} missed")
