"""/api/v1 appointments: windows, booking, the customer's rules, errors as 4xx JSON, pagination."""

from __future__ import annotations

import pytest

from kefu.api.tests.conftest import api_for, assert_error
from kefu.testing.clock import freeze, sh
from kefu.testing.factories import make_portal_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world, monkeypatch):  # type: ignore[no-untyped-def]
    freeze(monkeypatch, sh(2026, 9, 30, 9, 0))
    world.area_n1.responsible.add(world.technician)
    customer = world.customer(area_id=world.area_n1.pk)
    return world, customer, world.order(customer, area_id=world.area_n1.pk)


def test_the_agent_lists_windows_and_books_through_the_api(setup) -> None:  # type: ignore[no-untyped-def]
    world, _c, order = setup
    api = api_for(world.agent.user)
    resp = api.get(f"/orders/{order.number}/windows", limit=3)
    assert resp.status_code == 200
    assert resp.body["limit"] == 3 and len(resp.body["items"]) == 3 and resp.body["count"] > 3
    assert resp.body["items"][2]["start"] == "2026-10-08T00:30:00Z"  # 08:30 in Shanghai, after the holiday
    resp = api.post(f"/orders/{order.number}/appointments", {"start": "2026-10-08T08:30:00+08:00"})
    assert resp.status_code == 201, resp.body
    body = resp.body
    assert body["status"] == "booked" and body["technician"]["badge_no"] == world.technician.badge_no
    # the same window again: 400 with the field named
    assert_error(
        api.post(f"/orders/{order.number}/appointments", {"start": "2026-10-08T08:30:00+08:00"}),
        400,
        "already_booked",
        "window",
    )
    assert_error(api.post(f"/orders/{order.number}/appointments", {"start": "tomorrow"}), 400)
    listed = api.get("/appointments", order=order.number)
    assert listed.body["count"] == 1 and listed.body["items"][0]["id"] == body["id"]
    resp = api.post(f"/appointments/{body['id']}/missed", {"reason": "customer_absent", "note": ""})
    assert_error(resp, 400, "not_yet", "reason")
    # another branch's agent sees nothing
    south = api_for(world.agent_south.user)
    assert_error(south.get(f"/appointments/{body['id']}"), 404)
    assert south.get("/appointments").body["count"] == 0


def test_the_customer_reschedules_through_the_api_within_the_rules(setup) -> None:  # type: ignore[no-untyped-def]
    world, customer, order = setup
    api = api_for(make_portal_customer(world, customer))
    resp = api.post(f"/orders/{order.number}/appointments", {"start": "2026-10-09T14:00:00+08:00"})
    assert resp.status_code == 201, resp.body
    body = resp.body
    assert body["status"] == "confirmed" and body["customer_requested_later"] is True
    assert body["paused_until"] == "2026-10-09T06:00:00Z"
    for start in ("2026-10-09T08:30:00+08:00", "2026-10-08T16:00:00+08:00"):
        assert api.post(f"/appointments/{body['id']}/reschedule", {"start": start}).status_code == 200
    assert_error(
        api.post(f"/appointments/{body['id']}/reschedule", {"start": "2026-10-08T14:00:00+08:00"}),
        400,
        "too_many_reschedules",
        "window",
    )
    assert api.post(f"/appointments/{body['id']}/cancel").body["status"] == "cancelled"
