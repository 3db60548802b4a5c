"""Urban/rural from the area: orders take it from the customer's service area; an
override needs a reason and is audited; the time limits follow it."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.utils.translation import gettext as _t

from kefu.audit.models import AuditRecord
from kefu.commitments import clocks
from kefu.commitments.models import OrderClock
from kefu.lib.errors import Errors, ValidationFailed
from kefu.testing.clock import FakeClock, freeze, sh
from kefu.workorders.actions import do_update_order
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _defaults(db: Any) -> None:
    clocks.ensure_defaults()


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    return freeze(monkeypatch, sh(2025, 3, 3, 10, 0))  # Monday


def rural_customer(world: Any) -> Any:
    return world.customer(name="乡镇客户", phone="13800138111", branch=world.south, area_id=world.area_s1.pk)


def due(o: WorkOrder) -> Any:
    return OrderClock.objects.get(workorder=o, kind="resolution").due_at


def codes(exc: Any) -> list[tuple[str, str | None]]:
    errors = exc.errors if isinstance(exc, Errors) else [exc]
    return [(e.code, e.field) for e in errors]


def test_rural_customer_booked_as_urban_installation_is_refused_without_reason(world, now):
    c = rural_customer(world)
    with pytest.raises((Errors, ValidationFailed)) as exc:
        world.order(c, order_type="install_urban", title="开户")
    assert ("reason_required", "area_kind_reason") in codes(exc.value)
    errors = exc.value.errors if isinstance(exc.value, Errors) else [exc.value]
    assert any("“南湖乡片区”" in str(e.message) and _t("rural") in str(e.message) for e in errors)
    o = world.order(c, order_type="install_rural", title="开户")
    assert (o.area_kind, o.area_kind_reason, o.area_id) == ("rural", "", world.area_s1.pk)
    assert due(o) == sh(2025, 3, 17, 17, 30)  # 10 working days after Monday 3 March


def test_area_kind_limits_follow_the_area_and_override_is_audited(world, now):
    from kefu.commitments.models import TimeLimit

    TimeLimit.objects.create(
        kind="resolution", order_type="fault_general", area_kind="rural", unit="calendar_hours", amount=48
    )
    c = rural_customer(world)
    o = world.order(c)  # general fault in a rural area: 48 calendar hours
    assert o.area_kind == "rural" and due(o) == sh(2025, 3, 5, 10, 0)
    urban = world.order(
        c, area_kind="urban", area_kind_reason="客户在城区的门店报修", title="门店宽带故障"
    )  # override with a reason: 24 hours
    assert (urban.area_kind, urban.area_kind_reason) == ("urban", "客户在城区的门店报修")
    assert due(urban) == sh(2025, 3, 4, 10, 0)
    record = AuditRecord.objects.get(action="order.area_kind_override", workorder_id=urban.pk)
    assert record.after is not None
    assert record.after["reason"] == "客户在城区的门店报修" and record.after["area_kind"] == "urban"
    # the override is dropped (reason emptied): back to the area's kind and its limit
    o2 = do_update_order(world.agent_south.user, urban.number, {"area_kind": "", "area_kind_reason": ""})
    assert (o2.area_kind, o2.area_kind_reason) == ("rural", "")
    assert due(o2) == sh(2025, 3, 5, 10, 0)
    with pytest.raises((Errors, ValidationFailed)) as exc:
        do_update_order(world.agent_south.user, urban.number, {"area_kind": "urban"})
    assert ("reason_required", "area_kind_reason") in codes(exc.value)


def test_customer_without_area_keeps_the_chosen_kind(world, now):
    o = world.order(world.customer(), order_type="install_rural")
    assert (o.area_kind, o.area_kind_reason, o.area_id) == ("rural", "", None)
    assert world.order(world.customer(name="李四", phone="13600136000")).area_kind == "urban"


def test_migration_takes_the_kind_from_the_area(world, now):
    from django.apps import apps

    c = rural_customer(world)
    o = world.order(c, order_type="install_rural")
    o2 = world.order(world.customer(), order_type="install_rural")
    o3 = world.order(c)
    WorkOrder.objects.update(area_kind="urban", area_kind_reason="")
    migration = importlib.import_module("kefu.workorders.migrations.0006_i17_area_kind_due_provisional")
    migration.area_kind_from_areas(apps, None)
    kinds = dict(WorkOrder.objects.values_list("pk", "area_kind"))
    assert (kinds[o.pk], kinds[o2.pk], kinds[o3.pk]) == ("rural", "rural", "rural")
    assert WorkOrder.objects.get(pk=o2.pk).area_kind_reason == ""  # no area: nothing differs
