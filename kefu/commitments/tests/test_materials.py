"""One-time notice (一次性告知, R-11): one notice listing all missing items, never twice, through the outbox."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from kefu.audit.models import AuditRecord
from kefu.channels import outbox
from kefu.channels.models import OutboxMessage, OutboxStatus
from kefu.commitments.materials import do_check_materials, order_notices
from kefu.commitments.models import MaterialsNotice, OrderMaterial, ServiceMaterial
from kefu.customers.models import Contact, Customer
from kefu.lib.errors import NotFound, ValidationFailed
from kefu.workorders.models import TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def mats(world: Any) -> list[ServiceMaterial]:
    s = world.service_fault
    return [
        ServiceMaterial.objects.create(service=s, name="身份证复印件", description="户主本人", order=1),
        ServiceMaterial.objects.create(service=s, name="房产证", order=2),
        ServiceMaterial.objects.create(service=s, name="缴费凭证", order=3),
        ServiceMaterial.objects.create(service=s, name="户型图", required=False, order=4),
    ]


def new_order(world: Any, **customer: Any) -> WorkOrder:
    c = world.customer(**customer)
    return world.order(c, service_id=world.service_fault.pk)


def test_notice_lists_all_missing_items_once(world: Any, mats: list[ServiceMaterial]) -> None:
    o = new_order(world, email="zhang@example.com")
    r = do_check_materials(world.agent.user, o.number, [mats[1].pk], note="周一至周五办理")
    assert [m.name for m in r.missing] == ["身份证复印件", "缴费凭证"]  # optional 户型图 is not missing
    notice = r.notice
    assert notice is not None and notice.items == ["身份证复印件", "缴费凭证"]
    assert "1. 身份证复印件 — 户主本人" in notice.text and "2. 缴费凭证" in notice.text
    assert "房产证" not in notice.text and "周一至周五办理" in notice.text
    assert (notice.channel, notice.recipient) == ("email", "zhang@example.com")
    assert r.order.status == "awaiting_materials" and r.moved_to == "awaiting_materials"
    msg = OutboxMessage.objects.get()
    assert notice.outbox_id == msg.pk
    assert (msg.channel, msg.recipient, msg.status, msg.workorder_id) == (
        "email",
        "zhang@example.com",
        "queued",
        o.pk,
    )
    assert o.number in msg.subject and msg.body == notice.text
    entry = TimelineEntry.objects.get(workorder=o, data__event="materials_notice")
    assert entry.public and "身份证复印件; 缴费凭证" in entry.body
    assert (
        Contact.objects.filter(workorder=o, direction="out", details__materials_notice=notice.pk).count() == 1
    )
    assert AuditRecord.objects.filter(action="order.materials_notice", workorder_id=o.pk).count() == 1
    rows = {m.name: (m.supplied, m.required) for m in OrderMaterial.objects.filter(workorder=o)}
    assert rows == {
        "身份证复印件": (False, True),
        "房产证": (True, True),
        "缴费凭证": (False, True),
        "户型图": (False, False),
    }


def test_repeated_check_with_nothing_new_missing_sends_nothing(
    world: Any, mats: list[ServiceMaterial]
) -> None:
    o = new_order(world)
    do_check_materials(world.agent.user, o.number, [])
    again = do_check_materials(world.agent.user, o.number, [])
    assert again.notice is None and again.moved_to is None
    fewer = do_check_materials(world.agent.user, o.number, [mats[0].pk])  # brought one; the rest was listed
    assert fewer.notice is None
    assert MaterialsNotice.objects.filter(workorder=o).count() == 1
    assert OutboxMessage.objects.count() == 1
    assert TimelineEntry.objects.filter(workorder=o, data__event="materials_notice").count() == 1
    # a new item on the service list that was never in a notice: refused without a reason (R-11; the
    # supervisor's approval and the corrected notice are in test_one_time_notice.py)
    extra = ServiceMaterial.objects.create(service=world.service_fault, name="委托书", order=5)
    with pytest.raises(ValidationFailed) as exc:
        do_check_materials(world.agent.user, o.number, [mats[0].pk])
    assert exc.value.code == "one_time_notice" and "委托书" in str(exc.value.message)
    assert extra.pk and OutboxMessage.objects.count() == 1


def test_sms_when_no_email_and_print_when_no_contact(world: Any, mats: list[ServiceMaterial]) -> None:
    o = new_order(world, phone="13800138000")
    n = do_check_materials(world.agent.user, o.number, []).notice
    assert n is not None and (n.channel, n.recipient) == ("sms", "+8613800138000")
    o2 = new_order(world, name="李四", phone="13900139000")
    Customer.objects.filter(pk=o2.customer_id).update(phone="", phone_e164="")  # archive without contacts
    n2 = do_check_materials(world.agent.user, o2.number, []).notice
    assert n2 is not None and (n2.channel, n2.recipient) == ("print", "")
    assert OutboxMessage.objects.get(workorder=o2).channel == "print"


def test_supplying_everything_moves_the_order_on(world: Any, mats: list[ServiceMaterial]) -> None:
    o = new_order(world)
    do_check_materials(world.agent.user, o.number, [])
    r = do_check_materials(world.agent.user, o.number, [m.pk for m in mats[:3]])
    assert r.missing == [] and r.notice is None
    assert r.moved_to == "in_progress" and WorkOrder.objects.get(pk=o.pk).status == "in_progress"
    steps = list(TimelineEntry.objects.filter(workorder=o, kind="status").values_list("data__to", flat=True))
    assert steps == ["awaiting_materials", "in_progress"]


def test_complete_on_a_new_order_does_not_change_status(world: Any, mats: list[ServiceMaterial]) -> None:
    o = new_order(world)
    r = do_check_materials(world.agent.user, o.number, [m.pk for m in mats])
    assert r.moved_to is None and r.order.status == "new" and OutboxMessage.objects.count() == 0


def test_rollback_of_the_action_leaves_no_outbox_row(world: Any, mats: list[ServiceMaterial]) -> None:
    o = new_order(world, email="zhang@example.com")
    with pytest.raises(RuntimeError), transaction.atomic():
        do_check_materials(world.agent.user, o.number, [])
        assert OutboxMessage.objects.count() == 1
        raise RuntimeError("later step fails")
    assert OutboxMessage.objects.count() == 0
    assert MaterialsNotice.objects.count() == 0
    assert WorkOrder.objects.get(pk=o.pk).status == "new"
    assert outbox.send_due() == 0


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError):
        outbox.enqueue(channel="sms", recipient="+8613800138000", body="x", idempotency_key="k")


def test_refusals(world: Any, mats: list[ServiceMaterial]) -> None:
    o = new_order(world)
    with pytest.raises(ValidationFailed) as exc:
        do_check_materials(world.agent.user, o.number, [999999])
    assert exc.value.code == "invalid_choice"
    plain = world.order(world.customer(name="王五", phone="13900139000"))  # no service
    with pytest.raises(ValidationFailed) as exc:
        do_check_materials(world.agent.user, plain.number, [])
    assert exc.value.code == "no_materials"
    with pytest.raises(NotFound):
        do_check_materials(world.agent_south.user, o.number, [])
    with pytest.raises(NotFound):
        order_notices(world.agent_south.user, o.number)
    assert OutboxMessage.objects.filter(status=OutboxStatus.QUEUED).count() == 0


def test_resolution_clock_starts_only_when_materials_are_complete(
    world: Any, mats: list[ServiceMaterial]
) -> None:
    """R-14 through the status change: the colleague's clock hooks run inside do_check_materials."""
    from kefu.commitments.models import OrderClock

    o = new_order(world)
    do_check_materials(world.agent.user, o.number, [])
    clock = OrderClock.objects.filter(workorder=o, kind="resolution").first()
    assert clock is not None and clock.started_at is None
    do_check_materials(world.agent.user, o.number, [m.pk for m in mats[:3]])
    clock.refresh_from_db()
    assert clock.started_at is not None and clock.due_at is not None
