"""Contact attempts and the leader's decision on a "customer unreachable" report (R-14).

``do_record_attempt`` records one attempt to reach the customer (phone, SMS, visit, other) with its time.
``clocks.do_report_unreachable`` refuses the report until the attempts of the company policy
(``KEFU_UNREACHABLE_*``, checked by ``rules_unreachable.check_attempts``) are recorded, then files it as
*pending*: the clock keeps running. ``do_decide_unreachable`` — the reporter's leader, a supervisor of the
order's branch or an administrator — approves it (the clock counts as met on time if the report was filed
by its due time) or rejects it (the clock runs on; a new report may be filed). Both notify through
``workorders.hooks.staff_event``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.commitments import clocks
from kefu.commitments.contact import _local, policy, policy_text, refusal, verdict  # noqa: F401
from kefu.commitments.models import ContactAttempt, ContactMethod, OrderClock
from kefu.lib import clock
from kefu.lib.errors import PermissionDenied, ValidationFailed
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import Staff
from kefu.workorders import hooks
from kefu.workorders.access import access_workorder
from kefu.workorders.actions import add_entry
from kefu.workorders.models import TimelineEntry


@transaction.atomic
def do_record_attempt(
    user: Actor, order_key: int | str, method: str, note: str = "", *, at: dt.datetime | None = None
) -> ContactAttempt:
    """Record an attempt to reach the customer (now, or a time earlier today given by the staff member)."""
    staff = require_staff(user, "order.work")
    o = access_workorder(user, order_key, for_update=True)
    if method not in ContactMethod.values:
        raise ValidationFailed("invalid_choice", _("Choose how you tried to reach the customer."), "method")
    now = clock.now()
    at = at or now
    if timezone.is_naive(at):
        raise ValidationFailed("naive_time", _("The time needs a time zone."), "at")
    if at > now + dt.timedelta(minutes=5):
        raise ValidationFailed("future_time", _("An attempt cannot lie in the future."), "at")
    if at < o.received_at:
        raise ValidationFailed("before_order", _("The attempt lies before the request was received."), "at")
    note = " ".join((note or "").split())
    if len(note) > 500:
        raise ValidationFailed("too_long", _("The note is longer than 500 characters."), "note")
    a = ContactAttempt.objects.create(
        workorder=o, method=method, at=at, staff=staff, note=note, created_at=now
    )
    add_entry(
        o,
        TimelineEntry.Kind.SYSTEM,
        staff=staff,
        data={"event": "clock.contact_attempt", "method": method, "at": at.isoformat(), "note": note[:200]},
        at=now,
    )
    audit.record(
        user,
        "order.contact_attempt",
        a,
        after={"method": method, "at": at, "note": note},
        customer_id=o.customer_id,
        workorder_id=o.pk,
        summary=f"{o.number} {method} {_local(at)}",
    )
    return a


def deciders(reporter: Staff, o: Any) -> list[int]:
    """Who decides a report: the reporter's active leader, else the supervisors of the order's branch."""
    return clocks.extension_deciders(reporter, o)


def may_decide(staff: Staff, c: OrderClock, o: Any) -> bool:
    """The reporter's leader, a supervisor of the order's branch (or the company), or an administrator."""
    reporter = c.unreachable_reported_by
    if reporter is not None and staff.pk == reporter.pk:
        return False
    if staff.role == "admin" and staff.is_active:
        return True
    if reporter is not None and reporter.leader_id == staff.pk:
        return True
    return staff.role == "supervisor" and staff.branch_id in (None, o.branch_id)


@transaction.atomic
def do_decide_unreachable(
    user: Actor, clock_id: int, approve: bool, note: str = "", *, now: dt.datetime | None = None
) -> OrderClock:
    """The leader approves or rejects a pending report; only an approval stops the clock (as of the report)."""
    staff = require_staff(user)
    c, o = clocks.clock_of(user, clock_id)
    if c.unreachable_status != "pending":
        raise ValidationFailed("not_pending", _("There is no report waiting for a decision."), "approve")
    if not may_decide(staff, c, o):
        raise PermissionDenied(
            "not_leader",
            _("Only the reporter's leader, a branch supervisor or an administrator can decide."),
        )
    at = now or clock.now()
    note = (note or "").strip()[:2000]
    c.unreachable_status = "approved" if approve else "rejected"
    c.unreachable_decided_by, c.unreachable_decided_at, c.unreachable_decision_note = staff, at, note
    clocks.refresh_and_sync(c, o, at)
    clocks.log_clock(
        o, c, f"clock.unreachable_{c.unreachable_status}", at, user, note=note[:200], status=c.status
    )
    hooks.staff_event(
        hooks.StaffEventKind.UNREACHABLE_DECIDED,
        [c.unreachable_reported_by_id],
        order=o,
        actor=staff,
        at=at,
        approved=approve,
        note=note[:200],
    )
    return c


def pending_for(staff: Staff) -> list[OrderClock]:
    """Pending reports this staff member may decide."""
    qs = OrderClock.objects.filter(unreachable_status="pending").select_related(
        "workorder", "unreachable_reported_by"
    )
    return [c for c in qs if may_decide(staff, c, c.workorder)]
