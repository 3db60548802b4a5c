"""Queries compiled once per process (``kefu.lib.prepared``): the instances equal what the ORM reads (fields
converted, ``select_related``, annotations), with new values on every run, on SQLite and PostgreSQL; on
PostgreSQL the statement is prepared on the connection; a sample that is not among the parameters fails."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.test.utils import CaptureQueriesContext

from kefu.lib.prepared import SAMPLE_MOMENT, Prepared
from kefu.workorders import actions
from kefu.workorders.models import Escalation, WorkOrder

pytestmark = pytest.mark.django_db


def _orders(number: str, since: dt.datetime, staff_id: int) -> Any:
    escalations = (
        Escalation.objects.filter(workorder_id=OuterRef("pk"))
        .order_by()
        .values("workorder_id")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return (
        WorkOrder.objects.select_related("customer", "owner__branch", "assignee")
        .annotate(escalation_count=Coalesce(Subquery(escalations), 0))
        .filter(number=number, created_at__gte=since)
        .exclude(owner_id=staff_id)[:1]
    )


QUERY = Prepared(_orders, number="\x01SAMPLE", since=SAMPLE_MOMENT, staff_id=2_000_000_003)


def test_the_instances_equal_what_the_orm_reads_with_new_values_each_run(world: Any) -> None:
    first = world.order(world.customer())
    second = world.order(world.customer(name="李四", phone="13900139000"))
    actions.do_escalate(world.agent.user, second.pk, "客户第二次来电")
    since = first.created_at - dt.timedelta(minutes=1)
    for order, escalations in ((first, 0), (second, 1)):
        got = QUERY.first("default", number=order.number, since=since, staff_id=world.supervisor.pk)
        orm = _orders(order.number, since, world.supervisor.pk).get()
        assert got is not None and got.pk == order.pk
        for field in WorkOrder._meta.concrete_fields:
            assert getattr(got, field.attname) == getattr(orm, field.attname), field.name
        assert isinstance(got.created_at, dt.datetime) and got.created_at.tzinfo is not None
        assert got.escalation_count == escalations
        with CaptureQueriesContext(connection) as q:  # the related rows came with the order
            assert got.customer.name == orm.customer.name
            assert got.owner.branch.code == orm.owner.branch.code
            assert (got.assignee_id is None) == (orm.assignee_id is None)
        assert len(q.captured_queries) == 0


def test_filters_take_the_new_values(world: Any) -> None:
    o = world.order(world.customer())
    since = o.created_at - dt.timedelta(minutes=1)
    assert QUERY.first("default", number=o.number, since=since, staff_id=world.supervisor.pk) is not None
    # the owner excluded, a later "since", another number: nothing
    assert QUERY.first("default", number=o.number, since=since, staff_id=o.owner_id) is None
    later = o.created_at + dt.timedelta(seconds=1)
    assert QUERY.first("default", number=o.number, since=later, staff_id=world.supervisor.pk) is None
    assert QUERY.first("default", number="GD-19000101-000001", since=since, staff_id=0) is None


def test_the_query_runs_as_one_logged_statement(world: Any) -> None:
    o = world.order(world.customer())
    since = o.created_at - dt.timedelta(minutes=1)
    QUERY.first("default", number=o.number, since=since, staff_id=0)
    with CaptureQueriesContext(connection) as q:
        QUERY.first("default", number=o.number, since=since, staff_id=0)
    assert len(q.captured_queries) == 1
    assert "workorders_workorder" in q.captured_queries[0]["sql"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_postgresql_prepares_the_statement_on_the_connection(world: Any) -> None:
    o = world.order(world.customer())
    since = o.created_at - dt.timedelta(minutes=1)
    for _ in range(7):
        assert QUERY.first("default", number=o.number, since=since, staff_id=0) is not None
    with connection.cursor() as cur:
        cur.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%workorders_workorder%"],
        )
        runs = [r[0] for r in cur.fetchall()]
    assert runs and max(runs) >= 7


def test_a_sample_missing_from_the_parameters_is_refused(world: Any) -> None:
    unused = Prepared(lambda number, other: WorkOrder.objects.filter(number=number), number="\x01S", other=7)
    with pytest.raises(ValueError, match="other"):
        unused.first("default", number="x", other=1)
    with pytest.raises(TypeError):
        QUERY.first("default", number="x")  # a value missing
    prefetching = Prepared(
        lambda number: WorkOrder.objects.prefetch_related("timeline").filter(number=number), number="\x01S"
    )
    with pytest.raises(ValueError, match="prefetch"):
        prefetching.first("default", number="x")
