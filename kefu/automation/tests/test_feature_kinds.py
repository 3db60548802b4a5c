"""The trigger kinds of the features below automation, wired at merge: tags and custom fields (kefu.fields),
macros (kefu.macros) — and the macros' own tag action, which is kefu.fields' do_add_tags."""

from __future__ import annotations

import pytest

from kefu.automation import actions, registry
from kefu.fields import actions as fields
from kefu.lib.errors import ValidationFailed
from kefu.macros.actions import MacroInput, apply_to_order, do_save_macro
from kefu.workorders.models import TimelineEntry

pytestmark = pytest.mark.django_db


def trigger(world, conditions, acts):  # type: ignore[no-untyped-def]
    return actions.do_save_trigger(
        world.admin.user, actions.TriggerInput(name="T", event="created", conditions=conditions, actions=acts)
    )


def test_the_kinds_of_fields_and_macros_are_registered() -> None:
    assert {"tag", "custom_field"} <= set(registry.CONDITIONS)
    assert {"add_tag", "remove_tag", "apply_macro", "set_custom_field"} <= set(registry.ACTIONS)


def test_a_trigger_tags_a_new_order_and_applies_a_shared_macro(world) -> None:  # type: ignore[no-untyped-def]
    macro = do_save_macro(
        world.supervisor.user,
        MacroInput(name="燃气报修受理", note="已按燃气报修流程受理", shared=True, branch_id=world.north.pk),
    )
    trigger(
        world,
        [{"field": "priority", "op": "is", "value": "normal"}],
        [{"kind": "add_tag", "value": " 燃气 报修 "}, {"kind": "apply_macro", "value": str(macro.pk)}],
    )
    o = world.order(world.customer())
    assert fields.tags_of(o) == ["燃气-报修"]
    notes = TimelineEntry.objects.filter(workorder=o, kind="note").values_list("body", flat=True)
    assert "已按燃气报修流程受理" in list(notes)


def test_a_tag_condition_and_remove_tag(world) -> None:  # type: ignore[no-untyped-def]
    fields.do_add_tags(world.agent.user, world.order(world.customer(phone="13700137003")), ["vip"])
    trigger(
        world,
        [{"field": "tag", "op": "not_contains", "value": "vip"}],
        [{"kind": "add_tag", "value": "checked"}],
    )
    o = world.order(world.customer())
    assert fields.tags_of(o) == ["checked"]
    registry.ACTIONS["remove_tag"].run(
        registry.Context(event="updated", order=o, at=o.received_at, event_id="e1"),
        world.admin,
        "checked",
        "",
    )
    assert fields.tags_of(o) == []


def test_a_macro_tags_through_the_fields_app(world) -> None:  # type: ignore[no-untyped-def]
    macro = do_save_macro(world.agent.user, MacroInput(name="标记", tags=["回访重点"]))
    o = world.order(world.customer(phone="13700137002"))
    done = apply_to_order(world.agent.user, world.agent, macro, o.pk)
    assert "tags" in done
    assert fields.tags_of(o) == ["回访重点"]


def test_a_trigger_sets_a_custom_field_and_checks_one(world) -> None:  # type: ignore[no-untyped-def]
    fields.do_save_definition(
        world.admin.user,
        {
            "key": "slot",
            "label": "预约时段",
            "scope": "order",
            "kind": "choice",
            "choices": "上午,下午",
            "active": True,
        },
    )
    trigger(world, [], [{"kind": "set_custom_field", "value": "slot = 上午"}])
    o = world.order(world.customer())
    assert fields.values_of(o) == {"slot": ["上午"]}
    ctx = registry.Context(event="updated", order=o, at=o.received_at, event_id="e2")
    assert registry.CONDITIONS["custom_field"].value(ctx) == {"slot=上午"}
    with pytest.raises(ValidationFailed) as exc:
        trigger(world, [], [{"kind": "set_custom_field", "value": "no_such_field=1"}])
    assert (exc.value.field or "").endswith("value")
