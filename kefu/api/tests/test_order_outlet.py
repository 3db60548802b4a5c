"""Outlet attribution (R-32): counter and phone orders record the outlet, or the outlet's line,
that received them — through the action, the console form and the API; other channels and outlets of
another branch are refused with the field named."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kefu.api.tests.conftest import assert_error
from kefu.lib.errors import ValidationFailed
from kefu.organization.models import Outlet
from kefu.workorders.actions import OrderInput, do_create_order
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def data(**kw: Any) -> OrderInput:
    return OrderInput(order_type="inquiry", title="咨询燃气价格", description="客户到营业厅咨询", **kw)


def test_counter_and_phone_orders_record_their_outlet(world: Any) -> None:
    outlet = Outlet.objects.create(branch=world.north, name="和平里营业厅", address="和平里1号")
    c = world.customer()
    o = do_create_order(world.agent.user, c.pk, data(channel="counter", outlet_id=outlet.pk))
    assert o.outlet_id == outlet.pk
    o2 = do_create_order(world.agent.user, c.pk, data(channel="phone", outlet_id=outlet.pk))
    assert WorkOrder.objects.get(pk=o2.pk).outlet_id == outlet.pk
    with pytest.raises(ValidationFailed) as exc:
        do_create_order(world.agent.user, c.pk, data(channel="email", outlet_id=outlet.pk))
    assert exc.value.field == "outlet"
    south = Outlet.objects.create(branch=world.south, name="南站营业厅", address="南站3号")
    with pytest.raises(ValidationFailed) as exc:
        do_create_order(world.agent.user, c.pk, data(channel="counter", outlet_id=south.pk))
    assert exc.value.field == "outlet"


def test_console_form_and_api(world: Any, apis: Any) -> None:
    outlet = Outlet.objects.create(branch=world.north, name="和平里营业厅", address="和平里1号")
    c = world.customer()
    client = Client()
    client.force_login(world.agent.user)
    url = reverse("console:order_create") + f"?customer={c.pk}"
    assert f'value="{outlet.pk}"' in client.get(url).content.decode()
    resp = client.post(
        url,
        {
            "customer": c.pk,
            "order_type": "inquiry",
            "channel": "counter",
            "title": "咨询",
            "description": "到厅咨询",
            "outlet": outlet.pk,
        },
    )
    assert resp.status_code == 302, resp.content[:500]
    assert WorkOrder.objects.get(customer=c, channel="counter").outlet_id == outlet.pk
    body = {"customer_id": c.pk, "order_type": "inquiry", "title": "电话咨询", "description": "x"}
    ok = apis("agent").post("/orders", {**body, "channel": "phone", "outlet_id": outlet.pk})
    assert ok.status_code == 201, ok.content[:300]
    assert WorkOrder.objects.get(number=ok.body["number"]).outlet_id == outlet.pk
    assert_error(
        apis("agent").post("/orders", {**body, "channel": "api", "outlet_id": outlet.pk}), 400, field="outlet"
    )
