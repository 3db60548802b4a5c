"""The send-back report (退单): per unit and period, how often orders routed to it were sent back, how
many of them more than once (``workorders.rules.REPEATED_SEND_BACKS``), and the orders sent back
repeatedly. Read-only; the console page (``views_send_backs``) and the API (``api/routing.py``) show it.

A send-back belongs to the period it was made in; "sent back repeatedly" counts an order's send-backs of
all time (an order sent back in February and again in March is repeated in March)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Min, QuerySet

from kefu.reports.queries import Scope
from kefu.workorders import rules
from kefu.workorders.models import SendBack, WorkOrder


@dataclass(frozen=True)
class UnitRow:
    """One unit's send-backs in the period: a department, or a staff member without one."""

    kind: str  # department | staff
    key: int
    name: str
    branch: str
    send_backs: int
    orders: int
    repeated_orders: int  # of those orders, sent back REPEATED_SEND_BACKS times or more (all time)
    pending: int  # still waiting for the dispatcher to route them again


@dataclass(frozen=True)
class OrderRow:
    """An order sent back repeatedly: how often, and the last unit and reason."""

    number: str
    title: str
    branch: str
    send_backs: int
    first_at: dt.datetime
    last_at: dt.datetime
    last_unit: str
    last_reason: str
    pending: bool


def in_scope(scope: Scope) -> QuerySet[SendBack]:
    start, end = scope.bounds()
    qs = SendBack.objects.filter(created_at__gte=start, created_at__lt=end)
    if scope.branch_ids is not None:
        qs = qs.filter(workorder__branch_id__in=scope.branch_ids)
    return qs


def _repeated_orders(scope: Scope) -> set[int]:
    """The orders of the period's send-backs that were sent back repeatedly (all time): one query."""
    return set(
        SendBack.objects.filter(workorder_id__in=in_scope(scope).values("workorder_id"))
        .values("workorder_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=rules.REPEATED_SEND_BACKS)
        .values_list("workorder_id", flat=True)
    )


def unit_rows(scope: Scope) -> list[UnitRow]:
    """Every unit with a send-back in the period, the most send-backs first (ties by name). Two queries:
    the period's send-backs (a month holds a few hundred at most) and the repeated orders among them."""
    repeated = _repeated_orders(scope)
    units: dict[tuple[str, int], dict[str, Any]] = {}
    for r in in_scope(scope).values(
        "workorder_id",
        "rerouted_at",
        "from_department_id",
        "from_department__name",
        "from_department__branch__name",
        "from_staff_id",
        "from_staff__name",
        "from_staff__branch__name",
    ):
        if r["from_department_id"]:
            key = ("department", r["from_department_id"])
            name, branch = r["from_department__name"], r["from_department__branch__name"]
        else:
            key = ("staff", r["from_staff_id"] or 0)
            name, branch = r["from_staff__name"] or "?", r["from_staff__branch__name"]
        u = units.setdefault(
            key, {"name": name, "branch": branch or "", "n": 0, "orders": set(), "pending": 0}
        )
        u["n"] += 1
        u["orders"].add(r["workorder_id"])
        u["pending"] += r["rerouted_at"] is None
    rows = [
        UnitRow(
            kind=kind,
            key=key,
            name=u["name"],
            branch=u["branch"],
            send_backs=u["n"],
            orders=len(u["orders"]),
            repeated_orders=len(u["orders"] & repeated),
            pending=u["pending"],
        )
        for (kind, key), u in units.items()
    ]
    return sorted(rows, key=lambda u: (-u.send_backs, u.name, u.key))


def repeated_order_rows(scope: Scope) -> list[OrderRow]:
    """The orders sent back repeatedly with a send-back in the period, the most send-backs first."""
    ids = _repeated_orders(scope)
    if not ids:
        return []
    stats = {
        r["workorder_id"]: r
        for r in SendBack.objects.filter(workorder_id__in=ids)
        .values("workorder_id")
        .annotate(n=Count("pk"), first=Min("created_at"), last=Max("created_at"))
        .order_by()
    }
    last: dict[int, SendBack] = {}
    for sb in (
        SendBack.objects.filter(workorder_id__in=ids)
        .select_related("from_department", "from_staff")
        .order_by("workorder_id", "created_at", "id")
    ):
        last[sb.workorder_id] = sb
    orders = {
        o.pk: o
        for o in WorkOrder.objects.filter(pk__in=ids)
        .select_related("branch")
        .only("id", "number", "title", "branch__name")
    }
    result = []
    for pk in ids:
        s, sb, o = stats[pk], last[pk], orders[pk]
        unit = (
            sb.from_department.name if sb.from_department else (sb.from_staff.name if sb.from_staff else "")
        )
        result.append(
            OrderRow(
                number=o.number,
                title=o.title,
                branch=o.branch.name,
                send_backs=s["n"],
                first_at=s["first"],
                last_at=s["last"],
                last_unit=unit,
                last_reason=sb.reason,
                pending=sb.rerouted_at is None,
            )
        )
    return sorted(result, key=lambda r: (-r.send_backs, r.number))
