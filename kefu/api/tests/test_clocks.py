"""Time-limit endpoints: clocks of an order, extension requests and decisions, unreachable reports."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kefu.api.tests.conftest import assert_error
from kefu.commitments import clocks
from kefu.commitments.models import OrderClock
from kefu.testing.clock import FakeClock, freeze, sh

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


def test_clocks_of_an_order(world, apis, now):
    o = world.order(world.customer(), order_type="complaint", title="投诉")
    now.set(sh(2025, 3, 3, 11, 0))
    r = apis("agent").get(f"/orders/{o.number}/clocks")
    assert r.status_code == 200, r.body
    by_kind = {c["kind"]: c for c in r.body}
    first = by_kind["first_response"]
    assert (first["status"], first["unit"], first["calendar"]) == ("running", "calendar_hours", "7×24小时")
    assert dt.datetime.fromisoformat(first["due_at"]) == sh(2025, 3, 3, 14, 0)
    assert first["remaining_seconds"] == 3 * 3600
    answer = by_kind["complaint_answer"]
    assert dt.datetime.fromisoformat(answer["due_at"]) == sh(2025, 3, 6, 17, 30)
    assert answer["remaining_seconds"] == (4 * 60 + 30 + 3 * 7 * 60) * 60  # Mon 11:00– : working seconds
    assert_error(apis("agent_south").get(f"/orders/{o.number}/clocks"), 404)


def test_extension_request_and_decision(world, apis, now):
    o = world.order(world.customer(), order_type="install_urban")
    c = OrderClock.objects.get(workorder=o, kind="resolution")
    r = apis("agent").post(f"/orders/{o.number}/clocks/{c.pk}/extensions", {"amount": "2", "reason": ""})
    assert_error(r, 400, "required", "reason")
    r = apis("agent").post(
        f"/orders/{o.number}/clocks/{c.pk}/extensions", {"amount": "1.5", "reason": "等待"}
    )
    assert_error(r, 400, "whole_days", "amount")
    r = apis("agent").post(
        f"/orders/{o.number}/clocks/{c.pk}/extensions", {"amount": 2, "reason": "光缆未到"}
    )
    assert r.status_code == 201, r.body
    ext = r.body
    assert (ext["status"], ext["order"], ext["requested_by"]["id"]) == ("pending", o.number, world.agent.pk)
    assert [e["id"] for e in apis("supervisor").get("/extensions").body] == [ext["id"]]
    assert apis("supervisor_south").get("/extensions").body == []
    assert_error(apis("agent_senior").post(f"/extensions/{ext['id']}/decision", {"approve": True}), 403)
    r = apis("supervisor").post(f"/extensions/{ext['id']}/decision", {"approve": True, "note": "同意"})
    assert r.status_code == 200, r.body
    assert (r.body["status"], r.body["decided_by"]["id"]) == ("approved", world.supervisor.pk)
    clock = next(c for c in apis("agent").get(f"/orders/{o.number}/clocks").body if c["kind"] == "resolution")
    assert dt.datetime.fromisoformat(clock["due_at"]) == sh(2025, 3, 12, 17, 30)
    assert clock["extension_amount"] == "2.00" or float(clock["extension_amount"]) == 2


def test_extension_after_the_deadline_is_refused(world, apis, now):
    o = world.order(world.customer())
    c = OrderClock.objects.get(workorder=o, kind="resolution")
    now.set(sh(2025, 3, 4, 10, 1))
    r = apis("agent").post(f"/orders/{o.number}/clocks/{c.pk}/extensions", {"amount": 4, "reason": "等配件"})
    assert_error(r, 400, "deadline_passed")


def test_unreachable_report(world, apis, now):
    o = world.order(world.customer())
    c = OrderClock.objects.get(workorder=o, kind="resolution")
    now.set(sh(2025, 3, 3, 10, 30))
    r = apis("technician").post(f"/orders/{o.number}/clocks/{c.pk}/unreachable", {"text": "上门无人"})
    assert_error(r, 400, "attempts_missing", "text")  # three phone/SMS attempts 2 hours apart first
    for hour in (11, 13, 15):
        now.set(sh(2025, 3, 3, hour, 0))
        r = apis("technician").post(
            f"/orders/{o.number}/contact-attempts", {"method": "phone", "note": "无人"}
        )
        assert r.status_code == 201, r.body
    now.set(sh(2025, 3, 4, 9, 0))
    r = apis("technician").post(f"/orders/{o.number}/clocks/{c.pk}/unreachable", {"text": "上门无人"})
    assert r.status_code == 200, r.body
    assert (r.body["status"], r.body["unreachable_status"]) == ("running", "pending")  # runs until decided
    assert r.body["unreachable_report"] == "上门无人"
    r = apis("supervisor").post(
        f"/orders/{o.number}/clocks/{c.pk}/unreachable/decision", {"approve": True, "note": "属实"}
    )
    assert r.status_code == 200, r.body
    assert (r.body["status"], r.body["unreachable_status"]) == ("met_unreachable", "approved")
    other = world.order(world.customer(name="李四", phone="13600136000"))
    r = apis("technician").post(f"/orders/{other.number}/clocks/{c.pk}/unreachable", {"text": "x"})
    assert_error(r, 404)
