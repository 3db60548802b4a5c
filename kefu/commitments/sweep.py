"""Breach sweep (R-16): warnings before a deadline and escalation when it passes, each exactly once.

``sweep(now)`` runs every ``KEFU_BREACH_SWEEP_SECONDS`` in the worker (job ``commitments.breach_sweep``).
It works set-based, in batches, one transaction per batch:

* **Breaches** — clocks with ``breached_at`` empty whose due time has passed (``due_at < now``, the same
  test as ``rules.clock_state``) and whose status is *running*, *overdue* (set by a hook after the due
  time) or *met late* (ended late before a sweep saw it). Each gets ``breached_at``; an open clock's
  status becomes *overdue*; a ``Breach`` record names the responsible staff (the order's assignee, else its
  first-contact owner) and the leader; an open clock is escalated to that leader (an ``Escalation`` raised
  by the system with the reason "deadline passed" and the due time; the order becomes escalated and a
  normal/low priority becomes high, like ``workorders.actions.do_escalate``). The order's timeline gets a
  system entry and an escalation entry; the service log gets a record of each.
* **Warnings** — running clocks (not paused, not ended) with ``warned_at`` empty whose warning time has
  come (``warn_at <= now``, ``KEFU_CLOCK_WARN_FRACTION`` of the limit used) and whose due time has not
  passed. Each gets ``warned_at``, a "deadline near" system entry on the timeline and a service-log record.
  The warning is never repeated (not after an approved extension either).
* **Notifications** — each batch emits one ``StaffEvent`` (``breach`` or ``warning``) per order, to the
  order's owner, assignee and leader (``workorders.hooks.staff_event``), inside the batch's transaction.

Paused clocks have no due time stored (it moves with the pause) and clocks that have not started have none:
neither is ever picked. A clock whose calendar lacks a year is watched on its provisional due time.

**Exactly once with several workers.** A batch follows the project's lock order (work order before its
clocks): it picks candidate clocks without locks, locks their work orders with ``SELECT … FOR UPDATE SKIP
LOCKED`` on PostgreSQL (orders another transaction holds are left for the next sweep), then claims the
clocks of the locked orders with one conditional ``UPDATE … SET breached_at = now, sweep_token = <new
token> WHERE id IN (…) AND breached_at IS NULL AND …`` — PostgreSQL evaluates that condition again on the
current row, so a clock another worker claimed meanwhile is not claimed twice — and reads back the rows
carrying its token. Everything of a batch (claim, breach records, escalations, timeline, log) commits
together or not at all. On SQLite writers are serialised (``BEGIN IMMEDIATE``), so the same UPDATE is
enough. ``Breach.clock`` is unique as a last safeguard.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, QuerySet, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kefu.audit.log import _jsonable
from kefu.audit.models import AuditRecord
from kefu.commitments.models import (
    BREACH_CANDIDATE_STATUSES,
    Breach,
    ClockKindChoices,
    ClockStatusChoices,
    OrderClock,
)
from kefu.lib import clock
from kefu.organization.leaders import LeaderPicker
from kefu.organization.models import Staff
from kefu.workorders import hooks
from kefu.workorders.actions import NewEntry, NewEscalation, add_entries, escalate_many
from kefu.workorders.models import TimelineEntry, WorkOrder

BATCH = 1000


@dataclass(frozen=True)
class SweepResult:
    warned: int
    breached: int


def breach_candidates(now: dt.datetime) -> QuerySet[OrderClock]:
    """Clocks whose passed deadline has not been recorded yet (partial index ``clock_breach_todo``)."""
    return OrderClock.objects.filter(
        breached_at__isnull=True, status__in=BREACH_CANDIDATE_STATUSES, due_at__lt=now
    )


def warning_candidates(now: dt.datetime) -> QuerySet[OrderClock]:
    """Running clocks past their warning time, not yet warned, not yet overdue (index ``clock_warn_todo``)."""
    return OrderClock.objects.filter(
        warned_at__isnull=True, status=ClockStatusChoices.RUNNING, warn_at__lte=now, due_at__gte=now
    )


def sweep(now: dt.datetime | None = None, batch: int = BATCH) -> SweepResult:
    """Record the passed deadlines (escalating them) and give the due warnings, each exactly once."""
    now = now or clock.now()
    with translation.override(settings.LANGUAGE_CODE):
        breached = _drain(lambda: _breach_batch(now, batch), batch)
        warned = _drain(lambda: _warning_batch(now, batch), batch)
    return SweepResult(warned=warned, breached=breached)


def _drain(step: Any, batch: int) -> int:
    total = 0
    while True:
        found, claimed = step()
        total += claimed
        # stop when the candidates are exhausted, or when all of them were taken by other workers
        if found < batch or claimed == 0:
            return total


def _claim(
    candidates: QuerySet[OrderClock], batch: int, order_by: str, **changes: Any
) -> tuple[int, list[int]]:
    """Inside a transaction: lock the work orders of up to ``batch`` candidates (skipping locked ones on
    PostgreSQL) and claim their clocks with a conditional UPDATE. Returns (candidates found, claimed ids)."""
    rows = list(candidates.order_by(order_by, "id").values_list("id", "workorder_id")[:batch])
    if not rows:
        return 0, []

    orders = WorkOrder.objects.filter(pk__in={w for _c, w in rows}).order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        orders = orders.select_for_update(skip_locked=True)
    locked = set(orders.values_list("pk", flat=True))
    ids = [c for c, w in rows if w in locked]
    if not ids:
        return len(rows), []
    token = uuid.uuid4().hex
    claimed = candidates.filter(pk__in=ids).update(sweep_token=token, **changes)
    if not claimed:
        return len(rows), []
    mine = list(OrderClock.objects.filter(pk__in=ids, sweep_token=token).values_list("id", flat=True))
    return len(rows), mine


# --- breaches ---------------------------------------------------------------------------------------------


def _breach_batch(now: dt.datetime, batch: int) -> tuple[int, int]:
    with transaction.atomic():
        found, ids = _claim(
            breach_candidates(now),
            batch,
            "due_at",
            breached_at=now,
            updated_at=now,
            status=Case(
                When(status=ClockStatusChoices.LATE, then=Value(ClockStatusChoices.LATE.value)),
                default=Value(ClockStatusChoices.BREACHED.value),
            ),
        )
        if ids:
            _record_breaches(ids, now)
    return found, len(ids)


def _due_text(c: OrderClock) -> str:
    try:
        zone = zoneinfo.ZoneInfo(c.calendar.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_default_timezone()
    assert c.due_at is not None
    return f"{c.due_at.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"


def _record_breaches(ids: Iterable[int], now: dt.datetime) -> None:

    clocks = list(
        OrderClock.objects.filter(pk__in=list(ids))
        .select_related(
            "calendar",
            "workorder",
            "workorder__owner__leader",
            "workorder__assignee__leader",
        )
        .order_by("id")
    )
    leader_for = LeaderPicker()
    breaches: list[Breach] = []
    to_escalate: list[tuple[Breach, NewEscalation]] = []
    for c in clocks:
        o = c.workorder
        responsible = o.assignee or o.owner
        leader = leader_for(responsible, o.branch_id)
        assert c.due_at is not None
        b = Breach(
            clock=c,
            workorder=o,
            kind=c.kind,
            round=c.round,
            due_at=c.due_at,
            detected_at=now,
            responsible=responsible,
            leader=leader,
        )
        breaches.append(b)
        if c.status == ClockStatusChoices.BREACHED and leader is not None:  # still open: escalate
            reason = _("Deadline passed: the %(clock)s time limit was due at %(due)s.") % {
                "clock": ClockKindChoices(c.kind).label,
                "due": _due_text(c),
            }
            b.escalated = True
            to_escalate.append((b, NewEscalation(o, leader, reason)))
    # the timeline: the breach entries, then the escalation entries (as one insert did before)
    add_entries(
        NewEntry(
            b.workorder,
            TimelineEntry.Kind.SYSTEM,
            now,
            data={
                "event": "clock.breached",
                "clock": b.clock.kind,
                "round": b.clock.round,
                "due_at": b.due_at.isoformat(),
                "responsible": b.responsible.name,
            },
        )
        for b in breaches
        if b.clock.status == ClockStatusChoices.BREACHED
    )
    # an escalation raised by the system; a normal/low priority becomes high, like do_escalate
    escalations = escalate_many([e for _b, e in to_escalate], at=now, raise_priority=True)
    for (b, _e), esc in zip(to_escalate, escalations, strict=True):
        b.escalation = esc
    Breach.objects.bulk_create(breaches)

    records: list[AuditRecord] = []
    for b in breaches:
        c, o = b.clock, b.workorder
        records.append(
            _audit(
                "clock.breached",
                c,
                now,
                o,
                after={
                    "status": c.status,
                    "due_at": b.due_at,
                    "breach": b.pk,
                    "responsible": b.responsible_id,
                    "leader": b.leader_id,
                },
            )
        )
    for esc in escalations:
        records.append(
            _audit(
                "order.escalate",
                esc,
                now,
                esc.workorder,
                after={"leader": esc.leader_id, "reason": esc.reason, "auto": True},
            )
        )
    AuditRecord.objects.bulk_create(records)
    _tell(hooks.StaffEventKind.BREACH, [(b.clock, b.leader) for b in breaches], now)


def _tell(kind: str, clocks: list[tuple[OrderClock, Staff | None]], now: dt.datetime) -> None:
    """One staff event per order (however many of its clocks), to its owner, assignee and leader."""
    by_order: dict[int, tuple[Any, set[int], list[str]]] = {}
    for c, leader in clocks:
        o = c.workorder
        _o, people, kinds = by_order.setdefault(o.pk, (o, set(), []))
        people.update(pk for pk in (o.owner_id, o.assignee_id, leader.pk if leader else None) if pk)
        kinds.append(c.kind)
    for o, people, kinds in by_order.values():
        hooks.staff_event(kind, sorted(people), order=o, at=now, clocks=kinds)


# --- warnings ---------------------------------------------------------------------------------------------


def _warning_batch(now: dt.datetime, batch: int) -> tuple[int, int]:

    with transaction.atomic():
        found, ids = _claim(warning_candidates(now), batch, "warn_at", warned_at=now)
        if ids:
            clocks = list(
                OrderClock.objects.filter(pk__in=ids)
                .select_related("workorder", "workorder__owner__leader", "workorder__assignee__leader")
                .order_by("id")
            )
            add_entries(
                NewEntry(
                    c.workorder,
                    TimelineEntry.Kind.SYSTEM,
                    now,
                    data={
                        "event": "clock.warning",
                        "clock": c.kind,
                        "round": c.round,
                        "due_at": c.due_at.isoformat() if c.due_at else None,
                    },
                )
                for c in clocks
            )
            AuditRecord.objects.bulk_create(
                _audit("clock.warning", c, now, c.workorder, after={"warn_at": c.warn_at, "due_at": c.due_at})
                for c in clocks
            )
            leader_for = LeaderPicker()
            _tell(
                hooks.StaffEventKind.WARNING,
                [
                    (c, leader_for(c.workorder.assignee or c.workorder.owner, c.workorder.branch_id))
                    for c in clocks
                ],
                now,
            )
    return found, len(ids)


def _audit(action: str, obj: Any, now: dt.datetime, o: Any, *, after: dict[str, Any]) -> AuditRecord:
    """A service-log record by the system (``audit.log.record`` writes one row; this builds it for a bulk
    insert in the same transaction)."""

    return AuditRecord(
        at=now,
        actor=None,
        actor_label="system",
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        customer_id=o.customer_id,
        workorder_id=o.pk,
        after=_jsonable(after),
        summary=f"{o.number} {getattr(obj, 'kind', '')}".strip()[:500],
    )
