"""POST /api/v1/satisfaction/counter-evaluations: the counter keypad's 1–5 press becomes a satisfaction
record of the outlet; bad input is a 400 naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from kefu.api.tests.conftest import assert_error
from kefu.organization.models import Outlet
from kefu.surveys.models import RecoveryTask, SatisfactionRecord

pytestmark = pytest.mark.django_db


def test_counter_evaluation(world: Any, apis: Any) -> None:
    outlet = Outlet.objects.create(branch=world.north, name="和平里营业厅", address="和平里1号")
    resp = apis("agent").post("/satisfaction/counter-evaluations", {"outlet_id": outlet.pk, "csat": 4})
    assert resp.status_code == 201, resp.content[:300]
    assert (resp.body["source"], resp.body["outlet_id"], resp.body["csat"], resp.body["low"]) == (
        "counter",
        outlet.pk,
        4,
        False,
    )
    rec = SatisfactionRecord.objects.get(pk=resp.body["id"])
    assert (rec.staff_id, rec.branch_id, rec.sat4) == (world.agent.pk, world.north.pk, "satisfied")
    low = apis("agent").post("/satisfaction/counter-evaluations", {"outlet_id": outlet.pk, "csat": 1})
    assert low.status_code == 201 and low.body["low"] is True
    assert RecoveryTask.objects.get(record_id=low.body["id"]).assignee_id is not None
    assert_error(
        apis("agent").post("/satisfaction/counter-evaluations", {"outlet_id": outlet.pk, "csat": 9}),
        400,
        field="csat",
    )
    assert_error(
        apis("agent").post(
            "/satisfaction/counter-evaluations", {"outlet_id": outlet.pk, "csat": 3, "order_number": "GD-1"}
        ),
        400,
        field="order",
    )
