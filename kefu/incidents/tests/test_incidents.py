"""Incidents (一事多报): attach, co-handling units, one message to every reporter (once, in their language
and channel), resolution closing the children with a follow-up sample, access and audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kefu.audit.models import AuditRecord
from kefu.channels.models import OutboxMessage
from kefu.followup.models import FollowupTask
from kefu.incidents import actions
from kefu.incidents.models import IncidentDelivery, IncidentOrder, IncidentUnit
from kefu.incidents.tests.helpers import make_incident, reporters, translated
from kefu.lib import clock
from kefu.lib.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kefu.workorders import actions as wo_actions
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db

ZH = {"Update on %(title)s": "%(title)s 最新进展", "Resolved: %(title)s": "已解决：%(title)s"}


def test_attach_sets_the_lead_and_writes_a_note_and_an_audit_record(world: Any) -> None:
    inc = make_incident(world)
    a, b = reporters(world, 2)
    links = actions.do_attach(world.agent.user, inc.pk, [b.number, str(a.pk)])
    assert [lk.workorder_id for lk in links] == [b.pk, a.pk]
    assert IncidentOrder.objects.get(workorder=a).lead is True  # received first
    assert IncidentOrder.objects.get(workorder=b).lead is False
    assert a.timeline.filter(data__event="incident_attached").count() == 1
    assert AuditRecord.objects.filter(action="incident.attach", workorder_id=a.pk).count() == 1
    # attaching again changes nothing
    actions.do_attach(world.agent.user, inc.pk, [a.number])
    assert IncidentOrder.objects.filter(incident=inc).count() == 2
    actions.do_detach(world.agent.user, inc.pk, a.number)
    assert IncidentOrder.objects.get(workorder=b).lead is True


def test_an_order_belongs_to_one_incident_and_one_branch(world: Any) -> None:
    inc = make_incident(world)
    other = make_incident(world, title="北苑停气", area_id=world.area_n2.pk)
    (o,) = reporters(world, 1)
    actions.do_attach(world.agent.user, inc.pk, [o.number])
    with pytest.raises(ValidationFailed) as err:
        actions.do_attach(world.agent.user, other.pk, [o.number])
    assert err.value.code == "other_incident" and err.value.field == "orders"
    south = world.order(world.customer(name="南", phone="13911112222", branch=world.south))
    with pytest.raises(NotFound):  # not even visible to the north agent
        actions.do_attach(world.agent.user, inc.pk, [south.number])


def test_staff_of_another_branch_and_follow_up_staff_cannot_manage(world: Any) -> None:
    inc = make_incident(world)
    with pytest.raises(NotFound):
        actions.access_incident(world.agent_south.user, inc.pk)
    with pytest.raises(PermissionDenied):
        actions.do_send_update(world.followup.user, inc.pk, "进展")
    with pytest.raises(ValidationFailed) as err:
        actions.do_create_incident(world.agent.user, actions.IncidentInput(title="", owner_unit_id=None))
    assert {e.field for e in err.value.errors} == {"title", "owner_unit"}  # type: ignore[attr-defined]


def test_update_goes_to_every_reporter_once_in_their_language_and_channel(world: Any) -> None:
    inc = make_incident(world)
    orders = reporters(world, 6)
    actions.do_attach(world.agent.user, inc.pk, [o.number for o in orders])
    before = OutboxMessage.objects.count()
    with translated("zh-hans", ZH):
        sent = actions.do_send_update(world.agent.user, inc.pk, "抢修队已到现场。", key="k1")
    assert sent.created and sent.delivered == 6 and sent.unreachable == []
    rows = list(OutboxMessage.objects.order_by("id")[before:])
    assert len(rows) == 6
    by_customer = {r.customer_id: r for r in rows}
    assert set(by_customer) == {o.customer_id for o in orders}
    for o in orders:
        row = by_customer[o.customer_id]
        if o.channel == "email":
            assert row.channel == "email" and row.recipient == o.customer.email
            assert row.body.startswith("Update on 安定路爆管停水\n抢修队已到现场。\nExpected to be over by ")
            assert row.subject.startswith("Re: [")
        else:
            assert row.channel == "sms" and row.recipient.endswith(o.customer.phone[-8:])
            assert "安定路爆管停水 最新进展" in row.body and "抢修队已到现场。" in row.body
    # the same message again (a double click, a retried request): nobody gets it twice
    again = actions.do_send_update(world.agent.user, inc.pk, "抢修队已到现场。", key="k1")
    assert not again.created and again.delivered == 0
    assert OutboxMessage.objects.count() == before + 6
    # a reporter attached later gets it on a resend, the others not again
    (late,) = reporters(world, 1, start=6)
    actions.do_attach(world.agent.user, inc.pk, [late.number])
    top_up = actions.do_send_update(world.agent.user, inc.pk, "抢修队已到现场。", key="k1")
    assert top_up.delivered == 1
    assert OutboxMessage.objects.filter(customer_id=late.customer_id).count() == 1
    assert OutboxMessage.objects.count() == before + 7


def test_without_a_key_the_same_text_is_the_same_message(world: Any) -> None:
    inc = make_incident(world)
    orders = reporters(world, 2)
    actions.do_attach(world.agent.user, inc.pk, [o.number for o in orders])
    actions.do_send_update(world.agent.user, inc.pk, "预计18点恢复")
    actions.do_send_update(world.agent.user, inc.pk, "  预计18点恢复 ")
    assert IncidentDelivery.objects.count() == 2
    actions.do_send_update(world.agent.user, inc.pk, "预计20点恢复")
    assert IncidentDelivery.objects.count() == 4


def test_a_customer_with_two_reports_gets_the_message_once(world: Any) -> None:
    inc = make_incident(world)
    c = world.customer(name="重复", phone="13912340000")
    o1 = world.order(c, channel="sms", area_id=world.area_n1.pk)
    o2 = world.order(c, channel="sms", area_id=world.area_n1.pk)
    actions.do_attach(world.agent.user, inc.pk, [o1.number, o2.number])
    sent = actions.do_send_update(world.agent.user, inc.pk, "进展")
    assert sent.delivered == 1
    assert OutboxMessage.objects.filter(customer=c, channel="sms").count() == 1


def test_a_landline_caller_is_listed_for_a_call(world: Any) -> None:
    inc = make_incident(world)
    c = world.customer(name="座机", phone="01088886666")
    o = world.order(c, channel="phone", area_id=world.area_n1.pk)
    actions.do_attach(world.agent.user, inc.pk, [o.number])
    sent = actions.do_send_update(world.agent.user, inc.pk, "进展")
    assert sent.unreachable == [o.number]
    assert not OutboxMessage.objects.filter(customer=c).exists()
    assert IncidentDelivery.objects.get(customer=c).channel == ""


def test_forbidden_words_refuse_the_whole_message(world: Any) -> None:
    from kefu.standards.models import ForbiddenPhrase

    ForbiddenPhrase.objects.create(text="不归我管")
    inc = make_incident(world)
    orders = reporters(world, 3)
    actions.do_attach(world.agent.user, inc.pk, [o.number for o in orders])
    with pytest.raises(ValidationFailed):
        actions.do_send_update(world.agent.user, inc.pk, "这个不归我管")
    assert not IncidentDelivery.objects.exists()
    assert not OutboxMessage.objects.filter(
        customer_id__in=[o.customer_id for o in orders], body__contains="不归我管"
    ).exists()


def test_co_handling_units_have_their_tasks_and_deadlines(world: Any) -> None:
    from kefu.organization.models import Department

    inc = make_incident(world)
    water = Department.objects.create(branch=world.north, name="供水调度")
    due = clock.now() + dt.timedelta(hours=3)
    unit = actions.do_add_unit(world.agent.user, inc.pk, water.pk, "送水车到安定路", due)
    assert unit.due_at == due and unit.status == "open"
    with pytest.raises(ValidationFailed) as err:
        actions.do_add_unit(world.agent.user, inc.pk, water.pk, "again", due)
    assert err.value.code == "duplicate"
    with pytest.raises(ValidationFailed) as err:
        actions.do_add_unit(world.agent.user, inc.pk, world.repair_north.pk, "owner", due)
    assert err.value.code == "owner_unit"
    with pytest.raises(PermissionDenied):  # the technician is not of that unit and cannot manage incidents
        actions.do_unit_done(world.technician.user, unit.pk, "送到了")
    actions.do_unit_done(world.agent.user, unit.pk, "送水车已到")
    assert IncidentUnit.objects.get(pk=unit.pk).status == "done"
    with pytest.raises(Conflict):
        actions.do_unit_done(world.agent.user, unit.pk, "again")


def test_resolve_closes_the_children_with_a_follow_up_sample(world: Any, settings: Any) -> None:
    settings.KEFU_INCIDENT_FOLLOWUP_SAMPLE = 2
    inc = make_incident(world)
    orders = reporters(world, 6)
    wo_actions.do_transition(world.agent.user, orders[0].pk, "in_progress")
    actions.do_attach(world.agent.user, inc.pk, [o.number for o in orders])
    before = OutboxMessage.objects.count()
    with translated("zh-hans", ZH):
        done = actions.do_resolve(world.agent.user, inc.pk, "主管道已修复，恢复供水。")
    assert done.sent.delivered == 6 and done.refused == []
    assert len(done.sampled) == 2 and len(done.closed) == 4
    statuses = dict(WorkOrder.objects.filter(pk__in=[o.pk for o in orders]).values_list("number", "status"))
    assert sorted(statuses.values()) == ["closed"] * 4 + ["resolved"] * 2
    assert {n for n, s in statuses.items() if s == "resolved"} == set(done.sampled)
    # the sample is called back; the others are covered by the incident and get no call of their own
    tasks = set(FollowupTask.objects.filter(workorder__in=orders).values_list("workorder__number", flat=True))
    assert tasks == set(done.sampled)
    assert IncidentOrder.objects.filter(incident=inc, covered=True).count() == 4
    rows = OutboxMessage.objects.order_by("id")[before:]
    resolution = [r for r in rows if "主管道已修复" in r.body]
    assert len(resolution) == 6
    assert any("已解决：安定路爆管停水" in r.body for r in resolution)
    assert any(r.body.startswith("Resolved: 安定路爆管停水") for r in resolution)
    inc.refresh_from_db()
    assert inc.status == "resolved" and inc.resolved_at is not None
    with pytest.raises(Conflict):
        actions.do_resolve(world.agent.user, inc.pk, "again")
    with pytest.raises(Conflict):
        actions.do_send_update(world.agent.user, inc.pk, "again")
    # an order resolved outside an incident is followed up as always (the waiver ended with the resolution)
    (other,) = reporters(world, 1, start=10)
    wo_actions.do_transition(world.agent.user, other.pk, "resolved", resolution="修好")
    assert FollowupTask.objects.filter(workorder=other).count() == 1


def test_a_child_the_rules_refuse_stays_open_and_is_listed(world: Any, settings: Any) -> None:
    settings.KEFU_INCIDENT_FOLLOWUP_SAMPLE = 0
    inc = make_incident(world)
    a, b = reporters(world, 2)
    wo_actions.do_transition(world.agent.user, b.pk, "awaiting_materials")
    actions.do_attach(world.agent.user, inc.pk, [a.number, b.number])
    done = actions.do_resolve(world.agent.user, inc.pk, "修复")
    assert done.closed == [a.number]
    assert [n for n, _why in done.refused] == [b.number]
    b.refresh_from_db()
    assert b.status == "awaiting_materials"
    assert IncidentOrder.objects.get(workorder=b).close_error


def test_suggestions_same_area_and_service_or_similar_words(world: Any) -> None:
    inc = make_incident(world, service_id=world.service_fault.pk)
    c1, c2, c3, c4 = (world.customer(name=f"s{i}", phone=f"1380000100{i}") for i in range(4))
    same_service = world.order(
        c1, title="报修", description="坏了", service_id=world.service_fault.pk, area_id=world.area_n1.pk
    )
    similar = world.order(c2, title="安定路爆管", description="停水", area_id=world.area_n1.pk)
    other_area = world.order(c3, title="安定路爆管", description="停水", area_id=world.area_n2.pk)
    unrelated = world.order(c4, title="账单疑问", description="发票", area_id=world.area_n1.pk)
    found = [o.pk for o, _s in actions.suggested_orders(inc)]
    assert same_service.pk in found and similar.pk in found
    assert other_area.pk not in found and unrelated.pk not in found
    mine, suggested = actions.order_incidents(similar)
    assert mine is None and [i.pk for i, _s in suggested] == [inc.pk]
    actions.do_attach(world.agent.user, inc.pk, [similar.number])
    assert [o.pk for o, _s in actions.suggested_orders(inc)] == [same_service.pk]
    mine, suggested = actions.order_incidents(similar)
    assert mine is not None and mine.pk == inc.pk and suggested == []


def test_the_caller_chooses_the_outage_on_the_hotline(world: Any) -> None:
    inc = make_incident(world)
    o = actions.do_phone_report(inc.pk, actions.PhoneReport(phone="13955556666"))
    assert o.channel == "phone" and o.area_id == world.area_n1.pk
    link = IncidentOrder.objects.get(workorder=o)
    assert link.incident_id == inc.pk and link.source == "customer"
    with pytest.raises(ValidationFailed):
        actions.do_phone_report(inc.pk, actions.PhoneReport(phone="12"))
    inc.public = False
    inc.save()
    with pytest.raises(NotFound):
        actions.do_phone_report(inc.pk, actions.PhoneReport(phone="13955556667"))


def test_active_public_incidents_for_an_area(world: Any) -> None:
    inc = make_incident(world)
    wide = make_incident(world, title="全城水压低", area_id=None)
    hidden = make_incident(world, title="内部", public=False)
    assert {i.pk for i in actions.active_public(world.north.pk, world.area_n1.pk)} == {inc.pk, wide.pk}
    assert {i.pk for i in actions.active_public(world.north.pk, world.area_n2.pk)} == {wide.pk}
    assert hidden.pk not in {i.pk for i in actions.active_public(None, None)}
    assert actions.active_public(world.south.pk, None) == []
