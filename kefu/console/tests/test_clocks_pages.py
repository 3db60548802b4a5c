"""Console: the "Time limits" card, extension and unreachable forms, the leaders' extension page, and the
remaining time in the queue (no per-row queries)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kefu.commitments import clocks
from kefu.commitments.models import ExtensionRequest, OrderClock
from kefu.testing.clock import FakeClock, freeze, sh
from kefu.workorders import actions

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _default_limits(db: Any) -> None:
    """Migration 0004's calendars and limits (tests elsewhere may have flushed the tables)."""
    clocks.ensure_defaults()


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """A settable clock for every ``timezone.now()`` in the project."""
    return freeze(monkeypatch, sh(2025, 3, 3, 10, 0))  # Monday


def client_for(staff: Any) -> Client:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(staff.user)
    return c


def page(c: Client, number: str) -> str:
    resp = c.get(f"/orders/{number}/")
    assert resp.status_code == 200
    return resp.content.decode()


def test_card_shows_limit_due_and_remaining_working_time(world, now):
    o = world.order(world.customer(), order_type="install_urban", title="开户安装")
    now.set(sh(2025, 3, 7, 16, 30))  # Friday: Mon 10:00 + 5 working days → next Monday 17:30
    body = page(client_for(world.agent), o.number)
    card = body[body.index('id="clocks-section"') :]
    assert "5 working days" in card
    assert "2025-03-10 17:30" in card  # shown in the branch's time zone
    assert "Remaining working time" in card
    # Fri 16:30–17:30 and Mon 08:30–12:00, 14:00–17:30: 8 working hours, a working day here is 7 h
    assert "1 working d 1 working h left" in card
    assert "Working time: only the working hours" in card  # the tooltip says what it counts
    assert 'data-testid="clock-warning"' in card  # 39 of 47 working hours used (> 75 %)


def test_card_flags_breach_and_missing_calendar_year(world, now):
    o = world.order(world.customer())
    now.set(sh(2025, 3, 4, 11, 0))
    body = page(client_for(world.agent), o.number)
    assert 'data-testid="clock-breached"' in body and "1 h overdue (clock time)" in body
    now.set(sh(2026, 12, 28, 10, 0))
    o2 = world.order(world.customer(name="王五", phone="13700137000"), order_type="install_urban")
    body = page(client_for(world.agent), o2.number)
    assert 'data-testid="clock-calendar-missing"' in body
    assert "no holiday data for 2027" in body


def test_extension_request_and_decision_through_the_console(world, now):
    o = world.order(world.customer(), order_type="install_urban")
    c = OrderClock.objects.get(workorder=o, kind="resolution")
    agent = client_for(world.agent)
    assert f'id="extension-form-{c.pk}"' in page(agent, o.number)
    resp = agent.post(f"/orders/{o.number}/clocks/{c.pk}/extension/", {"amount": "2", "reason": ""})
    assert resp.status_code == 302
    assert not ExtensionRequest.objects.exists()
    resp = agent.post(f"/orders/{o.number}/clocks/{c.pk}/extension/", {"amount": "2", "reason": "光缆未到"})
    req = ExtensionRequest.objects.get()
    assert f'id="approve-{req.pk}"' not in page(agent, o.number)  # not the agent's to decide
    leader = client_for(world.supervisor)
    listing = leader.get("/orders/extensions/").content.decode()
    assert f'id="extension-row-{req.pk}"' in listing and "光缆未到" in listing
    assert (
        f'id="extension-row-{req.pk}"'
        not in client_for(world.supervisor_south).get("/orders/extensions/").content.decode()
    )
    # a post without a decision (or an unknown one) decides nothing
    for bad in ({}, {"decision": "maybe"}):
        assert leader.post(f"/orders/extensions/{req.pk}/decide/", bad).status_code == 302
        req.refresh_from_db()
        assert req.status == "pending"
    resp = leader.post(f"/orders/extensions/{req.pk}/decide/", {"decision": "approve", "back": "list"})
    assert resp.status_code == 302 and resp["Location"] == "/orders/extensions/"
    c.refresh_from_db()
    assert c.due_at == sh(2025, 3, 12, 17, 30)
    assert "2025-03-12 17:30" in page(agent, o.number)


def test_unreachable_report_form(world, now):
    o = world.order(world.customer())
    c = OrderClock.objects.get(workorder=o, kind="resolution")
    tech = client_for(world.technician)
    start = c.started_at
    assert start is not None
    resp = tech.post(f"/orders/{o.number}/clocks/{c.pk}/unreachable/", {"text": "上门无人，电话未接"})
    assert resp.status_code == 302 and OrderClock.objects.get(pk=c.pk).unreachable_report == ""  # no proof
    for hours in (1, 3, 5):  # three calls two hours apart, recorded on the "Reaching the customer" card
        now.set(start + dt.timedelta(hours=hours))
        resp = tech.post(f"/orders/{o.number}/contact-attempts/", {"method": "phone", "note": "未接"})
        assert resp.status_code == 302
    assert page(tech, o.number).count('data-testid="contact-attempt"') == 3
    now.set(start + dt.timedelta(hours=23))
    resp = tech.post(f"/orders/{o.number}/clocks/{c.pk}/unreachable/", {"text": "上门无人，电话未接"})
    assert resp.status_code == 302
    c.refresh_from_db()
    assert (c.status, c.unreachable_status) == ("running", "pending")
    leader = client_for(world.supervisor)
    assert f'id="unreachable-approve-{c.pk}"' in page(leader, o.number)
    assert f'id="unreachable-approve-{c.pk}"' not in page(tech, o.number)  # not the reporter's decision
    resp = leader.post(f"/orders/{o.number}/clocks/{c.pk}/unreachable/decide/", {"decision": "approve"})
    assert resp.status_code == 302
    c.refresh_from_db()
    assert c.status == "met_unreachable"
    body = page(tech, o.number)
    assert "上门无人，电话未接" in body and "on time (customer unreachable, report filed)" in body


def _queue_queries(c: Client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        resp = c.get("/orders/", {"tab": "team"})
    assert resp.status_code == 200
    return len(ctx.captured_queries), resp.content.decode()


def test_queue_shows_remaining_time_without_per_row_queries(world, now):
    cust = world.customer()
    world.order(cust, order_type="install_urban", title="安装")
    world.order(cust, title="故障")
    now.set(sh(2025, 3, 3, 15, 0))
    c = client_for(world.agent)
    c.get("/orders/")  # warm the session's time zone and the calendar cache
    small, body = _queue_queries(c)
    assert "19 h left (clock time)" in body  # the fault: 24 calendar hours from 10:00, now 15:00
    # the installation: 37.5 working hours until next Monday 17:30, 5 working days of 7 h and 2.5 h
    assert "5 working d 2 working h left" in body
    for i in range(12):
        world.order(cust, order_type="install_urban" if i % 2 else "fault_general", title=f"批量{i}")
    big, _body = _queue_queries(c)
    assert big == small
    clocks.clear_calendar_cache()


def test_timeline_tells_what_happened_to_the_clocks(world, now):
    o = world.order(world.customer(), order_type="install_urban")
    now.set(sh(2025, 3, 3, 11, 0))
    actions.do_transition(world.agent.user, o.pk, "pending_customer", reason="约上门时间")
    c = OrderClock.objects.get(workorder=o, kind="resolution")
    clocks.do_request_extension(world.agent.user, c.pk, 2, "光缆未到")
    body = page(client_for(world.agent), o.number)
    timeline = " ".join(body[body.index('id="timeline"') :].split("</section>")[0].split())
    assert "Resolution: time limit paused" in timeline
    assert "Extension of 2 requested" in timeline
    assert ">clock.extension_requested<" not in body  # the service log shows its label too
    assert "time-limit extension requested" in body


def test_clock_forms_refuse_a_clock_of_another_order(world, now):
    o = world.order(world.customer())
    other = world.order(world.customer(name="李四", phone="13600136000"))
    c = OrderClock.objects.get(workorder=other, kind="resolution")
    resp = client_for(world.agent).post(f"/orders/{o.number}/clocks/{c.pk}/unreachable/", {"text": "x"})
    assert resp.status_code == 404
    assert OrderClock.objects.get(pk=c.pk).unreachable_reported_at is None
