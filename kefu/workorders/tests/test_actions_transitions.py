"""do_transition over the database: every allowed edge, timestamps, timeline + audit in the same
transaction, nothing half-saved on failure, optimistic concurrency."""

from __future__ import annotations

from typing import Any

import pytest

from kefu.audit import log as audit_log
from kefu.audit.models import AuditRecord
from kefu.lib.errors import Conflict, Errors, PermissionDenied, ValidationFailed
from kefu.workorders.actions import do_transition, do_update_order
from kefu.workorders.models import TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db

# how to reach each status from "new" (target, kwargs)
PATH: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "new": [],
    "awaiting_materials": [("awaiting_materials", {})],
    "in_progress": [("in_progress", {})],
    "pending_customer": [("pending_customer", {"reason": "等客户回电"})],
    "resolved": [("resolved", {"resolution": "当场解决"})],
    "closed": [("resolved", {"resolution": "当场解决"}), ("closed", {})],
    "reopened": [("resolved", {"resolution": "当场解决"}), ("reopened", {"reason": "回访发现未解决"})],
}

# the allowed edges, written out (see test_rules_transitions.EXPECTED) with the inputs each needs
EDGES: list[tuple[str, str, str, dict[str, str]]] = [
    ("new", "in_progress", "start", {}),
    ("new", "awaiting_materials", "request_materials", {}),
    ("new", "pending_customer", "wait_for_customer", {"reason": "联系不上"}),
    ("new", "resolved", "resolve", {"resolution": "电话指导恢复"}),
    ("new", "closed", "withdraw", {"reason": "客户撤回", "close_reason": "withdrawn"}),
    ("awaiting_materials", "in_progress", "materials_complete", {}),
    ("awaiting_materials", "closed", "withdraw", {"reason": "误报", "close_reason": "invalid"}),
    ("in_progress", "awaiting_materials", "request_materials", {}),
    ("in_progress", "pending_customer", "wait_for_customer", {"reason": "约上门时间"}),
    ("in_progress", "resolved", "resolve", {"resolution": "更换光猫"}),
    ("in_progress", "closed", "withdraw", {"reason": "客户撤回", "close_reason": "withdrawn"}),
    ("pending_customer", "in_progress", "resume", {}),
    ("pending_customer", "resolved", "resolve", {"resolution": "客户确认恢复"}),
    ("pending_customer", "closed", "withdraw", {"reason": "客户撤回", "close_reason": "withdrawn"}),
    ("resolved", "closed", "close", {}),
    ("resolved", "reopened", "reopen", {"reason": "回访未解决"}),
    ("closed", "reopened", "reopen", {"reason": "客户再次来电"}),
    ("reopened", "in_progress", "start", {}),
    ("reopened", "awaiting_materials", "request_materials", {}),
    ("reopened", "pending_customer", "wait_for_customer", {"reason": "等客户"}),
    ("reopened", "resolved", "resolve", {"resolution": "二次上门修复"}),
]


def bring_to(world: Any, order: WorkOrder, status: str) -> WorkOrder:
    for target, kw in PATH[status]:
        order = do_transition(world.agent.user, order.pk, target, **kw)
    assert order.status == status
    return order


def counts(order: WorkOrder) -> tuple[int, int]:
    return (
        TimelineEntry.objects.filter(workorder=order).count(),
        AuditRecord.objects.filter(workorder_id=order.pk).count(),
    )


@pytest.mark.parametrize(("frm", "to", "action", "kw"), EDGES, ids=[f"{a}->{b}" for a, b, _, _ in EDGES])
def test_each_allowed_edge(world: Any, frm: str, to: str, action: str, kw: dict[str, str]) -> None:
    o = bring_to(world, world.order(world.customer()), frm)
    version = WorkOrder.objects.get(pk=o.pk).version
    timeline_before, audit_before = counts(o)

    o = do_transition(world.agent.user, o.number, to, expected_version=version, **kw)

    fresh = WorkOrder.objects.get(pk=o.pk)
    assert fresh.status == to
    assert fresh.version == version + 1
    assert counts(o) == (timeline_before + 1, audit_before + 1)
    entry = TimelineEntry.objects.filter(workorder=o).latest("id")
    assert entry.kind == TimelineEntry.Kind.STATUS
    assert entry.data["from"] == frm and entry.data["to"] == to and entry.data["action"] == action
    assert entry.author_staff == world.agent
    rec = AuditRecord.objects.filter(workorder_id=o.pk).latest("id")
    assert rec.action == f"order.{action}"
    assert rec.actor == world.agent.user
    assert rec.before is not None
    assert rec.after is not None
    assert rec.before["status"] == frm and rec.after["status"] == to
    assert rec.customer_id == o.customer_id


def test_resolve_and_close_timestamps_cleared_on_reopen(world: Any) -> None:
    o = world.order(world.customer())
    assert (o.resolved_at, o.closed_at, o.close_reason) == (None, None, "")
    o = do_transition(world.agent.user, o.pk, "resolved", resolution="  更换光猫  ")
    fresh = WorkOrder.objects.get(pk=o.pk)
    assert fresh.resolution == "更换光猫"
    assert fresh.resolved_at is not None and fresh.closed_at is None
    do_transition(world.agent.user, o.pk, "closed")
    fresh = WorkOrder.objects.get(pk=o.pk)
    assert fresh.close_reason == "solved"
    assert fresh.closed_at is not None and fresh.resolved_at is not None
    assert fresh.closed_at >= fresh.resolved_at
    do_transition(world.agent.user, o.pk, "reopened", reason="客户说又断网了")
    fresh = WorkOrder.objects.get(pk=o.pk)
    assert (fresh.resolved_at, fresh.closed_at, fresh.close_reason) == (None, None, "")
    rec = AuditRecord.objects.filter(workorder_id=o.pk, action="order.reopen").get()
    assert rec.before is not None
    assert rec.after is not None
    assert rec.before["close_reason"] == "solved" and rec.after["close_reason"] == ""
    assert rec.summary == "客户说又断网了"


def test_withdraw_records_close_reason(world: Any) -> None:
    o = world.order(world.customer())
    do_transition(world.agent.user, o.pk, "closed", reason="打错电话", close_reason="invalid")
    fresh = WorkOrder.objects.get(pk=o.pk)
    assert (fresh.status, fresh.close_reason, fresh.resolved_at) == ("closed", "invalid", None)
    assert fresh.closed_at is not None
    entry = TimelineEntry.objects.filter(workorder=o).latest("id")
    assert entry.body == "打错电话" and entry.public is True


def test_reopened_order_needs_a_new_resolution(world: Any) -> None:
    o = bring_to(world, world.order(world.customer()), "reopened")
    with pytest.raises(ValidationFailed) as exc:
        do_transition(world.agent.user, o.pk, "resolved")
    assert exc.value.code == "resolution_required"
    o = do_transition(world.agent.user, o.pk, "resolved", resolution="二次上门更换线路")
    assert WorkOrder.objects.get(pk=o.pk).resolution == "二次上门更换线路"


FAILURES = [
    # (from, target, kwargs, expected code)
    ("closed", "in_progress", {}, "transition_forbidden"),
    ("new", "reopened", {"reason": "x"}, "transition_forbidden"),
    ("new", "new", {}, "transition_forbidden"),
    ("new", "resolved", {}, "resolution_required"),
    ("new", "resolved", {"resolution": "   "}, "resolution_required"),
    ("new", "pending_customer", {}, "reason_required"),
    ("new", "closed", {"reason": "撤回"}, "close_reason_required"),
    ("new", "closed", {"reason": "撤回", "close_reason": "solved"}, "close_reason_required"),
    ("new", "closed", {"reason": "重复", "close_reason": "duplicate"}, "merge_required"),
    ("new", "closed", {"reason": "撤回", "close_reason": "bogus"}, "invalid_choice"),
    ("resolved", "closed", {"close_reason": "withdrawn"}, "close_reason_invalid"),
    ("resolved", "reopened", {}, "reason_required"),
    ("new", "flying", {}, "invalid_choice"),
]


@pytest.mark.parametrize(("frm", "to", "kw", "code"), FAILURES)
def test_refused_transition_changes_nothing(
    world: Any, frm: str, to: str, kw: dict[str, Any], code: str
) -> None:
    o = bring_to(world, world.order(world.customer()), frm)
    before = WorkOrder.objects.get(pk=o.pk)
    timeline_before, audit_before = counts(o)
    with pytest.raises(ValidationFailed) as exc:
        do_transition(world.agent.user, o.pk, to, **kw)
    assert exc.value.code == code
    assert exc.value.status == 400
    after = WorkOrder.objects.get(pk=o.pk)
    assert (after.status, after.version, after.close_reason) == (
        before.status,
        before.version,
        before.close_reason,
    )
    assert counts(o) == (timeline_before, audit_before)


def test_several_errors_at_once(world: Any) -> None:
    o = bring_to(world, world.order(world.customer()), "new")
    with pytest.raises(Errors) as exc:
        do_transition(world.agent.user, o.pk, "closed", close_reason="")
    assert [e.code for e in exc.value.errors] == ["reason_required", "close_reason_required"]


def test_audit_failure_rolls_back_the_whole_change(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    o = world.order(world.customer())
    timeline_before, audit_before = counts(o)

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(audit_log, "record", boom)
    with pytest.raises(RuntimeError):
        do_transition(world.agent.user, o.pk, "resolved", resolution="更换光猫")
    fresh = WorkOrder.objects.get(pk=o.pk)
    assert (fresh.status, fresh.version, fresh.resolved_at, fresh.resolution) == ("new", o.version, None, "")
    assert counts(o) == (timeline_before, audit_before)


def test_reopen_permissions(world: Any) -> None:
    # not the owner and no order.reopen capability: refused
    o = bring_to(world, world.order(world.customer()), "closed")
    with pytest.raises(PermissionDenied) as exc:
        do_transition(world.agent_senior.user, o.pk, "reopened", reason="再次报修")
    assert exc.value.code == "forbidden" and exc.value.status == 403
    assert WorkOrder.objects.get(pk=o.pk).status == "closed"
    # follow-up staff may reopen (R-19: a problem found on follow-up is reopened)
    do_transition(world.followup.user, o.pk, "reopened", reason="回访发现未解决")
    assert WorkOrder.objects.get(pk=o.pk).status == "reopened"


def test_roles_without_work_capability_cannot_move_orders(world: Any) -> None:
    o = world.order(world.customer())
    for persona in (world.inspector, world.followup):
        with pytest.raises(PermissionDenied):
            do_transition(persona.user, o.pk, "in_progress")
    assert WorkOrder.objects.get(pk=o.pk).status == "new"


def test_stale_version_conflict_changes_nothing(world: Any) -> None:
    o = world.order(world.customer())
    do_transition(world.agent.user, o.pk, "in_progress", expected_version=o.version)
    timeline_before, audit_before = counts(o)
    with pytest.raises(Conflict) as exc:
        do_transition(world.agent.user, o.pk, "resolved", resolution="x", expected_version=o.version)
    assert (exc.value.status, exc.value.code, exc.value.field) == (409, "stale", "version")
    assert exc.value.as_dict()["error"]["current_version"] == o.version + 1
    fresh = WorkOrder.objects.get(pk=o.pk)
    assert (fresh.status, fresh.version) == ("in_progress", o.version + 1)
    assert counts(o) == (timeline_before, audit_before)


def test_update_stale_version_conflict(world: Any) -> None:
    o = world.order(world.customer())
    do_update_order(world.agent.user, o.pk, {"title": "新标题"}, expected_version=o.version)
    with pytest.raises(Conflict) as exc:
        do_update_order(world.agent.user, o.pk, {"title": "另一个标题"}, expected_version=o.version)
    assert exc.value.code == "stale"
    fresh = WorkOrder.objects.get(pk=o.pk)
    assert (fresh.title, fresh.version) == ("新标题", o.version + 1)
    assert AuditRecord.objects.filter(workorder_id=o.pk, action="order.update").count() == 1
