"""Phone calls from a CTI system: webhook events, the screen pop, missed calls → call-back tasks.

``do_call_event`` is the only writer. Each (call id, event) is applied once: a retried webhook finds its
``CallEvent`` row and returns the call unchanged. The caller is matched to a customer through the
normalised phone ``ContactPoint``; the agent by badge number or username.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kefu import live
from kefu.audit import log as audit
from kefu.channels import endpoints
from kefu.channels.models.endpoints import EndpointKind
from kefu.channels.models.gateways import Call, CallbackTask, CallEvent, CallState
from kefu.customers import lookup
from kefu.customers import rules as customer_rules
from kefu.lib import clock
from kefu.lib.errors import Conflict, KefuError, NotFound, ValidationFailed, raise_if
from kefu.organization.access import require_staff
from kefu.organization.models import Outlet, Staff

if TYPE_CHECKING:
    from kefu.organization.access import Actor

# A pop older than this is not shown any more (the call is long over or was never ended by the CTI).
POP_MAX_AGE = dt.timedelta(minutes=30)


@dataclass
class CallEventInput:
    call_id: str
    caller: str
    line: str = ""
    event: str = CallState.RINGING
    agent: str = ""  # badge number or username


def _normalize(raw: str) -> str:
    try:
        return customer_rules.normalize_phone(raw)
    except customer_rules.InvalidPhone:
        return ""


def _agent(ref: str) -> Staff | None:
    ref = (ref or "").strip()
    if not ref:
        return None
    return (
        Staff.objects.filter(badge_no=ref, is_active=True).first()
        or Staff.objects.filter(user__username=ref, is_active=True).first()
    )


def outlet_for_line(line: str, branch_id: int | None = None) -> Outlet | None:
    """The outlet whose phone is the dialled number ``line`` (the call's DNIS), both normalised
    (``0571-8888 1234`` dialled as ``057188881234`` or ``+8657188881234``); None for the hotline or an
    unknown line. ``branch_id`` limits the match to the outlets of one branch (the order's customer)."""
    dialled = _normalize(line)
    if not dialled:
        return None
    qs = Outlet.objects.exclude(phone="").order_by("pk")
    if branch_id is not None:
        qs = qs.filter(branch_id=branch_id)
    return next((o for o in qs if _normalize(o.phone) == dialled), None)


def callback_delay() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "KEFU_CALLBACK_DUE_MINUTES", 30)))


def do_call_event(user: Actor, data: CallEventInput) -> tuple[Call, bool]:
    """Apply one CTI event; returns (call, applied) — applied is False for a repeated (call id, event)."""
    errors: list[KefuError] = []
    call_id = (data.call_id or "").strip()
    if not call_id or len(call_id) > 100:
        errors.append(ValidationFailed("required", _("The call id is missing or too long."), "call_id"))
    if data.event not in CallState.values:
        errors.append(ValidationFailed("invalid_choice", _("Unknown call event."), "event"))
    caller = (data.caller or "").strip()[:60]
    if not caller:
        errors.append(ValidationFailed("required", _("The caller number is missing."), "caller"))
    raise_if(errors)
    try:
        with transaction.atomic():
            return _apply(user, call_id, caller, data)
    except IntegrityError:
        # a concurrent delivery of the same event won the race
        return Call.objects.get(call_id=call_id), False


def _apply(user: Actor, call_id: str, caller: str, data: CallEventInput) -> tuple[Call, bool]:
    now = clock.now()
    call = Call.objects.select_for_update().filter(call_id=call_id).first()
    if call is None:
        normalized = _normalize(caller)
        customer = lookup.customer_for_phone(normalized)
        agent = _agent(data.agent)
        line = (data.line or "").strip()[:60]
        endpoint = endpoints.endpoint_for(EndpointKind.PHONE, line)
        endpoints.note_inbound(endpoint, now)
        call = Call.objects.create(
            call_id=call_id,
            caller=caller,
            caller_normalized=normalized,
            line=line,
            customer=customer,
            staff=agent,
            # the branch of the called line (configured in the admin), else the customer's, else the agent's
            branch=endpoint.branch
            if endpoint
            else (customer.branch if customer else (agent.branch if agent else None)),
            started_at=now,
        )
    if CallEvent.objects.filter(call=call, event=data.event).exists():
        return call, False
    CallEvent.objects.create(
        call=call,
        event=data.event,
        payload={"caller": caller, "line": data.line, "agent": data.agent},
    )
    fields = []
    if call.staff is None and data.agent:
        call.staff = _agent(data.agent)
        fields.append("staff")
    if call.state not in (CallState.ENDED, CallState.MISSED):
        call.state = data.event
        fields.append("state")
    if data.event == CallState.ANSWERED and call.answered_at is None:
        call.answered_at = now
        fields.append("answered_at")
    if data.event in (CallState.ENDED, CallState.MISSED) and call.ended_at is None:
        call.ended_at = now
        fields.append("ended_at")
    if fields:
        call.save(update_fields=fields)
    if call.staff_id is not None:  # the agent's console shows (or hides) the pop at once (server push)
        live.publish(live.staff_topic(call.staff_id), "call", {"call": call.pk, "state": call.state})
    if data.event == CallState.MISSED:
        branch = call.branch or (call.staff.branch if call.staff else None)
        CallbackTask.objects.get_or_create(
            call=call,
            defaults={
                "customer": call.customer,
                "phone": call.caller_normalized or call.caller,
                "branch": branch,
                "due": now + callback_delay(),
            },
        )
    audit.record(
        user,
        f"call.{data.event}",
        call,
        after={"call_id": call.call_id, "caller": call.caller, "state": call.state},
        customer_id=call.customer_id,
    )
    return call, True


def pending_pop(staff: Staff) -> Call | None:
    """The call to pop in ``staff``'s console: the latest ringing/answered call routed to them (fetched by
    the console page when a ``call`` event reaches it, or on its slow poll without push: one indexed query;
    the pop loads the customer through the agent's access)."""
    return (
        Call.objects.filter(
            staff=staff,
            state__in=(CallState.RINGING, CallState.ANSWERED),
            started_at__gte=clock.now() - POP_MAX_AGE,
        )
        .order_by("-started_at", "-id")
        .first()
    )


def visible_callbacks(staff: Staff) -> Any:
    """Call-back tasks an agent works on: their branch's (company-level staff: all), plus tasks
    without a branch (unknown callers on an unassigned line); a hotline agent the calls missed on the
    hotline (routed to a hotline agent) and those without a branch."""
    from django.db.models import Q

    qs = CallbackTask.objects.select_related("customer", "call", "done_by")
    if staff.is_hotline:  # the hotline's own missed calls (docs/hotline.md), not every branch's
        return qs.filter(Q(call__staff__role=staff.role) | Q(branch__isnull=True))
    if staff.branch_id is not None:
        qs = qs.filter(Q(branch_id=staff.branch_id) | Q(branch__isnull=True))
    return qs


def do_callback_done(user: Actor, task_id: int) -> CallbackTask:
    """Mark a call-back task as done (the agent called the customer back). Done twice → conflict."""

    staff = require_staff(user, "customer.edit")
    with transaction.atomic():
        task = visible_callbacks(staff).select_for_update(of=("self",)).filter(pk=task_id).first()
        if task is None:
            raise NotFound("not_found", _("There is no such call-back task."))
        if task.done_at is not None:
            raise Conflict("callback_done", _("This call has already been returned."))
        task.done_by = staff
        task.done_at = clock.now()
        task.save(update_fields=["done_by", "done_at"])
        audit.record(
            user,
            "call.callback",
            task,
            after={"phone": task.phone, "call_id": task.call.call_id},
            customer_id=task.customer_id,
        )
    return task
