"""Urgent first: the stored urgency rank and the default order of the queues and the
API — urgent and high priority before normal, then the earliest due time, open work before resolved and
closed; on PostgreSQL the default order is read from the index ``wo_urgency``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection

from kefu.testing.clock import FakeClock, freeze, sh
from kefu.workorders import actions, queries
from kefu.workorders.access import visible_workorders
from kefu.workorders.models import Priority, StatusChoices, WorkOrder, urgency_of

pytestmark = pytest.mark.django_db

OLD = sh(2024, 10, 8, 9, 0)  # 17 months before NOW
NOW = sh(2026, 3, 9, 9, 0)  # a Monday


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    return freeze(monkeypatch, OLD)


def numbers(qs: Any) -> list[str]:
    return list(qs.values_list("number", flat=True))


def technician_backlog(world: Any, now: FakeClock) -> dict[str, Any]:
    """The issue's technician: 17 normal fault orders from October 2024, overdue since (24 clock hours
    each), then on NOW a fresh high-priority complaint and an urgent gas leak, all assigned to them."""
    cust = world.customer()
    old = []
    for i in range(17):
        now.set(OLD + dt.timedelta(hours=i))
        # one customer each: repeated orders of one customer would be raised to high priority
        c = world.customer(name=f"客户{i:02d}", phone=f"1380013{i:04d}")
        o = world.order(c, title=f"旧故障{i:02d}", order_type="fault_general")
        assert o.priority == "normal"
        actions.do_transfer(world.agent.user, o.pk, to_staff_id=world.technician.pk, reason="上门")
        old.append(o)
    now.set(NOW - dt.timedelta(hours=2))
    high = world.order(cust, title="燃气费投诉", order_type="complaint")  # high by default
    actions.do_transfer(world.agent.user, high.pk, to_staff_id=world.technician.pk, reason="上门")
    now.set(NOW - dt.timedelta(minutes=5))
    gas = world.order(cust, title="燃气泄漏", order_type="fault_major", priority="urgent")
    actions.do_transfer(world.agent.user, gas.pk, to_staff_id=world.technician.pk, reason="立即上门")
    now.set(NOW)
    return {"old": old, "high": high, "gas": gas}


def test_urgency_rank_is_stored_by_the_database(world: Any, now: FakeClock) -> None:
    cust = world.customer()
    o = world.order(cust, priority="urgent")
    assert WorkOrder.objects.values_list("urgency", flat=True).get(pk=o.pk) == 0
    ranks = {}
    for p in ("urgent", "high", "normal", "low"):
        WorkOrder.objects.filter(pk=o.pk).update(priority=p)
        ranks[p] = WorkOrder.objects.values_list("urgency", flat=True).get(pk=o.pk)
    assert ranks == {"urgent": 0, "high": 1, "normal": 2, "low": 3}
    actions.do_transition(world.agent.user, o.pk, "resolved", resolution="已处理")
    # resolved work sinks below every open order (low: 4 + 3)
    assert WorkOrder.objects.values_list("urgency", flat=True).get(pk=o.pk) == 7
    actions.do_transition(world.agent.user, o.pk, "reopened", reason="客户反映仍有异味")
    assert WorkOrder.objects.values_list("urgency", flat=True).get(pk=o.pk) == 3  # low, open again


def test_fresh_gas_leak_tops_17_month_old_overdue_orders(world: Any, now: FakeClock) -> None:
    b = technician_backlog(world, now)
    mine = queries.queue_tabs(world.technician.user, world.technician)["mine"]
    rows = numbers(queries.queue_sort(mine, ""))  # the default: no sort chosen
    assert rows[0] == b["gas"].number  # urgent, due in 72 h: above everything overdue
    assert rows[1] == b["high"].number  # high before normal
    # within the normal band, the earliest due time (the most overdue) first
    assert rows[2:] == [o.number for o in b["old"]]
    assert len(rows) == 19
    # the former default, by due time only, buried the gas leak in row 19 (the issue saw row 18)
    assert numbers(queries.queue_sort(mine, "due_at")).index(b["gas"].number) == 18
    # another column can still be chosen
    assert numbers(queries.queue_sort(mine, "-received_at"))[0] == b["gas"].number
    assert numbers(queries.queue_sort(mine, "received_at"))[0] == b["old"][0].number


def test_due_time_orders_each_band_and_empty_due_times_go_last(world: Any, now: FakeClock) -> None:
    now.set(NOW)
    cust = world.customer()
    h_late, h_early, h_none, u, low, closed = (world.order(cust, title=f"单{i}") for i in range(6))
    actions.do_transition(world.agent.user, closed.pk, "resolved", resolution="已处理")
    # priority and due time set directly (a customer's repeated orders are raised to high on creation)
    for o, priority, due in (
        (h_late, "high", NOW + dt.timedelta(hours=5)),
        (h_early, "high", NOW - dt.timedelta(days=3)),
        (h_none, "high", None),
        (u, "urgent", NOW + dt.timedelta(hours=70)),
        (low, "low", NOW - dt.timedelta(days=400)),
        (closed, "urgent", NOW - dt.timedelta(days=500)),
    ):
        WorkOrder.objects.filter(pk=o.pk).update(priority=priority, due_at=due)
    base = WorkOrder.objects.filter(customer=cust)
    expected = [u, h_early, h_late, h_none, low, closed]
    assert numbers(queries.by_urgency(base)) == [o.number for o in expected]
    assert numbers(queries.by_urgency(base, desc=True)) == [o.number for o in reversed(expected)]
    assert numbers(queries.ORDERINGS["urgency"](base, False)) == [o.number for o in expected]


def _plan(qs: Any) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        # the test tables are tiny (sorting 4 rows is the planner's right choice): forbid what a large table
        # makes too costly, so the plan shows whether an index delivers the order at all
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("SET LOCAL enable_bitmapscan = off")
        cur.execute("SET LOCAL enable_sort = off")
        cur.execute("EXPLAIN " + sql, params)
        return "\n".join(r[0] for r in cur.fetchall())


@pytest.mark.pg
def test_default_order_reads_the_urgency_index(world: Any, now: FakeClock) -> None:
    """The team queue and the API list walk ``wo_urgency`` in order and stop after a page (no sort of
    every open order), "My queue" ``wo_assignee_urgency``, "My responsibilities" ``wo_owner_urgency``;
    bench/RESULTS.md has the plans at 1,000,000 orders."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner")
    cust = world.customer()
    for p in ("urgent", "high", "normal", "low"):
        world.order(cust, priority=p)
    team = queries.queue_tabs(world.agent.user, world.agent)["team"]
    plan = _plan(queries.queue_sort(team, "")[:50])
    assert "wo_urgency" in plan and "Sort" not in plan, plan
    api_plan = _plan(queries.by_urgency(visible_workorders(world.agent.user))[:50])
    assert "wo_urgency" in api_plan and "Sort" not in api_plan, api_plan
    tabs = queries.queue_tabs(world.agent.user, world.agent)
    mine_plan = _plan(queries.queue_sort(tabs["mine"], "")[:50])
    assert "wo_assignee_urgency" in mine_plan and "Sort" not in mine_plan, mine_plan
    owned_plan = _plan(queries.queue_sort(tabs["owned"], "")[:50])
    assert "wo_owner_urgency" in owned_plan and "Sort" not in owned_plan, owned_plan


def test_urgency_of_is_what_the_database_computes(world: Any) -> None:
    """A new order's urgency is set in Python before its INSERT (so a batched write reads nothing back):
    the same value the database stores, for every status and priority."""
    o = world.order(world.customer(phone="13700137099"))
    for status in StatusChoices.values:
        for priority in Priority.values:
            WorkOrder.objects.filter(pk=o.pk).update(status=status, priority=priority)
            stored = WorkOrder.objects.values_list("urgency", flat=True).get(pk=o.pk)
            assert urgency_of(status, priority) == stored, (status, priority)
    assert urgency_of("new", "nonsense") == 9
