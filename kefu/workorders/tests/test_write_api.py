"""The public write API of work orders (``kefu.workorders.actions``): other apps write timeline entries,
escalations, the priority and attachments only through these functions."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from kefu.audit.models import AuditRecord
from kefu.workorders.actions import (
    NewEntry,
    NewEscalation,
    add_entries,
    escalate,
    escalate_many,
    raise_priority,
)
from kefu.workorders.models import TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def test_add_entries_in_the_given_order(world: Any) -> None:
    a, b = world.order(world.customer()), world.order(world.customer())
    before = TimelineEntry.objects.count()
    made = add_entries(
        [
            NewEntry(b, TimelineEntry.Kind.SYSTEM, AT, data={"event": "one"}),
            NewEntry(a, TimelineEntry.Kind.NOTE, AT, body="二", staff=world.agent),
            NewEntry(b, TimelineEntry.Kind.CUSTOMER, AT, body="三", public=True, customer=b.customer),
        ]
    )
    assert TimelineEntry.objects.count() == before + 3
    rows = list(TimelineEntry.objects.filter(pk__in=[e.pk for e in made]).order_by("id"))
    assert [(r.workorder_id, r.kind, r.body, r.public, r.data) for r in rows] == [
        (b.pk, "system", "", False, {"event": "one"}),
        (a.pk, "note", "二", False, {}),
        (b.pk, "customer", "三", True, {}),
    ]
    assert (rows[1].author_staff, rows[2].author_customer, rows[0].created_at) == (
        world.agent,
        b.customer,
        AT,
    )


def test_escalate_many_raises_the_priority_once_per_order(world: Any) -> None:
    low = world.order(world.customer(), priority="low")
    urgent = world.order(world.customer(), priority="urgent")
    versions = {o.pk: o.version for o in (low, urgent)}
    with transaction.atomic():
        escs = escalate_many(
            [
                NewEscalation(low, world.supervisor, "到期未处理"),
                NewEscalation(low, world.supervisor, "第二个时限"),
                NewEscalation(urgent, world.president, "到期未处理", to_president=True),
            ],
            at=AT,
            raise_priority=True,
        )
    assert [e.workorder_id for e in escs] == [low.pk, low.pk, urgent.pk]
    fresh = {o.pk: o for o in WorkOrder.objects.filter(pk__in=versions)}
    assert (fresh[low.pk].priority, fresh[urgent.pk].priority) == ("high", "urgent")
    assert fresh[low.pk].escalated and fresh[urgent.pk].escalated
    assert (fresh[low.pk].to_president, fresh[urgent.pk].to_president) == (False, True)
    assert {pk: o.version - versions[pk] for pk, o in fresh.items()} == {low.pk: 1, urgent.pk: 1}
    entries = TimelineEntry.objects.filter(kind="escalation", workorder=low).order_by("id")
    assert [e.data for e in entries] == [
        {
            "leader": world.supervisor.pk,
            "leader_label": str(world.supervisor),
            "to_president": False,
            "automatic": True,
        }
    ] * 2
    assert [e.body for e in entries] == ["到期未处理", "第二个时限"]
    # the caller writes the service log
    assert not AuditRecord.objects.filter(action="order.escalate").exists()


def test_escalate_without_raising_the_priority(world: Any) -> None:
    o = world.order(world.customer(), priority="normal")
    with transaction.atomic():
        esc = escalate(
            o, leader=world.supervisor, reason="督办逾期", at=AT, raise_priority=False, data={"notice": 7}
        )
    fresh = WorkOrder.objects.get(pk=o.pk)
    assert (fresh.priority, fresh.escalated, fresh.version) == ("normal", True, o.version)
    assert (o.priority, o.escalated) == ("normal", True)  # the caller's copy follows
    e = TimelineEntry.objects.get(kind="escalation", workorder=o)
    assert (esc.raised_by, e.author_staff, e.data["notice"], e.data["automatic"]) == (None, None, 7, True)


def test_raise_priority(world: Any) -> None:
    o = world.order(world.customer(), priority="low")
    with transaction.atomic():
        assert raise_priority(o, world.agent.user, timezone.now(), "客户情绪激动") is True
    rec = AuditRecord.objects.filter(action="order.update", workorder_id=o.pk).latest("id")
    assert (rec.before, rec.after, rec.summary) == ({"priority": "low"}, {"priority": "high"}, "客户情绪激动")
    assert WorkOrder.objects.get(pk=o.pk).priority == "high"
    with transaction.atomic():
        assert raise_priority(o, world.agent.user, timezone.now(), "again") is False
    urgent = world.order(world.customer(), priority="urgent")
    with transaction.atomic():
        assert raise_priority(urgent, None, timezone.now(), "x") is False
    assert WorkOrder.objects.get(pk=urgent.pk).priority == "urgent"


# Writes of the order's rows outside kefu/workorders (tests and the bulk test-data loader aside).
FORBIDDEN = re.compile(
    r"\b(TimelineEntry|Escalation|Attachment)(\.objects\.(create|bulk_create|update|get_or_create)|\()"
    r"|from kefu\.workorders\.actions import _|wo_actions\._|workorders\.actions\._"
)


def test_nothing_outside_workorders_writes_its_rows() -> None:
    root = Path(__file__).resolve().parents[2]
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(("workorders/", "testing/")) or "/tests/" in rel or "/migrations/" in rel:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if FORBIDDEN.search(line):
                found.append(f"{rel}:{n}: {line.strip()}")
    assert found == []
