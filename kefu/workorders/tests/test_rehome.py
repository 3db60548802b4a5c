"""Moving an order to another customer: the owner or a supervisor, with a reason; the rows that hang on the
order move with it; the timeline and both service logs say so — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from kefu.audit.models import AuditRecord
from kefu.customers import merge
from kefu.customers.actions import do_log_contact
from kefu.customers.models import Contact
from kefu.lib.errors import NotFound, PermissionDenied, ValidationFailed
from kefu.testing.factories import World
from kefu.workorders.models import TimelineEntry, WorkOrder
from kefu.workorders.rehome import do_move_order

pytestmark = pytest.mark.django_db


def test_owner_moves_the_order_with_its_contacts_and_a_reason(world: World) -> None:
    wrong = world.customer(name="张三", phone="13800138000")
    right = world.customer(name="张三丰", phone="13900139000")
    o = world.order(wrong, title="燃气表漏气")
    assert o.owner_id == world.agent.pk
    do_log_contact(world.agent.user, wrong.pk, "phone", "回电确认")
    Contact.objects.filter(customer=wrong).update(workorder=o)
    other_contact = do_log_contact(world.agent.user, wrong.pk, "phone", "另一件事")
    moved = do_move_order(world.agent.user, o.number, right.pk, "  建在了同名客户名下  ")
    assert moved.customer_id == right.pk
    o.refresh_from_db()
    assert o.customer_id == right.pk and "张三丰" in o.search_text
    assert set(Contact.objects.filter(workorder=o).values_list("customer_id", flat=True)) == {right.pk}
    other_contact.refresh_from_db()
    assert other_contact.customer_id == wrong.pk  # not the order's: stays
    entry = TimelineEntry.objects.filter(workorder=o, kind="system").latest("id")
    assert entry.data == {"event": "customer_moved", "from": wrong.number, "to": right.number}
    assert entry.body == "建在了同名客户名下"
    logs = AuditRecord.objects.filter(action="order.customer_moved", workorder_id=o.pk)
    assert set(logs.values_list("customer_id", flat=True)) == {wrong.pk, right.pk}


def test_who_may_move_and_what_is_refused(world: World) -> None:
    a = world.customer(name="张三", phone="13800138000")
    b = world.customer(name="李四", phone="13900139000")
    south = world.customer(name="王五", phone="13700137000", branch=world.south)
    o = world.order(a)
    with pytest.raises(PermissionDenied):
        do_move_order(world.agent_senior.user, o.number, b.pk, "不是我的单")  # not the owner
    with pytest.raises(ValidationFailed) as exc:
        do_move_order(world.agent.user, o.number, b.pk, "   ")
    assert exc.value.field == "reason"
    with pytest.raises(ValidationFailed) as exc:
        do_move_order(world.agent.user, o.number, a.pk, "同一个")
    assert exc.value.code == "same_customer"
    with pytest.raises(NotFound):
        do_move_order(world.supervisor.user, o.number, south.pk, "跨分公司")  # not in scope
    merge.do_merge(world.supervisor.user, a.pk, [b.pk])
    with pytest.raises(ValidationFailed) as exc:
        do_move_order(world.supervisor.user, o.number, b.pk, "合并过的档案")
    assert exc.value.code == "merged"
    c = world.customer(name="赵六", phone="13600136000")
    do_move_order(world.supervisor.user, o.number, c.pk, "班长改正")  # a supervisor may
    assert WorkOrder.objects.get(pk=o.pk).customer_id == c.pk
