"""The open-order queue at scale (PostgreSQL): the partial index ``wo_open_due`` answers the visibility rule
and the open statuses — the team queue's count becomes an index-only scan and the list by due time walks
the index — and the connections run without JIT. (bench/RESULTS.md: 480 → 20 ms for the count at
1,000,000 orders.)"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.db import connection
from django.db.models import F

from kefu.workorders.access import visible_workorders
from kefu.workorders.models import WorkOrder
from kefu.workorders.rules import OPEN_STATUSES

pytestmark = [pytest.mark.pg, pytest.mark.django_db]


def _plan(qs: Any) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")  # the test tables are tiny: make the choice visible
        cur.execute("SET LOCAL enable_bitmapscan = off")
        cur.execute("EXPLAIN " + sql, params)
        return "\n".join(r[0] for r in cur.fetchall())


def _closed_history(world: Any, customer: Any, n: int) -> None:
    """``n`` closed orders of the branch and fresh statistics, as in a real table where closed orders are
    most rows: the planner's choice then does not hang on what earlier tests left in pg_statistic."""
    template = copy.copy(world.order(customer, title="closed"))  # a fourth open order; its copies closed
    template.pk = None
    template.status = "closed"
    rows = []
    for i in range(n):
        row = copy.copy(template)
        row.number = f"CLOSED-{i:05d}"
        rows.append(row)
    WorkOrder.objects.bulk_create(rows)
    with connection.cursor() as cur:
        # wo_escalated (escalated, status) can be scanned whole with a condition on its second column; on a
        # table of a few hundred rows its cost comes within a point of the partial index and the choice then
        # depends on what earlier tests left (seen once in CI); at scale it costs the whole index. Dropped for
        # this test's transaction only (DDL rolls back with it).
        cur.execute("DROP INDEX IF EXISTS wo_escalated")
        cur.execute("ANALYZE workorders_workorder")


def test_team_queue_uses_the_open_index_and_jit_is_off(world: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner")
    c = world.customer()
    for i in range(3):
        world.order(c, title=f"queue {i}")
    _closed_history(world, c, 400)
    team = visible_workorders(world.agent.user).filter(status__in=[s.value for s in OPEN_STATUSES])
    # the count (as the paginator runs it: no ordering)
    count_plan = _plan(team.order_by().values("pk"))
    assert "wo_open_due" in count_plan, count_plan
    list_plan = _plan(team.order_by(F("due_at").asc(nulls_last=True), "id")[:50])
    assert "wo_open_due" in list_plan, list_plan
    # closed orders are not in the index: a closed-order list cannot use it
    closed_plan = _plan(visible_workorders(world.agent.user).filter(status="closed").order_by().values("pk"))
    assert "wo_open_due" not in closed_plan
    with connection.cursor() as cur:
        cur.execute("SHOW jit")
        assert cur.fetchone()[0] == "off"


def test_newest_first_reads_the_received_index_backwards(world: Any) -> None:
    """The API's default order (newest first) on a NOT NULL column has no NULLS LAST, so PostgreSQL walks
    ``wo_received`` backwards and stops after the page instead of sorting every match of a search."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner")
    from kefu.api.workorders import ORDER_ORDERINGS

    c = world.customer()
    world.order(c, title="燃气泄漏")
    qs = ORDER_ORDERINGS["received_at"](visible_workorders(world.agent.user), True)[:50]
    plan = _plan(qs)
    assert "Index Scan Backward using wo_received" in plan, plan
    # the rows come from the index in order (PostgreSQL may still sort a one-row estimate fully, or
    # incrementally by id for ties: either way it never reads the whole table)
    assert "Seq Scan on workorders_workorder" not in plan, plan
    # a column that can be empty keeps its empty values last (and is read through a sort)
    due = ORDER_ORDERINGS["due_at"](visible_workorders(world.agent.user), True)
    assert "NULLS LAST" in str(due.query)
