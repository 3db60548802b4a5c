"""Tags and custom fields: definitions, typed values, the required-at-status guard on every path, tags,
autocomplete, the order page's card (one statement), audit records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.audit.models import AuditRecord
from kefu.fields import actions, rules
from kefu.fields.models import FieldDefinition, FieldValue, OrderTag, Tag
from kefu.fields.panels import order_fields
from kefu.lib.errors import Errors, NotFound, PermissionDenied, ValidationFailed
from kefu.workorders import actions as wo

pytestmark = pytest.mark.django_db


def define(world: Any, **kw: Any) -> FieldDefinition:
    data = {"scope": "order", "kind": "text", "active": True, **kw}
    return actions.do_save_definition(world.admin.user, data)


@pytest.fixture
def meter(world: Any) -> FieldDefinition:
    return define(world, key="meter_no", label="表号", pattern=r"[0-9]{8}", required_at=["resolved"])


def test_tag_names_are_normalised() -> None:
    assert rules.normalise_tag("  #VIP 客户 ") == "vip-客户"
    assert rules.normalise_tag("ＡＢＣ１２") == "abc12"  # full-width → ASCII
    assert rules.normalise_tag("燃\x00气") == "燃气"  # no NUL: PostgreSQL cannot store it
    assert rules.split_tags("燃气表, 燃气表，复查、 Repeat  Visit") == ["燃气表", "复查", "repeat-visit"]


def test_values_are_parsed_by_kind() -> None:
    number = rules.FieldSpec(key="n", kind="number", min_value=Decimal("0"), max_value=Decimal("100"))
    assert rules.parse_value(number, "12.5") == [Decimal("12.5000")]
    with pytest.raises(rules.ValueProblem) as exc:
        rules.parse_value(number, "120")
    assert exc.value.code == "too_large"
    with pytest.raises(rules.ValueProblem):
        rules.parse_value(number, "abc")
    date = rules.FieldSpec(key="d", kind="date")
    assert rules.parse_value(date, "2026-12-08") == [dt.date(2026, 12, 8)]
    multi = rules.FieldSpec(key="m", kind="multi_choice", choices=("上午", "下午", "晚上"))
    assert rules.parse_value(multi, ["下午", "上午", "下午"]) == ["下午", "上午"]
    with pytest.raises(rules.ValueProblem):
        rules.parse_value(multi, ["半夜"])
    assert rules.parse_value(rules.FieldSpec(key="t", kind="text"), "  ") == []
    with pytest.raises(rules.ValueProblem):
        rules.parse_value(rules.FieldSpec(key="t", kind="text"), "12\x0034")


def test_set_values_typed_and_audited(world: Any, meter: FieldDefinition) -> None:
    define(world, key="visits", label="上门次数", kind="number", min_value="0")
    define(world, key="slot", label="预约时段", kind="multi_choice", choices="上午, 下午")
    define(world, key="account_no", label="户号", scope="customer")
    o = world.order(world.customer())
    changed = actions.do_set_field_values(
        world.agent.user,
        o,
        {"meter_no": "12345678", "visits": "2", "slot": ["下午", "上午"], "account_no": "HH-001"},
    )
    assert changed == {
        "meter_no": "12345678",
        "visits": "2",
        "slot": ["下午", "上午"],
        "account_no": "HH-001",
    }
    assert actions.values_of(o) == {
        "meter_no": ["12345678"],
        "visits": [Decimal("2.0000")],
        "slot": ["下午", "上午"],
        "account_no": ["HH-001"],
    }
    # the customer field belongs to the customer, not to the order
    assert FieldValue.objects.get(definition__key="account_no").customer_id == o.customer_id
    rec = AuditRecord.objects.get(action="fields.order_values_changed", workorder_id=o.pk)
    assert rec.after == {"meter_no": "12345678", "visits": "2", "slot": ["下午", "上午"]}
    assert (
        AuditRecord.objects.filter(action="fields.customer_values_changed", customer_id=o.customer_id).count()
        == 1
    )
    # clearing one value
    actions.do_set_field_values(world.agent.user, o, {"visits": ""})
    assert "visits" not in actions.values_of(o)


def test_bad_values_all_named(world: Any, meter: FieldDefinition) -> None:
    define(world, key="visits", label="上门次数", kind="number", max_value="5")
    o = world.order(world.customer())
    with pytest.raises(Errors) as exc:
        actions.do_set_field_values(world.agent.user, o, {"meter_no": "12ab", "visits": "9", "nope": "1"})
    fields = {e.field: e.message for e in exc.value.errors}
    assert set(fields) == {"custom_fields.meter_no", "custom_fields.visits", "custom_fields.nope"}
    assert "上门次数" in str(fields["custom_fields.visits"]) and "5" in str(fields["custom_fields.visits"])
    assert not FieldValue.objects.exists()  # nothing written


def test_order_type_limits_the_field(world: Any) -> None:
    define(world, key="leak_ppm", label="浓度", kind="number", order_types=["fault_major"])
    o = world.order(world.customer())  # fault_general
    with pytest.raises(Errors) as exc:
        actions.do_set_field_values(world.agent.user, o, {"leak_ppm": "3"})
    assert exc.value.errors[0].code == "not_applicable"


def test_required_field_blocks_resolving(world: Any, meter: FieldDefinition) -> None:
    o = world.order(world.customer())
    with pytest.raises(ValidationFailed) as exc:
        wo.do_transition(world.agent.user, o.pk, "resolved", resolution="已修复")
    assert exc.value.field == "custom_fields.meter_no"
    assert "表号" in str(exc.value.message)
    o.refresh_from_db()
    assert o.status == "new"
    actions.do_set_field_values(world.agent.user, o, {"meter_no": "12345678"})
    wo.do_transition(world.agent.user, o.pk, "resolved", resolution="已修复")
    o.refresh_from_db()
    assert o.status == "resolved"


def test_required_customer_field_counts_the_customers_value(world: Any) -> None:
    define(world, key="account_no", label="户号", scope="customer", required_at=["resolved"])
    cust = world.customer()
    o = world.order(cust)
    with pytest.raises(ValidationFailed, match="户号"):
        wo.do_transition(world.agent.user, o.pk, "resolved", resolution="已修复")
    actions.do_set_customer_field_values(world.agent.user, cust.pk, {"account_no": "1001"})
    wo.do_transition(world.agent.user, o.pk, "resolved", resolution="已修复")


def test_definitions_admin_only_and_checked(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_save_definition(
            world.agent.user, {"key": "x", "label": "X", "scope": "order", "kind": "text"}
        )
    with pytest.raises(Errors) as exc:
        actions.do_save_definition(
            world.admin.user,
            {"key": "Bad Key", "label": "", "scope": "order", "kind": "choice", "required_at": ["done"]},
        )
    assert {e.field for e in exc.value.errors} == {"key", "label", "choices", "required_at"}
    d = define(world, key="slot", label="时段", kind="choice", choices="上午,下午")
    assert d.choices == ["上午", "下午"]
    assert AuditRecord.objects.filter(action="fields.defined", object_id=str(d.pk)).exists()


def test_tags_add_remove_and_suggest(world: Any) -> None:
    o1 = world.order(world.customer())
    o2 = world.order(world.customer(name="李四", phone="13900139000"))
    assert actions.do_add_tags(world.agent.user, o1, ["燃气表", " VIP客户 "]) == ["vip客户", "燃气表"]
    assert actions.do_add_tags(world.agent.user, o2, "燃气表，复查") == ["复查", "燃气表"]
    assert Tag.objects.count() == 3
    assert [r["name"] for r in actions.tag_suggestions("燃")] == ["燃气表"]
    assert actions.tag_suggestions("")[0] == {"name": "燃气表", "uses": 2}
    assert actions.do_remove_tags(world.agent.user, o1, ["VIP客户"]) == ["燃气表"]
    assert OrderTag.objects.filter(workorder=o1).count() == 1
    rec = AuditRecord.objects.filter(action="fields.tags_changed", workorder_id=o1.pk).order_by("id").last()
    assert rec is not None and rec.after == {"tags": ["燃气表"]}
    # another branch's order is not found for this agent
    o3 = world.order(world.customer(name="王五", phone="13700137000", branch=world.south))
    with pytest.raises(NotFound):
        actions.do_add_tags(world.agent.user, o3, ["x"])


def test_order_panel_reads_in_one_statement(world: Any, meter: FieldDefinition) -> None:
    define(world, key="account_no", label="户号", scope="customer")
    define(world, key="slot", label="时段", kind="multi_choice", choices="上午,下午")
    o = world.order(world.customer())
    actions.do_set_field_values(
        world.agent.user, o, {"meter_no": "12345678", "slot": "上午,下午", "account_no": "7"}
    )
    actions.do_add_tags(world.agent.user, o, ["燃气表", "复查"])
    with CaptureQueriesContext(connection) as ctx:
        fields, tags = order_fields(o)
    assert len(ctx.captured_queries) == 1
    assert tags == ["复查", "燃气表"]
    assert {f["key"]: f["text"] for f in fields} == {
        "meter_no": "12345678",
        "account_no": "7",
        "slot": "上午, 下午",
    }
