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

import datetime as dt
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
ORDER_PAGE = 9  # the issue's budget is 12; the cards' rows come with the order (kefu.lib.json_rows)
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


@pytest.fixture
def every_card(world: Any, busy: WorkOrder) -> WorkOrder:
    """The busy order with a row of every kind an optional card shows: a link, a merged duplicate, a
    supervision notice, a follow-up task with an attempt, a contact attempt, a materials checklist, a
    one-time notice, a request for more materials, an extension request, a booked visit and an incident."""
    from kefu.commitments.models import ExtensionRequest
    from kefu.commitments.models.materials import (
        AdditionalMaterialsRequest,
        MaterialsNotice,
        OrderMaterial,
    )
    from kefu.commitments.unreachable import do_record_attempt
    from kefu.fieldservice.models.appointments import Appointment, AppointmentSource
    from kefu.followup.models import FollowupAttempt, FollowupTask
    from kefu.incidents import actions as incidents
    from kefu.incidents.tests.helpers import make_incident
    from kefu.lib import clock
    from kefu.supervision.models import SupervisionNotice

    o, now, agent = busy, clock.now(), world.agent
    other = world.order(world.customer(name="孙七", phone="13700137002"), title="楼上也断网")
    actions.do_link(agent.user, o.pk, other.pk)
    dup = world.order(o.customer, title="宽带断网（重复）")
    actions.do_merge(agent.user, dup.pk, o.pk, "同一故障")
    SupervisionNotice.objects.create(
        workorder=o,
        branch_id=o.branch_id,
        issued_by=world.supervisor,
        issued_at=now,
        due_at=now + dt.timedelta(days=1),
        text="请今天内回复客户",
    )
    task = FollowupTask.objects.create(
        key=f"budget:{o.pk}",
        kind=FollowupTask.Kind.ORDER,
        workorder=o,
        customer_id=o.customer_id,
        branch_id=o.branch_id,
        assignee=agent,
        created_at=now,
        resolved_at=now,
        due_at=now + dt.timedelta(days=2),
    )
    FollowupAttempt.objects.create(task=task, at=now, by=agent, outcome=FollowupAttempt.Outcome.NO_ANSWER)
    do_record_attempt(agent.user, o.pk, "phone", "无人接听")
    OrderMaterial.objects.create(workorder=o, name="身份证复印件", order=1)
    notice = MaterialsNotice.objects.create(
        workorder=o,
        items=["身份证复印件"],
        text="请补充身份证复印件",
        channel="print",
        created_by=agent,
        created_at=now,
    )
    AdditionalMaterialsRequest.objects.create(
        workorder=o, notice=notice, items=["房产证"], reason="过户需要", requested_by=agent, requested_at=now
    )
    first_clock = o.clocks.order_by("pk").first()
    assert first_clock is not None
    ExtensionRequest.objects.create(
        clock=first_clock, requested_by=agent, requested_at=now, amount=8, reason="等配件"
    )
    Appointment.objects.create(
        order=o,
        technician=world.technician,
        window_start=now + dt.timedelta(days=1),
        window_end=now + dt.timedelta(days=1, hours=2),
        source=AppointmentSource.AGENT,
    )
    incidents.do_attach(world.supervisor.user, make_incident(world).pk, [o.pk])
    return o


def test_order_page_with_every_card(world: Any, every_card: WorkOrder) -> None:
    """Every optional card has rows: they come with the order query (kefu.lib.json_rows), not a query
    per kind, so the page stays within its budget."""
    c = client_for(world.agent)
    c.get(url(every_card))
    resp, n = _statements(lambda: c.get(url(every_card)))
    assert resp.status_code == 200
    body = resp.content.decode()
    for shown in (
        "楼上也断网",
        "宽带断网（重复）",
        "请今天内回复客户",
        "身份证复印件",
        "房产证",
        "等配件",
        "安定路爆管停水",
    ):
        assert shown in body, shown
    visit = body[body.index('id="visit-technician"') :]
    assert visit[: visit.index("</dd>")].count(world.technician.name) == 1
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
