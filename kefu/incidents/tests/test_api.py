"""/api/v1/incidents and /api/v1/ivr/incidents (typed; docs/api.md)."""

from __future__ import annotations

from typing import Any

import pytest

from kefu.api.tests.conftest import api_for, assert_error
from kefu.channels.models import OutboxMessage
from kefu.incidents.models import IncidentOrder
from kefu.incidents.tests.helpers import reporters

pytestmark = pytest.mark.django_db


def test_create_attach_update_resolve(world: Any, settings: Any) -> None:
    settings.KEFU_INCIDENT_FOLLOWUP_SAMPLE = 1
    api = api_for(world.agent.user)
    r = api.post(
        "/incidents",
        {
            "title": "安定路爆管停水",
            "kind": "burst_main",
            "owner_unit_id": world.repair_north.pk,
            "area_id": world.area_n1.pk,
            "estimated_end_at": "2099-01-01T18:00:00+08:00",
        },
    )
    assert r.status_code == 201, r.body
    inc = r.body
    assert inc["number"] == f"INC-{inc['id']:06d}" and inc["status"] == "active" and inc["reports"] == 0
    orders = reporters(world, 3)
    r = api.post(f"/incidents/{inc['id']}/reports", {"orders": [o.number for o in orders]})
    assert r.status_code == 200 and r.body["attached"] == [o.number for o in orders]
    r = api.post(f"/incidents/{inc['id']}/updates", {"body": "抢修中", "idempotency_key": "a1"})
    assert r.status_code == 201 and r.body["delivered"] == 3 and r.body["created"] is True
    r = api.post(f"/incidents/{inc['id']}/updates", {"body": "抢修中", "idempotency_key": "a1"})
    assert r.status_code == 200 and r.body["delivered"] == 0 and r.body["created"] is False
    r = api.post(
        f"/incidents/{inc['id']}/units",
        {"department_id": world.repair_north.pk, "task": "x", "due_at": "2099-01-01T18:00:00+08:00"},
    )
    assert_error(r, 400, "owner_unit", "department")
    r = api.post(f"/incidents/{inc['id']}/resolve", {"resolution": "修复完成"})
    assert r.status_code == 200, r.body
    assert len(r.body["closed"]) == 2 and len(r.body["followup_sample"]) == 1 and r.body["refused"] == []
    assert r.body["message"]["kind"] == "resolution" and r.body["message"]["delivered"] == 3
    assert_error(api.post(f"/incidents/{inc['id']}/resolve", {"resolution": "again"}), 409, "resolved")
    r = api.get(f"/incidents/{inc['id']}/reports")
    assert r.status_code == 200 and r.body["count"] == 3
    assert [x["first_report"] for x in r.body["items"]] == [True, False, False]
    assert sum(x["covered"] for x in r.body["items"]) == 2


def test_errors_and_scope(world: Any) -> None:
    api = api_for(world.agent.user)
    assert_error(api.post("/incidents", {"title": " ", "owner_unit_id": world.repair_north.pk}), 400)
    r = api.post("/incidents", {"title": "停气", "owner_unit_id": world.repair_north.pk})
    assert r.status_code == 201
    assert_error(api_for(world.agent_south.user).get(f"/incidents/{r.body['id']}"), 404, "not_found")
    assert_error(api_for(world.followup.user).post("/incidents", {"title": "x", "owner_unit_id": 1}), 403)
    assert_error(
        api.post(f"/incidents/{r.body['id']}/reports", {"orders": ["GD-NOPE"]}), 404, "not_found", "orders"
    )


def test_ivr_finds_the_outage_of_the_callers_area_and_takes_the_report(world: Any) -> None:
    api = api_for(world.agent.user)
    inc = api.post(
        "/incidents",
        {"title": "安定路爆管停水", "owner_unit_id": world.repair_north.pk, "area_id": world.area_n1.pk},
    ).body
    caller = world.customer(name="来电人", phone="13977778888", area_id=world.area_n1.pk, language="en")
    far = world.customer(name="北苑人", phone="13977779999", area_id=world.area_n2.pk)
    r = api.get("/ivr/incidents", caller="+8613977778888")
    assert r.status_code == 200 and [i["id"] for i in r.body] == [inc["id"]]
    assert r.body[0]["prompt"].startswith("There is an outage in your area: 安定路爆管停水.")
    assert api.get("/ivr/incidents", caller=far.phone).body == []
    r = api.post(f"/ivr/incidents/{inc['id']}/reports", {"caller": "13977778888"})
    assert r.status_code == 201 and r.body["incident"] == inc["number"]
    link = IncidentOrder.objects.get(workorder__number=r.body["order"])
    assert link.workorder.customer_id == caller.pk and link.source == "customer"
    assert_error(api_for(world.technician.user).get("/ivr/incidents", caller="1"), 403)
    # the caller gets the incident's next update on their mobile
    api.post(f"/incidents/{inc['id']}/updates", {"body": "预计18点恢复"})
    assert (
        OutboxMessage.objects.filter(customer=caller, channel="sms", body__contains="预计18点恢复").count()
        == 1
    )


def test_absurd_keys_and_far_offsets(world: Any) -> None:
    api = api_for(world.agent.user)
    # RFC 3339 allows offsets PostgreSQL refuses: stored in UTC
    r = api.post(
        "/incidents",
        {
            "title": "时区",
            "owner_unit_id": world.repair_north.pk,
            "started_at": "2089-07-02T15:44:07.12+20:06",
        },
    )
    assert r.status_code == 201, r.body
    assert r.body["started_at"].startswith("2089-07-01T19:38:07.12")
    assert_error(
        api.post(f"/incidents/{r.body['id']}/reports", {"orders": ["9" * 30]}), 404, "not_found", "orders"
    )
