"""Use cases of customer types and complaint handling (R-25, R-26). Views and hooks call these.

Every ``do_*`` runs in one transaction, locks the work order first (``access_workorder(...,
for_update=True)``) and writes its service-log record in the same transaction. The changes stay in this
app's tables (the order's timeline is not touched; the order page shows them in this app's panels),
except the order's priority, which an agitated customer raises (audited as ``order.update``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.complaints import rules
from kefu.complaints.classifier import Classification, CustomerType, classify
from kefu.complaints.models import (
    Compensation,
    CompensationLimit,
    ComplaintCause,
    ComplaintRecord,
    ComplaintStep,
    CustomerTypeChoices,
    HandlingStep,
    OrderCustomerType,
)
from kefu.customers.models import Contact
from kefu.lib import batch, clock
from kefu.lib.errors import Conflict, NotFound, ValidationFailed
from kefu.organization.access import Actor, require_staff, staff_of
from kefu.workorders import actions as wo_actions
from kefu.workorders import hooks as wo_hooks
from kefu.workorders.access import access_workorder, visible_workorders
from kefu.workorders.models import WorkOrder

APPROVE = "complaint.approve_compensation"
REPEAT_WINDOW = dt.timedelta(days=30)  # "repeated contacts": the customer's contacts in the last 30 days


# ---------------------------------------------------------------------------------------------------
# Customer type


def current_type(order: WorkOrder) -> OrderCustomerType | None:
    """The order's current type: the latest agent choice, else the latest suggestion."""
    rows = list(OrderCustomerType.objects.filter(workorder=order).select_related("set_by"))
    chosen = [r for r in rows if r.kind == OrderCustomerType.Kind.CHOSEN]
    pick = chosen or rows
    return pick[-1] if pick else None


def earlier_contacts(order: WorkOrder, at: dt.datetime) -> int:
    """The customer's inbound contacts in the window before this one (the current one is already recorded)."""
    n = Contact.objects.filter(
        customer_id=order.customer_id,
        direction=Contact.Direction.INBOUND,
        occurred_at__gte=at - REPEAT_WINDOW,
    ).count()
    return max(n - 1, 0)


NEW_ORDER_CLASSIFIER = "complaints.customer_type"


RECENT_INBOUND = "complaints_recent_inbound"


def _recent_inbound(customer_id: Any, at: dt.datetime) -> QuerySet[Contact]:
    return Contact.objects.filter(
        customer_id=customer_id, direction=Contact.Direction.INBOUND, occurred_at__gte=at - REPEAT_WINDOW
    )


def new_order_annotations(at: dt.datetime) -> dict[str, Any]:
    """The count :func:`classify_new_order` needs, as an annotation of the customer's query."""
    count = _recent_inbound(OuterRef("pk"), at).order_by().values("customer_id").annotate(n=Count("id"))
    return {RECENT_INBOUND: Coalesce(Subquery(count.values("n")[:1]), 0)}


def classify_new_order(event: wo_hooks.NewOrderText) -> None:
    """The customer type of a new order's request, before the order is written: an agitated customer
    gets the raised priority at registration (the priority and the clocks are computed once); the
    suggestion itself is stored by :func:`suggest_customer_type` after the insert. The count of recent
    contacts comes with the customer when the creation read it with :func:`new_order_annotations`."""
    n = getattr(event.customer, RECENT_INBOUND, None)
    if n is None:
        n = _recent_inbound(event.customer_id, event.at).count()
    if event.received_at >= event.at - REPEAT_WINDOW:
        n += 1  # this request's own contact, not written yet (as earlier_contacts counts it afterwards)
    result = classify(event.text, recent_contacts=max(n - 1, 0))
    event.results[NEW_ORDER_CLASSIFIER] = result
    if result.suggested == CustomerType.AGITATED:
        event.raise_priority = event.raise_priority or _("The customer seems agitated.")


def _signals_json(c: Classification) -> list[dict[str, Any]]:
    return [
        {"code": s.code, "type": s.type.value, "weight": s.weight, "evidence": s.evidence} for s in c.signals
    ]


def suggest_customer_type(
    order: WorkOrder,
    text: str,
    *,
    source: str,
    actor_user: Actor | None = None,
    at: dt.datetime | None = None,
    prepared: wo_hooks.NewOrderText | None = None,
) -> OrderCustomerType | None:
    """Classify the customer's ``text`` on ``order`` (locked by the caller, inside its transaction) and
    store the suggestion when it is the first one or the suggested type changed. An agitated
    suggestion raises the order's priority (audited as ``order.update``). The suggestion itself is
    not a person's action and is not written to the service log: the history row is its record.
    Returns the new row, or None when nothing changed.

    ``prepared``: a new order's request as :func:`classify_new_order` classified it before the insert
    (the priority was raised then): not classified again, and a new order has no earlier suggestion."""
    at = at or clock.now()
    found: Classification | None = prepared.results.get(NEW_ORDER_CLASSIFIER) if prepared else None
    if found is not None:
        result, latest = found, None
    else:
        result = classify(text, recent_contacts=earlier_contacts(order, at))
        latest = (
            OrderCustomerType.objects.filter(workorder=order, kind=OrderCustomerType.Kind.SUGGESTED)
            .order_by("-at", "-id")
            .first()
        )
    if latest is not None and latest.customer_type == result.suggested.value:
        return None
    row = OrderCustomerType(
        workorder=order,
        kind=OrderCustomerType.Kind.SUGGESTED,
        source=source,
        customer_type=result.suggested.value,
        suggested_type=result.suggested.value,
        scores=result.scores,
        signals=_signals_json(result),
        at=at,
    )
    if not batch.defer_insert([row]):  # a new order's: with the creation's other writes
        row.save(force_insert=True)
    if result.suggested == CustomerType.AGITATED and found is None:  # else raised at registration
        wo_actions.raise_priority(order, actor_user, at, _("The customer seems agitated."))
    return row


@transaction.atomic
def do_choose_customer_type(user: Actor, key: int | str, customer_type: str) -> OrderCustomerType:
    """The agent sets (or corrects) the customer's type; "agitated" raises the priority."""
    staff = require_staff(user, "order.work")
    o = access_workorder(user, key, for_update=True)
    if customer_type not in CustomerTypeChoices.values:
        raise ValidationFailed("invalid_choice", _("Choose the customer type."), "customer_type")
    latest = current_type(o)
    if (
        latest is not None
        and latest.kind == OrderCustomerType.Kind.CHOSEN
        and latest.customer_type == customer_type
    ):
        return latest  # already chosen: nothing to record
    suggestion = (
        OrderCustomerType.objects.filter(workorder=o, kind=OrderCustomerType.Kind.SUGGESTED)
        .order_by("-at", "-id")
        .first()
    )
    now = clock.now()
    row = OrderCustomerType.objects.create(
        workorder=o,
        kind=OrderCustomerType.Kind.CHOSEN,
        source=OrderCustomerType.Source.STAFF,
        customer_type=customer_type,
        suggested_type=suggestion.customer_type if suggestion else "",
        set_by=staff,
        at=now,
    )
    audit.record(
        user,
        "customer_type.chosen",
        row,
        before={"customer_type": latest.customer_type} if latest else None,
        after={"customer_type": customer_type, "suggested_type": row.suggested_type},
        customer_id=o.customer_id,
        workorder_id=o.pk,
        summary=str(CustomerTypeChoices(customer_type).label),
    )
    if customer_type == CustomerType.AGITATED:
        wo_actions.raise_priority(o, user, now, _("The customer is agitated."))
    return row


# ---------------------------------------------------------------------------------------------------
# Complaints


def _complaint(user: Actor, key: int | str, field: str) -> WorkOrder:
    o = access_workorder(user, key, for_update=True)
    if o.order_type != rules.COMPLAINT:
        raise ValidationFailed("not_complaint", _("This order is not a complaint."), field)
    return o


def is_classified(order: WorkOrder) -> bool:
    return ComplaintRecord.objects.filter(workorder_id=order.pk).exists()


@transaction.atomic
def do_classify_complaint(
    user: Actor, key: int | str, cause_id: int | None, details: str = ""
) -> ComplaintRecord:
    """Record (or correct) the cause of a complaint; needed before the complaint is closed."""
    staff = require_staff(user, "order.work")
    o = _complaint(user, key, "cause")
    cause = ComplaintCause.objects.filter(pk=cause_id, is_active=True).first() if cause_id else None
    if cause is None:
        raise ValidationFailed("required", _("Choose the cause of the complaint."), "cause")
    details = (details or "").strip()
    if len(details) > 2000:
        raise ValidationFailed("too_long", _("The details are longer than 2,000 characters."), "details")
    now = clock.now()
    record = ComplaintRecord.objects.filter(workorder=o).first()
    before = {"cause": record.cause.code, "details": record.details} if record else None
    if record is None:
        record = ComplaintRecord(workorder=o)
    record.cause, record.details = cause, details
    record.classified_by, record.classified_at = staff, now
    record.save()
    audit.record(
        user,
        "complaint.classify",
        record,
        before=before,
        after={"cause": cause.code, "details": details},
        customer_id=o.customer_id,
        workorder_id=o.pk,
        summary=cause.name,
    )
    return record


@transaction.atomic
def do_tick_step(user: Actor, key: int | str, step: str, done: bool = True) -> ComplaintStep | None:
    """Tick (or untick) one handling step of a complaint; ticking records who and when."""
    staff = require_staff(user, "order.work")
    o = _complaint(user, key, "step")
    if step not in HandlingStep.values:
        raise ValidationFailed("invalid_choice", _("Unknown handling step."), "step")
    existing = ComplaintStep.objects.filter(workorder=o, step=step).first()
    if done == (existing is not None):
        return existing  # already as asked: nothing to record
    if done:
        row: ComplaintStep | None = ComplaintStep.objects.create(
            workorder=o, step=step, done_by=staff, done_at=clock.now()
        )
        code = "complaint.step_done"
    else:
        assert existing is not None
        existing.delete()
        row, code = None, "complaint.step_undone"
    audit.record(
        user,
        code,
        o,
        after={"step": step},
        customer_id=o.customer_id,
        workorder_id=o.pk,
        summary=str(HandlingStep(step).label),
    )
    return row


def limit_for(order: WorkOrder, role: str) -> Any:
    rows = [rules.LimitRow(r.branch_id, r.role, r.amount) for r in CompensationLimit.objects.all()]
    return rules.applicable_limit(rows, order.branch_id, role)


@transaction.atomic
def do_record_compensation(user: Actor, key: int | str, amount: Any, reason: str) -> Compensation:
    """Record compensation on a complaint: within the recording person's limit it is approved at once,
    above it (or with no limit configured) it waits for a supervisor's approval."""
    staff = require_staff(user, "order.work")
    o = _complaint(user, key, "amount")
    value = rules.parse_amount(amount)
    if value is None:
        raise ValidationFailed(
            "invalid_amount",
            _("Enter an amount in yuan greater than zero, with at most two decimals."),
            "amount",
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("required", _("Give the reason for the compensation."), "reason")
    limit = limit_for(o, staff.role)
    now = clock.now()
    pending = rules.needs_approval(value, limit)
    c = Compensation.objects.create(
        workorder=o,
        amount=value,
        reason=reason[:2000],
        status=Compensation.Status.PENDING if pending else Compensation.Status.APPROVED,
        limit=limit,
        requested_by=staff,
        requested_at=now,
        decided_at=None if pending else now,
    )
    audit.record(
        user,
        "compensation.record",
        c,
        after={
            "amount": c.amount,
            "currency": c.currency,
            "status": c.status,
            "limit": limit,
            "reason": reason,
        },
        customer_id=o.customer_id,
        workorder_id=o.pk,
        summary=f"{c.amount} {c.currency}",
    )
    return c


def visible_compensations(user: Actor) -> Any:
    return Compensation.objects.filter(workorder__in=visible_workorders(user))


@transaction.atomic
def do_decide_compensation(
    user: Actor, compensation_id: int | str, approve: bool, note: str = ""
) -> Compensation:
    """A supervisor approves or rejects a compensation above the limit (not their own request)."""
    staff = require_staff(user, APPROVE)
    try:
        pk = int(compensation_id)
    except (TypeError, ValueError):
        raise NotFound("not_found", _("Compensation not found."), "compensation") from None
    found = visible_compensations(user).filter(pk=pk).values_list("workorder_id", flat=True).first()
    if found is None:
        raise NotFound("not_found", _("Compensation not found."), "compensation")
    o = access_workorder(user, found, for_update=True)
    c = Compensation.objects.select_for_update().get(pk=pk)
    if c.status != Compensation.Status.PENDING:
        raise Conflict("already_decided", _("This compensation was already decided."), "decision")
    if c.requested_by_id == staff.pk:
        raise ValidationFailed(
            "own_request", _("Someone else must approve the compensation you recorded."), "decision"
        )
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationFailed("required", _("Say why the compensation is rejected."), "note")
    c.status = Compensation.Status.APPROVED if approve else Compensation.Status.REJECTED
    c.decided_by, c.decided_at, c.decision_note = staff, clock.now(), note[:2000]
    c.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit.record(
        user,
        "compensation.approve" if approve else "compensation.reject",
        c,
        before={"status": Compensation.Status.PENDING},
        after={"status": c.status, "note": c.decision_note},
        customer_id=o.customer_id,
        workorder_id=o.pk,
        summary=f"{c.amount} {c.currency}",
    )
    return c


def can_approve(user: Actor) -> bool:
    staff = staff_of(user)
    return staff is not None and staff.can(APPROVE)
