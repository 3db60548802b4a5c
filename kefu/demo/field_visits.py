"""Demo data of the technician's day on a phone (docs/field-service.md): four open on-site orders of
``tech1``'s branch, each with an appointment *today* in the branch's time zone (made at load time, relative to
the day of the load), so that ``/field/`` has visits to show in window order. No new orders (the demo's order
count stays what was asked for). Made now, through the actions, like any caller."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When

from kefu.audit import log as audit
from kefu.demo.loader import Loader
from kefu.fieldservice.models import Appointment, AppointmentSource, AppointmentStatus
from kefu.lib import clock
from kefu.lib.errors import KefuError
from kefu.organization.models import Staff
from kefu.workorders import actions
from kefu.workorders.models import ServicePlace, WorkOrder
from kefu.workorders.rules import OPEN_STATUSES

TECHNICIAN = "tech1"
# the windows of today (start hour, hours, confirmed by the customer)
WINDOWS = [(9, 2, True), (11, 1, True), (14, 2, False), (16, 2, False)]
OPEN = sorted(s.value for s in OPEN_STATUSES)


def load(L: Loader) -> int:
    """Appointments of ``tech1`` today for open on-site orders of the branch (theirs first; others are
    transferred to them, as a dispatcher would); the number made."""
    tech = Staff.objects.filter(user__username=TECHNICIAN, is_active=True).select_related("branch").first()
    if tech is None or tech.branch is None:
        return 0
    dispatcher = (
        Staff.objects.filter(role="supervisor", branch=tech.branch, is_active=True).order_by("pk").first()
    )
    candidates = (
        WorkOrder.objects.filter(
            branch=tech.branch,
            status__in=OPEN,
            place=ServicePlace.ONSITE,
            merged_into__isnull=True,
            service__isnull=False,
        )
        .exclude(customer__address="")
        .exclude(appointments__isnull=False)
        .annotate(
            mine=Case(When(assignee=tech, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("mine", "pk")
    )
    tz = zoneinfo.ZoneInfo(tech.branch.time_zone)
    today = clock.now().astimezone(tz).date()
    made = 0
    for o in candidates[:12]:
        if made == len(WINDOWS):
            break
        if o.assignee_id != tech.pk:
            if dispatcher is None:
                continue
            try:
                actions.do_transfer(dispatcher.user, o.pk, to_staff_id=tech.pk, reason="预约今日上门")
            except KefuError:
                continue
        hour, hours, confirmed = WINDOWS[made]
        start = dt.datetime.combine(today, dt.time(hour), tzinfo=tz)
        with transaction.atomic():
            a = Appointment.objects.create(
                order=o,
                technician=tech,
                window_start=start.astimezone(dt.UTC),
                window_end=(start + dt.timedelta(hours=hours)).astimezone(dt.UTC),
                status=AppointmentStatus.CONFIRMED if confirmed else AppointmentStatus.BOOKED,
                source=AppointmentSource.AGENT,
            )
            audit.record(
                dispatcher.user if dispatcher is not None else None,
                "appointment.book",
                a,
                after=audit.snapshot(a, ["technician", "window_start", "window_end", "status"]),
                customer_id=o.customer_id,
                workorder_id=o.pk,
                summary="demo",
            )
        made += 1
    L.say(f"{made} appointments of {TECHNICIAN} today ({today})")
    return made
