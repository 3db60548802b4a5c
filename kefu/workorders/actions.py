"""Use cases of work orders (R-9..R-12). Views, API, CLI and jobs call these; nothing else writes.

Every ``do_*`` runs in one transaction, takes the work-order row lock first (``access_workorder(...,
for_update=True)``; several orders in ascending id), writes the audit record and the timeline entry
in the same transaction. Lock order (whole project): Customer → WorkOrder → NumberSequence.
"""

from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import BigIntegerField, Case, Exists, F, OuterRef, Q, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu import live
from kefu.audit import log as audit
from kefu.channels.outbox.replies import queue_reply
from kefu.customers.access import access_customer
from kefu.customers.actions import record_contact
from kefu.customers.models import Channel, Contact, ContactPoint, Customer
from kefu.customers.rules import is_mobile
from kefu.lib import batch, clock, search
from kefu.lib.errors import Conflict, KefuError, NotFound, PermissionDenied, ValidationFailed, raise_if
from kefu.organization import config_cache
from kefu.organization import rules as org_rules
from kefu.organization.access import Actor, login_of, require_staff, staff_of
from kefu.organization.leaders import LeaderPicker
from kefu.organization.models import Department, Outlet, ServiceArea, Staff
from kefu.organization.sequences import next_value, next_value_and_id
from kefu.workorders import hooks, rules
from kefu.workorders.access import access_workorder
from kefu.workorders.models import (
    Attachment,
    Escalation,
    OrderLink,
    OrderTypeChoices,
    Presence,
    Priority,
    Receiver,
    SalePhase,
    SendBack,
    ServicePlace,
    TimelineEntry,
    Transfer,
    WorkOrder,
    urgency_of,
)

RULE_MESSAGES: dict[str, Any] = {
    "transition_forbidden": gettext_lazy("This status change is not allowed from the current status."),
    "no_owner": gettext_lazy("The order has no first-contact owner; it can never be left with nobody."),
    "reason_required": gettext_lazy("A reason is required."),
    "resolution_required": gettext_lazy("Describe how the matter was resolved."),
    "close_reason_required": gettext_lazy("Choose why the order is closed without a solution."),
    "merge_required": gettext_lazy(
        "Use “merge” to close a duplicate, so that it points to the surviving order."
    ),
    "close_reason_invalid": gettext_lazy("A resolved order closes as solved."),
    "merged_order": gettext_lazy(
        "This order was merged into another one; reopen the surviving order instead."
    ),
    "no_receiver": gettext_lazy("Name the staff member or department that receives the work."),
    "same_assignee": gettext_lazy("The order is already assigned to this person."),
    "route_again": gettext_lazy(
        "The order was sent back to the dispatcher; route it again (transfer) before it is resolved."
    ),
    "not_open": gettext_lazy("Only open orders can be sent back."),
    "sent_back_pending": gettext_lazy(
        "The order was sent back and waits for the dispatcher to route it again; transfer it instead."
    ),
    "not_routed": gettext_lazy(
        "The order is not with a unit (no assignee or department) to send it back from."
    ),
    "not_your_unit": gettext_lazy(
        "Only the unit the order was routed to (its assignee, a member or the leader of its department) "
        "can send it back."
    ),
    "no_dispatcher": gettext_lazy(
        "Nobody outside your unit routed this order or answers for it; transfer it instead."
    ),
    "too_long": gettext_lazy("The text is longer than 2,000 characters."),
    "note_required": gettext_lazy(
        "This unit sent the order back; routing it to them again needs a note saying why it is theirs."
    ),
    "different_customer": gettext_lazy(
        "The orders belong to different customers. Confirm that both report the same event: each customer "
        "keeps their order and gets the answers given on the surviving order."
    ),
}


def _other_branch(field_name: str, label: Any) -> ValidationFailed:
    """The refusal of staff or a department that does not serve the order's branch (rules.serves_branch)."""
    if field_name in ("to_department", "department"):
        message = _("%(name)s belongs to another branch; choose a department of the order's branch.") % {
            "name": label
        }
    else:
        message = _(
            "%(name)s works in another branch; choose staff of the order's branch or of the company level."
        ) % {"name": label}
    return ValidationFailed("other_branch", message, field_name)


def _rule_errors(errors: list[rules.RuleError]) -> list[KefuError]:
    return [ValidationFailed(e.code, str(RULE_MESSAGES.get(e.code, e.code)), e.field) for e in errors]


def _number_key(at: dt.datetime) -> tuple[str, str]:
    day = timezone.localtime(at, timezone.get_default_timezone()).strftime("%Y%m%d")
    return f"GD-{day}-", "GD-" + day


def order_number(at: dt.datetime) -> str:
    """GD-YYYYMMDD-NNNNNN, the date in the company time zone, counted per day, race-free."""
    prefix, key = _number_key(at)
    return f"{prefix}{next_value(key):06d}"


def order_number_and_id(at: dt.datetime) -> tuple[str, int | None]:
    """:func:`order_number` and, on PostgreSQL, the new order's id from the same statement (None: the
    INSERT allocates it)."""
    prefix, key = _number_key(at)
    value, pk = next_value_and_id(key, WorkOrder)
    return f"{prefix}{value:06d}", pk


def order_search_text(o: WorkOrder, customer: Customer) -> str:
    if o.anonymised_at is not None:  # past retention: found by its number only (docs/privacy.md)
        return search.normalize(o.number)
    return search.normalize(
        " ".join(
            [
                o.number,
                o.title,
                o.description,
                customer.name,
                customer.phone,
                customer.phone_e164,
                customer.number,
            ]
        )
    )


def _check_version(o: WorkOrder, expected: int | None) -> None:
    if expected is not None and expected != o.version:
        raise Conflict(
            "stale",
            _("Someone else changed this order meanwhile; reload and try again."),
            "version",
            current_version=o.version,
        )


def _bump(o: WorkOrder, now: dt.datetime, fields: list[str], *, was_assignee: int | None = None) -> None:
    o.version += 1
    o.updated_at = now
    update = [*fields, "version", "updated_at"]
    if not batch.defer_update(o, update):  # inside kefu.lib.batch.deferred(): with the action's other writes
        o.save(update_fields=update)
    _announce(o, queue=not QUEUE_FIELDS.isdisjoint(fields), was_assignee=was_assignee)


# the fields a queue row shows: a change to one of them refreshes the open queues of the branch
QUEUE_FIELDS = frozenset(
    ("assignee", "department", "status", "priority", "title", "order_type", "area", "owner", "escalated")
)


def _announce(o: WorkOrder, *, queue: bool, was_assignee: int | None = None) -> None:
    """Server push after commit: the open pages of the order, and the queues of its branch if a row changed
    (``was_assignee``: the previous assignee of a hand-over, whose "My queue" loses the row)."""
    data = {"order": o.pk, "version": o.version, "assignee": o.assignee_id, "owner": o.owner_id}
    if was_assignee is not None and was_assignee != o.assignee_id:
        data["was_assignee"] = was_assignee
    events = [(live.queue_topic(o.branch_id), "queue", data)] if queue else []
    live.publish_many([*events, (live.order_topic(o.pk), "order", data)])  # one statement


# --- the public write API of the order's rows (other apps call these, never the models) ------------------


def add_entry(
    o: WorkOrder,
    kind: str,
    *,
    staff: Staff | None = None,
    customer: Customer | None = None,
    body: str = "",
    public: bool = False,
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> TimelineEntry:
    """One timeline entry on ``o`` (``kind``: ``TimelineEntry.Kind``), inside the caller's transaction.
    The caller writes its own audit record."""
    return TimelineEntry.objects.create(
        workorder=o,
        kind=kind,
        author_staff=staff,
        author_customer=customer,
        body=body,
        public=public,
        data=data or {},
        created_at=at or clock.now(),
    )


@dataclass(frozen=True)
class NewEntry:
    """A timeline entry for :func:`add_entries` (the arguments of :func:`add_entry`)."""

    order: WorkOrder
    kind: str
    at: dt.datetime
    body: str = ""
    public: bool = False
    data: dict[str, Any] | None = None
    staff: Staff | None = None
    customer: Customer | None = None


def add_entries(entries: Iterable[NewEntry]) -> list[TimelineEntry]:
    """Many timeline entries with one INSERT, in the given order (the bulk form of :func:`add_entry`)."""
    return TimelineEntry.objects.bulk_create(
        TimelineEntry(
            workorder=e.order,
            kind=e.kind,
            author_staff=e.staff,
            author_customer=e.customer,
            body=e.body,
            public=e.public,
            data=e.data or {},
            created_at=e.at,
        )
        for e in entries
    )


def raise_priority(o: WorkOrder, actor_user: Any, at: dt.datetime, why: str) -> bool:
    """Raise the (locked) order's priority to high when it is normal or low (never lowered; urgent stays
    urgent): version bumped, time limits matched again, audited as ``order.update`` with ``why``.
    Returns whether it changed. (An escalation raises the priority itself: see :func:`escalate`.)"""
    raised = rules.raised_priority(o.priority)
    if raised == o.priority:
        return False
    before = o.priority
    o.priority = raised
    _bump(o, at, ["priority"])
    hooks.commitments().on_order_changed(o, at)  # time limits may depend on the priority
    audit.record(
        actor_user,
        "order.update",
        o,
        before={"priority": before},
        after={"priority": o.priority},
        customer_id=o.customer_id,
        workorder_id=o.pk,
        summary=why,
    )
    return True


def set_due_at(o: WorkOrder, due: dt.datetime | None, *, provisional: bool = False) -> None:
    """The order's due time, mirrored from its clocks (``commitments.clocks`` decides it); ``provisional``
    when it was counted without the holiday data of a year not loaded yet (weekends only)."""
    provisional = provisional and due is not None
    if o.due_at != due or o.due_provisional != provisional:
        o.due_at, o.due_provisional = due, provisional
        WorkOrder.objects.filter(pk=o.pk).update(due_at=due, due_provisional=provisional)


def refresh_search_text(customer: Customer) -> None:
    """The customer's name and phone are part of each of their orders' search text; keep them current."""
    for o in WorkOrder.objects.filter(customer=customer).only("id", "number", "title", "description"):
        o.search_text = order_search_text(o, customer)
        o.save(update_fields=["search_text"])
        search.sync(o)


@dataclass(frozen=True)
class NewEscalation:
    """An escalation for :func:`escalate_many`: ``raised_by`` None means raised by the system."""

    order: WorkOrder
    leader: Staff
    reason: str
    raised_by: Staff | None = None
    to_president: bool = False
    data: dict[str, Any] | None = None  # added to the timeline entry's data (e.g. {"notice": 7})


def escalate_many(
    items: Sequence[NewEscalation], *, at: dt.datetime, raise_priority: bool
) -> list[Escalation]:
    """Raise escalations (R-12, R-16) inside the caller's transaction, the orders locked by the caller:
    one ``Escalation`` row each, the orders marked escalated (and sent to the president where asked), with
    ``raise_priority`` a normal/low priority becomes high (:func:`rules.raised_priority`), each order's
    version bumped once, and one escalation entry each on the timeline. The caller writes the audit.

    ``raise_priority``: staff escalations (:func:`do_escalate`) and the breach sweep raise it; the overdue
    supervision notice (``supervision.actions``) does not — kept as it was when the writers were merged.
    The time limits are not matched again (unlike :func:`raise_priority`), as before."""
    if not items:
        return []
    escalations = Escalation.objects.bulk_create(
        Escalation(
            workorder=i.order,
            raised_by=i.raised_by,
            leader=i.leader,
            reason=i.reason,
            to_president=i.to_president,
            created_at=at,
        )
        for i in items
    )
    changes: dict[str, Any] = {"escalated": True, "version": F("version") + 1, "updated_at": at}
    if raise_priority:
        changes["priority"] = Case(
            When(priority__in=rules.RAISABLE_PRIORITIES, then=Value(rules.RAISED_PRIORITY)),
            default=F("priority"),
        )
    president = sorted({i.order.pk for i in items if i.to_president})
    if president:
        changes["to_president"] = Case(When(pk__in=president, then=Value(True)), default=F("to_president"))
    WorkOrder.objects.filter(pk__in=sorted({i.order.pk for i in items})).update(**changes)
    add_entries(
        NewEntry(
            i.order,
            TimelineEntry.Kind.ESCALATION,
            at,
            body=i.reason,
            staff=i.raised_by,
            data={
                "leader": i.leader.pk,
                "leader_label": str(i.leader),
                "to_president": i.to_president,
                **({"automatic": True} if i.raised_by is None else {}),
                **(i.data or {}),
            },
        )
        for i in items
    )
    return escalations


def escalate(
    o: WorkOrder,
    *,
    leader: Staff,
    reason: str,
    at: dt.datetime,
    raise_priority: bool,
    raised_by: Staff | None = None,
    to_president: bool = False,
    data: dict[str, Any] | None = None,
) -> Escalation:
    """One escalation of :func:`escalate_many`; ``o`` (in memory) shows the order's new state."""
    (esc,) = escalate_many(
        [NewEscalation(o, leader, reason, raised_by, to_president, data)],
        at=at,
        raise_priority=raise_priority,
    )
    o.escalated = True
    o.to_president = o.to_president or to_president
    if raise_priority:
        o.priority = rules.raised_priority(o.priority)
    o.version += 1
    o.updated_at = at
    return esc


@dataclass
class OrderInput:
    order_type: str
    title: str
    description: str
    channel: str = Channel.PHONE
    service_id: int | None = None
    area_id: int | None = None
    priority: str = ""
    co_receiver_ids: list[int] = field(default_factory=list)
    assignee_id: int | None = None
    department_id: int | None = None
    received_at: dt.datetime | None = None
    sale_phase: str | None = None
    technical: bool | None = None
    place: str | None = None
    paid: bool | None = None
    recurring: bool | None = None
    to_president: bool = False
    area_kind: str = ""  # urban / rural; empty: from the customer's area (an installation type counts)
    area_kind_reason: str = ""  # required when the choice differs from the area's kind
    # the phone (E.164) / e-mail the requester gave for this order (anonymous report): replies go there
    reply_phone: str = ""
    reply_email: str = ""
    outlet_id: int | None = None  # counter and phone orders: the outlet (or its line) that received it


OUTLET_CHANNELS = (Channel.COUNTER, Channel.PHONE)


INSTALL_KINDS = {"install_urban": "urban", "install_rural": "rural"}


def _area_kind(data: OrderInput, area: ServiceArea | None, errors: list[KefuError]) -> tuple[str, str]:
    """Urban or rural for the order: the service area's kind, unless the caller chose otherwise
    (``area_kind``, or an installation type of the other kind) and gave a reason. Without an area the
    caller's choice stands (urban when nothing is chosen)."""
    from_area = area.kind if area is not None else "urban"
    chosen = data.area_kind or INSTALL_KINDS.get(data.order_type, "") or from_area
    reason = " ".join((data.area_kind_reason or "").split())
    if chosen not in INSTALL_KINDS.values():
        errors.append(ValidationFailed("invalid_choice", _("Choose urban or rural."), "area_kind"))
        return from_area, ""
    if data.order_type in INSTALL_KINDS and INSTALL_KINDS[data.order_type] != chosen:
        errors.append(
            ValidationFailed(
                "type_mismatch", _("The installation type does not match urban/rural."), "order_type"
            )
        )
    if chosen == from_area or area is None:  # no area: nothing to take it from, the choice stands
        return chosen, ""
    if not reason:
        label = {"urban": _("urban"), "rural": _("rural")}
        errors.append(
            ValidationFailed(
                "reason_required",
                _(
                    "The customer's area “%(area)s” is %(kind)s; give a reason to handle the order as %(chosen)s."
                )
                % {
                    "area": area.name,
                    "kind": label[from_area],
                    "chosen": label[chosen],
                },
                "area_kind_reason",
            )
        )
    elif len(reason) > 500:
        errors.append(
            ValidationFailed("too_long", _("The reason is longer than 500 characters."), "area_kind_reason")
        )
    return chosen, reason


def _clean_order(
    staff: Staff, customer: Customer, data: OrderInput, at: dt.datetime | None = None
) -> dict[str, Any]:
    errors: list[KefuError] = []
    title = " ".join((data.title or "").split())
    description = (data.description or "").strip()
    if data.order_type not in OrderTypeChoices.values:
        errors.append(ValidationFailed("invalid_choice", _("Choose the type of the order."), "order_type"))
    if not title:
        errors.append(ValidationFailed("required", _("A short title is required."), "title"))
    elif len(title) > 200:
        errors.append(ValidationFailed("too_long", _("The title is longer than 200 characters."), "title"))
    if not description:
        errors.append(ValidationFailed("required", _("Describe the request."), "description"))
    if data.channel not in Channel.values:
        errors.append(ValidationFailed("invalid_choice", _("Unknown channel."), "channel"))
    if data.priority and data.priority not in Priority.values:
        errors.append(ValidationFailed("invalid_choice", _("Unknown priority."), "priority"))
    if data.sale_phase is not None and data.sale_phase not in SalePhase.values:
        errors.append(ValidationFailed("invalid_choice", _("Unknown sale phase."), "sale_phase"))
    if data.place is not None and data.place not in ServicePlace.values:
        errors.append(ValidationFailed("invalid_choice", _("Unknown service place."), "place"))
    for flag in ("technical", "paid", "recurring"):
        if getattr(data, flag) is not None and not isinstance(getattr(data, flag), bool):
            errors.append(ValidationFailed("invalid", _("Choose yes or no."), flag))
    service = None
    if data.service_id:
        service = hooks.commitments().active_service(data.service_id)
        if service is None:
            errors.append(ValidationFailed("invalid_choice", _("Unknown service."), "service"))
        elif data.order_type and service.order_type != data.order_type:
            errors.append(
                ValidationFailed("type_mismatch", _("The service does not match the order type."), "service")
            )
    area = config_cache.area_of(customer)
    if data.area_id:
        area = config_cache.row(  # the per-process cache of the organisation tables
            config_cache.ORGANIZATION,
            "areas:by_pk",
            lambda: {a.pk: a for a in ServiceArea.objects.all()},
            data.area_id,
        )
        if area is not None and area.branch_id != customer.branch_id:
            area = None
        if area is None:
            errors.append(
                ValidationFailed(
                    "invalid_choice", _("The area does not belong to the customer's branch."), "area"
                )
            )
    area_kind, area_kind_reason = _area_kind(data, area, errors)
    outlet = None
    if data.outlet_id:
        outlet = Outlet.objects.filter(pk=data.outlet_id, branch_id=customer.branch_id).first()
        if data.channel not in OUTLET_CHANNELS:
            errors.append(
                ValidationFailed(
                    "invalid_choice", _("Only counter and phone orders are received at an outlet."), "outlet"
                )
            )
        elif outlet is None:
            errors.append(
                ValidationFailed(
                    "invalid_choice", _("The outlet does not belong to the customer's branch."), "outlet"
                )
            )
    receivers = [staff]
    if data.co_receiver_ids:
        others = list(Staff.objects.filter(pk__in=data.co_receiver_ids, is_active=True))
        if len(others) != len(set(data.co_receiver_ids)):
            errors.append(
                ValidationFailed("invalid_choice", _("Unknown staff among the co-receivers."), "co_receivers")
            )
        else:
            strangers = [s for s in others if not rules.serves_branch(s.branch_id, customer.branch_id)]
            if strangers:
                errors.append(_other_branch("co_receivers", ", ".join(s.name for s in strangers)))
        receivers += [s for s in others if s.pk != staff.pk]
    assignee = department = None
    if data.assignee_id:
        assignee = Staff.objects.filter(pk=data.assignee_id, is_active=True).first()
        if assignee is None:
            errors.append(ValidationFailed("invalid_choice", _("Unknown assignee."), "assignee"))
        elif not rules.serves_branch(assignee.branch_id, customer.branch_id):
            errors.append(_other_branch("assignee", assignee.name))
    if data.department_id:
        department = Department.objects.filter(pk=data.department_id).select_related("branch").first()
        if department is None:
            errors.append(ValidationFailed("invalid_choice", _("Unknown department."), "department"))
        elif not rules.serves_branch(department.branch_id, customer.branch_id):
            errors.append(_other_branch("department", department))
    now = at or clock.now()
    received_at = data.received_at or now
    if timezone.is_naive(received_at):
        errors.append(ValidationFailed("naive_time", _("The time needs a time zone."), "received_at"))
    elif received_at > now + dt.timedelta(minutes=5):
        errors.append(
            ValidationFailed("future_time", _("The request cannot be received in the future."), "received_at")
        )
    raise_if(errors)
    return {
        "title": title,
        "description": description,
        "service": service,
        "area": area,
        "area_kind": area_kind,
        "area_kind_reason": area_kind_reason,
        "outlet": outlet,
        "receivers": receivers,
        "assignee": assignee,
        "department": department,
        "received_at": received_at,
    }


@transaction.atomic
@batch.deferred()  # the new order's writes in one statement on PostgreSQL (kefu.lib.batch)
def do_create_order(
    user: Actor,
    customer_id: int,
    data: OrderInput,
    *,
    customer: Customer | None = None,
    at: dt.datetime | None = None,
) -> WorkOrder:
    """Register a request. The first receiver (the most senior of several) becomes the owner (R-10).
    ``customer``: the customer ``customer_id`` as the caller already read it with ``access_customer``
    for the same ``user`` (the console's form), not read a second time; ``at``: the moment the caller
    read it with :func:`new_order_customer_annotations` of that moment (the registration's time)."""
    staff = require_staff(user, "order.create")
    if customer is None or customer.pk != int(customer_id):
        at = clock.now()
        # with the configuration cache's tokens (the services, limits, areas the order needs) and what the
        # classifiers of the request need (the customer's recent contacts)
        customer = access_customer(user, customer_id, annotations=new_order_customer_annotations(at))
        config_cache.seed(customer)
    # inside this transaction already: no savepoint of its own
    return _create_order_for(staff, customer, data, actor_user=user, channel=data.channel, at=at)


def new_order_customer_annotations(at: dt.datetime) -> dict[str, Any]:
    """The annotations of the customer's query for an order registered at ``at``: the configuration
    tokens and what the classifiers of the request read (``hooks.new_order_annotations``)."""
    return {**config_cache.token_annotations(), **hooks.new_order_annotations(at)}


@transaction.atomic
@batch.deferred()
def create_order_for(
    owner_staff: Staff, customer: Customer, data: OrderInput, *, actor_user: Actor | None, channel: str
) -> WorkOrder:
    """Create the order received by ``owner_staff`` (shared by the console/API and other channels).

    ``owner_staff`` is the first receiver; with co-receivers in ``data`` the most senior of them all
    becomes the first-contact owner (R-10). ``actor_user`` is who acted (a staff member, or the
    customer on the portal): the audit record, ``created_by`` and the contact history name them.
    The caller has already checked that ``actor_user`` may create orders for ``customer``.
    """
    return _create_order_for(owner_staff, customer, data, actor_user=actor_user, channel=channel)


def _create_order_for(
    owner_staff: Staff,
    customer: Customer,
    data: OrderInput,
    *,
    actor_user: Actor | None,
    channel: str,
    at: dt.datetime | None = None,
) -> WorkOrder:
    """:func:`create_order_for` inside the caller's transaction.

    ``owner_staff`` is the first receiver; with co-receivers in ``data`` the most senior of them all
    becomes the first-contact owner (R-10). ``actor_user`` is who acted (a staff member, or the
    customer on the portal): the audit record, ``created_by`` and the contact history name them.
    The caller has already checked that ``actor_user`` may create orders for ``customer``.
    """
    if customer.merged_into_id:
        raise ValidationFailed(
            "merged_customer", _("This customer record was merged; use the surviving record."), "customer"
        )
    if data.channel != channel:
        data = dataclasses.replace(data, channel=channel)
    actor_staff = staff_of(actor_user)
    now = at or clock.now()
    clean = _clean_order(owner_staff, customer, data, now)
    owner_id = org_rules.most_senior(
        [org_rules.Receiver(s.pk, s.grade, s.hired_on) for s in clean["receivers"]]
    )
    owner = next(s for s in clean["receivers"] if s.pk == owner_id)
    service = clean["service"]
    vip = customer.tier in ("diamond", "gold")
    priority = data.priority or rules.default_priority(rules.OrderType(data.order_type), vip)
    if hooks.commitments().is_emergency(
        service.pk if service is not None else None, f"{clean['title']}\n{clean['description']}"
    ):
        priority = Priority.URGENT.value  # gas leak, burst pipe, ... (commitments.emergency)
    # the classifiers of the request (the customer type of complaints) before the insert: an agitated
    # customer's order is registered with the raised priority, its clocks computed once
    pre = hooks.NewOrderText(
        customer.pk, f"{clean['title']}\n{clean['description']}", now, clean["received_at"], customer=customer
    )
    hooks.classify_new_order_text(pre)
    raised_from = ""
    if pre.raise_priority and rules.raised_priority(priority) != priority:
        raised_from, priority = priority, rules.raised_priority(priority)
    # on PostgreSQL the order's id comes with its number, so that its INSERT joins the other writes
    number, order_id = order_number_and_id(now)
    o = WorkOrder(
        pk=order_id,
        number=number,
        order_type=data.order_type,
        service=service,
        channel=data.channel,
        customer=customer,
        branch_id=customer.branch_id,
        area=clean["area"],
        area_kind=clean["area_kind"],
        area_kind_reason=clean["area_kind_reason"],
        outlet=clean["outlet"],
        title=clean["title"],
        description=clean["description"],
        priority=priority,
        owner=owner,
        assignee=clean["assignee"],
        department=clean["department"],
        created_by=login_of(actor_user),
        to_president=data.to_president,
        reply_phone=data.reply_phone[:20],
        reply_email=data.reply_email[:254],
        received_at=clean["received_at"],
        created_at=now,
        updated_at=now,
    )
    for name in ("sale_phase", "technical", "place", "paid", "recurring"):
        value = getattr(data, name)
        if value is None and service is not None:
            value = getattr(service, name)
        if value is not None:
            setattr(o, name, value)
    o.search_text = order_search_text(o, customer)
    hooks.commitments().prepare_new_order(o, now)  # the clocks and the due time before the INSERT
    o.urgency = urgency_of(o.status, o.priority)  # computed by the database too: not read back
    # with its id known (PostgreSQL) the order's INSERT waits for the other writes of the creation: the
    # live events, receivers, clocks, timeline entry, contact and audit records go in one statement
    if o.pk is None or not batch.defer_insert([o]):
        o.save(force_insert=True)
    _announce(o, queue=True)
    search.sync(o, new=True)
    receivers = [Receiver(workorder=o, staff=s) for s in clean["receivers"]]
    if not batch.defer_insert(receivers):
        Receiver.objects.bulk_create(receivers)
    hooks.commitments().on_order_created(o, now)
    created = TimelineEntry(
        workorder=o,
        kind=TimelineEntry.Kind.SYSTEM,
        author_staff=actor_staff,
        data={"event": "created", "owner": owner.pk, "receivers": [s.pk for s in clean["receivers"]]},
        created_at=now,
    )
    if not batch.defer_insert([created]):
        created.save(force_insert=True)
    record_contact(
        customer, data.channel, staff=actor_staff, workorder=o, summary=o.title, at=clean["received_at"]
    )
    records = [
        audit.build(
            actor_user,
            "order.create",
            o,
            after=audit.snapshot(o),
            customer_id=customer.pk,
            workorder_id=o.pk,
            summary=o.number,
        )
    ]
    if raised_from:  # raised at registration (see above), audited as raise_priority does
        records.append(
            audit.build(
                actor_user,
                "order.update",
                o,
                before={"priority": raised_from},
                after={"priority": o.priority},
                customer_id=customer.pk,
                workorder_id=o.pk,
                summary=pre.raise_priority,
            )
        )
    audit.record_many(records)  # one INSERT
    if o.area_kind_reason:
        _audit_area_kind(actor_user, o, "")
    hooks.notify_customer_text(  # e.g. the customer-type suggestion (complaints)
        hooks.CustomerTextEvent(o, f"{o.title}\n{o.description}", "order", now, actor_user, prepared=pre)
    )
    hooks.staff_event(hooks.StaffEventKind.OWNER, [owner], order=o, actor=actor_staff, at=now)
    # the assignee named at registration (a hand-over by a listener above, e.g. an emergency dispatched to
    # the technician on duty, told its people itself)
    hooks.staff_event(hooks.StaffEventKind.ASSIGNED, [clean["assignee"]], order=o, actor=actor_staff, at=now)
    hooks.notify_order_event(hooks.OrderEvent(hooks.OrderEventKind.CREATED, o, now, actor_user))
    return o


def _audit_area_kind(user: Any, o: WorkOrder, before: str) -> None:
    """An urban/rural choice that differs from the area's kind is audited with its reason."""
    audit.record(
        user,
        "order.area_kind_override",
        o,
        before={"area_kind": before} if before else None,
        after={"area_kind": o.area_kind, "area": o.area.name if o.area else "", "reason": o.area_kind_reason},
        customer_id=o.customer_id,
        workorder_id=o.pk,
        summary=f"{o.number} {o.area_kind}: {o.area_kind_reason}"[:200],
    )


EDITABLE_FIELDS = (
    "title",
    "description",
    "priority",
    "order_type",
    "area_id",
    "service_id",
    "sale_phase",
    "technical",
    "place",
    "paid",
    "recurring",
    "area_kind",
    "area_kind_reason",
)


@transaction.atomic
def do_update_order(
    user: Actor, key: int | str, changes: dict[str, Any], *, expected_version: int | None = None
) -> WorkOrder:
    require_staff(user, "order.work")
    o = access_workorder(user, key, for_update=True)
    _check_version(o, expected_version)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed("unknown_field", _("This field cannot be changed here."), sorted(unknown)[0])
    merged = OrderInput(
        order_type=changes.get("order_type", o.order_type),
        title=changes.get("title", o.title),
        description=changes.get("description", o.description),
        channel=o.channel,
        service_id=changes.get("service_id", o.service_id),
        area_id=changes.get("area_id", o.area_id),
        priority=changes.get("priority", o.priority),
        received_at=o.received_at,
        sale_phase=changes.get("sale_phase"),
        technical=changes.get("technical"),
        place=changes.get("place"),
        paid=changes.get("paid"),
        recurring=changes.get("recurring"),
        # an override stays while its reason stands; otherwise urban/rural follows the (new) area
        area_kind=changes.get("area_kind", o.area_kind if o.area_kind_reason else ""),
        area_kind_reason=changes.get("area_kind_reason", o.area_kind_reason),
    )
    staff = staff_of(user)
    assert staff is not None
    clean = _clean_order(staff, o.customer, merged)
    before = audit.snapshot(o)
    o.title, o.description = clean["title"], clean["description"]
    o.order_type, o.priority = merged.order_type, merged.priority
    o.area, o.service = clean["area"], clean["service"]
    old_kind, old_reason = o.area_kind, o.area_kind_reason
    o.area_kind, o.area_kind_reason = clean["area_kind"], clean["area_kind_reason"]
    for name in ("sale_phase", "technical", "place", "paid", "recurring"):
        if changes.get(name) is not None:
            setattr(o, name, changes[name])
    o.search_text = order_search_text(o, o.customer)
    _bump(
        o,
        clock.now(),
        [
            "title",
            "description",
            "order_type",
            "priority",
            "area",
            "area_kind",
            "area_kind_reason",
            "service",
            "sale_phase",
            "technical",
            "place",
            "paid",
            "recurring",
            "search_text",
        ],
    )
    search.sync(o)
    b, a = audit.diff(before, audit.snapshot(o))
    if o.area_kind_reason and (o.area_kind, o.area_kind_reason) != (old_kind, old_reason):
        _audit_area_kind(user, o, old_kind)
    if set(a) & {"order_type", "service_id", "area_id", "priority", "area_kind"}:
        hooks.commitments().on_order_changed(o, o.updated_at)  # the time limits that match now
    if a:
        audit.record(user, "order.update", o, before=b, after=a, customer_id=o.customer_id, workorder_id=o.pk)
        changes = {k: (b.get(k), a[k]) for k in a}
        hooks.notify_order_event(
            hooks.OrderEvent(hooks.OrderEventKind.UPDATED, o, o.updated_at, user, changes)
        )
    return o


@transaction.atomic
def do_transition(
    user: Actor,
    key: int | str,
    target: str,
    *,
    reason: str = "",
    resolution: str = "",
    close_reason: str = "",
    expected_version: int | None = None,
) -> WorkOrder:
    """Move the order to ``target`` if the transition table allows it (see rules.TRANSITIONS)."""
    staff = require_staff(user)
    o = access_workorder(user, key, for_update=True)
    _check_version(o, expected_version)
    try:
        current, wanted = rules.Status(o.status), rules.Status(target)
    except ValueError:
        raise ValidationFailed("invalid_choice", _("Unknown status."), "status") from None
    action = rules.action_name(current, wanted)
    capability = "order.reopen" if action == "reopen" else "order.work"
    if action == "reopen" and (staff.pk == o.owner_id):
        capability = "order.work"  # the owner may reopen what they answer for
    if not staff.can(capability):
        raise PermissionDenied("forbidden", _("Your role does not allow this status change."), "status")
    try:
        cr = rules.CloseReason(close_reason) if close_reason else None
    except ValueError:
        raise ValidationFailed("invalid_choice", _("Unknown close reason."), "close_reason") from None
    ctx = rules.TransitionContext(
        has_owner=o.owner_id is not None,
        has_handler=bool(o.assignee_id or o.department_id or o.owner_id),
        reason=reason,
        close_reason=cr,
        resolution=resolution,  # a reopened order needs a new resolution, not the old one
        merged=bool(o.merged_into_id),
        sent_back=wanted == rules.Status.RESOLVED
        and SendBack.objects.filter(workorder=o, rerouted_at__isnull=True).exists(),
    )
    raise_if(_rule_errors(rules.check_transition(current, wanted, ctx)))
    now = clock.now()
    event = hooks.TransitionEvent(
        order=o,
        staff=staff,
        user=user,
        from_status=current.value,
        to_status=wanted.value,
        action=action or "",
        at=now,
        reason=reason.strip(),
    )
    hooks.run_transition_guards(event)  # e.g. a complaint must be classified before closing
    before = audit.snapshot(o, ["status", "resolution", "close_reason", "resolved_at", "closed_at"])
    o.status = wanted.value
    fields = ["status"]
    if wanted == rules.Status.RESOLVED:
        o.resolution = resolution.strip() or o.resolution
        o.resolved_at = now
        fields += ["resolution", "resolved_at"]
    elif wanted == rules.Status.CLOSED:
        o.closed_at = now
        o.close_reason = (cr or rules.CloseReason.SOLVED).value
        fields += ["closed_at", "close_reason"]
    elif wanted == rules.Status.REOPENED:
        o.resolved_at = None
        o.closed_at = None
        o.close_reason = ""
        fields += ["resolved_at", "closed_at", "close_reason"]
    _bump(o, now, fields)
    clock_events = hooks.commitments().on_status_change(o, current.value, wanted.value, now)
    data: dict[str, Any] = {
        "from": current.value,
        "to": wanted.value,
        "action": action,
        "close_reason": o.close_reason,
    }
    if clock_events:
        data["clocks"] = clock_events
    add_entry(
        o,
        TimelineEntry.Kind.STATUS,
        staff=staff,
        body=reason.strip() or resolution.strip(),
        public=wanted in (rules.Status.RESOLVED, rules.Status.CLOSED, rules.Status.REOPENED),
        data=data,
        at=now,
    )
    audit.record(
        user,
        f"order.{action}",
        o,
        before=before,
        after=audit.snapshot(o, ["status", "resolution", "close_reason", "resolved_at", "closed_at"]),
        customer_id=o.customer_id,
        workorder_id=o.pk,
        summary=reason.strip()[:200],
    )
    hooks.notify_transition(event)  # follow-up tasks, surveys, ... in the same transaction
    if wanted == rules.Status.RESOLVED and o.resolution:
        # the customers of duplicates merged in from other customers get the answer too
        forward_to_duplicates(o, staff, o.resolution, now, kind="resolution")
    return o


def _check_body(body: str, field_name: str = "body") -> str:
    text = (body or "").strip()
    if not text:
        raise ValidationFailed("required", _("The text is empty."), field_name)
    if len(text) > 20000:
        raise ValidationFailed("too_long", _("The text is longer than 20,000 characters."), field_name)
    return text


# the contact-history channel of each reply channel
_REPLY_CONTACT_CHANNEL = {
    rules.ReplyChannel.SMS: Channel.SMS,
    rules.ReplyChannel.EMAIL: Channel.EMAIL,
    rules.ReplyChannel.WECOM: Channel.CHAT,
    rules.ReplyChannel.PORTAL: Channel.PORTAL,
    rules.ReplyChannel.CALLBACK: Channel.PHONE,
}
CHANNEL_LABELS: dict[str, Any] = {
    rules.ReplyChannel.SMS: gettext_lazy("SMS"),
    rules.ReplyChannel.EMAIL: gettext_lazy("e-mail"),
    rules.ReplyChannel.WECOM: gettext_lazy("WeCom"),
    rules.ReplyChannel.PORTAL: gettext_lazy("customer portal"),
    rules.ReplyChannel.CALLBACK: gettext_lazy("call-back (phone)"),
}
CALLBACK_LABELS: dict[str, Any] = {
    rules.CallbackOutcome.REACHED: gettext_lazy("reached"),
    rules.CallbackOutcome.NO_ANSWER: gettext_lazy("no answer"),
    rules.CallbackOutcome.BUSY: gettext_lazy("line busy"),
    rules.CallbackOutcome.VOICEMAIL: gettext_lazy("left a voicemail"),
    rules.CallbackOutcome.WRONG_NUMBER: gettext_lazy("wrong number"),
}


# whether the order's customer can be answered by WeCom, as an annotation of the order's query
_WECOM = {
    "customer_wecom": Exists(
        ContactPoint.objects.filter(customer_id=OuterRef("customer_id"), kind=ContactPoint.Kind.WECHAT)
    )
}


def reply_channels(o: WorkOrder, *, wecom: bool | None = None) -> list[rules.ReplyChannel]:
    """The written channels the customer of ``o`` can be reached on (SMS to a mobile, e-mail to an
    address, WeCom when the customer wrote from a WeCom account, the portal with a portal login).
    ``wecom`` saves the query when the caller already knows (the order page annotates it)."""
    c = o.customer
    if wecom is None:
        wecom = ContactPoint.objects.filter(customer_id=c.pk, kind=ContactPoint.Kind.WECHAT).exists()
    return rules.reachable_channels(
        mobile=is_mobile(o.reply_phone) or is_mobile(c.phone_e164),
        email=bool(o.reply_email or c.email),
        wecom=bool(wecom),
        portal=c.user_id is not None,
    )


def callback_number(o: WorkOrder) -> str:
    """The number a call-back dials: the one given for the order, else the customer's."""
    return o.reply_phone or o.customer.phone_e164 or o.customer.phone


def choose_reply_channel(
    o: WorkOrder, channel: str | None, reachable: list[rules.ReplyChannel], *, source: str = ""
) -> rules.ReplyChannel:
    """The channel a reply on ``o`` takes: the one asked for when the customer is reachable on it, else
    the order's own (``rules.default_reply_channel``); a phone or counter order has no default."""
    if not channel:
        default = rules.default_reply_channel(o.channel, reachable)
        if default is None:
            raise ValidationFailed(
                "channel_required",
                _(
                    "Choose how the reply reaches the customer (SMS, e-mail, WeCom, portal), or log a "
                    "call-back: this order came in by %(channel)s."
                )
                % {"channel": o.get_channel_display()},
                "channel",
            )
        return default
    try:
        chosen = rules.ReplyChannel(channel)
    except ValueError:
        raise ValidationFailed("invalid_choice", _("Unknown reply channel."), "channel") from None
    if chosen is rules.ReplyChannel.CALLBACK:
        if not callback_number(o):
            raise ValidationFailed(
                "channel_unreachable", _("The customer has no phone number to call back."), "channel"
            )
        return chosen
    if chosen not in reachable:
        raise ValidationFailed(
            "channel_unreachable",
            _("The customer cannot be reached by %(channel)s.") % {"channel": CHANNEL_LABELS[chosen]},
            "channel",
        )
    if chosen is rules.ReplyChannel.WECOM and source != "chat":
        # WeCom replies are handed to WeCom at once by the chat adapter (channels.chat.send_reply),
        # which records them here only after WeCom took them
        raise ValidationFailed(
            "wecom_via_chat", _("WeCom replies are sent through the chat service."), "channel"
        )
    return chosen


def _next_entry_id() -> dict[str, Any]:
    """The id of the next timeline entry, allocated by the query that locks the order (``next_entry_id``):
    PostgreSQL takes it from the table's sequence (a rolled-back reply leaves a gap, as an INSERT does);
    SQLite, whose transactions hold the write lock from their start (``transaction_mode`` IMMEDIATE),
    from the table's AUTOINCREMENT counter, so an id is never used twice, even one of a deleted entry."""
    table = TimelineEntry._meta.db_table
    vendor = connection.vendor
    if vendor == "postgresql":
        sql = f"nextval(pg_get_serial_sequence('{table}', 'id'))"
    elif vendor == "sqlite":
        sql = f"(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0) + 1)"  # noqa: S608
    else:
        return {}
    return {"next_entry_id": RawSQL(sql, (), output_field=BigIntegerField())}  # noqa: S611 - a fixed text


def _reply_annotations(_visible: Any) -> dict[str, Any]:
    """What the reply reads with the locked order: whether WeCom reaches the customer, duplicates of other
    customers, the configuration tokens, the next timeline entry's id (the same for every reply)."""
    return {**_WECOM, **FOREIGN_DUPLICATES, **config_cache.token_annotations(), **_next_entry_id()}


@transaction.atomic
@batch.deferred()  # the reply's writes in one statement on PostgreSQL (kefu.lib.batch)
def do_reply(
    user: Actor,
    key: int | str,
    body: str,
    *,
    channel: str | None = None,
    callback_outcome: str = "",
    files: list[Any] | None = None,
    expected_version: int | None = None,
    override_reason: str = "",
    source: str = "console",
) -> TimelineEntry:
    """A reply to the customer (public) on ``channel`` (``rules.ReplyChannel``; empty: the order's own
    channel when the customer is reachable on it). Counts as the first response (R-6: a person must answer).

    A written reply is queued in the outbox (SMS, e-mail; a portal reply is visible in the portal and
    sends an e-mail notice); ``entry.data`` says where it went (``channel``, masked ``to``), the order page
    reads its delivery status from the outbox. ``channel="callback"`` logs a call-back instead
    (``callback_outcome``, ``body`` the note; see ``log_callback``). Refused with a field-named error when
    no channel is given on a phone/counter order or the customer cannot be reached on the one given.

    The registered reply checks (service standards) run first and may refuse the text;
    ``override_reason`` is the agent's reason for sending it anyway.
    """
    staff = require_staff(user, "order.reply")
    # the customer and whether WeCom reaches them come with the locked order (one statement)
    o = access_workorder(
        user,
        key,
        for_update=True,
        related=("customer",),
        annotations=_reply_annotations,
        compiled_as="reply",
    )
    config_cache.seed(o)  # the reply checks' phrases and the SMS templates are cached configuration
    _check_version(o, expected_version)
    chosen = choose_reply_channel(
        o, channel, reply_channels(o, wecom=getattr(o, "customer_wecom", None)), source=source
    )
    if chosen is rules.ReplyChannel.CALLBACK:
        return log_callback(user, staff, o, body, callback_outcome, files=files)
    text = _check_body(body)
    now = clock.now()
    event = hooks.ReplyEvent(
        order=o,
        staff=staff,
        user=user,
        text=text,
        channel=o.channel,
        at=now,
        override_reason=override_reason.strip(),
        source=source,
    )
    hooks.run_reply_checks(event)
    entry = TimelineEntry(
        workorder=o,
        kind=TimelineEntry.Kind.REPLY,
        author_staff=staff,
        body=text,
        public=True,
        data={"channel": chosen},
        created_at=now,
    )
    entry_id = getattr(o, "next_entry_id", None)
    if entry_id is None:  # no id allocated with the order: the entry first, its outbox key after
        entry.save(force_insert=True)
    else:
        entry.pk = entry_id
    # leaves through the outbox in this transaction (WeCom: the chat adapter already sent it); the outbox
    # key is the entry's id, so with the id allocated the entry is written once, with where it went
    rows = queue_reply(o, entry, text, chosen)
    if chosen in (rules.ReplyChannel.SMS, rules.ReplyChannel.EMAIL) and not rows:
        # never recorded as a reply that nothing carries
        raise ValidationFailed(
            "channel_unreachable",
            _("The customer cannot be reached by %(channel)s.") % {"channel": CHANNEL_LABELS[chosen]},
            "channel",
        )
    data: dict[str, Any] = {"channel": chosen.value}
    if rows:
        data["to"] = rules.mask_recipient(rows[0].recipient)
        data["outbox"] = rows[0].idempotency_key
    entry.data = data
    if entry_id is None:
        TimelineEntry.objects.filter(pk=entry.pk).update(data=data)
    elif not batch.defer_insert([entry]):
        entry.save(force_insert=True)
    # what the reply checks found (e.g. data["warnings"]: sentences the caller shows the agent)
    entry.check_data = event.data  # type: ignore[attr-defined]
    for f in files or []:
        attach_file(user, o, f, entry=entry, public=True)
    _record_response(o, staff, now)
    record_contact(
        o.customer,
        _REPLY_CONTACT_CHANNEL[chosen],
        staff=staff,
        workorder=o,
        direction=Contact.Direction.OUTBOUND,
        summary=text[:200],
        at=now,
    )
    audit.record(
        user,
        "order.reply",
        entry,
        customer_id=o.customer_id,
        workorder_id=o.pk,
        after={"body": text, "channel": chosen.value},
    )
    # the customers of duplicates merged in from other customers get the reply on their own order
    forward_to_duplicates(o, staff, text, now, kind="reply", source_entry=entry)
    entry.order_version = o.version  # type: ignore[attr-defined]  # the order's version after the reply
    return entry


def _record_response(o: WorkOrder, staff: Staff, now: dt.datetime) -> None:
    """A person answered (a written reply, or a call-back that reached the customer): the last reply,
    the first response and its clock."""
    fields = ["last_reply_at", "last_reply_by"]
    o.last_reply_at, o.last_reply_by = now, staff
    first = o.first_response_at is None
    if first:
        o.first_response_at = now
        fields.append("first_response_at")
    _bump(o, now, fields)
    if first:
        hooks.commitments().on_first_reply(o, now)


def log_callback(
    user: Actor,
    staff: Staff,
    o: WorkOrder,
    note: str,
    outcome: str,
    *,
    files: list[Any] | None = None,
) -> TimelineEntry:
    """The agent called the customer back (``do_reply`` with channel ``callback``, on the locked order):
    a timeline entry (internal: nothing was written to the customer) and an outbound phone contact with
    the outcome; a call-back that reached the customer counts as a response (first response, last reply)."""
    try:
        result = rules.CallbackOutcome(outcome)
    except ValueError:
        raise ValidationFailed(
            "required" if not outcome else "invalid_choice",
            _("Choose the outcome of the call."),
            "callback_outcome",
        ) from None
    text = (note or "").strip()
    if result is rules.CallbackOutcome.REACHED and not text:
        raise ValidationFailed("required", _("Note what was agreed on the call."), "body")
    if len(text) > 20000:
        raise ValidationFailed("too_long", _("The text is longer than 20,000 characters."), "body")
    now = clock.now()
    number = callback_number(o)
    data = {"channel": "callback", "outcome": result.value, "to": rules.mask_recipient(number)}
    entry = add_entry(o, TimelineEntry.Kind.CALLBACK, staff=staff, body=text, data=data, at=now)
    entry.check_data = {}  # type: ignore[attr-defined]
    for f in files or []:
        attach_file(user, o, f, entry=entry, public=False)
    if result is rules.CallbackOutcome.REACHED:
        _record_response(o, staff, now)
    else:
        _bump(o, now, [])
        # an unanswered call-back is an attempt to reach the customer (the unreachable rule counts it)
        hooks.commitments().on_contact_attempt(
            o, staff, "phone", now, f"{CALLBACK_LABELS[result]} {text}".strip()
        )
    record_contact(
        o.customer,
        Channel.PHONE,
        staff=staff,
        workorder=o,
        direction=Contact.Direction.OUTBOUND,
        summary=(text or str(CALLBACK_LABELS[result]))[:200],
        details={"callback": result.value, "entry": entry.pk},
        at=now,
    )
    audit.record(
        user,
        "order.callback",
        entry,
        customer_id=o.customer_id,
        workorder_id=o.pk,
        after={"outcome": result.value, "note": text},
    )
    return entry


def reply_message(entry: TimelineEntry) -> str:
    """What the agent is told after ``do_reply``: exactly what happened to the reply."""
    data = entry.data or {}
    channel, to = data.get("channel"), data.get("to", "")
    if entry.kind == TimelineEntry.Kind.CALLBACK:
        return _("Call-back to %(to)s logged: %(outcome)s.") % {
            "to": to,
            "outcome": CALLBACK_LABELS.get(data.get("outcome", ""), data.get("outcome", "")),
        }
    if channel == rules.ReplyChannel.SMS:
        return _("Reply queued for SMS to %(to)s.") % {"to": to}
    if channel == rules.ReplyChannel.EMAIL:
        return _("Reply queued for e-mail to %(to)s.") % {"to": to}
    if channel == rules.ReplyChannel.WECOM:
        return _("Reply sent by WeCom.")
    if channel == rules.ReplyChannel.PORTAL and to:
        return _("Reply visible in the customer's portal; a notice is queued for e-mail to %(to)s.") % {
            "to": to
        }
    return _("Reply visible in the customer's portal.")


@transaction.atomic
def do_note(user: Actor, key: int | str, body: str, *, files: list[Any] | None = None) -> TimelineEntry:
    staff = require_staff(user, "order.note")
    o = access_workorder(user, key, for_update=True)
    text = _check_body(body)
    now = clock.now()
    entry = add_entry(o, TimelineEntry.Kind.NOTE, staff=staff, body=text, at=now)
    for f in files or []:
        attach_file(user, o, f, entry=entry, public=False)
    _bump(o, now, [])
    audit.record(
        user, "order.note", entry, customer_id=o.customer_id, workorder_id=o.pk, after={"body": text}
    )
    hooks.staff_event(
        hooks.StaffEventKind.MENTION, mentioned_staff(text), order=o, actor=staff, at=now, text=text[:200]
    )
    return entry


def mentioned_staff(text: str) -> list[int]:
    """Active staff named by ``@badge`` or ``@name`` in a note (rules.mentions), one query."""
    tokens = rules.mentions(text)
    if not tokens:
        return []
    return list(
        Staff.objects.filter(Q(badge_no__in=tokens) | Q(name__in=tokens), is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def do_customer_message(
    user: Actor, key: int | str, body: str, *, files: list[Any] | None = None
) -> TimelineEntry:
    """A message from the customer (portal). An order waiting for the customer resumes."""
    customer = getattr(user, "customer", None) if user is not None else None
    if customer is None:
        raise PermissionDenied("not_customer", _("Only the customer can write here."))
    o = access_workorder(user, key, for_update=True)
    return customer_message_on(o, customer, body, channel=Channel.PORTAL, actor_user=user, files=files)


def _reopen_by_customer(
    o: WorkOrder, user: Actor | None, channel: str, text: str, now: dt.datetime
) -> list[str]:
    """The customer wrote on a resolved order (portal message, e-mail reply): it is not settled for them, so
    it is reopened like a reopening by staff — a new round of its clocks, a public status entry, the
    transition listeners (the open follow-up task is cancelled) — with the first-contact owner answering
    for it. Returns the changed fields."""
    before = audit.snapshot(o, ["status", "resolved_at"])
    o.status = rules.Status.REOPENED.value
    o.resolved_at = None
    clock_events = hooks.commitments().on_status_change(o, "resolved", "reopened", now)
    data: dict[str, Any] = {"from": "resolved", "to": "reopened", "action": "reopen", "by": "customer"}
    if clock_events:
        data["clocks"] = clock_events
    add_entry(o, TimelineEntry.Kind.STATUS, body=text[:500], public=True, data=data, at=now)
    audit.record(
        user,
        "order.reopen",
        o,
        before=before,
        after=audit.snapshot(o, ["status", "resolved_at"]),
        customer_id=o.customer_id,
        workorder_id=o.pk,
        summary=_("reopened by the customer (%(channel)s)") % {"channel": channel},
    )
    owner = o.owner or o.assignee
    if owner is not None:
        hooks.notify_transition(
            hooks.TransitionEvent(
                order=o,
                staff=owner,
                user=user,  # type: ignore[arg-type]  # None for an e-mail from the customer
                from_status="resolved",
                to_status="reopened",
                action="reopen",
                at=now,
                reason=text[:500],
            )
        )
    return ["status", "resolved_at"]


def customer_message_on(
    o: WorkOrder,
    customer: Customer,
    body: str,
    *,
    channel: str,
    actor_user: Actor | None = None,
    files: list[Any] | None = None,
) -> TimelineEntry:
    """The customer's message on a (locked) order, from any channel: the portal or an e-mail reply.
    An order waiting for the customer resumes; a resolved one is reopened (``_reopen_by_customer``); a
    closed one refuses (the caller opens a new one)."""
    if o.status == rules.Status.CLOSED:
        raise ValidationFailed("closed", _("This order is closed; please submit a new request."), "body")
    user = actor_user
    text = _check_body(body)
    now = clock.now()
    entry = add_entry(o, TimelineEntry.Kind.CUSTOMER, customer=customer, body=text, public=True, at=now)
    for f in files or []:
        attach_file(user, o, f, entry=entry, public=True)
    fields: list[str] = []
    if o.status == rules.Status.PENDING_CUSTOMER:
        o.status = rules.Status.IN_PROGRESS.value
        fields.append("status")
        clock_events = hooks.commitments().on_status_change(o, "pending_customer", "in_progress", now)
        data: dict[str, Any] = {"from": "pending_customer", "to": "in_progress", "action": "resume"}
        if clock_events:
            data["clocks"] = clock_events
        add_entry(o, TimelineEntry.Kind.STATUS, data=data, at=now)
    elif o.status == rules.Status.RESOLVED:
        fields += _reopen_by_customer(o, user, channel, text, now)
    _bump(o, now, fields)
    record_contact(customer, channel, workorder=o, summary=text[:200], at=now)
    audit.record(
        user,
        "order.customer_message",
        entry,
        customer_id=customer.pk,
        workorder_id=o.pk,
        after={"body": text},
    )
    hooks.notify_customer_text(hooks.CustomerTextEvent(o, text, "message", now, user))
    hooks.staff_event(hooks.StaffEventKind.CUSTOMER_MESSAGE, [o.assignee_id, o.owner_id], order=o, at=now)
    return entry


@transaction.atomic
def do_transfer(
    user: Actor,
    key: int | str,
    *,
    to_staff_id: int | None = None,
    to_department_id: int | None = None,
    reason: str = "",
    note: str = "",
    expected_version: int | None = None,
) -> Transfer:
    """Hand the work to another person/department. The first-contact owner stays (R-10).

    An order sent back (``do_send_back``) is routed again by a transfer; routing it to the unit that sent it
    back needs ``note`` to that unit (why it is theirs after all), shown on the transfer's timeline entry."""
    staff = require_staff(user, "order.transfer")
    o = access_workorder(user, key, for_update=True)
    _check_version(o, expected_version)
    if not o.is_open:
        raise ValidationFailed("not_open", _("Only open orders can be transferred."), "status")
    to_staff = (
        Staff.objects.filter(pk=to_staff_id, is_active=True).select_related("department").first()
        if to_staff_id
        else None
    )
    to_dept = (
        Department.objects.filter(pk=to_department_id).select_related("branch").first()
        if to_department_id
        else None
    )
    errors: list[KefuError] = []
    if to_staff_id and to_staff is None:
        errors.append(ValidationFailed("invalid_choice", _("Unknown or inactive staff member."), "to_staff"))
    elif to_staff is not None and not rules.serves_branch(to_staff.branch_id, o.branch_id):
        errors.append(_other_branch("to_staff", to_staff.name))
    if to_department_id and to_dept is None:
        errors.append(ValidationFailed("invalid_choice", _("Unknown department."), "to_department"))
    elif to_dept is not None and not rules.serves_branch(to_dept.branch_id, o.branch_id):
        errors.append(_other_branch("to_department", to_dept))
    raise_if(errors)
    raise_if(
        _rule_errors(
            rules.check_transfer(
                rules.TransferCheck(
                    to_staff=to_staff is not None,
                    to_department=to_dept is not None,
                    reason=reason,
                    same_as_current=to_staff is not None and to_staff.pk == o.assignee_id,
                )
            )
        )
    )
    pending = SendBack.objects.filter(workorder=o, rerouted_at__isnull=True).order_by("-id").first()
    data: dict[str, Any] = {}
    if pending is not None:
        target_dept = to_dept.pk if to_dept is not None else _following_department(o, to_staff)
        same = rules.same_unit(
            pending.from_staff_id,
            pending.from_department_id,
            to_staff.pk if to_staff is not None else None,
            target_dept,
        )
        raise_if(_rule_errors(rules.check_reroute(same=same, note=note)))
        data = {"rerouted": pending.pk, **({"note": note.strip()[:2000]} if note.strip() else {})}
    return hand_over(user, staff, o, to_staff, to_dept, reason.strip(), at=clock.now(), data=data)


def _following_department(o: WorkOrder, to_staff: Staff | None) -> int | None:
    """The department a hand-over to ``to_staff`` alone gives the order (the receiver's own, if it serves
    the order's branch): see :func:`hand_over`."""
    if to_staff is None or to_staff.department is None:
        return None
    return to_staff.department_id if rules.serves_branch(to_staff.department.branch_id, o.branch_id) else None


def hand_over(
    user: Actor,
    staff: Staff,
    o: WorkOrder,
    to_staff: Staff | None,
    to_dept: Department | None,
    reason: str,
    *,
    at: dt.datetime,
    action: str = "order.transfer",
    data: dict[str, Any] | None = None,
    event: str | None = hooks.StaffEventKind.ASSIGNED,
) -> Transfer:
    """Write the hand-over of the locked order ``o`` (the checks are the caller's): the Transfer row, the new
    assignee/department, the timeline entry (``data`` added to its own) and the audit record ``action``."""
    t = Transfer.objects.create(
        workorder=o,
        by=staff,
        from_staff_id=o.assignee_id,
        from_department_id=o.department_id,
        to_staff=to_staff,
        to_department=to_dept,
        reason=reason,
        created_at=at,
    )
    before = audit.snapshot(o, ["assignee", "department"])
    was_assignee = o.assignee_id
    o.assignee = to_staff
    # without a department named, the receiver's own follows, unless it belongs to another branch (a
    # company-level receiver's department may)
    follows = (
        to_staff is not None
        and to_staff.department is not None
        and rules.serves_branch(to_staff.department.branch_id, o.branch_id)
    )
    o.department = to_dept if to_dept is not None else (to_staff.department if to_staff and follows else None)
    _bump(o, at, ["assignee", "department"], was_assignee=was_assignee)
    if action != SEND_BACK_ACTION:
        # routed again: the pending send-back (退单) is answered by this hand-over
        SendBack.objects.filter(workorder=o, rerouted_at__isnull=True).update(rerouted_at=at, reroute=t)
    add_entry(
        o,
        TimelineEntry.Kind.TRANSFER,
        staff=staff,
        body=reason,
        data={
            "to_staff": to_staff.pk if to_staff else None,
            "to_department": to_dept.pk if to_dept else None,
            "to_label": str(to_staff or to_dept),
            **(data or {}),
        },
        at=at,
    )
    audit.record(
        user,
        action,
        o,
        before=before,
        after=audit.snapshot(o, ["assignee", "department"]),
        customer_id=o.customer_id,
        workorder_id=o.pk,
        summary=reason[:200],
    )
    if event:
        hooks.staff_event(event, [to_staff], order=o, actor=staff, at=at, reason=reason[:200])
    b, a = audit.diff(before, audit.snapshot(o, ["assignee", "department"]))
    if a:
        changes = {k: (b.get(k), a[k]) for k in a}
        hooks.notify_order_event(hooks.OrderEvent(hooks.OrderEventKind.UPDATED, o, at, user, changes))
    return t


@transaction.atomic
def do_escalate(user: Actor, key: int | str, reason: str, *, to_president: bool = False) -> Escalation:
    """R-12: raise the order to a leader (or to the top of the company) with a reason."""
    staff = require_staff(user, "order.escalate")
    o = access_workorder(user, key, for_update=True)
    if not reason.strip():
        raise ValidationFailed("reason_required", _("A reason is required."), "reason")
    if o.status == rules.Status.CLOSED:
        raise ValidationFailed(
            "not_open", _("A closed order cannot be escalated; reopen it first."), "status"
        )
    leader = LeaderPicker()(staff, o.branch_id, to_president=to_president)
    if leader is None:
        raise ValidationFailed("no_leader", _("No leader is configured to receive escalations."), "reason")
    esc = escalate(
        o,
        leader=leader,
        reason=reason.strip(),
        at=clock.now(),
        raise_priority=True,
        raised_by=staff,
        to_president=to_president,
    )
    audit.record(
        user,
        "order.escalate",
        esc,
        after={"leader": leader.pk, "reason": reason.strip()},
        customer_id=o.customer_id,
        workorder_id=o.pk,
    )
    hooks.staff_event(
        hooks.StaffEventKind.ESCALATION,
        [leader],
        order=o,
        actor=staff,
        at=esc.created_at,
        reason=reason.strip()[:200],
        to_president=to_president,
    )
    return esc


@transaction.atomic
def do_handle_escalation(user: Actor, escalation_id: int, response: str) -> Escalation:
    staff = require_staff(user)
    esc = Escalation.objects.select_for_update().filter(pk=escalation_id).first()
    if esc is None or (esc.leader_id != staff.pk and not staff.can("order.handle_escalation")):
        raise NotFound("not_found", _("Escalation not found."), "escalation")
    access_workorder(user, esc.workorder_id)
    if esc.handled_at is not None:
        raise ValidationFailed("already_handled", _("This escalation was already handled."), "response")
    text = _check_body(response, "response")
    now = clock.now()
    esc.handled_at, esc.response = now, text
    esc.save(update_fields=["handled_at", "response"])
    o = WorkOrder.objects.select_for_update().get(pk=esc.workorder_id)
    if not o.escalations.filter(handled_at__isnull=True).exclude(pk=esc.pk).exists():
        o.escalated = False
    _bump(o, now, ["escalated"])
    add_entry(o, TimelineEntry.Kind.ESCALATION, staff=staff, body=text, data={"handled": esc.pk}, at=now)
    audit.record(
        user,
        "order.escalation_handled",
        esc,
        after={"response": text},
        customer_id=o.customer_id,
        workorder_id=o.pk,
    )
    return esc


@transaction.atomic
def do_link(user: Actor, key: int | str, other_key: int | str) -> OrderLink:
    staff = require_staff(user, "order.link")
    a = access_workorder(user, key)
    b = access_workorder(user, other_key)
    if a.pk == b.pk:
        raise ValidationFailed("self_link", _("An order cannot be linked to itself."), "other")
    if OrderLink.objects.filter(Q(source=a, target=b) | Q(source=b, target=a)).exists():
        raise ValidationFailed("already_linked", _("These orders are already linked."), "other")
    now = clock.now()
    link = OrderLink.objects.create(source=a, target=b, created_by=staff, created_at=now)
    for o, other in ((a, b), (b, a)):
        add_entry(
            o, TimelineEntry.Kind.SYSTEM, staff=staff, data={"event": "linked", "other": other.number}, at=now
        )
    audit.record(
        user,
        "order.link",
        link,
        after={"source": a.number, "target": b.number},
        customer_id=a.customer_id,
        workorder_id=a.pk,
    )
    return link


@transaction.atomic
def do_merge(
    user: Actor,
    duplicate_key: int | str,
    survivor_key: int | str,
    reason: str = "",
    *,
    confirm_different_customer: bool = False,
) -> WorkOrder:
    """Close ``duplicate`` as a duplicate of ``survivor``; it keeps pointing to the survivor.

    Orders of two customers (the same event reported by two people) merge only with
    ``confirm_different_customer``: the duplicate stays its customer's (their portal shows it "handled
    together with" the survivor's number, nothing of the other customer), keeps its own attachments, and
    every reply and the resolution given on the survivor reach its customer on their own channel
    (:func:`forward_to_duplicates`)."""
    staff = require_staff(user, "order.merge")
    dup_probe = access_workorder(user, duplicate_key)
    surv_probe = access_workorder(user, survivor_key)
    if dup_probe.pk == surv_probe.pk:
        raise ValidationFailed("self_merge", _("An order cannot be merged into itself."), "survivor")
    # lock both rows in ascending id order
    locked = {
        o.pk: o
        for o in WorkOrder.objects.select_for_update()
        .filter(pk__in=[dup_probe.pk, surv_probe.pk])
        .order_by("pk")
    }
    dup, surv = locked[dup_probe.pk], locked[surv_probe.pk]
    same_customer = dup.customer_id == surv.customer_id
    refusal = rules.merge_refusal(same_customer=same_customer, confirmed_different=confirm_different_customer)
    if refusal is not None:
        raise_if(_rule_errors([refusal]))
    if surv.merged_into_id:
        raise ValidationFailed(
            "survivor_merged", _("The surviving order was itself merged; choose its survivor."), "survivor"
        )
    if dup.status == rules.Status.CLOSED:
        raise ValidationFailed("not_open", _("The duplicate is already closed."), "duplicate")
    now = clock.now()
    before = audit.snapshot(dup, ["status", "merged_into", "close_reason"])
    dup.merged_into = surv
    dup.status = rules.Status.CLOSED.value
    dup.close_reason = rules.CloseReason.DUPLICATE.value
    dup.closed_at = now
    _bump(dup, now, ["merged_into", "status", "close_reason", "closed_at"])
    hooks.commitments().on_status_change(dup, before["status"], rules.Status.CLOSED.value, now)
    _bump(surv, now, [])
    OrderLink.objects.get_or_create(
        source=dup,
        target=surv,
        defaults={"kind": OrderLink.Kind.DUPLICATE, "created_by": staff, "created_at": now},
    )
    if same_customer:
        Attachment.objects.filter(workorder=dup).update(workorder=surv)
    # another customer's duplicate keeps its files: the survivor's customer must not see them
    add_entry(
        dup,
        TimelineEntry.Kind.STATUS,
        staff=staff,
        # the reason may name the other customer: the customer of a cross-customer duplicate is not shown it
        body=reason.strip() if same_customer else "",
        public=True,
        data={
            "from": before["status"],
            "to": "closed",
            "action": "merge",
            "survivor": surv.number,
            **({} if same_customer else {"other_customer": True}),
        },
        at=now,
    )
    if not same_customer and reason.strip():
        add_entry(dup, TimelineEntry.Kind.NOTE, staff=staff, body=reason.strip(), at=now)
    add_entry(
        surv,
        TimelineEntry.Kind.SYSTEM,
        staff=staff,
        body=reason.strip(),
        data={
            "event": "merged_in",
            "duplicate": dup.number,
            **({} if same_customer else {"other_customer": True}),
        },
        at=now,
    )
    audit.record(
        user,
        "order.merge",
        dup,
        before=before,
        after={
            **audit.snapshot(dup, ["status", "merged_into", "close_reason"]),
            **({} if same_customer else {"other_customer_id": surv.customer_id}),
        },
        customer_id=dup.customer_id,
        workorder_id=dup.pk,
        summary=f"{dup.number} → {surv.number}",
    )
    return surv


def sniff_content_type(head: bytes, filename: str) -> str:
    """Content type from the bytes, not from the client's claim."""
    kind = filetype.guess(head)
    if kind is not None:
        return str(kind.mime)
    try:
        # final=False: a multi-byte character cut by the end of the sample is still text
        codecs.getincrementaldecoder("utf-8")().decode(head[:4096], final=False)
        return "text/plain"
    except UnicodeDecodeError:
        return "application/octet-stream"


def attach_file(
    user: Actor | None, o: WorkOrder, upload: Any, *, entry: TimelineEntry | None, public: bool
) -> Attachment:
    """Store ``upload`` on the (locked) order, attached to ``entry`` if given, by ``user`` (None: a
    channel with nobody logged in); audited as ``order.attachment``. Refuses empty and too large files."""
    limit = settings.KEFU_MAX_ATTACHMENT_BYTES
    name = (getattr(upload, "name", "") or "file").replace("\\", "/").rsplit("/", 1)[-1][:200] or "file"
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationFailed(
            "too_large",
            _("“%(name)s” is larger than %(mb)s MB.") % {"name": name, "mb": limit // (1024 * 1024)},
            "files",
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationFailed(
            "too_large",
            _("“%(name)s” is larger than %(mb)s MB.") % {"name": name, "mb": limit // (1024 * 1024)},
            "files",
        )
    if not data:
        raise ValidationFailed("empty_file", _("“%(name)s” is empty.") % {"name": name}, "files")
    digest = hashlib.sha256(data).hexdigest()
    att = Attachment(
        workorder=o,
        entry=entry,
        filename=name,
        content_type=sniff_content_type(data[:8192], name),
        size=len(data),
        sha256=digest,
        public=public,
        uploaded_by=user if user is not None and user.pk else None,
        created_at=clock.now(),
    )
    att.file.save(digest, ContentFile(data), save=False)
    att.save()
    audit.record(
        user,
        "order.attachment",
        att,
        after={"filename": name, "size": len(data), "sha256": digest},
        customer_id=o.customer_id,
        workorder_id=o.pk,
    )
    return att


@transaction.atomic
def do_add_attachments(
    user: Actor, key: int | str, files: list[Any], *, public: bool = True
) -> list[Attachment]:
    staff = staff_of(user)
    if staff is not None:
        require_staff(user, "order.note")
    elif getattr(user, "customer", None) is None:
        raise PermissionDenied("forbidden", _("You cannot add files to this order."))
    o = access_workorder(user, key, for_update=True)
    if not files:
        raise ValidationFailed("required", _("Choose at least one file."), "files")
    atts = [attach_file(user, o, f, entry=None, public=public or staff is None) for f in files]
    _bump(o, clock.now(), [])
    return atts


PRESENCE_WINDOW = dt.timedelta(seconds=45)


def touch_presence(staff: Staff, o: WorkOrder) -> list[Staff]:
    """Mark ``staff`` as viewing ``o``; return the others viewing it now (collision notice)."""
    now = clock.now()
    with transaction.atomic():
        mine = Presence.objects.filter(workorder=o, staff=staff)
        if not mine.filter(seen_at__gte=now - PRESENCE_WINDOW).update(seen_at=now):
            # arriving: the others viewing it learn at once that someone else is on it (server push)
            Presence.objects.update_or_create(workorder=o, staff=staff, defaults={"seen_at": now})
            live.publish(live.order_topic(o.pk), "presence", {"staff": staff.pk})
    others = (
        Presence.objects.filter(workorder=o, seen_at__gte=now - PRESENCE_WINDOW)
        .exclude(staff=staff)
        .select_related("staff")
    )
    return [p.staff for p in others]


def allowed_transitions(user: Actor, o: WorkOrder) -> list[tuple[rules.Status, str, bool]]:
    """(target, action, permitted) for each status reachable from the order's current one, with the
    same capability rule as :func:`do_transition` (reopen needs ``order.reopen`` unless the caller
    owns the order) and the same order facts (a merged duplicate cannot be reopened). Used by the API
    and pages to offer only what will be accepted."""
    staff = staff_of(user)
    current = rules.Status(o.status)
    result: list[tuple[rules.Status, str, bool]] = []
    for target in rules.allowed_targets(current, merged=bool(o.merged_into_id)):
        action = rules.action_name(current, target) or ""
        capability = "order.reopen" if action == "reopen" else "order.work"
        if action == "reopen" and staff is not None and staff.pk == o.owner_id:
            capability = "order.work"
        result.append((target, action, staff is not None and staff.can(capability)))
    return result


# --- send back (退单), split, answers to the customers of merged duplicates (docs/send-back-split.md) ------

SEND_BACK_ACTION = "order.send_back"


def _unit_members(o: WorkOrder) -> frozenset[int]:
    """The order's current unit: its assignee, and its department's members and leader."""
    members: set[int] = {o.assignee_id} if o.assignee_id else set()
    if o.department_id:
        members |= set(Staff.objects.filter(department_id=o.department_id).values_list("pk", flat=True))
        leader = Department.objects.filter(pk=o.department_id).values_list("leader_id", flat=True).first()
        if leader:
            members.add(leader)
    return frozenset(members)


@transaction.atomic
def do_send_back(
    user: Actor, key: int | str, reason: str, *, expected_version: int | None = None
) -> SendBack:
    """退单: the unit an order was routed to by mistake hands it back, with a reason, to the dispatcher —
    the staff member who routed it to the unit, else its first-contact owner (``rules.choose_dispatcher``).
    The order lands in the dispatcher's queue ("Sent back") with the reason, until a transfer routes it
    again; it cannot be resolved meanwhile. Its clocks keep running: the customer is still waiting, and
    the time lost is what the send-back report shows."""
    staff = require_staff(user, "order.work")
    o = access_workorder(user, key, for_update=True)
    _check_version(o, expected_version)
    unit = _unit_members(o)
    routed = bool(o.assignee_id or o.department_id)
    routing = None
    if routed:
        into = Q(to_staff_id=o.assignee_id) if o.assignee_id else Q()
        if o.department_id:
            into |= Q(to_department_id=o.department_id)
        routing = (
            Transfer.objects.filter(into, workorder=o, send_back__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
    candidates = [c for c in ((routing.by_id if routing else None), o.owner_id) if c is not None]
    inactive = set(Staff.objects.filter(pk__in=candidates, is_active=False).values_list("pk", flat=True))
    dispatcher_id = rules.choose_dispatcher(
        routing.by_id if routing else None, o.owner_id, unit | inactive | {staff.pk}
    )
    raise_if(
        _rule_errors(
            rules.check_send_back(
                rules.SendBackCheck(
                    is_open=o.is_open,
                    routed=routed,
                    in_unit=staff.pk in unit,
                    reason=reason,
                    dispatcher=dispatcher_id,
                    pending=SendBack.objects.filter(workorder=o, rerouted_at__isnull=True).exists(),
                )
            )
        )
    )
    assert dispatcher_id is not None  # check_send_back refused None
    dispatcher = Staff.objects.get(pk=dispatcher_id)
    text = reason.strip()
    now = clock.now()
    from_staff_id, from_department_id = o.assignee_id, o.department_id
    previous = SendBack.objects.filter(workorder=o).count()
    unit_label = str(o.department.name if o.department_id and o.department else o.assignee or "")
    t = hand_over(
        user,
        staff,
        o,
        dispatcher,
        None,
        text,
        at=now,
        action=SEND_BACK_ACTION,
        data={"event": "sent_back", "unit": unit_label, "count": previous + 1},
    )
    return SendBack.objects.create(
        workorder=o,
        transfer=t,
        by=staff,
        from_staff_id=from_staff_id,
        from_department_id=from_department_id,
        dispatcher=dispatcher,
        reason=text,
        created_at=now,
    )


def pending_send_back(transfers: Sequence[Transfer]) -> SendBack | None:
    """The send-back still waiting to be routed again, from the order's transfers loaded with
    ``select_related("send_back")`` (the order page: no query of its own)."""
    for t in reversed(transfers):
        sb = send_back_of(t)
        if sb is not None and sb.rerouted_at is None:
            return sb
    return None


def send_back_of(t: Transfer) -> SendBack | None:
    """The send-back a transfer is (the hand-back of 退单), or None."""
    try:
        return t.send_back
    except SendBack.DoesNotExist:
        return None


@dataclass
class SplitInput:
    """The second request of an order that holds two: it becomes an order of its own."""

    order_type: str
    title: str
    description: str
    service_id: int | None = None
    assignee_id: int | None = None
    department_id: int | None = None
    reason: str = ""


@transaction.atomic
def do_split(
    user: Actor, key: int | str, data: SplitInput, *, expected_version: int | None = None
) -> WorkOrder:
    """Split the second request out of an order into an order of its own, for the same customer, branch,
    area and channel, with the same first-contact owner (R-10) and the original's time of receipt: its
    clocks are computed from its own service and type but count from when the customer asked (12345
    practice; docs/send-back-split.md). The two orders are linked ("split from")."""
    staff = require_staff(user, "order.create")
    if not staff.can("order.work"):
        raise PermissionDenied("forbidden", _("Your role does not allow splitting orders."), "status")
    o = access_workorder(user, key, for_update=True, related=("customer", "owner"))
    _check_version(o, expected_version)
    if not o.is_open:
        raise ValidationFailed("not_open", _("Only open orders can be split."), "status")
    if o.merged_into_id:
        raise ValidationFailed("merged_order", _("A merged duplicate cannot be split."), "status")
    reason = (data.reason or "").strip()
    if len(reason) > 2000:
        raise ValidationFailed("too_long", _("The text is longer than 2,000 characters."), "reason")
    new = create_order_for(
        o.owner,
        o.customer,
        OrderInput(
            order_type=data.order_type,
            title=data.title,
            description=data.description,
            channel=o.channel,
            service_id=data.service_id,
            area_id=o.area_id,
            assignee_id=data.assignee_id,
            department_id=data.department_id,
            received_at=o.received_at,  # the customer asked for both then: the clocks count from it
            area_kind=o.area_kind,
            area_kind_reason=o.area_kind_reason,
            reply_phone=o.reply_phone,
            reply_email=o.reply_email,
            outlet_id=o.outlet_id,
        ),
        actor_user=user,
        channel=o.channel,
    )
    now = clock.now()
    OrderLink.objects.create(
        source=new, target=o, kind=OrderLink.Kind.SPLIT, created_by=staff, created_at=now
    )
    add_entries(
        [
            NewEntry(
                o,
                TimelineEntry.Kind.SYSTEM,
                now,
                reason,
                data={"event": "split", "other": new.number},
                staff=staff,
            ),
            NewEntry(
                new,
                TimelineEntry.Kind.SYSTEM,
                now,
                reason,
                data={"event": "split_from", "other": o.number},
                staff=staff,
            ),
        ]
    )
    _bump(o, now, [])
    audit.record(
        user,
        "order.split",
        o,
        after={"new": new.number, "order_type": new.order_type, "reason": reason},
        customer_id=o.customer_id,
        workorder_id=o.pk,
        summary=f"{o.number} → {new.number}",
    )
    return new


# merged duplicates of other customers, as an annotation of the order's query (do_reply: no query of its own)
FOREIGN_DUPLICATES = {
    "has_foreign_duplicates": Exists(
        WorkOrder.objects.filter(merged_into=OuterRef("pk")).exclude(customer_id=OuterRef("customer_id"))
    )
}


def forward_to_duplicates(
    survivor: WorkOrder,
    staff: Staff,
    text: str,
    at: dt.datetime,
    *,
    kind: str,
    source_entry: TimelineEntry | None = None,
) -> list[TimelineEntry]:
    """The answer given on ``survivor`` (``kind``: a ``reply``, or the ``resolution``) for each customer of a
    duplicate merged into it from another customer: a public reply on their own order (their portal shows
    it) that leaves on that order's own channel — or the first written one they can be reached on — through
    the outbox, in this transaction. Nothing of the survivor's customer is in it but what staff wrote."""
    if source_entry is not None and not getattr(survivor, "has_foreign_duplicates", True):
        return []
    dups = list(
        WorkOrder.objects.filter(merged_into=survivor)
        .exclude(customer_id=survivor.customer_id)
        .select_related("customer")
        .order_by("pk")
    )
    entries: list[TimelineEntry] = []
    for dup in dups:
        reachable = [c for c in reply_channels(dup) if c is not rules.ReplyChannel.WECOM]
        chosen = rules.default_reply_channel(dup.channel, reachable) or (reachable[0] if reachable else None)
        body = text
        if kind == "resolution":
            with translation.override(dup.customer.language_code or None):
                body = _("Resolved (handled together with order %(number)s): %(text)s") % {
                    "number": survivor.number,
                    "text": text,
                }
        data: dict[str, Any] = {
            "channel": chosen.value if chosen else "",
            "via": survivor.number,
            "forwarded": kind,
        }
        entry = add_entry(
            dup, TimelineEntry.Kind.REPLY, staff=staff, body=body, public=True, at=at, data=data
        )
        rows = queue_reply(dup, entry, body, chosen) if chosen is not None else []
        if rows:
            data["to"] = rules.mask_recipient(rows[0].recipient)
            data["outbox"] = rows[0].idempotency_key
            TimelineEntry.objects.filter(pk=entry.pk).update(data=data)
        if chosen is not None:
            record_contact(
                dup.customer,
                _REPLY_CONTACT_CHANNEL[chosen],
                staff=staff,
                workorder=dup,
                direction=Contact.Direction.OUTBOUND,
                summary=body[:200],
                at=at,
            )
        audit.record(
            staff.user,
            "order.reply_forwarded",
            entry,
            customer_id=dup.customer_id,
            workorder_id=dup.pk,
            after={"body": body, "channel": data["channel"], "via": survivor.number, "kind": kind},
            summary=f"{survivor.number} → {dup.number}",
        )
        entries.append(entry)
    return entries
