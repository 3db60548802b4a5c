"""Bulk actions on a selection: each order through the same action as on its page, in its own transaction;
refusals listed per order with the reason; the first-contact owner kept; audited per order."""

from __future__ import annotations

import pytest
from django.utils import translation

from kefu.audit.models import AuditRecord
from kefu.lib.errors import ValidationFailed
from kefu.macros import bulk
from kefu.workorders.models import TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(world):  # type: ignore[no-untyped-def]
    c = world.customer(name="王五", phone="13700137000")
    return [world.order(c, title=f"燃气表故障 {i}") for i in range(4)]


def run(world, orders, **kw):  # type: ignore[no-untyped-def]
    with translation.override("en"):
        return bulk.do_bulk(world.agent.user, [str(o.pk) for o in orders], bulk.BulkAction(**kw))


def test_assign_keeps_the_owner_and_lists_refusals(world, orders) -> None:  # type: ignore[no-untyped-def]
    run(world, orders[:1], kind="assign", to_staff_id=world.technician.pk)
    result = run(world, orders, kind="assign", to_staff_id=world.technician.pk)
    assert [r.ok for r in result.results] == [False, True, True, True]
    assert result.results[0].errors == [
        {
            "code": "same_assignee",
            "message": "The order is already assigned to this person.",
            "field": "to_staff",
        }
    ]
    assert set(WorkOrder.objects.values_list("assignee_id", "owner_id")) == {
        (world.technician.pk, world.agent.pk)
    }
    assert AuditRecord.objects.filter(action="order.transfer").count() == 4  # one per order changed
    assert TimelineEntry.objects.filter(kind="transfer", body="Assigned from the queue").count() == 4


def test_transfer_to_a_group_needs_a_reason(world, orders) -> None:  # type: ignore[no-untyped-def]
    result = run(world, orders[:2], kind="transfer", to_department_id=world.repair_north.pk)
    assert [e["code"] for r in result.results for e in r.errors] == ["reason_required", "reason_required"]
    result = run(
        world, orders[:2], kind="transfer", to_department_id=world.repair_north.pk, reason="上门维修"
    )
    assert result.applied == 2
    assert set(
        WorkOrder.objects.filter(pk__in=[o.pk for o in orders[:2]]).values_list("department_id", "owner_id")
    ) == {(world.repair_north.pk, world.agent.pk)}
    other = run(world, orders[2:3], kind="transfer", to_department_id=world.repair_south.pk, reason="x")
    assert other.results[0].errors[0]["field"] == "to_department"  # another branch's group


def test_priority_and_status_go_through_the_rules(world, orders) -> None:  # type: ignore[no-untyped-def]
    result = run(world, orders[:2], kind="priority", priority="urgent")
    assert result.applied == 2 and set(
        WorkOrder.objects.filter(pk__in=[orders[0].pk, orders[1].pk]).values_list("priority", flat=True)
    ) == {"urgent"}
    # resolving needs a resolution: every order refused, none changed
    refused = run(world, orders, kind="status", status="resolved")
    assert refused.refused == 4 and refused.results[0].errors[0]["code"] == "resolution_required"
    assert set(WorkOrder.objects.values_list("status", flat=True)) == {"new"}
    done = run(world, orders[:3], kind="status", status="resolved", resolution="已更换燃气表")
    assert done.applied == 3
    # a closed order cannot go back to "in progress": the refusal names that order only
    again = run(world, orders[2:], kind="status", status="in_progress")
    assert [r.ok for r in again.results] == [False, True]
    assert again.results[0].errors[0]["code"] == "transition_forbidden"


def test_merge_into_the_oldest(world, orders) -> None:  # type: ignore[no-untyped-def]
    other = world.order(world.customer(name="赵六", phone="13600136000"))
    result = run(world, [orders[2], orders[0], orders[1], other], kind="merge", reason="同一故障")
    by = {r.number: r for r in result.results}
    assert by[orders[0].number].done == ["survivor"]
    assert by[orders[1].number].ok and by[orders[2].number].ok
    assert by[other.number].errors[0]["code"] == "different_customer"
    assert set(WorkOrder.objects.filter(merged_into=orders[0]).values_list("pk", flat=True)) == {
        orders[1].pk,
        orders[2].pk,
    }


def test_add_tag_uses_the_registered_order_action(world, orders, tags) -> None:  # type: ignore[no-untyped-def]
    result = run(world, orders[:2], kind="add_tag", tag="回访")
    assert result.applied == 2
    assert TimelineEntry.objects.filter(kind="system", data__tag="回访").count() == 2


def test_add_tag_is_not_offered_without_a_tag_feature(world, orders, no_tags) -> None:  # type: ignore[no-untyped-def]
    assert "add_tag" not in bulk.available_kinds()
    with pytest.raises(ValidationFailed) as exc:
        run(world, orders[:1], kind="add_tag", tag="回访")
    assert exc.value.field == "action"


def test_whole_request_refusals(world, orders) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as exc:
        run(world, [], kind="priority", priority="high")
    assert exc.value.field == "orders"
    with pytest.raises(ValidationFailed) as exc:
        bulk.do_bulk(
            world.agent.user,
            [str(i) for i in range(1, 202)],
            bulk.BulkAction(kind="priority", priority="high"),
        )
    assert exc.value.code == "too_many"
    with pytest.raises(ValidationFailed) as exc:
        run(world, orders, kind="assign")
    assert exc.value.field == "to_staff"
    assert not AuditRecord.objects.filter(action="order.bulk").exists()
