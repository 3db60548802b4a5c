"""Statement budgets of the hot paths: the console order page, console create, API create,
console reply and API reply, each with every panel and hook the project registers, on SQLite and on
PostgreSQL (run this file with ``DATABASE_URL`` set for the second), in the steady state (after a first
request of the session or the process).

The issue's targets: order page ≤ 12, create ≤ 12, reply ≤ 8. On PostgreSQL create is 4 statements and
reply 3: the writes of the action go in one statement (``kefu.lib.batch``: data-modifying ``WITH`` parts).
SQLite has no such statement: there the writes are one statement per table (create 12 with the row of
SQLite's own search index, ``kefu.lib.search.sync``; reply 8). What each statement is: bench/RESULTS.md,
"Create and reply: the writes of one action in one statement". The session, the user, the staff profile, the bell and the live-event id are one query
(``kefu.console.sessions``); the configuration tokens come with the first query of an order or a customer
(``kefu.organization.config_cache.token_annotations``); the cards of the order page say with the order
whether they have rows (``OrderPanel.annotations``)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.api.tests.conftest import api_for
from kefu.console.tests.test_orders_detail import _fill, client_for, url
from kefu.workorders import actions
from kefu.workorders.models import TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db

PG = connection.vendor == "postgresql"
ORDER_PAGE = 12
# PostgreSQL: session or token; the customer (with the configuration tokens and the classifier's count of
# recent contacts); the day's number with the order's id; the order with its live events, receivers, clocks,
# timeline entry, contact, audit records and customer-type suggestion (one statement)
CONSOLE_CREATE = 4 if PG else 12
API_CREATE = 4 if PG else 12
# PostgreSQL: session or token; the order locked (with its customer and the entry's id); the entry, outbox
# row, the order's version, live event, contact and audit record (one statement)
CONSOLE_REPLY = 3 if PG else 8
API_REPLY = 3 if PG else 8

REPLY = "您好，我们已经安排师傅明天上午上门检修。"


@pytest.fixture
def busy(world: Any) -> WorkOrder:
    """An order with a timeline of every kind, files, transfers and an escalation: the page's panels
    all have something to show."""
    cust = world.customer(name="王五", phone="13700137000")
    o = world.order(cust, title="宽带断网", area_id=world.area_n1.pk)
    _fill(world, o, 12)
    actions.do_escalate(world.agent.user, o.pk, "升级")
    return o


def _statements(fn: Any) -> tuple[Any, int]:
    """What ``fn`` sends to the database, less the savepoint pair of its outermost transaction: the test
    runs inside a transaction of its own, so the action's ``atomic`` is a SAVEPOINT/RELEASE here and a
    BEGIN/COMMIT (not statements of the view) in production. A nested ``atomic`` still counts."""
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    sqls = [q["sql"] for q in ctx.captured_queries]
    outer = next((s.split()[1] for s in sqls if s.startswith("SAVEPOINT ")), None)
    if outer is not None:
        sqls = [s for s in sqls if s not in (f"SAVEPOINT {outer}", f"RELEASE SAVEPOINT {outer}")]
    if os.environ.get("KEFU_SHOW_STATEMENTS"):  # what each statement is, when a budget is exceeded
        for sql in sqls:
            print(sql[:160])  # noqa: T201
        print(len(sqls), "statements")  # noqa: T201
    return result, len(sqls)


def test_order_page(world: Any, busy: WorkOrder) -> None:
    c = client_for(world.agent)
    c.get(url(busy))  # the session's first request
    resp, n = _statements(lambda: c.get(url(busy)))
    assert resp.status_code == 200
    assert "宽带断网" in resp.content.decode()
    assert n <= ORDER_PAGE, n


def test_console_create(world: Any) -> None:
    cust = world.customer(name="赵六", phone="13700137001")
    c = client_for(world.agent)

    def create(title: str) -> Any:
        return c.post(
            f"/orders/new/?customer={cust.pk}",
            {
                "order_type": "fault_general",
                "service": world.service_fault.pk,
                "channel": "phone",
                "title": title,
                "description": "家里宽带断网",
                "area": world.area_n1.pk,
            },
        )

    create("第一次")  # the process's first order: calendars, keywords, the day's number counter
    resp, n = _statements(lambda: create("断网了"))
    assert resp.status_code == 302
    o = WorkOrder.objects.get(customer=cust, title="断网了")
    assert o.title == "断网了" and o.due_at is not None  # the clocks ran
    assert n <= CONSOLE_CREATE, n


def test_api_create(world: Any) -> None:
    cust = world.customer(name="赵六", phone="13700137001")
    api = api_for(world.agent.user)
    body = {
        "customer_id": cust.pk,
        "order_type": "fault_general",
        "service_id": world.service_fault.pk,
        "title": "断网了",
        "description": "家里宽带断网",
        "channel": "phone",
    }
    api.post("/orders", body)  # the token's first use
    resp, n = _statements(lambda: api.post("/orders", body))
    assert resp.status_code == 201, resp.body
    assert resp.body["title"] == "断网了" and resp.body["due_at"]
    assert n <= API_CREATE, n


def test_console_reply(world: Any, busy: WorkOrder) -> None:
    c = client_for(world.agent)
    c.get(url(busy))
    busy.refresh_from_db()
    resp, n = _statements(
        lambda: c.post(url(busy, "reply"), {"body": REPLY, "channel": "sms", "version": busy.version})
    )
    assert resp.status_code == 302
    assert TimelineEntry.objects.filter(workorder=busy, kind="reply", body=REPLY).count() == 1
    assert n <= CONSOLE_REPLY, n


def test_api_reply(world: Any, busy: WorkOrder) -> None:
    api = api_for(world.agent.user)
    api.get(f"/orders/{busy.number}")
    resp, n = _statements(
        lambda: api.post(f"/orders/{busy.number}/replies", {"body": REPLY, "channel": "sms"})
    )
    assert resp.status_code == 201, resp.body
    busy.refresh_from_db()
    assert resp.body["data"]["outbox"].startswith("reply:")
    assert resp.body["order_version"] == busy.version  # the version after the reply, without a re-read
    assert n <= API_REPLY, n
