"""Triggers: conditions on the order's fields and the event, actions through the order's normal use cases,
the loop limit, a refused action that leaves the change standing, and kinds registered by other apps."""

from __future__ import annotations

import pytest

from kefu.audit.models import AuditRecord
from kefu.automation import actions, registry
from kefu.automation.models import Delivery, Trigger
from kefu.automation.registry import ActionKind, ConditionKind
from kefu.lib.errors import ValidationFailed
from kefu.notifications.models import Notification
from kefu.workorders.actions import do_transition, do_update_order

pytestmark = pytest.mark.django_db


def trigger(world, event, conditions, acts, **kw):  # type: ignore[no-untyped-def]
    return actions.do_save_trigger(
        world.admin.user,
        actions.TriggerInput(
            name=kw.pop("name", "T"), event=event, conditions=conditions, actions=acts, **kw
        ),
    )


def test_created_urgent_order_is_assigned_and_leader_notified(world):  # type: ignore[no-untyped-def]
    trigger(
        world,
        "created",
        [
            {"field": "priority", "op": "is", "value": "urgent"},
            {"field": "branch", "op": "is", "value": str(world.north.pk)},
        ],
        [
            {"kind": "assign", "value": str(world.technician.pk), "text": "紧急单直接派维修"},
            {"kind": "notify", "value": "leader", "text": "紧急单已自动派单"},
        ],
    )
    c = world.customer()
    normal = world.order(c)
    assert normal.assignee_id is None  # the condition does not hold
    urgent = world.order(c, priority="urgent", title="燃气泄漏")
    assert urgent.assignee_id == world.technician.pk  # the caller's object shows the trigger's change
    assert urgent.version == 2
    n = Notification.objects.get(kind="trigger", workorder=urgent, recipient=world.supervisor)
    assert n.params["text"] == "紧急单已自动派单"
    t = Trigger.objects.get()
    assert t.fired == 1 and t.last_fired_at is not None
    transfer = AuditRecord.objects.get(action="order.transfer", workorder_id=urgent.pk)
    assert transfer.actor_id == world.admin.user.pk  # as the administrator who saved the trigger
    assert AuditRecord.objects.filter(action="trigger.fired", workorder_id=urgent.pk).count() == 1


def test_status_change_trigger_sets_priority_and_calls_webhook(world, settings):  # type: ignore[no-untyped-def]
    settings.KEFU_WEBHOOK_ALLOW_HOSTS = ["127.0.0.1"]
    hook = actions.do_save_webhook(
        world.admin.user, actions.WebhookInput(name="BI", url="http://127.0.0.1:9/x", events=[])
    )
    trigger(
        world,
        "status_changed",
        [
            {"field": "from_status", "op": "is", "value": "resolved"},
            {"field": "status", "op": "is", "value": "reopened"},
        ],
        [
            {"kind": "set_priority", "value": "high", "text": ""},
            {"kind": "call_webhook", "value": str(hook.pk), "text": ""},
        ],
    )
    o = world.order(world.customer())
    do_transition(world.agent.user, o.pk, "in_progress")
    assert not Delivery.objects.exists()
    do_transition(world.agent.user, o.pk, "resolved", resolution="换了光猫")
    o = do_transition(world.supervisor.user, o.pk, "reopened", reason="客户说还是不通")
    assert o.priority == "high"
    d = Delivery.objects.get(webhook=hook)
    assert d.event_type == "order.status_changed" and '"to":"reopened"' in d.body


def test_set_status_goes_through_the_transition_table(world):  # type: ignore[no-untyped-def]
    trigger(world, "created", [], [{"kind": "set_status", "value": "closed", "text": "自动关闭"}])
    o = world.order(world.customer())  # new -> closed is not a transition: refused, the order stands
    assert o.status == "new"
    t = Trigger.objects.get()
    assert t.fired == 0 and o.number in t.last_error
    assert AuditRecord.objects.filter(action="trigger.failed", workorder_id=o.pk).count() == 1


def test_trigger_loops_stop(world, settings):  # type: ignore[no-untyped-def]
    settings.KEFU_TRIGGER_MAX_DEPTH = 3
    # two triggers that undo each other: high -> low -> high -> ... would never end
    trigger(
        world,
        "updated",
        [{"field": "priority", "op": "is", "value": "high"}],
        [{"kind": "set_priority", "value": "low", "text": ""}],
        name="A",
    )
    trigger(
        world,
        "updated",
        [{"field": "priority", "op": "is", "value": "low"}],
        [{"kind": "set_priority", "value": "high", "text": ""}],
        name="B",
    )
    o = world.order(world.customer())
    o = do_update_order(world.agent.user, o.pk, {"priority": "high"})
    # A (high->low) fires, then B (low->high); A may not fire twice in one chain: it ends at high
    assert o.priority == "high"
    assert {t.name: t.fired for t in Trigger.objects.all()} == {"A": 1, "B": 1}


def test_depth_limit(world, settings):  # type: ignore[no-untyped-def]
    settings.KEFU_TRIGGER_MAX_DEPTH = 1
    trigger(
        world,
        "updated",
        [{"field": "priority", "op": "is", "value": "high"}],
        [{"kind": "set_priority", "value": "urgent", "text": ""}],
        name="A",
        position=2,
    )
    trigger(
        world,
        "updated",
        [{"field": "priority", "op": "is", "value": "urgent"}],
        [{"kind": "notify", "value": "owner", "text": "加急"}],
        name="B",
        position=1,  # judged before A: later triggers of one event see what earlier ones changed
    )
    o = world.order(world.customer())
    o = do_update_order(world.agent_senior.user, o.pk, {"priority": "high"})
    assert o.priority == "urgent"
    assert Trigger.objects.get(name="B").fired == 0  # A's own change fires nothing beyond depth 1


def test_changed_condition_on_updates(world):  # type: ignore[no-untyped-def]
    trigger(
        world,
        "updated",
        [{"field": "changed", "op": "contains", "value": "assignee"}],
        [{"kind": "notify", "value": "owner", "text": "换人了"}],
    )
    o = world.order(world.customer())
    do_update_order(world.agent.user, o.pk, {"title": "新标题"})
    assert not Notification.objects.filter(kind="trigger").exists()
    from kefu.workorders.actions import do_transfer

    do_transfer(world.agent_senior.user, o.pk, to_staff_id=world.technician.pk, reason="上门")
    assert Notification.objects.filter(kind="trigger", recipient=world.agent).count() == 1


def test_registered_kinds_of_other_apps(world):  # type: ignore[no-untyped-def]
    seen: list[tuple[str, str]] = []
    real = registry.CONDITIONS.get("tag"), registry.ACTIONS.get("add_tag")
    registry.register_condition(
        "tag", ConditionKind("Tags", lambda ctx: {"vip", "gas"}, ops=("contains", "not_contains"))
    )
    registry.register_action(
        "add_tag",
        ActionKind("Add tag", lambda ctx, run_as, value, text: seen.append((ctx.order.number, value))),
    )
    try:
        trigger(
            world,
            "created",
            [{"field": "tag", "op": "contains", "value": "vip"}],
            [{"kind": "add_tag", "value": "escalate"}],
        )
        o = world.order(world.customer())
        assert seen == [(o.number, "escalate")]
    finally:
        registry.unregister_condition("tag")
        registry.unregister_action("add_tag")
    world.order(world.customer(phone="13900139000"))  # the kinds are gone: the trigger cannot be judged
    assert len(seen) == 1
    if real[0] is not None and real[1] is not None:  # the real kinds (kefu.automation.feature_kinds) again
        registry.register_condition("tag", real[0])
        registry.register_action("add_tag", real[1])


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"name": "", "event": "created", "actions": [{"kind": "notify", "value": "owner", "text": "x"}]},
            "name",
        ),
        (
            {"name": "x", "event": "someday", "actions": [{"kind": "notify", "value": "owner", "text": "x"}]},
            "event",
        ),
        ({"name": "x", "event": "created", "actions": []}, "actions"),
        ({"name": "x", "event": "created", "actions": [{"kind": "explode", "value": ""}]}, "actions.0.kind"),
        (
            {"name": "x", "event": "created", "actions": [{"kind": "set_priority", "value": "mega"}]},
            "actions.0.value",
        ),
        (
            {"name": "x", "event": "created", "actions": [{"kind": "notify", "value": "owner", "text": ""}]},
            "actions.0.text",
        ),
        (
            {
                "name": "x",
                "event": "created",
                "conditions": [{"field": "priority", "op": "is", "value": "mega"}],
                "actions": [{"kind": "notify", "value": "owner", "text": "x"}],
            },
            "conditions.0.value",
        ),
        (
            {
                "name": "x",
                "event": "created",
                "conditions": [{"field": "clock", "op": "contains", "value": "resolution"}],
                "actions": [{"kind": "notify", "value": "owner", "text": "x"}],
            },
            "conditions.0.field",
        ),
    ],
)
def test_invalid_triggers_are_refused_naming_the_field(world, data, field):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as exc:
        actions.do_save_trigger(world.admin.user, actions.TriggerInput(**data))
    assert exc.value.field == field
    assert not Trigger.objects.exists()


def test_only_administrators_edit_triggers(world):  # type: ignore[no-untyped-def]
    from kefu.lib.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.do_save_trigger(
            world.supervisor.user,
            actions.TriggerInput(
                name="x", event="created", actions=[{"kind": "notify", "value": "owner", "text": "x"}]
            ),
        )


def test_breach_event_reaches_triggers_and_webhooks(world, settings):  # type: ignore[no-untyped-def]
    from kefu.workorders import hooks

    settings.KEFU_WEBHOOK_ALLOW_HOSTS = ["127.0.0.1"]
    hook = actions.do_save_webhook(
        world.admin.user,
        actions.WebhookInput(name="BI", url="http://127.0.0.1:9/x", events=["clock_breached"]),
    )
    trigger(
        world,
        "clock_breached",
        [{"field": "clock", "op": "contains", "value": "resolution"}],
        [{"kind": "set_priority", "value": "urgent"}],
    )
    o = world.order(world.customer())
    hooks.staff_event(
        hooks.StaffEventKind.BREACH, [o.owner_id], order=o, at=o.created_at, clocks=["resolution"]
    )
    o.refresh_from_db()
    assert o.priority == "urgent"
    d = Delivery.objects.get(webhook=hook)
    assert d.event_type == "order.clock_breached" and '"clocks":["resolution"]' in d.body


def test_satisfaction_answer_reaches_triggers_and_webhooks(world, settings):  # type: ignore[no-untyped-def]
    from kefu.surveys.actions import record_answer

    settings.KEFU_WEBHOOK_ALLOW_HOSTS = ["127.0.0.1"]
    hook = actions.do_save_webhook(
        world.admin.user,
        actions.WebhookInput(name="CX", url="http://127.0.0.1:9/x", events=["satisfaction_received"]),
    )
    trigger(
        world,
        "satisfaction_received",
        [{"field": "satisfaction_low", "op": "is", "value": "true"}],
        [{"kind": "notify", "value": "leader", "text": "客户不满意，请回访"}],
    )
    o = world.order(world.customer())
    record_answer(key="test:good", source="counter", at=o.created_at, order=o, csat=5)
    assert not Notification.objects.filter(kind="trigger").exists()
    record_answer(key="test:bad", source="counter", at=o.created_at, order=o, csat=1)
    n = Notification.objects.get(kind="trigger", recipient=world.supervisor)
    assert n.params["text"] == "客户不满意，请回访"
    bodies = [d.body for d in Delivery.objects.filter(webhook=hook).order_by("id")]
    assert len(bodies) == 2 and '"csat":5' in bodies[0] and '"low":true' in bodies[1]
