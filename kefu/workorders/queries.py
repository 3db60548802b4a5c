"""Lists of work orders: the filters, the sorting and the queue tabs shared by the REST API
(``api/workorders.py``), the console queues (``console/views_orders.py``) and the queue export
(``reports/views_exports.py``). Which rows a user may see at all is ``workorders.access``; this module
narrows and orders them. Read-only.

Sorting on a column that cannot be empty never says ``NULLS LAST``: with it PostgreSQL cannot read the
index backwards for "newest first" and sorts every match instead (a common search word at 1,000,000
orders: 1.3 s instead of 8 ms). Only nullable columns (``due_at``) keep their empty values last.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When

from kefu.lib import search
from kefu.organization.models import Staff
from kefu.workorders import rules
from kefu.workorders.access import visible_workorders
from kefu.workorders.models import Escalation, SendBack, WorkOrder

OPEN = [s.value for s in rules.OPEN_STATUSES]
UNCLOSED = [s.value for s in rules.UNCLOSED_STATUSES]

PRIORITY_RANK = Case(
    *[When(priority=p, then=Value(rank)) for p, rank in rules.PRIORITY_ORDER.items()],
    default=Value(9),
    output_field=IntegerField(),
)

Ordering = Callable[[QuerySet[Any], bool], QuerySet[Any]]


# --- filters -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFilter:
    """What a list asks for; empty values ask for nothing. ``overdue``/``escalated``/``open``: True only
    those, False none of those, None either."""

    status: str = ""
    order_type: str = ""
    priority: str = ""
    channel: str = ""
    owner_id: int | None = None
    assignee_id: int | None = None
    area_id: int | None = None
    branch_id: int | None = None
    customer_id: int | None = None
    overdue: bool | None = None
    escalated: bool | None = None
    open: bool | None = None
    q: str = ""  # search words (kefu.lib.search: Chinese substrings of 2+ characters)


def filter_orders(qs: QuerySet[WorkOrder], f: OrderFilter, now: dt.datetime) -> QuerySet[WorkOrder]:
    """``qs`` narrowed by ``f``; overdue means due before ``now`` and still open."""
    for name in ("status", "order_type", "priority", "channel"):
        value = getattr(f, name)
        if value:
            qs = qs.filter(**{name: value})
    for name in ("owner_id", "assignee_id", "area_id", "branch_id", "customer_id"):
        value = getattr(f, name)
        if value is not None:
            qs = qs.filter(**{name: value})
    if f.overdue is True:
        qs = qs.filter(due_at__lt=now, status__in=OPEN)
    elif f.overdue is False:
        qs = qs.exclude(due_at__lt=now, status__in=OPEN)
    if f.escalated is not None:
        qs = qs.filter(escalated=f.escalated)
    if f.open is True:
        qs = qs.filter(status__in=OPEN)
    elif f.open is False:
        qs = qs.exclude(status__in=OPEN)
    if f.q:
        qs = search.filter_queryset(qs, f.q)
    return qs


# --- sorting -------------------------------------------------------------------------------------------------


def by_field(field: str) -> Ordering:
    """Sort by a date column (``desc``: newest first), ties by id the same way; "nulls last" only where the
    column can be empty (see the module doc)."""
    nullable = WorkOrder._meta.get_field(field).null

    def apply(qs: QuerySet[Any], desc: bool) -> QuerySet[Any]:
        if nullable:
            expr = F(field).desc(nulls_last=True) if desc else F(field).asc(nulls_last=True)
        else:
            expr = F(field).desc() if desc else F(field).asc()
        return qs.order_by(expr, "-id" if desc else "id")

    return apply


def by_priority(qs: QuerySet[Any], *, urgent_first: bool, ties_desc: bool) -> QuerySet[Any]:
    """Sort by urgency (``rules.PRIORITY_ORDER``), ties by id (``ties_desc``: the higher id first)."""
    qs = qs.annotate(priority_rank=PRIORITY_RANK)
    return qs.order_by(
        F("priority_rank").asc() if urgent_first else F("priority_rank").desc(), "-id" if ties_desc else "id"
    )


def by_urgency(qs: QuerySet[Any], desc: bool = False) -> QuerySet[Any]:
    """The queues' and the API's default order: open work before resolved and closed, the most urgent
    priority first (``WorkOrder.urgency``), then the earliest due time (the most overdue first; no due time
    last), ties by id. ``desc`` reverses it. Served by the index ``wo_urgency`` (bench/RESULTS.md)."""
    if desc:
        return qs.order_by(F("urgency").desc(), F("due_at").desc(nulls_first=True), "-id")
    return qs.order_by(F("urgency").asc(), F("due_at").asc(nulls_last=True), "id")


def _api_priority(qs: QuerySet[Any], desc: bool) -> QuerySet[Any]:
    # the API's "priority" lists the most urgent first, "-priority" the least urgent; ties by id
    return by_priority(qs, urgent_first=not desc, ties_desc=False)


# The API's ``ordering`` names (``name`` or ``-name``): name → (queryset, descending) → queryset.
ORDERINGS: dict[str, Ordering] = {
    "due_at": by_field("due_at"),
    "received_at": by_field("received_at"),
    "updated_at": by_field("updated_at"),
    "created_at": by_field("created_at"),
    "priority": _api_priority,
    "urgency": by_urgency,
}
# the API's order list when the caller names none: the same order as the console queues
DEFAULT_ORDERING = "urgency"

# The console queue's sort keys (``key`` ↑ or ``-key`` ↓); unknown ones sort by urgency, the default.
QUEUE_SORTS = ("urgency", "due_at", "received_at", "priority", "updated_at")
DEFAULT_QUEUE_SORT = "urgency"


def queue_sort(qs: QuerySet[WorkOrder], sort: str) -> QuerySet[WorkOrder]:
    """The console queue's order: by urgency (``by_urgency``) unless the user chose another column. Its
    "priority ↓" (``-priority``) lists the most urgent first with the higher id first among equals — the
    reverse sign of the API's ``priority`` and other ties; both kept as they were when the two copies were
    merged."""
    desc = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in QUEUE_SORTS:
        key, desc = DEFAULT_QUEUE_SORT, False
    if key == "priority":
        return by_priority(qs, urgent_first=desc, ties_desc=desc)
    return ORDERINGS[key](qs, desc)


# --- the console's queue tabs (also the queue export) --------------------------------------------------------


QUEUE_TABS = ("mine", "owned", "team", "escalated", "sentback")


def queue_tabs(user: Any, staff: Staff) -> dict[str, QuerySet[WorkOrder]]:
    """The orders of each queue tab for ``staff`` (within what ``user`` may see)."""
    base = visible_workorders(user)
    return {
        "mine": base.filter(assignee=staff, status__in=OPEN),
        # the first-contact owner answers for the order until it is closed.
        "owned": base.filter(owner=staff, status__in=UNCLOSED),
        "team": base.filter(status__in=OPEN),
        "escalated": base.filter(
            pk__in=Escalation.objects.filter(leader=staff, handled_at__isnull=True).values("workorder_id")
        ),
        # 退单: orders a unit sent back to me, waiting for me to route them again, with the unit's reason
        "sentback": base.filter(
            status__in=OPEN,
            pk__in=SendBack.objects.filter(dispatcher=staff, rerouted_at__isnull=True).values("workorder_id"),
        ).annotate(send_back_reason=Subquery(_pending.values("reason")[:1])),
    }


def tab_counts(user: Any, staff: Staff, tabs: dict[str, QuerySet[WorkOrder]]) -> dict[str, int]:
    """The number of orders of each queue tab; "escalated" and "sent back" (both short lists of orders
    waiting for me) in one query."""
    counts = {name: qs.count() for name, qs in tabs.items() if name not in ("escalated", "sentback")}
    escalated = Escalation.objects.filter(leader=staff, handled_at__isnull=True).values("workorder_id")
    sent_back = SendBack.objects.filter(dispatcher=staff, rerouted_at__isnull=True).values("workorder_id")
    both = (
        visible_workorders(user)
        .filter(Q(pk__in=escalated) | Q(pk__in=sent_back, status__in=OPEN))
        .aggregate(
            escalated=Count("pk", filter=Q(pk__in=escalated)),
            sentback=Count("pk", filter=Q(pk__in=sent_back, status__in=OPEN)),
        )
    )
    return {name: counts[name] if name in counts else both[name] for name in tabs}


_pending = SendBack.objects.filter(workorder_id=OuterRef("pk"), rerouted_at__isnull=True).order_by("-id")
