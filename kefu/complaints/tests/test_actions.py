"""Customer types and complaint handling against the database: suggestion on new orders and customer
messages, the agent's choice, the close guard, the handling steps, compensation and its approval."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils.translation import gettext

from kefu.audit.models import AuditRecord
from kefu.complaints import actions
from kefu.complaints.models import (
    Compensation,
    CompensationLimit,
    ComplaintRecord,
    ComplaintStep,
    OrderCustomerType,
)
from kefu.lib.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kefu.testing.factories import make_portal_customer
from kefu.workorders import actions as wo
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def audit_codes(o: WorkOrder) -> list[str]:
    return list(AuditRecord.objects.filter(workorder_id=o.pk).order_by("id").values_list("action", flat=True))


# ---------------------------------------------------------------------------------------------------
# customer type


def test_a_new_order_gets_a_suggestion_from_its_text(world) -> None:  # type: ignore[no-untyped-def]
    o = world.order(world.customer(), title="咨询资费", description="请问宽带每月多少钱？什么时候能装？")
    rows = list(OrderCustomerType.objects.filter(workorder=o))
    assert len(rows) == 1
    row = rows[0]
    assert (row.kind, row.source, row.customer_type) == ("suggested", "order", "demanding")
    assert row.scores["demanding"] > 0 and row.set_by is None
    assert {s["code"] for s in row.signals} == {"information", "question"}
    o.refresh_from_db()
    assert o.priority == "normal" and o.version == 1  # not agitated: nothing else changes


def test_an_agitated_request_raises_the_priority_audited(world) -> None:  # type: ignore[no-untyped-def]
    o = world.order(world.customer(), title="又断网了", description="你们这什么破服务！！马上给我修好！")
    o.refresh_from_db()
    assert actions.current_type(o).customer_type == "agitated"  # type: ignore[union-attr]
    # classified before the insert: registered with the raised priority (one version, clocks computed once)
    assert o.priority == "high" and o.version == 1
    rec = AuditRecord.objects.get(workorder_id=o.pk, action="order.update")
    assert rec.before == {"priority": "normal"} and rec.after == {"priority": "high"}
    assert rec.summary == gettext("The customer seems agitated.")
    assert audit_codes(o) == ["order.create", "order.update"]  # both written by the create


def test_urgent_stays_urgent(world) -> None:  # type: ignore[no-untyped-def]
    o = world.order(world.customer(), description="立刻来人！！！垃圾", priority="urgent")
    o.refresh_from_db()
    assert o.priority == "urgent" and o.version == 1
    assert "order.update" not in audit_codes(o)


def test_a_customer_message_updates_the_suggestion_when_the_type_changes(world) -> None:  # type: ignore[no-untyped-def]
    cust = world.customer()
    user = make_portal_customer(world, cust)
    o = world.order(cust, description="请问什么时候上门？")
    wo.do_customer_message(user, o.pk, "谢谢")  # still demanding: no new row
    assert OrderCustomerType.objects.filter(workorder=o).count() == 1
    wo.do_customer_message(user, o.pk, "为什么还没人来？我不明白怎么回事")
    latest = OrderCustomerType.objects.filter(workorder=o).order_by("-id").first()
    assert latest is not None and (latest.source, latest.customer_type) == ("message", "confused")
    wo.do_customer_message(user, o.pk, "骗子！马上来人！")
    o.refresh_from_db()
    assert [r.customer_type for r in OrderCustomerType.objects.filter(workorder=o)] == [
        "demanding",
        "confused",
        "agitated",
    ]
    assert o.priority == "high"


def test_repeated_contacts_count_from_the_history(world) -> None:  # type: ignore[no-untyped-def]
    cust = world.customer()
    world.order(cust, description="宽带不能用")
    world.order(cust, description="宽带不能用")
    third = world.order(cust, description="宽带还是不能用")
    row = OrderCustomerType.objects.get(workorder=third)
    assert {s["code"]: s["evidence"] for s in row.signals}["repeat_contacts"] == "2"
    assert actions.earlier_contacts(third, third.received_at) == 2


def test_the_agent_chooses_the_type_with_history(world) -> None:  # type: ignore[no-untyped-def]
    o = world.order(world.customer(), description="请问什么时候上门？")
    row = actions.do_choose_customer_type(world.agent.user, o.number, "confused")
    assert (row.kind, row.customer_type, row.suggested_type, row.set_by) == (
        "chosen",
        "confused",
        "demanding",
        world.agent,
    )
    assert actions.current_type(o) == row
    # a later suggestion does not override the agent's choice
    actions.suggest_customer_type(o, "为什么 马上!!", source="message")
    assert actions.current_type(o) == row
    rec = AuditRecord.objects.get(workorder_id=o.pk, action="customer_type.chosen")
    assert rec.before == {"customer_type": "demanding"}
    assert rec.after == {"customer_type": "confused", "suggested_type": "demanding"}
    assert actions.do_choose_customer_type(world.agent_senior.user, o.pk, "confused") == row  # no change
    assert OrderCustomerType.objects.filter(workorder=o, kind="chosen").count() == 1
    chosen = actions.do_choose_customer_type(world.agent.user, o.pk, "agitated")
    o.refresh_from_db()
    assert o.priority == "high" and actions.current_type(o) == chosen


def test_choosing_checks_the_value_role_and_branch(world) -> None:  # type: ignore[no-untyped-def]
    o = world.order(world.customer(), description="请问")
    with pytest.raises(ValidationFailed) as exc:
        actions.do_choose_customer_type(world.agent.user, o.pk, "angry")
    assert exc.value.field == "customer_type"
    with pytest.raises(PermissionDenied):
        actions.do_choose_customer_type(world.inspector.user, o.pk, "confused")
    with pytest.raises(NotFound):
        actions.do_choose_customer_type(world.agent_south.user, o.pk, "confused")
    assert OrderCustomerType.objects.filter(workorder=o, kind="chosen").count() == 0


# ---------------------------------------------------------------------------------------------------
# causes and the close guard


def resolve(world, o: WorkOrder) -> None:  # type: ignore[no-untyped-def]
    wo.do_transition(world.agent.user, o.pk, "in_progress")
    wo.do_transition(world.agent.user, o.pk, "resolved", resolution="已退还多收费用")


def test_a_complaint_cannot_be_closed_unclassified(world, complaint, causes) -> None:  # type: ignore[no-untyped-def]
    resolve(world, complaint)
    with pytest.raises(ValidationFailed) as exc:
        wo.do_transition(world.agent.user, complaint.pk, "closed")
    assert (exc.value.code, exc.value.field) == ("complaint_unclassified", "cause")
    complaint.refresh_from_db()
    assert complaint.status == "resolved"
    record = actions.do_classify_complaint(
        world.agent.user, complaint.number, causes["billing-error"].pk, "多收30元"
    )
    assert (record.cause.code, record.details, record.classified_by) == (
        "billing-error",
        "多收30元",
        world.agent,
    )
    wo.do_transition(world.agent.user, complaint.pk, "closed")
    complaint.refresh_from_db()
    assert complaint.status == "closed"
    rec = AuditRecord.objects.get(workorder_id=complaint.pk, action="complaint.classify")
    assert rec.after == {"cause": "billing-error", "details": "多收30元"} and rec.before is None


def test_other_types_and_withdrawn_complaints_close_without_a_cause(world, complaint) -> None:  # type: ignore[no-untyped-def]
    fault = world.order(world.customer(phone="13700137001"))
    resolve(world, fault)
    wo.do_transition(world.agent.user, fault.pk, "closed")
    wo.do_transition(world.agent.user, complaint.pk, "closed", reason="客户撤回", close_reason="withdrawn")
    complaint.refresh_from_db()
    assert complaint.status == "closed" and not ComplaintRecord.objects.filter(workorder=complaint).exists()


def test_classification_can_be_corrected_and_checks_its_input(world, complaint, causes) -> None:  # type: ignore[no-untyped-def]
    actions.do_classify_complaint(world.agent.user, complaint.pk, causes["price"].pk)
    actions.do_classify_complaint(world.agent.user, complaint.pk, causes["attitude"].pk)
    assert ComplaintRecord.objects.get(workorder=complaint).cause.code == "attitude"
    rec = AuditRecord.objects.filter(workorder_id=complaint.pk, action="complaint.classify").order_by("-id")[
        0
    ]
    assert rec.before == {"cause": "price", "details": ""}
    with pytest.raises(ValidationFailed) as exc:
        actions.do_classify_complaint(world.agent.user, complaint.pk, None)
    assert exc.value.field == "cause"
    causes["accident"].is_active = False
    causes["accident"].save()
    with pytest.raises(ValidationFailed):
        actions.do_classify_complaint(world.agent.user, complaint.pk, causes["accident"].pk)
    fault = world.order(world.customer(phone="13700137002"))
    with pytest.raises(ValidationFailed) as exc:
        actions.do_classify_complaint(world.agent.user, fault.pk, causes["price"].pk)
    assert exc.value.code == "not_complaint"


# ---------------------------------------------------------------------------------------------------
# handling steps


def test_steps_are_ticked_with_who_and_when(world, complaint) -> None:  # type: ignore[no-untyped-def]
    step = actions.do_tick_step(world.agent.user, complaint.pk, "listen")
    assert step is not None and step.done_by == world.agent and step.done_at is not None
    assert actions.do_tick_step(world.agent_senior.user, complaint.pk, "listen").done_by == world.agent  # type: ignore[union-attr]
    actions.do_tick_step(world.agent.user, complaint.pk, "thank")
    assert set(ComplaintStep.objects.filter(workorder=complaint).values_list("step", flat=True)) == {
        "listen",
        "thank",
    }
    assert actions.do_tick_step(world.agent.user, complaint.pk, "thank", done=False) is None
    assert list(ComplaintStep.objects.filter(workorder=complaint).values_list("step", flat=True)) == [
        "listen"
    ]
    assert audit_codes(complaint).count("complaint.step_done") == 2
    assert audit_codes(complaint).count("complaint.step_undone") == 1
    with pytest.raises(ValidationFailed) as exc:
        actions.do_tick_step(world.agent.user, complaint.pk, "shout")
    assert exc.value.field == "step"


# ---------------------------------------------------------------------------------------------------
# compensation


def test_compensation_within_the_limit_is_approved_at_once(world, complaint) -> None:  # type: ignore[no-untyped-def]
    CompensationLimit.objects.create(branch=None, role="", amount=Decimal("100"))
    CompensationLimit.objects.create(branch=world.north, role="agent", amount=Decimal("50"))
    c = actions.do_record_compensation(world.agent.user, complaint.pk, "50", "多收费用退还")
    assert (c.status, c.amount, c.currency, c.limit) == (
        "approved",
        Decimal("50.00"),
        "CNY",
        Decimal("50.00"),
    )
    assert c.decided_at is not None and c.decided_by is None
    above = actions.do_record_compensation(world.agent.user, complaint.pk, "50.01", "额外补偿")
    assert above.status == "pending" and above.decided_at is None
    rec = AuditRecord.objects.filter(workorder_id=complaint.pk, action="compensation.record").order_by("id")[
        1
    ]
    assert rec.after is not None
    assert (
        rec.after["status"] == "pending" and rec.after["amount"] == "50.01" and rec.after["limit"] == "50.00"
    )


def test_without_a_limit_everything_needs_approval(world, complaint) -> None:  # type: ignore[no-untyped-def]
    c = actions.do_record_compensation(world.agent.user, complaint.pk, "1", "小额补偿")
    assert c.status == "pending" and c.limit is None


def test_compensation_input_is_checked(world, complaint) -> None:  # type: ignore[no-untyped-def]
    for amount, reason, field in (("-1", "x", "amount"), ("abc", "x", "amount"), ("10", "  ", "reason")):
        with pytest.raises(ValidationFailed) as exc:
            actions.do_record_compensation(world.agent.user, complaint.pk, amount, reason)
        assert exc.value.field == field
    fault = world.order(world.customer(phone="13700137003"))
    with pytest.raises(ValidationFailed) as exc:
        actions.do_record_compensation(world.agent.user, fault.pk, "10", "x")
    assert exc.value.code == "not_complaint"
    assert not Compensation.objects.exists()


def test_approval_needs_the_capability_and_another_person(world, complaint) -> None:  # type: ignore[no-untyped-def]
    c = actions.do_record_compensation(world.agent.user, complaint.pk, "500", "上门维修误工补偿")
    with pytest.raises(PermissionDenied):
        actions.do_decide_compensation(world.agent_senior.user, c.pk, True)
    with pytest.raises(NotFound):  # another branch's supervisor does not see it
        actions.do_decide_compensation(world.supervisor_south.user, c.pk, True)
    own = actions.do_record_compensation(world.supervisor.user, complaint.pk, "900", "主管自己记录")
    with pytest.raises(ValidationFailed) as exc:
        actions.do_decide_compensation(world.supervisor.user, own.pk, True)
    assert exc.value.code == "own_request"
    done = actions.do_decide_compensation(world.supervisor.user, c.pk, True, "同意")
    assert (done.status, done.decided_by, done.decision_note) == ("approved", world.supervisor, "同意")
    with pytest.raises(Conflict):
        actions.do_decide_compensation(world.admin.user, c.pk, False, "晚了")
    rec = AuditRecord.objects.get(workorder_id=complaint.pk, action="compensation.approve")
    assert rec.before == {"status": "pending"} and rec.after == {"status": "approved", "note": "同意"}


def test_rejection_needs_a_note(world, complaint) -> None:  # type: ignore[no-untyped-def]
    c = actions.do_record_compensation(world.agent.user, complaint.pk, "500", "补偿")
    with pytest.raises(ValidationFailed) as exc:
        actions.do_decide_compensation(world.admin.user, c.pk, False)
    assert exc.value.field == "note"
    done = actions.do_decide_compensation(world.admin.user, c.pk, False, "超出政策")
    assert done.status == "rejected"
    assert "compensation.reject" in audit_codes(complaint)
