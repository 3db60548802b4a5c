"""kefu.workorders.queries: the one order-list module behind the API list, the console queues and the
queue export — filters, sorting (the fast "newest first" for both) and the queue tabs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from kefu.console.forms_orders import SORTS
from kefu.workorders import queries
from kefu.workorders.access import visible_workorders
from kefu.workorders.actions import do_escalate
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def numbers(qs: QuerySet[WorkOrder]) -> list[str]:
    return list(qs.values_list("number", flat=True))


def test_not_null_columns_sort_without_nulls_last_in_both_lists(world: Any) -> None:
    base = visible_workorders(world.agent.user)
    for sort in ("received_at", "-received_at", "updated_at", "-updated_at"):
        assert "NULLS LAST" not in str(queries.queue_sort(base, sort).query).upper(), sort
        assert (
            "NULLS LAST" not in str(queries.ORDERINGS[sort.lstrip("-")](base, sort[0] == "-").query).upper()
        )
    for sort in ("due_at", "-due_at"):  # can be empty: empty last either way
        assert "NULLS LAST" in str(queries.queue_sort(base, sort).query).upper()


def test_console_newest_first_reads_the_received_index_backwards(world: Any) -> None:
    """The console queue's "received ↓" now walks ``wo_received`` backwards like the API's default (it
    sorted every match with NULLS LAST before)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner")
    world.order(world.customer(), title="燃气泄漏")
    qs = queries.queue_sort(visible_workorders(world.agent.user), "-received_at")[:50]
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("SET LOCAL enable_bitmapscan = off")
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n".join(r[0] for r in cur.fetchall())
    assert "Index Scan Backward using wo_received" in plan, plan


def test_sorting_by_date_and_priority(world: Any) -> None:
    c = world.customer()
    t0 = timezone.now() - dt.timedelta(hours=5)
    low = world.order(c, priority="low", received_at=t0)
    urgent1 = world.order(c, priority="urgent", received_at=t0 + dt.timedelta(hours=1))
    normal = world.order(c, priority="normal", received_at=t0 + dt.timedelta(hours=2))
    urgent2 = world.order(c, priority="urgent", received_at=t0 + dt.timedelta(hours=3))
    base = WorkOrder.objects.filter(customer=c)
    assert numbers(queries.queue_sort(base, "-received_at")) == [
        o.number for o in (urgent2, normal, urgent1, low)
    ]
    assert numbers(queries.ORDERINGS["received_at"](base, False)) == [
        o.number for o in (low, urgent1, normal, urgent2)
    ]
    # the console: "priority ↓" most urgent first, the later order first among equals
    assert numbers(queries.queue_sort(base, "-priority")) == [
        o.number for o in (urgent2, urgent1, normal, low)
    ]
    assert numbers(queries.queue_sort(base, "priority")) == [
        o.number for o in (low, normal, urgent1, urgent2)
    ]
    # the API: "priority" most urgent first, the earlier order first among equals
    assert numbers(queries.ORDERINGS["priority"](base, False)) == [
        o.number for o in (urgent1, urgent2, normal, low)
    ]
    assert numbers(queries.ORDERINGS["priority"](base, True)) == [
        o.number for o in (low, normal, urgent1, urgent2)
    ]
    # an unknown console sort falls back to the default, urgency
    assert str(queries.queue_sort(base, "-title").query) == str(queries.queue_sort(base, "urgency").query)
    assert str(queries.queue_sort(base, "").query) == str(queries.by_urgency(base).query)


def test_console_sort_choices_are_the_queue_sorts() -> None:
    # "urgency" is the form's first, separate choice (one direction only)
    assert set(SORTS) | {queries.DEFAULT_QUEUE_SORT} == set(queries.QUEUE_SORTS)


def test_filters(world: Any) -> None:
    c, other = world.customer(), world.customer("李四", "13900139000")
    a = world.order(c, priority="high", title="宽带故障报修")
    b = world.order(other, order_type="inquiry", title="套餐咨询", channel="email")
    do_escalate(world.agent.user, b.pk, "客户要求领导处理")
    now = timezone.now()
    WorkOrder.objects.filter(pk=a.pk).update(due_at=now - dt.timedelta(hours=1))
    base = WorkOrder.objects.filter(pk__in=[a.pk, b.pk]).order_by("id")

    def match(**kw: Any) -> list[str]:
        return numbers(queries.filter_orders(base, queries.OrderFilter(**kw), now))

    assert match() == [a.number, b.number]
    assert match(order_type="inquiry") == [b.number]
    assert match(priority="high") == [a.number, b.number]  # the escalation raised b to high
    assert match(channel="email") == [b.number]
    assert match(customer_id=c.pk) == [a.number]
    assert match(owner_id=world.agent.pk, customer_id=other.pk) == [b.number]
    assert match(branch_id=world.south.pk) == []
    assert match(overdue=True) == [a.number]
    assert match(overdue=False) == [b.number]
    assert match(escalated=True) == [b.number]
    assert match(escalated=False) == [a.number]
    assert match(open=True) == [a.number, b.number]
    assert match(open=False) == []
    assert match(status="new", q="报修") == [a.number]
    assert match(q="咨询") == [b.number]
    assert match(area_id=a.area_id) == ([a.number, b.number] if a.area_id == b.area_id else [a.number])


def test_queue_tabs(world: Any) -> None:
    mine = world.order(world.customer(), assignee_id=world.agent.pk)
    theirs = world.order(world.customer(), actor=world.agent_senior)
    do_escalate(world.agent_senior.user, theirs.pk, "请主管处理")
    tabs = queries.queue_tabs(world.agent.user, world.agent)
    assert set(tabs) == set(queries.QUEUE_TABS)
    assert numbers(tabs["mine"]) == [mine.number]
    assert numbers(tabs["owned"]) == [mine.number]
    assert set(numbers(tabs["team"])) == {mine.number, theirs.number}
    assert numbers(queries.queue_tabs(world.supervisor.user, world.supervisor)["escalated"]) == [
        theirs.number
    ]
