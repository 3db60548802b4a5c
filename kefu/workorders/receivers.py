"""Who receives a portal request (R-10, first-contact responsibility)
-------------------------------------------------------------------
A request typed into the portal has no staff member in front of the customer, yet R-10 needs the
first staff member who receives it. The rule: **portal requests are received by the on-duty
receiver of the customer's branch**, chosen in this order:

1. the active staff with role *agent* who are responsible for the customer's service area
   (``ServiceArea.responsible``) — if several, they received it together, so the most senior is
   responsible (higher grade, then earlier hire date, then lower id: the same tie-break as R-10);
2. else the active *agent* of the customer's branch with the fewest open owned orders (ties: the
   most senior);
3. else the active *supervisor* of the customer's branch (the most senior if several).

If none of these exists the request is refused with a message that names the hotline: an order is
never left with nobody. The choice is made by the pure :func:`choose_portal_receiver`; the query
helper :func:`portal_receiver_candidates` collects the facts it needs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import Count, Q

from kefu.customers.models import Customer
from kefu.lib.errors import KefuError
from kefu.organization.models import Staff
from kefu.workorders import actions as wo_actions
from kefu.workorders import rules as wo_rules
from kefu.workorders.models import TimelineEntry, WorkOrder


class ReceiverRule(StrEnum):
    AREA_RESPONSIBLE = "area_responsible"
    FEWEST_OPEN = "fewest_open"
    SUPERVISOR = "supervisor"


@dataclass(frozen=True)
class Candidate:
    """What the receiver rule needs to know about one staff member (all of them active)."""

    staff_id: int
    role: str
    in_branch: bool  # belongs to the customer's branch
    area_responsible: bool  # responsible for the customer's service area
    open_owned: int  # open orders this person owns now
    grade: int
    hired_on: dt.date


def _seniority(c: Candidate) -> tuple[int, dt.date, int]:
    return (-c.grade, c.hired_on, c.staff_id)


def choose_portal_receiver(candidates: Sequence[Candidate]) -> tuple[int, ReceiverRule] | None:
    """The staff member who receives a portal request, and which step of the rule chose them."""
    area_agents = [c for c in candidates if c.area_responsible and c.role == "agent"]
    if area_agents:
        return min(area_agents, key=_seniority).staff_id, ReceiverRule.AREA_RESPONSIBLE
    agents = [c for c in candidates if c.in_branch and c.role == "agent"]
    if agents:
        return min(agents, key=lambda c: (c.open_owned, *_seniority(c))).staff_id, ReceiverRule.FEWEST_OPEN
    supervisors = [c for c in candidates if c.in_branch and c.role == "supervisor"]
    if supervisors:
        return min(supervisors, key=_seniority).staff_id, ReceiverRule.SUPERVISOR
    return None


# ---------------------------------------------------------------------------------------------------
# Queries


def portal_receiver_candidates(customer: Customer) -> list[Candidate]:
    """Active agents and supervisors of the customer's branch plus the active staff responsible for
    the customer's area, each with their count of open owned orders (two queries)."""
    area_ids: set[int] = set()
    if customer.area_id:
        area_ids = set(
            Staff.objects.filter(areas=customer.area_id, is_active=True).values_list("pk", flat=True)
        )
    open_statuses = [s.value for s in wo_rules.OPEN_STATUSES]
    rows = Staff.objects.filter(
        Q(branch_id=customer.branch_id, role__in=["agent", "supervisor"]) | Q(pk__in=area_ids),
        is_active=True,
        user__is_active=True,
    ).annotate(n_open=Count("owned_orders", filter=Q(owned_orders__status__in=open_statuses)))
    return [
        Candidate(
            staff_id=s.pk,
            role=s.role,
            in_branch=s.branch_id == customer.branch_id,
            area_responsible=s.pk in area_ids,
            open_owned=s.n_open,
            grade=s.grade,
            hired_on=s.hired_on,
        )
        for s in rows
    ]


def portal_receiver(customer: Customer) -> tuple[Staff, ReceiverRule] | None:
    chosen = choose_portal_receiver(portal_receiver_candidates(customer))
    if chosen is None:
        return None
    return Staff.objects.get(pk=chosen[0]), chosen[1]


@dataclass(frozen=True)
class Received:
    """What :func:`receive_request` made: the order, the customer's first message on it (if written) and
    which step of the receiver rule chose the first-contact owner."""

    order: WorkOrder
    entry: TimelineEntry | None
    rule: ReceiverRule


def receive_request(
    customer: Customer,
    data: wo_actions.OrderInput,
    *,
    refusal: KefuError,
    actor_user: Any = None,
    receiver_event: str = "",
    event_data: dict[str, Any] | None = None,
    message: str | None = None,
    customer_entry: bool = True,
    files: Sequence[Any] = (),
    system_entries: Sequence[dict[str, Any]] = (),
) -> Received:
    """A request that reached us through a channel with nobody in front of the customer (portal form,
    anonymous report, e-mail, SMS, chat, social media): the order for the on-duty receiver of the
    customer's (locked) record, inside the caller's transaction.

    - nobody can receive it: ``refusal`` is raised (nothing is saved);
    - ``receiver_event``: a system entry naming the chosen receiver and rule (``{"event": receiver_event,
      "staff", "rule", **event_data}``), none when empty;
    - ``system_entries``: further system entries (their ``data``), written after it (e.g. an e-mail's
      unverified sender);
    - ``customer_entry``: the customer's first message as a public entry — ``message``, by default the
      order's description — with ``files`` attached to it (uploaded by ``actor_user``).
    """
    chosen = portal_receiver(customer)
    if chosen is None:
        raise refusal
    receiver, rule = chosen
    o = wo_actions.create_order_for(receiver, customer, data, actor_user=actor_user, channel=data.channel)
    if receiver_event:
        wo_actions.add_entry(
            o,
            TimelineEntry.Kind.SYSTEM,
            data={"event": receiver_event, "staff": receiver.pk, "rule": rule.value, **(event_data or {})},
            at=o.created_at,
        )
    for extra in system_entries:
        wo_actions.add_entry(o, TimelineEntry.Kind.SYSTEM, data=dict(extra), at=o.created_at)
    entry = None
    if customer_entry:
        body = o.description if message is None else message
        entry = wo_actions.add_entry(
            o, TimelineEntry.Kind.CUSTOMER, customer=customer, body=body, public=True, at=o.created_at
        )
        for f in files:
            wo_actions.attach_file(actor_user, o, f, entry=entry, public=True)
    return Received(o, entry, rule)
