"""Rows read with their owner as one JSON array (``kefu.lib.json_rows``): the instances rebuilt from it equal
what the ORM reads, on SQLite and PostgreSQL, in the row query's order, with their related rows, and reading
them costs no statement."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, OuterRef
from django.test.utils import CaptureQueriesContext

from kefu.customers.models import Customer
from kefu.lib.json_rows import JSONRows, instances, prefetched
from kefu.organization.models import Staff
from kefu.workorders import actions
from kefu.workorders.models import Escalation, TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db

RELATED = {"raised_by": (Staff, {}, ("name", "badge_no")), "leader": Staff}
ENTRY_RELATED = {"author_staff": Staff, "author_customer": (Customer, {}, ("name",))}
ENTRY_FIELDS = ("kind", "data", "public", "created_at", "author_staff", "author_customer")


def _escalations(order_id: Any) -> Any:
    return Escalation.objects.filter(workorder_id=order_id).order_by("-created_at", "-id")


def test_rows_equal_what_the_orm_reads(world: Any) -> None:
    o = world.order(world.customer())
    actions.do_escalate(world.agent.user, o.pk, "客户第二次来电")
    actions.do_escalate(world.agent.user, o.pk, "客户要求总经理回复", to_president=True)
    read = WorkOrder.objects.annotate(rows=JSONRows(_escalations(OuterRef("pk")), Escalation, RELATED)).get(
        pk=o.pk
    )
    orm = list(_escalations(o.pk).select_related("raised_by", "leader"))
    assert len(orm) == 2
    with CaptureQueriesContext(connection) as ctx:
        rebuilt = instances(Escalation, read.rows, RELATED)
        for a, b in zip(rebuilt, orm, strict=True):
            for f in Escalation._meta.concrete_fields:
                assert getattr(a, f.attname) == getattr(b, f.attname), f.name
            assert isinstance(a.created_at, dt.datetime) and a.created_at.tzinfo is not None
            assert a.raised_by.name == b.raised_by.name and a.raised_by.badge_no == b.raised_by.badge_no
            assert a.leader.name == b.leader.name and a.leader.grade == b.leader.grade  # every field
    assert ctx.captured_queries == []
    assert [e.reason for e in rebuilt] == ["客户要求总经理回复", "客户第二次来电"]  # the row query's order
    assert rebuilt[0].to_president is True and rebuilt[1].to_president is False
    assert rebuilt[0]._state.adding is False


def test_none_is_an_empty_array_and_a_missing_relation_is_none(world: Any) -> None:
    o = world.order(world.customer())
    read = WorkOrder.objects.annotate(
        rows=JSONRows(_escalations(OuterRef("pk")), Escalation, RELATED),
        entries=JSONRows(
            TimelineEntry.objects.filter(workorder_id=OuterRef("pk")).order_by("id"),
            TimelineEntry,
            ENTRY_RELATED,
            only=ENTRY_FIELDS,
        ),
    ).get(pk=o.pk)
    assert instances(Escalation, read.rows, RELATED) == []
    entries = instances(TimelineEntry, read.entries, ENTRY_RELATED, only=ENTRY_FIELDS)
    assert entries and entries[0].kind == "system"
    orm = TimelineEntry.objects.filter(workorder=o).order_by("id").first()
    assert orm is not None
    assert entries[0].data == orm.data  # a JSON field keeps its structure
    assert entries[0].public == orm.public
    assert entries[0].author_staff_id == orm.author_staff_id
    assert (entries[0].author_customer is None) == (orm.author_customer_id is None)


def test_limit_keeps_the_newest_and_extra_keys_become_attributes(world: Any) -> None:
    o = world.order(world.customer())
    for i in range(3):
        actions.do_escalate(world.agent.user, o.pk, f"第{i}次")
    count = (
        Escalation.objects.filter(workorder_id=OuterRef("workorder_id"))
        .order_by()
        .values("workorder_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    read = WorkOrder.objects.annotate(
        rows=JSONRows(_escalations(OuterRef("pk")), Escalation, limit=2, extra={"siblings": count})
    ).get(pk=o.pk)
    rebuilt = instances(Escalation, read.rows, extra=("siblings",))
    assert [e.reason for e in rebuilt] == ["第2次", "第1次"]
    assert [e.siblings for e in rebuilt] == [3, 3]


def test_prefetched_rows_are_read_without_a_query(world: Any) -> None:
    o = world.order(world.customer())
    actions.do_escalate(world.agent.user, o.pk, "升级")
    rows = list(_escalations(o.pk))
    o._prefetched_objects_cache = {"escalations": prefetched(Escalation, rows)}  # type: ignore[attr-defined]
    with CaptureQueriesContext(connection) as ctx:
        assert list(o.escalations.all()) == rows  # type: ignore[attr-defined]
    assert ctx.captured_queries == []
