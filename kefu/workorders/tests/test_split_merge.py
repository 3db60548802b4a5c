"""An order holding two requests is split in two (own clocks from the original's time of receipt, the
same first-contact owner); duplicates reported by two customers merge with a confirmation, and the
duplicate's customer keeps their order and gets the answers given on the survivor."""

from __future__ import annotations

from typing import Any

import pytest

from kefu.audit.models import AuditRecord
from kefu.channels.models import OutboxMessage
from kefu.commitments.models import OrderClock
from kefu.lib.errors import ValidationFailed
from kefu.testing.clock import FakeClock, freeze, sh
from kefu.testing.factories import make_portal_customer
from kefu.workorders.actions import SplitInput, do_merge, do_reply, do_split, do_transition
from kefu.workorders.models import Attachment, OrderLink, Receiver, TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    return freeze(monkeypatch, sh(2026, 3, 2, 9, 0))


def clocks(o: WorkOrder) -> dict[str, tuple[Any, Any, str]]:
    return {c.kind: (c.started_at, c.due_at, c.status) for c in OrderClock.objects.filter(workorder=o)}


# --- split ------------------------------------------------------------------------------------------


def test_split_keeps_owner_and_counts_from_the_original_receipt(world: Any, now: FakeClock) -> None:
    # received Monday 09:00 (Shanghai) by the senior agent, split by another agent Tuesday 14:00
    o = world.order(world.customer(), actor=world.agent_senior, title="宽带断网并申请新装")
    now.set(sh(2026, 3, 3, 14, 0))
    new = do_split(
        world.agent.user,
        o.pk,
        SplitInput(
            order_type="install_urban",
            title="申请新装宽带",
            description="客户同时申请在新房新装宽带",
            reason="一单两诉",
        ),
    )
    assert (new.customer_id, new.branch_id, new.channel, new.owner_id) == (
        o.customer_id,
        o.branch_id,
        o.channel,
        world.agent_senior.pk,
    )
    assert new.received_at == sh(2026, 3, 2, 9, 0) and new.created_at == sh(2026, 3, 3, 14, 0)
    assert list(Receiver.objects.filter(workorder=new).values_list("staff_id", flat=True)) == [
        world.agent_senior.pk
    ]
    # its own clock, by its own type (installation: 5 working days), from Monday 09:00: due at the end of
    # Monday 9 March (17:30) — counted from the split (Tuesday 14:00) it would be Tuesday 10 March 17:30
    assert clocks(new)["resolution"] == (sh(2026, 3, 2, 9, 0), sh(2026, 3, 9, 17, 30), "running")
    # the original keeps its clock (fault: 24 hours from Monday 09:00)
    assert clocks(o)["resolution"] == (sh(2026, 3, 2, 9, 0), sh(2026, 3, 3, 9, 0), "running")
    assert WorkOrder.objects.get(pk=new.pk).due_at == sh(2026, 3, 9, 17, 30)
    link = OrderLink.objects.get(source=new, target=o)
    assert link.kind == "split" and link.created_by == world.agent
    assert TimelineEntry.objects.get(workorder=o, data__event="split").data["other"] == new.number
    assert TimelineEntry.objects.get(workorder=new, data__event="split_from").body == "一单两诉"
    rec = AuditRecord.objects.get(action="order.split")
    assert (rec.actor, rec.workorder_id, rec.summary) == (
        world.agent.user,
        o.pk,
        f"{o.number} → {new.number}",
    )
    assert AuditRecord.objects.filter(
        action="order.create", workorder_id=new.pk, actor=world.agent.user
    ).exists()


def test_split_refusals(world: Any) -> None:
    o = world.order(world.customer())
    with pytest.raises(ValidationFailed) as exc:
        do_split(world.agent.user, o.pk, SplitInput(order_type="inquiry", title="", description="x"))
    assert (exc.value.code, exc.value.field) == ("required", "title")
    with pytest.raises(ValidationFailed) as exc:
        do_split(world.agent.user, o.pk, SplitInput(order_type="nonsense", title="t", description="x"))
    assert exc.value.field == "order_type"
    do_transition(world.agent.user, o.pk, "closed", reason="撤销", close_reason="withdrawn")
    with pytest.raises(ValidationFailed) as exc:
        do_split(world.agent.user, o.pk, SplitInput(order_type="inquiry", title="t", description="x"))
    assert (exc.value.code, exc.value.field) == ("not_open", "status")
    assert WorkOrder.objects.count() == 1 and not AuditRecord.objects.filter(action="order.split").exists()


# --- merge across customers ---------------------------------------------------------------------------


def two_reports(world: Any) -> tuple[WorkOrder, WorkOrder]:
    """The same gas smell reported by two neighbours: 张三 by phone (survivor), 李四 by SMS (duplicate)."""
    a = world.customer(name="张三", phone="13800138000")
    b = world.customer(name="李四", phone="13900139000")
    survivor = world.order(a, title="楼道有燃气味")
    dup = world.order(b, title="3号楼燃气味", channel="sms")
    return survivor, dup


def test_cross_customer_merge_needs_confirmation(world: Any) -> None:
    survivor, dup = two_reports(world)
    with pytest.raises(ValidationFailed) as exc:
        do_merge(world.agent.user, dup.pk, survivor.pk, "同一事件")
    assert (exc.value.code, exc.value.field) == ("different_customer", "confirm_different_customer")
    assert WorkOrder.objects.get(pk=dup.pk).status == "new"
    do_merge(world.agent.user, dup.pk, survivor.pk, "同一事件，张三先报", confirm_different_customer=True)
    fresh = WorkOrder.objects.get(pk=dup.pk)
    assert (fresh.status, fresh.close_reason, fresh.merged_into_id, fresh.customer_id) == (
        "closed",
        "duplicate",
        survivor.pk,
        dup.customer_id,
    )
    # the public entry the duplicate's customer sees names the survivor's number, not the reason
    public = TimelineEntry.objects.get(workorder=dup, kind="status", public=True)
    assert public.body == "" and public.data["survivor"] == survivor.number and public.data["other_customer"]
    assert TimelineEntry.objects.get(workorder=dup, kind="note").body == "同一事件，张三先报"
    rec = AuditRecord.objects.get(action="order.merge")
    assert rec.after is not None and rec.after["other_customer_id"] == survivor.customer_id


def test_cross_customer_merge_keeps_the_duplicates_files(world: Any, tmp_path: Any, settings: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kefu.workorders.actions import do_add_attachments

    settings.MEDIA_ROOT = str(tmp_path)
    survivor, dup = two_reports(world)
    do_add_attachments(world.agent.user, dup.pk, [SimpleUploadedFile("现场.txt", "李四家门口".encode())])
    do_merge(world.agent.user, dup.pk, survivor.pk, confirm_different_customer=True)
    assert list(Attachment.objects.values_list("workorder_id", flat=True)) == [dup.pk]


def test_replies_and_resolution_reach_the_duplicates_customer(world: Any) -> None:
    survivor, dup = two_reports(world)
    do_merge(world.agent.user, dup.pk, survivor.pk, "同一事件", confirm_different_customer=True)
    entry = do_reply(world.agent.user, survivor.pk, "抢修人员已到场处置。", channel="sms")
    # the survivor's customer by SMS to 138…, the duplicate's customer by SMS (their order's channel) to 139…
    rows = {r.recipient: r for r in OutboxMessage.objects.filter(channel="sms")}
    assert set(rows) == {"+8613800138000", "+8613900139000"}
    copy = TimelineEntry.objects.get(workorder=dup, kind="reply")
    assert copy.public and copy.body == "抢修人员已到场处置。"
    assert copy.data == {
        "channel": "sms",
        "via": survivor.number,
        "forwarded": "reply",
        "to": "139****9000",
        "outbox": f"reply:{copy.pk}",
    }
    assert (
        rows["+8613900139000"].workorder_id == dup.pk and rows["+8613800138000"].workorder_id == survivor.pk
    )
    assert entry.pk != copy.pk
    fwd = AuditRecord.objects.get(action="order.reply_forwarded")
    assert (fwd.workorder_id, fwd.customer_id) == (dup.pk, dup.customer_id)
    do_transition(world.agent.user, survivor.pk, "resolved", resolution="已关闭阀门并修复管道。")
    answer = TimelineEntry.objects.filter(workorder=dup, kind="reply").latest("id")
    assert answer.data["forwarded"] == "resolution"
    assert "已关闭阀门并修复管道。" in answer.body and survivor.number in answer.body
    assert OutboxMessage.objects.filter(workorder=dup, channel="sms").count() == 2


def test_same_customer_duplicates_get_no_copy(world: Any) -> None:
    c = world.customer()
    survivor, dup = world.order(c), world.order(c, channel="sms")
    do_merge(world.agent.user, dup.pk, survivor.pk)
    do_reply(world.agent.user, survivor.pk, "已处理", channel="sms")
    assert not TimelineEntry.objects.filter(workorder=dup, kind="reply").exists()
    assert OutboxMessage.objects.filter(channel="sms").count() == 1


def test_portal_order_is_answered_in_the_portal(world: Any) -> None:
    survivor = world.order(world.customer(name="张三", phone="13800138000"))
    b = world.customer(name="李四", phone="", email="lisi@example.com")
    make_portal_customer(world, b, "lisi")
    dup = world.order(b, channel="portal")
    do_merge(world.agent.user, dup.pk, survivor.pk, confirm_different_customer=True)
    do_reply(world.agent.user, survivor.pk, "已派人处理", channel="sms")
    copy = TimelineEntry.objects.get(workorder=dup, kind="reply")
    assert copy.public and copy.data["channel"] == "portal"
