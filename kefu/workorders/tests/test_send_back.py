"""退单: a unit sends back an order routed to it by mistake, with a reason, to the dispatcher who routed
it; the dispatcher must route it again (to the same unit only with a note); the clocks keep running."""

from __future__ import annotations

from typing import Any

import pytest

from kefu.audit.models import AuditRecord
from kefu.commitments.models import OrderClock
from kefu.lib.errors import PermissionDenied, ValidationFailed
from kefu.testing.clock import FakeClock, freeze, sh
from kefu.workorders import rules
from kefu.workorders.actions import do_send_back, do_transfer, do_transition
from kefu.workorders.models import SendBack, TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    return freeze(monkeypatch, sh(2026, 3, 2, 9, 0))


def routed_to_repair(world: Any) -> WorkOrder:
    """An order the agent registered and routed to the north repair team (the technician's department)."""
    o = world.order(world.customer())
    do_transfer(world.agent.user, o.pk, to_department_id=world.repair_north.pk, reason="派维修班")
    return WorkOrder.objects.get(pk=o.pk)


def test_unit_sends_back_to_the_dispatcher_who_routed_it(world: Any) -> None:
    o = routed_to_repair(world)
    sb = do_send_back(world.technician.user, o.pk, "  不是燃气管线问题，是物业水管  ")
    fresh = WorkOrder.objects.get(pk=o.pk)
    assert (fresh.assignee_id, fresh.department_id, fresh.owner_id) == (world.agent.pk, None, world.agent.pk)
    assert (sb.by, sb.dispatcher, sb.from_department, sb.from_staff) == (
        world.technician,
        world.agent,
        world.repair_north,
        None,
    )
    assert sb.reason == "不是燃气管线问题，是物业水管" and sb.rerouted_at is None
    assert (sb.transfer.to_staff_id, sb.transfer.from_department_id) == (
        world.agent.pk,
        world.repair_north.pk,
    )
    entry = TimelineEntry.objects.filter(workorder=o, kind="transfer").latest("id")
    assert entry.body == "不是燃气管线问题，是物业水管" and not entry.public
    assert (entry.data["event"], entry.data["unit"], entry.data["count"]) == ("sent_back", "维修班", 1)
    rec = AuditRecord.objects.filter(action="order.send_back").get()
    assert (rec.actor, rec.workorder_id, rec.summary) == (world.technician.user, o.pk, sb.reason)
    assert rec.before == {"assignee_id": None, "department_id": world.repair_north.pk}
    assert rec.after == {"assignee_id": world.agent.pk, "department_id": None}


def test_created_straight_into_the_unit_goes_back_to_the_first_contact_owner(world: Any) -> None:
    o = world.order(world.customer(), actor=world.agent_senior, assignee_id=world.technician.pk)
    sb = do_send_back(world.technician.user, o.pk, "非本班组业务")
    assert sb.dispatcher == world.agent_senior
    assert (sb.from_staff, sb.from_department) == (world.technician, None)  # created with an assignee only


def test_an_inactive_router_falls_back_to_the_owner(world: Any) -> None:
    o = world.order(world.customer(), actor=world.agent_senior)
    do_transfer(world.agent.user, o.pk, to_staff_id=world.technician.pk, reason="派单")
    world.agent.is_active = False
    world.agent.save()
    assert do_send_back(world.technician.user, o.pk, "派错了").dispatcher == world.agent_senior


def test_refusals(world: Any) -> None:
    unrouted = world.order(world.customer())
    with pytest.raises(ValidationFailed) as exc:
        do_send_back(world.agent.user, unrouted.pk, "不归我")
    assert (exc.value.code, exc.value.field) == ("not_routed", "status")
    o = routed_to_repair(world)
    with pytest.raises(ValidationFailed) as exc:
        do_send_back(world.agent_senior.user, o.pk, "不归我")  # not a member of the repair team
    assert (exc.value.code, exc.value.field) == ("not_your_unit", "status")
    with pytest.raises(ValidationFailed) as exc:
        do_send_back(world.technician.user, o.pk, "   ")
    assert (exc.value.code, exc.value.field) == ("reason_required", "reason")
    with pytest.raises(ValidationFailed) as exc:
        do_send_back(world.technician.user, o.pk, "长" * 2001)
    assert (exc.value.code, exc.value.field) == ("too_long", "reason")
    with pytest.raises(PermissionDenied):
        do_send_back(world.inspector.user, o.pk, "不归我")
    # routed by the unit's own leader, owned by ... the same leader: nobody outside the unit to return it to
    own = world.order(world.customer(), actor=world.supervisor, department_id=world.repair_north.pk)
    with pytest.raises(ValidationFailed) as exc:
        do_send_back(world.technician.user, own.pk, "不归我")
    assert (exc.value.code, exc.value.field) == ("no_dispatcher", "status")
    do_transition(world.agent.user, o.pk, "closed", reason="客户撤销", close_reason="withdrawn")
    with pytest.raises(ValidationFailed) as exc:
        do_send_back(world.technician.user, o.pk, "不归我")
    assert (exc.value.code, exc.value.field) == ("not_open", "status")
    assert not SendBack.objects.exists() and not AuditRecord.objects.filter(action="order.send_back").exists()


def test_the_leader_of_the_department_may_send_back(world: Any) -> None:
    o = world.order(world.customer())
    do_transfer(world.agent.user, o.pk, to_department_id=world.repair_north.pk, reason="派维修班")
    assert do_send_back(world.supervisor.user, o.pk, "应由营业厅办理").dispatcher == world.agent


def test_dispatcher_must_route_again_before_resolving(world: Any) -> None:
    o = routed_to_repair(world)
    do_send_back(world.technician.user, o.pk, "派错了")
    with pytest.raises(ValidationFailed) as exc:
        do_transition(world.agent.user, o.pk, "resolved", resolution="已处理")
    assert (exc.value.code, exc.value.field) == ("route_again", "status")
    # the dispatcher now holds it, but cannot "send it back" to the unit that sent it back
    with pytest.raises(ValidationFailed) as exc:
        do_send_back(world.agent.user, o.pk, "还给你")
    assert (exc.value.code, exc.value.field) == ("sent_back_pending", "status")
    do_transfer(world.agent.user, o.pk, to_staff_id=world.agent_senior.pk, reason="改派")
    sb = SendBack.objects.get()
    assert sb.rerouted_at is not None and sb.reroute is not None
    assert sb.reroute.to_staff_id == world.agent_senior.pk
    do_transition(world.agent_senior.user, o.pk, "resolved", resolution="已答复")
    assert WorkOrder.objects.get(pk=o.pk).status == "resolved"


def test_routing_back_to_the_same_unit_needs_a_note(world: Any) -> None:
    o = routed_to_repair(world)
    do_send_back(world.technician.user, o.pk, "不是我们的片区")
    # to the department, or to one of its members (whose department follows): the same unit
    for kw in ({"to_department_id": world.repair_north.pk}, {"to_staff_id": world.technician.pk}):
        with pytest.raises(ValidationFailed) as exc:
            do_transfer(world.agent.user, o.pk, reason="再派", **kw)
        assert (exc.value.code, exc.value.field) == ("note_required", "note")
    assert SendBack.objects.get().rerouted_at is None
    do_transfer(
        world.agent.user,
        o.pk,
        to_staff_id=world.technician.pk,
        reason="再派",
        note="已核实：和平里属城北维修班片区",
    )
    entry = TimelineEntry.objects.filter(workorder=o, kind="transfer").latest("id")
    sb = SendBack.objects.get()
    assert entry.data["note"] == "已核实：和平里属城北维修班片区" and entry.data["rerouted"] == sb.pk
    assert sb.rerouted_at is not None
    # sent back a second time: counted, and the next transfer to another unit needs no note
    second = do_send_back(world.technician.user, o.pk, "仍不是我们的")
    assert TimelineEntry.objects.filter(workorder=o, kind="transfer").latest("id").data["count"] == 2
    assert second.pk != sb.pk
    do_transfer(world.agent.user, o.pk, to_staff_id=world.agent_senior.pk, reason="改派")
    assert not SendBack.objects.filter(rerouted_at__isnull=True).exists()


def test_the_clock_keeps_running(world: Any, now: Any) -> None:
    now.set(sh(2026, 3, 2, 9, 0))
    o = routed_to_repair(world)
    before = {(c.kind, c.status, c.due_at) for c in OrderClock.objects.filter(workorder=o)}
    assert ("resolution", "running", sh(2026, 3, 3, 9, 0)) in before
    now.set(sh(2026, 3, 2, 11, 0))
    do_send_back(world.technician.user, o.pk, "派错了")
    after = {(c.kind, c.status, c.due_at) for c in OrderClock.objects.filter(workorder=o)}
    assert after == before
    assert WorkOrder.objects.get(pk=o.pk).due_at == sh(2026, 3, 3, 9, 0)


def test_rules_choose_dispatcher_and_same_unit() -> None:
    assert rules.choose_dispatcher(5, 7, frozenset({9})) == 5
    assert rules.choose_dispatcher(5, 7, frozenset({5})) == 7
    assert rules.choose_dispatcher(None, 7, frozenset()) == 7
    assert rules.choose_dispatcher(5, 7, frozenset({5, 7})) is None
    assert rules.same_unit(None, 3, 8, 3) and not rules.same_unit(None, 3, 8, None)
    assert rules.same_unit(8, None, 8, None) and not rules.same_unit(8, None, 9, None)
    assert rules.check_reroute(same=True, note=" ") == [rules.RuleError("note_required", "note")]
    assert rules.check_reroute(same=False, note="") == []
