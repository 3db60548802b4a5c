"""Orders stay in their branch: transfers and new orders refuse staff and departments of another branch
(company-level staff stay allowed), each refusal naming its field; the console forms offer exactly
what the actions accept."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from kefu.api.tests.conftest import api_for, assert_error
from kefu.audit.models import AuditRecord
from kefu.console.forms_orders import OrderCreateForm, TransferForm
from kefu.lib.errors import Errors, ValidationFailed
from kefu.organization.models import Department, Staff
from kefu.testing.factories import make_staff
from kefu.workorders import rules
from kefu.workorders.actions import OrderInput, do_create_order, do_transfer
from kefu.workorders.models import Receiver, TimelineEntry, Transfer, WorkOrder

pytestmark = pytest.mark.django_db


def test_serves_branch_rule() -> None:
    assert rules.serves_branch(1, 1)
    assert rules.serves_branch(None, 1)  # company level
    assert not rules.serves_branch(2, 1)


def _nothing_transferred(o: WorkOrder) -> None:
    fresh = WorkOrder.objects.get(pk=o.pk)
    assert (fresh.assignee_id, fresh.department_id, fresh.version) == (
        o.assignee_id,
        o.department_id,
        o.version,
    )
    assert not Transfer.objects.filter(workorder=o).exists()
    assert not TimelineEntry.objects.filter(workorder=o, kind="transfer").exists()
    assert not AuditRecord.objects.filter(workorder_id=o.pk, action="order.transfer").exists()


def test_transfer_to_staff_of_another_branch_refused(world: Any) -> None:
    o = world.order(world.customer())
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        do_transfer(world.agent.user, o.pk, to_staff_id=world.agent_south.pk, reason="请南区同事处理")
    assert (exc.value.code, exc.value.field) == ("other_branch", "to_staff")
    assert exc.value.message == (
        "钱客服 works in another branch; choose staff of the order's branch or of the company level."
    )
    _nothing_transferred(o)


def test_transfer_to_department_of_another_branch_refused(world: Any) -> None:
    o = world.order(world.customer())
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        do_transfer(world.agent.user, o.pk, to_department_id=world.repair_south.pk, reason="跨区线路")
    assert (exc.value.code, exc.value.field) == ("other_branch", "to_department")
    assert exc.value.message == (
        "城南分公司 · 维修班 belongs to another branch; choose a department of the order's branch."
    )
    _nothing_transferred(o)


def test_transfer_both_of_another_branch_reports_both_fields(world: Any) -> None:
    o = world.order(world.customer())
    with pytest.raises(Errors) as exc:
        do_transfer(
            world.agent.user,
            o.pk,
            to_staff_id=world.agent_south.pk,
            to_department_id=world.repair_south.pk,
            reason="x",
        )
    assert [(e.code, e.field) for e in exc.value.errors] == [
        ("other_branch", "to_staff"),
        ("other_branch", "to_department"),
    ]
    _nothing_transferred(o)


def test_transfer_to_company_level_staff_allowed(world: Any) -> None:
    """The general manager (no branch) can take an order of any branch. A company-level receiver's own
    department follows only when it belongs to the order's branch."""
    hq = make_staff("hq_tech", "technician", None, department=world.repair_south, name="总部师傅")
    north = world.order(world.customer())
    do_transfer(world.agent.user, north.pk, to_staff_id=world.president.pk, reason="总经理亲自处理")
    fresh = WorkOrder.objects.get(pk=north.pk)
    assert (fresh.assignee, fresh.department) == (world.president, None)
    do_transfer(world.president.user, north.pk, to_staff_id=hq.pk, reason="总部支援")
    fresh = WorkOrder.objects.get(pk=north.pk)
    assert (fresh.assignee, fresh.department) == (hq, None)  # not the south repair team
    south = world.order(world.customer(phone="13700137000", branch=world.south))
    do_transfer(world.agent_south.user, south.pk, to_staff_id=hq.pk, reason="总部支援")
    fresh = WorkOrder.objects.get(pk=south.pk)
    assert (fresh.assignee, fresh.department) == (hq, world.repair_south)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"assignee_id": "agent_south"}, "assignee"),
        ({"department_id": "repair_south"}, "department"),
        ({"co_receiver_ids": ["agent_senior", "supervisor_south"]}, "co_receivers"),
    ],
)
def test_new_order_with_staff_of_another_branch_refused(world: Any, kw: dict[str, Any], field: str) -> None:
    c = world.customer()
    values = {
        k: ([getattr(world, n).pk for n in v] if isinstance(v, list) else getattr(world, v).pk)
        for k, v in kw.items()
    }
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        world.order(c, **values)
    assert (exc.value.code, exc.value.field) == ("other_branch", field)
    assert "another branch" in str(exc.value.message)
    if field == "co_receivers":
        assert str(exc.value.message).startswith("郑经理 works in another branch")
    assert not WorkOrder.objects.exists()
    assert not Receiver.objects.exists()
    assert not AuditRecord.objects.filter(action="order.create").exists()


def test_new_order_with_company_level_staff_allowed(world: Any) -> None:
    o = world.order(
        world.customer(),
        co_receiver_ids=[world.president.pk],
        assignee_id=world.president.pk,
        department_id=world.repair_north.pk,
    )
    assert (o.owner, o.assignee, o.department) == (world.president, world.president, world.repair_north)


def test_api_refuses_another_branch_with_the_field(world: Any) -> None:
    c = world.customer()
    api = api_for(world.agent.user)
    o = world.order(c)
    assert_error(
        api.post(f"/orders/{o.pk}/transfer", {"to_department_id": world.repair_south.pk, "reason": "跨区"}),
        400,
        "other_branch",
        "to_department",
    )
    body = {"customer_id": c.pk, "order_type": "inquiry", "title": "t", "description": "d"}
    assert_error(
        api.post("/orders", {**body, "assignee_id": world.agent_south.pk}), 400, "other_branch", "assignee"
    )
    assert WorkOrder.objects.count() == 1


def _everyone(world: Any) -> list[Staff]:
    make_staff("hq_agent", "agent", None, name="总部客服")
    gone = make_staff("gone", "agent", world.north, name="离职客服")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    Department.objects.create(branch=world.south, name="安装队")
    return list(Staff.objects.order_by("pk"))


def test_transfer_form_offers_exactly_what_the_action_accepts(world: Any) -> None:
    everyone = _everyone(world)
    o = world.order(world.customer())
    form = TransferForm(order=o)
    offered_staff = set(form.fields["to_staff"].queryset)  # type: ignore[attr-defined]
    offered_depts = set(form.fields["to_department"].queryset)  # type: ignore[attr-defined]
    assert world.president in offered_staff and world.agent_south not in offered_staff
    for s in everyone:
        try:
            do_transfer(world.supervisor.user, o.pk, to_staff_id=s.pk, reason="试转")
            accepted = True
        except ValidationFailed as exc:
            assert exc.field == "to_staff" and exc.code in ("other_branch", "invalid_choice"), exc
            accepted = False
        assert accepted == (s in offered_staff), s
    for d in Department.objects.all():
        try:
            do_transfer(world.supervisor.user, o.pk, to_department_id=d.pk, reason="试转")
            accepted = True
        except ValidationFailed as exc:
            assert (exc.field, exc.code) == ("to_department", "other_branch"), exc
            accepted = False
        assert accepted == (d in offered_depts), d
    assert offered_depts == {world.repair_north}


def test_create_form_offers_exactly_what_the_action_accepts(world: Any) -> None:
    everyone = _everyone(world)
    c = world.customer()
    form = OrderCreateForm(branch_id=c.branch_id, me=world.agent)
    fields = form.fields
    for name, key in (("assignee", "assignee_id"), ("co_receivers", "co_receiver_ids")):
        offered = set(fields[name].queryset)  # type: ignore[attr-defined]
        for s in everyone:
            if s == world.agent:
                continue
            value: dict[str, Any] = {key: [s.pk] if key == "co_receiver_ids" else s.pk}
            data = OrderInput(order_type="inquiry", title="咨询", description="资费", **value)
            try:
                do_create_order(world.agent.user, c.pk, data)
                accepted = True
            except ValidationFailed as exc:
                assert exc.field == name and exc.code in ("other_branch", "invalid_choice"), exc
                accepted = False
            assert accepted == (s in offered), (name, s)
    offered_depts = set(fields["department"].queryset)  # type: ignore[attr-defined]
    for d in Department.objects.all():
        data = OrderInput(order_type="inquiry", title="咨询", description="资费", department_id=d.pk)
        try:
            do_create_order(world.agent.user, c.pk, data)
            accepted = True
        except ValidationFailed as exc:
            assert (exc.field, exc.code) == ("department", "other_branch"), exc
            accepted = False
        assert accepted == (d in offered_depts), d
