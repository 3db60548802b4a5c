"""R-33: every work-order action writes one audit record (actor, action, before/after) in its own
transaction, and nothing when it is refused. Also escalation, link and merge behaviour."""

from __future__ import annotations

from typing import Any

import pytest

from kefu.audit.models import AuditRecord
from kefu.lib.errors import NotFound, PermissionDenied, ValidationFailed
from kefu.testing.factories import make_portal_customer
from kefu.workorders.actions import (
    do_customer_message,
    do_escalate,
    do_handle_escalation,
    do_link,
    do_merge,
    do_note,
    do_reply,
    do_transition,
    do_update_order,
)
from kefu.workorders.models import Escalation, OrderLink, TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db


def last(action: str) -> AuditRecord:
    return AuditRecord.objects.filter(action=action).latest("id")


def test_create(world: Any) -> None:
    c = world.customer()
    o = world.order(c)
    rec = AuditRecord.objects.get(action="order.create")
    assert (rec.actor, rec.workorder_id, rec.customer_id, rec.summary) == (
        world.agent.user,
        o.pk,
        c.pk,
        o.number,
    )
    assert rec.object_type == "workorders.workorder" and rec.object_id == str(o.pk)
    assert rec.before is None
    assert rec.after is not None
    assert rec.after["owner_id"] == world.agent.pk and rec.after["status"] == "new"
    assert rec.after["title"] == "宽带无法上网"


def test_update_records_only_changed_fields(world: Any) -> None:
    o = world.order(world.customer())
    do_update_order(world.agent.user, o.pk, {"title": "  光猫  红灯 ", "priority": "high"})
    rec = last("order.update")
    assert rec.actor == world.agent.user
    assert rec.before is not None
    assert set(rec.before) == {"title", "priority", "version", "updated_at"}
    assert (rec.before["title"], rec.before["priority"], rec.before["version"]) == (
        "宽带无法上网",
        "normal",
        1,
    )
    assert rec.after is not None
    assert rec.after["title"] == "光猫 红灯" and rec.after["priority"] == "high"
    assert rec.after["version"] == 2
    assert set(rec.after) == {"title", "priority", "version", "updated_at"}


def test_update_refused_writes_nothing(world: Any) -> None:
    o = world.order(world.customer())
    for changes, code in (({"title": ""}, "required"), ({"owner_id": world.admin.pk}, "unknown_field")):
        with pytest.raises(ValidationFailed) as exc:
            do_update_order(world.agent.user, o.pk, changes)
        assert exc.value.code == code
    assert not AuditRecord.objects.filter(action="order.update").exists()
    assert WorkOrder.objects.get(pk=o.pk).owner == world.agent


def test_reply_and_note(world: Any) -> None:
    o = world.order(world.customer())
    entry = do_reply(world.agent.user, o.pk, " 您好，已安排师傅上门 ", channel="sms")
    rec = last("order.reply")
    assert (rec.actor, rec.workorder_id, rec.after) == (
        world.agent.user,
        o.pk,
        {"body": "您好，已安排师傅上门", "channel": "sms"},
    )
    assert rec.object_type == "workorders.timelineentry" and rec.object_id == str(entry.pk)
    fresh = WorkOrder.objects.get(pk=o.pk)
    assert fresh.first_response_at is not None and fresh.last_reply_by == world.agent
    do_note(world.technician.user, o.pk, "需带光功率计")
    rec = last("order.note")
    assert (rec.actor, rec.after) == (world.technician.user, {"body": "需带光功率计"})
    with pytest.raises(ValidationFailed):
        do_reply(world.agent.user, o.pk, "   ", channel="sms")
    assert AuditRecord.objects.filter(action="order.reply").count() == 1


def test_customer_message_resumes_pending_order(world: Any) -> None:
    c = world.customer()
    user = make_portal_customer(world, c)
    o = world.order(c)
    do_transition(world.agent.user, o.pk, "pending_customer", reason="请客户提供地址")
    do_customer_message(user, o.pk, "地址是和平里3号楼")
    rec = last("order.customer_message")
    assert (rec.actor, rec.customer_id, rec.after) == (user, c.pk, {"body": "地址是和平里3号楼"})
    assert WorkOrder.objects.get(pk=o.pk).status == "in_progress"
    with pytest.raises(PermissionDenied):
        do_customer_message(world.agent.user, o.pk, "staff cannot write as customer")


def test_escalate_and_handle(world: Any) -> None:
    o = world.order(world.customer())
    esc = do_escalate(world.agent.user, o.pk, "客户要求领导处理")
    assert esc.leader == world.supervisor  # the agent's leader
    rec = last("order.escalate")
    assert rec.after == {"leader": world.supervisor.pk, "reason": "客户要求领导处理"}
    fresh = WorkOrder.objects.get(pk=o.pk)
    assert fresh.escalated is True and fresh.priority == "high"
    do_handle_escalation(world.supervisor.user, esc.pk, "已协调维修班优先处理")
    rec = last("order.escalation_handled")
    assert (rec.actor, rec.after) == (world.supervisor.user, {"response": "已协调维修班优先处理"})
    assert WorkOrder.objects.get(pk=o.pk).escalated is False
    with pytest.raises(ValidationFailed) as exc:
        do_handle_escalation(world.supervisor.user, esc.pk, "again")
    assert exc.value.code == "already_handled"


def test_escalate_to_president(world: Any) -> None:
    o = world.order(world.customer())
    esc = do_escalate(world.agent.user, o.pk, "客户要求找总经理", to_president=True)
    assert esc.leader == world.president
    assert WorkOrder.objects.get(pk=o.pk).to_president is True


def test_escalation_needs_reason_and_is_hidden_from_others(world: Any) -> None:
    o = world.order(world.customer())
    with pytest.raises(ValidationFailed):
        do_escalate(world.agent.user, o.pk, "  ")
    assert not Escalation.objects.exists()
    esc = do_escalate(world.agent.user, o.pk, "重大故障")
    # another branch's supervisor can neither see nor handle it
    with pytest.raises(NotFound):
        do_handle_escalation(world.supervisor_south.user, esc.pk, "我来处理")
    with pytest.raises(NotFound):
        do_handle_escalation(world.agent_senior.user, esc.pk, "我来处理")
    assert Escalation.objects.get(pk=esc.pk).handled_at is None


def test_link(world: Any) -> None:
    c = world.customer()
    a, b = world.order(c), world.order(c)
    do_link(world.agent.user, a.pk, b.number)
    rec = last("order.link")
    assert rec.after == {"source": a.number, "target": b.number}
    with pytest.raises(ValidationFailed) as exc:
        do_link(world.agent.user, b.pk, a.pk)
    assert exc.value.code == "already_linked"
    assert OrderLink.objects.count() == 1


def test_merge(world: Any) -> None:
    c = world.customer()
    survivor, dup = world.order(c), world.order(c)
    result = do_merge(world.agent.user, dup.pk, survivor.pk, "同一故障重复来电")
    assert result.pk == survivor.pk
    fresh = WorkOrder.objects.get(pk=dup.pk)
    assert (fresh.status, fresh.close_reason, fresh.merged_into_id) == ("closed", "duplicate", survivor.pk)
    assert fresh.owner == world.agent
    rec = last("order.merge")
    assert rec.before == {"status": "new", "merged_into_id": None, "close_reason": ""}
    assert rec.after == {"status": "closed", "merged_into_id": survivor.pk, "close_reason": "duplicate"}
    assert rec.summary == f"{dup.number} → {survivor.number}"
    assert TimelineEntry.objects.filter(workorder=survivor, data__event="merged_in").exists()


def test_merge_refusals(world: Any) -> None:
    c = world.customer()
    other = world.customer(name="李四", phone="13900139000")
    a, b, x = world.order(c), world.order(c), world.order(other)
    for dup, surv, code in ((a, a, "self_merge"), (a, x, "different_customer")):
        with pytest.raises(ValidationFailed) as exc:
            do_merge(world.agent.user, dup.pk, surv.pk)
        assert exc.value.code == code
    do_merge(world.agent.user, a.pk, b.pk)
    with pytest.raises(ValidationFailed) as exc:
        do_merge(world.agent.user, b.pk, a.pk)
    assert exc.value.code == "survivor_merged"
    assert AuditRecord.objects.filter(action="order.merge").count() == 1
    with pytest.raises(PermissionDenied):
        do_merge(world.technician.user, b.pk, a.pk)


def test_merged_duplicate_stays_closed(world: Any) -> None:
    c = world.customer()
    survivor, dup = world.order(c), world.order(c)
    do_merge(world.agent.user, dup.pk, survivor.pk, "重复")
    with pytest.raises(ValidationFailed) as exc:
        do_transition(world.supervisor.user, dup.pk, "reopened", reason="误合并?")
    assert (exc.value.code, exc.value.field) == ("merged_order", "status")
    fresh = WorkOrder.objects.get(pk=dup.pk)
    assert (fresh.status, fresh.merged_into_id) == ("closed", survivor.pk)
