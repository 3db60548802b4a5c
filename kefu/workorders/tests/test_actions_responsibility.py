"""R-10 first-contact responsibility over the database: owner, co-receivers, transfers and their
trail, never "nobody", and the owner's "my responsibilities" until the order is closed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kefu.audit.models import AuditRecord
from kefu.lib.errors import Errors, PermissionDenied, ValidationFailed
from kefu.organization.models import Department
from kefu.testing.factories import make_staff
from kefu.workorders import rules
from kefu.workorders.access import visible_workorders
from kefu.workorders.actions import do_transfer, do_transition
from kefu.workorders.models import Receiver, TimelineEntry, Transfer, WorkOrder

pytestmark = pytest.mark.django_db


def my_responsibilities(staff: Any) -> list[str]:
    """The owner's list as the console builds it: visible, owned, not closed."""
    qs = visible_workorders(staff.user).filter(
        owner=staff, status__in=[s.value for s in rules.UNCLOSED_STATUSES]
    )
    return list(qs.order_by("id").values_list("number", flat=True))


def test_owner_is_the_creator(world: Any) -> None:
    o = world.order(world.customer())
    assert o.owner == world.agent
    assert o.assignee is None
    assert list(Receiver.objects.filter(workorder=o).values_list("staff_id", flat=True)) == [world.agent.pk]
    created = TimelineEntry.objects.get(workorder=o, kind="system")
    assert created.data == {"event": "created", "owner": world.agent.pk, "receivers": [world.agent.pk]}


def test_most_senior_co_receiver_becomes_owner(world: Any) -> None:
    # agent (grade 2) takes the call together with agent_senior (grade 3): the senior one answers for it
    o = world.order(world.customer(), co_receiver_ids=[world.agent_senior.pk])
    assert o.owner == world.agent_senior
    assert set(Receiver.objects.filter(workorder=o).values_list("staff_id", flat=True)) == {
        world.agent.pk,
        world.agent_senior.pk,
    }


def test_equal_grade_earlier_hire_date_then_lower_id(world: Any) -> None:
    old = make_staff("old_hand", "agent", world.north, grade=2, hired_on=dt.date(2015, 1, 1))
    twin_a = make_staff("twin_a", "agent", world.north, grade=2, hired_on=dt.date(2015, 1, 1))
    o = world.order(world.customer(), co_receiver_ids=[twin_a.pk, old.pk])
    assert o.owner == old  # same grade and date as twin_a; lower id wins
    o2 = world.order(world.customer(phone="13900139000"), co_receiver_ids=[world.technician.pk])
    assert o2.owner == world.technician  # same grade 2, hired 2020 vs agent's 2021


def test_unknown_co_receiver_refused_and_nothing_saved(world: Any) -> None:
    c = world.customer()
    with pytest.raises(ValidationFailed) as exc:
        world.order(c, co_receiver_ids=[999_999])
    assert (exc.value.code, exc.value.field) == ("invalid_choice", "co_receivers")
    assert WorkOrder.objects.count() == 0
    assert not AuditRecord.objects.filter(action="order.create").exists()


def test_transfer_keeps_owner_and_writes_trail(world: Any) -> None:
    o = world.order(world.customer())
    t = do_transfer(world.agent.user, o.pk, to_staff_id=world.technician.pk, reason="需上门维修")
    fresh = WorkOrder.objects.get(pk=o.pk)
    assert fresh.owner == world.agent  # the owner stays
    assert fresh.assignee == world.technician
    assert fresh.department == world.repair_north  # the technician's department follows
    assert (t.by, t.from_staff, t.to_staff, t.reason) == (world.agent, None, world.technician, "需上门维修")

    # second hop: the technician hands it to the branch's line team
    lines = Department.objects.create(branch=world.north, name="线路班")
    do_transfer(world.technician.user, o.pk, to_department_id=lines.pk, reason="线路问题")
    fresh = WorkOrder.objects.get(pk=o.pk)
    assert fresh.owner == world.agent
    assert (fresh.assignee, fresh.department) == (None, lines)
    trail = list(Transfer.objects.filter(workorder=o).order_by("id"))
    assert [
        (t.by, t.from_staff, t.from_department, t.to_staff, t.to_department, t.reason) for t in trail
    ] == [
        (world.agent, None, None, world.technician, None, "需上门维修"),
        (world.technician, world.technician, world.repair_north, None, lines, "线路问题"),
    ]
    entries = TimelineEntry.objects.filter(workorder=o, kind="transfer").order_by("id")
    assert [e.body for e in entries] == ["需上门维修", "线路问题"]
    recs = AuditRecord.objects.filter(workorder_id=o.pk, action="order.transfer").order_by("id")
    assert [r.actor for r in recs] == [world.agent.user, world.technician.user]
    assert recs[0].before == {"assignee_id": None, "department_id": None}
    assert recs[0].after == {"assignee_id": world.technician.pk, "department_id": world.repair_north.pk}


@pytest.mark.parametrize(
    ("kw", "codes"),
    [
        ({"reason": "转走"}, ["no_receiver"]),
        ({}, ["no_receiver", "reason_required"]),
        ({"to_staff_id": 999_999, "reason": "转走"}, ["invalid_choice"]),
    ],
)
def test_transfer_without_receiver_refused_nothing_saved(
    world: Any, kw: dict[str, Any], codes: list[str]
) -> None:
    o = world.order(world.customer())
    with pytest.raises(ValidationFailed) as exc:
        do_transfer(world.agent.user, o.pk, **kw)
    got = [e.code for e in exc.value.errors] if isinstance(exc.value, Errors) else [exc.value.code]
    assert got == codes
    if codes[0] == "no_receiver":
        assert exc.value.field == "to_staff"
        assert str(exc.value.message)  # a clear message, not just a code
    fresh = WorkOrder.objects.get(pk=o.pk)
    assert (fresh.assignee, fresh.department, fresh.version) == (None, None, o.version)
    assert not Transfer.objects.filter(workorder=o).exists()
    assert not AuditRecord.objects.filter(workorder_id=o.pk, action="order.transfer").exists()
    assert not TimelineEntry.objects.filter(workorder=o, kind="transfer").exists()


def test_transfer_to_current_assignee_refused(world: Any) -> None:
    o = world.order(world.customer())
    do_transfer(world.agent.user, o.pk, to_staff_id=world.technician.pk, reason="上门")
    with pytest.raises(ValidationFailed) as exc:
        do_transfer(world.agent.user, o.pk, to_staff_id=world.technician.pk, reason="再转")
    assert exc.value.code == "same_assignee"
    assert Transfer.objects.filter(workorder=o).count() == 1


def test_transfer_of_closed_order_refused(world: Any) -> None:
    o = world.order(world.customer())
    do_transition(world.agent.user, o.pk, "resolved", resolution="已解决")
    with pytest.raises(ValidationFailed) as exc:
        do_transfer(world.agent.user, o.pk, to_staff_id=world.technician.pk, reason="x")
    assert exc.value.code == "not_open"


def test_transfer_needs_capability(world: Any) -> None:
    o = world.order(world.customer())
    for persona in (world.followup, world.inspector):
        with pytest.raises(PermissionDenied):
            do_transfer(persona.user, o.pk, to_staff_id=world.technician.pk, reason="x")
    assert not Transfer.objects.exists()


def test_closing_never_leaves_nobody(world: Any) -> None:
    """The owner column cannot be emptied, and a closed order still names who answered for it."""
    o = world.order(world.customer())
    do_transfer(world.agent.user, o.pk, to_department_id=world.repair_north.pk, reason="维修")
    do_transition(world.agent.user, o.pk, "resolved", resolution="修好")
    do_transition(world.agent.user, o.pk, "closed")
    fresh = WorkOrder.objects.get(pk=o.pk)
    assert fresh.status == "closed" and fresh.owner == world.agent
    field = WorkOrder._meta.get_field("owner")
    assert field.null is False


def test_my_responsibilities_until_closed(world: Any) -> None:
    c = world.customer()
    o = world.order(c)
    assert my_responsibilities(world.agent) == [o.number]
    # transferred to a technician: still the agent's responsibility, also visible to the assignee
    do_transfer(world.agent.user, o.pk, to_staff_id=world.technician.pk, reason="上门")
    assert my_responsibilities(world.agent) == [o.number]
    assert my_responsibilities(world.technician) == []
    do_transition(world.technician.user, o.pk, "resolved", resolution="更换线路")
    assert my_responsibilities(world.agent) == [o.number]  # resolved is not closed yet
    do_transition(world.agent.user, o.pk, "closed")
    assert my_responsibilities(world.agent) == []
    do_transition(world.agent.user, o.pk, "reopened", reason="客户再次来电")
    assert my_responsibilities(world.agent) == [o.number]


def test_assignee_who_moved_branch_keeps_seeing_the_order(world: Any) -> None:
    """Orders go only to staff of their branch, but a technician who then moves to another branch
    keeps seeing what they still work on; their new colleagues do not, and the owner stays."""
    south_customer = world.customer(name="南方客户", phone="13700137000", branch=world.south)
    o = world.order(south_customer, actor=world.agent_south)
    tech_s = make_staff("tech_s", "technician", world.south, name="南区师傅")
    do_transfer(world.agent_south.user, o.pk, to_staff_id=tech_s.pk, reason="上门")
    tech_s.branch = world.north
    tech_s.save(update_fields=["branch"])
    # the moved technician (assignee) sees it, the north agent does not
    assert visible_workorders(tech_s.user).filter(pk=o.pk).exists()
    assert not visible_workorders(world.agent.user).filter(pk=o.pk).exists()
    assert my_responsibilities(world.agent_south) == [o.number]
