"""Who is on duty (the roster, ``Shift``) and the emergency call-out.

When a new order is an emergency (``commitments.emergency`` flagged it while its clocks were made), the
people who must move at once are told through the notifications (kind ``emergency``: it passes quiet
hours and goes out by SMS too unless the staff member chose otherwise):

* the technicians **on duty now** (a shift of today or of yesterday running past midnight, in the
  branch's time zone) who are responsible for the order's area; if none of them is on duty, every
  technician of the branch on duty now; if nobody is on duty at all, the area's responsible technicians
  (else the area's responsible staff);
* the active supervisors of the order's branch.

An emergency nobody is assigned to yet is **dispatched** to the first of those on-duty technicians (the
hand-over is written by the first-contact owner's hand, as a transfer with its timeline entry and audit
record), so it is in that technician's own queue at once; with nobody on duty it waits for the supervisor.

It listens to the new order's text (``workorders.hooks`` customer-text listener, source ``order``), which
the core calls inside the creating transaction, after the clocks.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from kefu.commitments.clocks import EMERGENCY_ATTR
from kefu.commitments.models import OrderEmergency
from kefu.knowledge.models import Shift
from kefu.organization.models import Staff
from kefu.workorders import hooks
from kefu.workorders.actions import hand_over

TECHNICIAN = "technician"


def _zone(branch: Any) -> zoneinfo.ZoneInfo:
    name = getattr(branch, "time_zone", "") or settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def covers(shift: Shift, local: dt.datetime) -> bool:
    """Does the shift (local times; ending at or before its start = past midnight) cover ``local``?"""
    start = dt.datetime.combine(shift.date, shift.start, tzinfo=local.tzinfo)
    end_day = shift.date + dt.timedelta(days=1) if shift.end <= shift.start else shift.date
    end = dt.datetime.combine(end_day, shift.end, tzinfo=local.tzinfo)
    return start <= local < end


def on_duty(branch: Any, at: dt.datetime, *, role: str = TECHNICIAN) -> list[Staff]:
    """Active staff of ``role`` in ``branch`` whose shift covers ``at``."""
    local = at.astimezone(_zone(branch))
    shifts = Shift.objects.filter(
        date__in=[local.date(), local.date() - dt.timedelta(days=1)],
        staff__branch=branch,
        staff__role=role,
        staff__is_active=True,
    ).select_related("staff")
    seen: dict[int, Staff] = {}
    for s in shifts:
        if covers(s, local):
            seen.setdefault(s.staff_id, s.staff)
    return sorted(seen.values(), key=lambda s: s.pk)


def on_duty_for(o: Any, at: dt.datetime) -> list[Staff]:
    """The on-duty technicians responsible for the order's area, else every on-duty technician of its
    branch (empty when nobody is on duty)."""
    duty = on_duty(o.branch, at)
    area_ids = set(o.area.responsible.values_list("pk", flat=True)) if o.area_id else set()
    return [s for s in duty if s.pk in area_ids] or duty


def emergency_recipients(o: Any, at: dt.datetime) -> list[int]:
    """Staff ids to call out for the emergency order ``o`` (see the module doc), supervisors last."""
    chosen = on_duty_for(o, at)
    area_staff: list[Staff] = list(o.area.responsible.filter(is_active=True)) if o.area_id else []
    if not chosen:
        chosen = [s for s in area_staff if s.role == TECHNICIAN] or area_staff
    supervisors = Staff.objects.filter(
        Q(branch_id=o.branch_id), role="supervisor", is_active=True
    ).values_list("pk", flat=True)
    ids: list[int] = []
    for pk in [*(s.pk for s in chosen), *supervisors]:
        if pk not in ids:
            ids.append(pk)
    return ids


def on_new_order_text(event: hooks.CustomerTextEvent) -> None:
    """Customer-text listener: a new emergency order calls out the on-duty technicians and supervisors."""
    if event.source != "order":
        return
    o = event.order
    if getattr(o, EMERGENCY_ATTR, None) is False:  # the clocks' emergency check of this order found none
        return
    flag = OrderEmergency.objects.filter(workorder_id=o.pk).first()
    if flag is None:
        return
    if o.assignee_id is None and o.owner_id is not None:
        duty = on_duty_for(o, event.at)
        if duty:
            hand_over(
                event.actor_user,  # type: ignore[arg-type]  # None for an e-mail or chat
                o.owner,
                o,
                duty[0],
                None,
                _("Emergency: dispatched to the technician on duty."),
                at=event.at,
                data={"emergency": True},
                event=None,  # the emergency notification below tells them
            )
    hooks.staff_event(
        hooks.StaffEventKind.EMERGENCY,
        emergency_recipients(o, event.at),
        order=o,
        at=event.at,
        emergency=True,
        keyword=flag.keyword,
        reason=flag.get_reason_display() + (f": {flag.keyword}" if flag.keyword else ""),
    )


def register() -> None:
    hooks.register_customer_text_listener("knowledge.emergency_callout", on_new_order_text)
