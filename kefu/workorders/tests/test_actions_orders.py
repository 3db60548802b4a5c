"""do_create_order / do_update_order validation: every bad input names its field, nothing saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kefu.audit.models import AuditRecord
from kefu.customers.models import Contact
from kefu.lib.errors import NotFound, PermissionDenied, ValidationFailed
from kefu.workorders.actions import do_update_order
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def test_create_sets_channel_priority_classes_and_contact(world: Any) -> None:
    c = world.customer()
    o = world.order(c, channel="counter", order_type="complaint", service_id=None, place="counter")
    assert (o.channel, o.priority, o.place, o.branch, o.status) == (
        "counter",
        "high",
        "counter",
        world.north,
        "new",
    )
    contact = Contact.objects.get(workorder=o)
    assert (contact.channel, contact.staff, contact.customer) == ("counter", world.agent, c)
    svc = world.order(c, service_id=world.service_fault.pk)
    assert svc.service == world.service_fault


def test_vip_customer_gets_higher_priority(world: Any) -> None:
    c = world.customer()
    c.tier = "gold"
    c.save()
    assert world.order(c, order_type="inquiry").priority == "high"
    assert world.order(c, order_type="fault_major").priority == "urgent"


@pytest.mark.parametrize(
    ("kw", "field", "code"),
    [
        ({"order_type": "alien"}, "order_type", "invalid_choice"),
        ({"title": "  "}, "title", "required"),
        ({"title": "长" * 201}, "title", "too_long"),
        ({"description": ""}, "description", "required"),
        ({"channel": "pigeon"}, "channel", "invalid_choice"),
        ({"priority": "asap"}, "priority", "invalid_choice"),
        ({"sale_phase": "never"}, "sale_phase", "invalid_choice"),
        ({"place": "moon"}, "place", "invalid_choice"),
        ({"paid": "yes"}, "paid", "invalid"),
        ({"service_id": 999_999}, "service", "invalid_choice"),
        ({"order_type": "complaint", "service_id": "FAULT"}, "service", "type_mismatch"),
        ({"assignee_id": 999_999}, "assignee", "invalid_choice"),
        ({"department_id": 999_999}, "department", "invalid_choice"),
        ({"received_at": dt.datetime(2026, 1, 1)}, "received_at", "naive_time"),
        ({"received_at": "FUTURE"}, "received_at", "future_time"),
    ],
)
def test_create_refused_names_field(world: Any, kw: dict[str, Any], field: str, code: str) -> None:
    c = world.customer()
    if kw.get("service_id") == "FAULT":
        kw["service_id"] = world.service_fault.pk
    if kw.get("received_at") == "FUTURE":
        kw["received_at"] = timezone.now() + dt.timedelta(hours=1)
    with pytest.raises(ValidationFailed) as exc:
        world.order(c, **kw)
    assert (exc.value.field, exc.value.code) == (field, code)
    assert not WorkOrder.objects.exists()
    assert not Contact.objects.exists()
    assert not AuditRecord.objects.filter(action="order.create").exists()


def test_area_of_another_branch_refused(world: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        world.order(world.customer(), area_id=world.area_s1.pk)
    assert exc.value.field == "area"


def test_create_for_invisible_customer_or_without_capability(world: Any) -> None:
    south = world.customer(name="王五", phone="13700137000", branch=world.south)
    with pytest.raises(NotFound):
        world.order(south, actor=world.agent)
    for persona in (world.followup, world.inspector):
        with pytest.raises(PermissionDenied):
            world.order(world.customer(), actor=persona)
    assert not WorkOrder.objects.exists()


def test_update_validates_classes(world: Any) -> None:
    o = world.order(world.customer())
    with pytest.raises(ValidationFailed) as exc:
        do_update_order(world.agent.user, o.pk, {"sale_phase": "bogus"})
    assert (exc.value.field, exc.value.code) == ("sale_phase", "invalid_choice")
    with pytest.raises(ValidationFailed) as exc:
        do_update_order(world.agent.user, o.pk, {"area_id": world.area_s1.pk})
    assert exc.value.field == "area"
    fresh = WorkOrder.objects.get(pk=o.pk)
    assert (fresh.sale_phase, fresh.area_id, fresh.version) == ("after", o.area_id, o.version)
    do_update_order(world.agent.user, o.pk, {"sale_phase": "pre", "paid": True, "technical": None})
    fresh = WorkOrder.objects.get(pk=o.pk)
    assert (fresh.sale_phase, fresh.paid, fresh.technical) == ("pre", True, True)
