"""Macros: writing them (personal / shared per branch), preview, and applying them to orders through the
order's own actions — each order all or nothing, refusals per order, usage counted and audited."""

from __future__ import annotations

import pytest
from django.utils import translation

from kefu.audit.models import AuditRecord
from kefu.channels.models import OutboxMessage
from kefu.lib.errors import KefuError, NotFound, PermissionDenied, ValidationFailed
from kefu.macros import actions, bulk
from kefu.macros.models import Macro, MacroUse
from kefu.workorders.models import TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db

REPLY = "{{customer.name}}您好，您的工单{{order.number}}已由{{agent.name}}（工号{{agent.badge}}）受理。"


def make(world, staff=None, **kw):  # type: ignore[no-untyped-def]
    data = actions.MacroInput(name=kw.pop("name", "受理答复"), **kw)
    return actions.do_save_macro((staff or world.agent).user, data)


@pytest.fixture
def orders(world):  # type: ignore[no-untyped-def]
    c = world.customer(name="王五", phone="13700137000")
    return [world.order(c, title=f"燃气表故障 {i}", channel="sms") for i in range(3)]


def test_personal_and_shared_visibility(world) -> None:  # type: ignore[no-untyped-def]
    mine = make(world, name="我的", note="记一笔")
    shared = make(world, world.supervisor, name="北区共享", note="n", shared=True)
    south = make(world, world.supervisor_south, name="南区共享", note="n", shared=True)
    assert shared.branch_id == world.north.pk and shared.owner_id is None
    assert {m.name for m in actions.visible_macros(world.agent)} == {"我的", "北区共享"}
    assert {m.name for m in actions.visible_macros(world.agent_senior)} == {"北区共享"}
    assert {m.pk for m in actions.visible_macros(world.agent_south)} == {south.pk}
    assert not actions.may_edit(world.agent, shared) and actions.may_edit(world.supervisor, shared)
    assert actions.may_edit(world.agent, mine) and not actions.may_edit(world.agent_senior, mine)
    with pytest.raises(PermissionDenied):
        make(world, name="想共享", note="n", shared=True)  # an agent does not share
    with pytest.raises(PermissionDenied):  # a branch supervisor shares only with their branch
        actions.do_save_macro(
            world.supervisor.user,
            actions.MacroInput(name="x", note="n", shared=True, branch_id=world.south.pk),
        )
    with pytest.raises(NotFound):  # the agent cannot change the team's macro
        actions.do_save_macro(world.agent.user, actions.MacroInput(name="改", note="n"), shared.pk)
    assert AuditRecord.objects.filter(action="macro.create").count() == 3


def test_editor_refuses_unknown_variables_and_empty_macros(world, no_tags) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as exc:
        make(world, reply_text="您好{{customer.nmae}}")
    assert exc.value.code == "unknown_variable" and exc.value.field == "reply_text"
    assert "customer.nmae" in str(exc.value.message)
    with pytest.raises(KefuError) as exc2:
        make(world, name="空")
    assert exc2.value.code == "empty_macro"
    with pytest.raises(ValidationFailed) as exc3:
        make(world, tags=["维修"])  # no feature offers tags here
    assert exc3.value.code == "tags_unavailable"
    assert not Macro.objects.exists()


def test_apply_runs_every_action_through_the_order_actions(world, orders, tags) -> None:  # type: ignore[no-untyped-def]
    m = make(
        world,
        world.supervisor,
        shared=True,
        reply_text=REPLY,
        note="已电话联系 {{customer.name}}",
        priority="high",
        assignee_id=world.technician.pk,
        tags=["燃气表"],
        status="pending_customer",
        status_comment="等待客户在家时间",
    )
    o = orders[0]
    done = actions.apply_to_order(world.agent.user, world.agent, m, o.pk)
    assert done == ["note", "reply", "priority", "assign", "tags", "status"]
    o.refresh_from_db()
    assert (o.priority, o.assignee_id, o.status, o.owner_id) == (
        "high",
        world.technician.pk,
        "pending_customer",
        world.agent.pk,  # the first-contact owner stays
    )
    reply = TimelineEntry.objects.get(workorder=o, kind="reply")
    assert reply.body == f"王五您好，您的工单{o.number}已由李客服（工号{world.agent.badge_no}）受理。"
    assert OutboxMessage.objects.filter(idempotency_key=f"reply:{reply.pk}").exists()  # through the outbox
    assert TimelineEntry.objects.get(workorder=o, kind="note").body == "已电话联系 王五"
    assert TimelineEntry.objects.filter(workorder=o, kind="system", data__tag="燃气表").count() == 1
    assert MacroUse.objects.filter(macro=m, staff=world.agent, workorder=o).count() == 1
    rec = AuditRecord.objects.get(action="macro.apply")
    assert rec.after is not None and rec.workorder_id == o.pk and rec.after["done"] == done
    # each action wrote its own audit record on the order, as on the order page
    assert {"order.note", "order.reply", "order.update", "order.transfer"} <= set(
        AuditRecord.objects.filter(workorder_id=o.pk).values_list("action", flat=True)
    )


def test_a_refused_action_rolls_back_the_whole_order(world, orders, standards) -> None:  # type: ignore[no-untyped-def]
    # the reply contains a forbidden phrase: the note and the priority written before it are undone too
    m = make(world, note="先记一笔", reply_text="这事我不管，问别人去吧。", priority="urgent")
    o = orders[0]
    with pytest.raises(ValidationFailed) as exc:
        actions.apply_to_order(world.agent.user, world.agent, m, o.pk)
    assert exc.value.code == "forbidden_phrase"
    o.refresh_from_db()
    assert o.priority == "normal"
    assert not TimelineEntry.objects.filter(workorder=o, kind__in=["note", "reply"]).exists()
    assert not MacroUse.objects.exists()
    assert not AuditRecord.objects.filter(
        workorder_id=o.pk, action__in=["order.note", "macro.apply"]
    ).exists()


def test_preview_renders_and_reports_refusals_without_writing(world, orders, standards) -> None:  # type: ignore[no-untyped-def]
    from kefu.workorders import actions as wo

    wo.do_merge(world.agent.user, orders[1].pk, orders[0].pk)  # orders[1] is closed now
    m = make(world, reply_text="{{customer.name}}，这事我不管，问别人去吧。", status="in_progress")
    before = TimelineEntry.objects.count()
    with translation.override("en"):
        p0, p1 = actions.preview(world.agent.user, m, [orders[0].number, str(orders[1].pk)])
    assert p0.reply == "王五，这事我不管，问别人去吧。"
    assert (
        len(p0.problems) == 1 and "我不管，问别人去" in p0.problems[0]
    )  # the forbidden phrase, as on a reply
    assert p1.problems[-1] == "The status cannot change from closed to in progress."
    assert TimelineEntry.objects.count() == before


def test_bulk_macro_lists_refusals_per_order(world, orders, tags) -> None:  # type: ignore[no-untyped-def]
    m = make(world, note="批量备注", tags=["blocked"])
    ok_macro = make(world, name="正常", note="批量备注 {{order.number}}")
    south_order = world.order(world.customer(name="赵六", phone="13600136000", branch=world.south))
    result = bulk.do_bulk(
        world.agent.user,
        [str(orders[0].pk), orders[1].number, str(south_order.pk)],
        bulk.BulkAction(kind="macro", macro_id=ok_macro.pk),
    )
    assert [(r.number, r.ok) for r in result.results] == [
        (orders[0].number, True),
        (orders[1].number, True),
        ("", False),  # another branch's order: not visible, not changed
    ]
    assert result.results[2].errors[0]["code"] == "not_found"
    assert TimelineEntry.objects.get(workorder=orders[1], kind="note").body == f"批量备注 {orders[1].number}"
    refused = bulk.do_bulk(
        world.agent.user, [str(orders[2].pk)], bulk.BulkAction(kind="macro", macro_id=m.pk)
    )
    assert refused.results[0].errors == [
        {"code": "tag_refused", "message": "This tag is not allowed.", "field": "tag"}
    ]
    assert not TimelineEntry.objects.filter(workorder=orders[2], kind="note").exists()  # nothing half-applied
    run = AuditRecord.objects.filter(action="order.bulk").order_by("id").first()
    assert (
        run is not None
        and run.after is not None
        and run.after["applied"] == [orders[0].number, orders[1].number]
    )


def test_usage_counts_per_macro_and_person(world, orders) -> None:  # type: ignore[no-untyped-def]
    m = make(world, world.supervisor, shared=True, name="共享", note="n")
    bulk.do_bulk(world.agent.user, [str(o.pk) for o in orders], bulk.BulkAction(kind="macro", macro_id=m.pk))
    bulk.do_bulk(world.agent_senior.user, [str(orders[0].pk)], bulk.BulkAction(kind="macro", macro_id=m.pk))
    import datetime as dt

    from kefu.lib import clock

    used = actions.usage(world.supervisor, clock.now() - dt.timedelta(days=1))
    assert used["per_macro"] == {m.pk: 4}
    assert [(u["staff__name"], u["n"]) for u in used["per_person"]] == [("李客服", 3), ("赵客服", 1)]
    # an agent sees only their own use
    mine = actions.usage(world.agent_senior, clock.now() - dt.timedelta(days=1))
    assert [(u["staff__name"], u["n"]) for u in mine["per_person"]] == [("赵客服", 1)]


def test_deleted_macro_is_retired(world) -> None:  # type: ignore[no-untyped-def]
    m = make(world, note="n")
    actions.do_delete_macro(world.agent.user, m.pk)
    assert not actions.visible_macros(world.agent).exists()
    assert Macro.objects.filter(pk=m.pk, active=False).exists()
    with pytest.raises(NotFound):
        actions.get_macro(world.agent, m.pk)
    assert WorkOrder.objects.count() == 0
