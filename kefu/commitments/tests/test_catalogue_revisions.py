"""Catalogue changes are patches (R-17, docs/commitments.md "Catalogue changes"): a fee change scheduled for
2027-01-01 00:00 (Asia/Shanghai) and a time limit changed at once on 2026-12-10 are both in effect after the
job on 2027-01-01; the same field changed both ways is a conflict, shown and not applied; a pending change can
be cancelled; a save against a service changed since the editor was opened is refused."""

from __future__ import annotations

import copy
import datetime as dt
import importlib
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as django_apps
from django.utils import translation

from kefu.audit.models import AuditRecord
from kefu.commitments import catalogue, clocks
from kefu.commitments.models import Service, ServiceRevision, TimeLimit
from kefu.lib import clock
from kefu.lib.errors import Conflict, PermissionDenied, ValidationFailed
from kefu.testing.factories import make_staff

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YEAR = dt.datetime(2027, 1, 1, 0, 0, tzinfo=SHANGHAI)


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _defaults(db: Any) -> None:
    clocks.ensure_defaults()


def _with_fee(entry: dict[str, Any], fee: str) -> dict[str, Any]:
    entry = copy.deepcopy(entry)
    entry["service"]["paid"] = True
    entry["service"]["fee"] = fee
    entry["fees"] = [
        {"id": None, "name": "上门费", "amount": fee, "unit": "", "note": "", "order": 0, "translations": {}}
    ]
    return entry


def _with_limit_hours(entry: dict[str, Any], hours: str) -> dict[str, Any]:
    entry = copy.deepcopy(entry)
    row = {
        "kind": "resolution",
        "channel": "",
        "emergency": False,
        "area_kind": "",
        "tier": "",
        "priority": "",
        "unit": "calendar_hours",
        "amount": hours,
        "around_the_clock": False,
        "is_active": True,
    }
    if entry["limits"]:
        entry["limits"][0].update(amount=hours)
    else:
        entry["limits"] = [{"id": None, **row}]
    return entry


@pytest.fixture
def fault(world: Any) -> Service:
    """The broadband fault service with its own 24-hour resolution limit, saved on 2026-12-01."""
    s = world.service_fault
    with clock.simulated(sh(2026, 12, 1, 10, 0)):
        catalogue.do_save_entry(world.admin.user, s, _with_limit_hours(catalogue.entry_of(s), "24"))
    return s


def test_a_scheduled_fee_and_an_immediate_limit_change_are_both_in_effect_after_the_job(
    world: Any, fault: Service
) -> None:
    second_admin = make_staff("admin2", "admin", None, name="李管理")
    with clock.simulated(sh(2026, 12, 8, 10, 0)):
        scheduled = catalogue.do_save_entry(
            world.admin.user, fault, _with_fee(catalogue.entry_of(fault), "50.00"), NEW_YEAR
        )
    assert scheduled.status == "pending"
    assert scheduled.patch["service"]["fee"] == {"before": "0.00", "after": "50.00"}
    assert "limits" not in scheduled.patch["rows"]  # only what was changed, not the whole entry
    with clock.simulated(sh(2026, 12, 10, 9, 0)):
        opened = catalogue.entry_of(fault)
        at_once = catalogue.do_save_entry(
            second_admin.user, fault, _with_limit_hours(opened, "12"), base=opened
        )
    assert at_once.status == "applied"
    assert TimeLimit.objects.get(service=fault).amount == Decimal("12.00")
    with clock.simulated(sh(2026, 12, 31, 23, 59)):
        assert catalogue.apply_due_revisions() == 0
    fault.refresh_from_db()
    assert fault.fee == Decimal("0") and not fault.fees.exists()
    with clock.simulated(NEW_YEAR):
        assert catalogue.apply_due_revisions() == 1
        assert catalogue.apply_due_revisions() == 0  # once
    fault.refresh_from_db()
    assert fault.paid and fault.fee == Decimal("50.00") and fault.fees.get().amount == Decimal("50.00")
    assert TimeLimit.objects.get(service=fault).amount == Decimal("12.00")  # the change of 12-10 stays
    scheduled.refresh_from_db()
    assert scheduled.status == "applied" and scheduled.applied_at == NEW_YEAR
    assert {"field": "fee", "before": "0.00", "after": "50.00"} in scheduled.changes
    log = AuditRecord.objects.get(action="catalogue.revision_applied", object_id=str(fault.pk))
    assert log.before is not None and log.after is not None
    assert log.before["fee"] == "0.00" and log.after["fee"] == "50.00" and "limits" not in str(log.after)


def test_the_same_field_changed_both_ways_is_a_conflict(world: Any, fault: Service) -> None:
    with clock.simulated(sh(2026, 12, 8, 10, 0)):
        scheduled = catalogue.do_save_entry(
            world.admin.user, fault, _with_fee(catalogue.entry_of(fault), "50.00"), NEW_YEAR
        )
    with clock.simulated(sh(2026, 12, 10, 9, 0)):
        catalogue.do_save_entry(world.admin.user, fault, _with_fee(catalogue.entry_of(fault), "30.00"))
    with clock.simulated(sh(2027, 1, 1, 0, 5)):
        assert catalogue.apply_due_revisions() == 0
    scheduled.refresh_from_db()
    assert scheduled.status == "conflict" and scheduled.applied_at is None
    fee = next(c for c in scheduled.conflicts if c["field"] == "fee")
    assert (fee["before"], fee["after"], fee["current"]) == ("0.00", "50.00", "30.00")
    fault.refresh_from_db()
    assert fault.fee == Decimal("30.00") and [f.amount for f in fault.fees.all()] == [Decimal("30.00")]
    assert AuditRecord.objects.filter(action="catalogue.revision_conflict", object_id=str(fault.pk)).exists()
    # applying it anyway would publish two base fees (30 and 50): refused with the reason, nothing changes
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        catalogue.do_apply_anyway(world.admin.user, fault.pk, scheduled.pk)
    assert "differs from the base fee item" in str(refused.value.message)
    fault.refresh_from_db()
    assert fault.fee == Decimal("30.00")
    with clock.simulated(sh(2027, 1, 2, 9, 0)):
        catalogue.do_cancel_revision(world.admin.user, fault.pk, scheduled.pk)
    scheduled.refresh_from_db()
    assert scheduled.status == "cancelled" and scheduled.decided_by == world.admin.user
    assert scheduled.decided_at == sh(2027, 1, 2, 9, 0)
    assert AuditRecord.objects.filter(action="catalogue.revision_cancelled", object_id=str(fault.pk)).exists()


def test_a_conflict_applied_anyway_takes_the_scheduled_value(world: Any, fault: Service) -> None:
    with clock.simulated(sh(2026, 12, 8, 10, 0)):
        entry = catalogue.entry_of(fault)
        entry["service"]["commitment"] = "24小时内修复。"
        scheduled = catalogue.do_save_entry(world.admin.user, fault, entry, NEW_YEAR)
    with clock.simulated(sh(2026, 12, 10, 9, 0)):
        entry = catalogue.entry_of(fault)
        entry["service"]["commitment"] = "12小时内修复。"
        catalogue.do_save_entry(world.admin.user, fault, entry)
    with clock.simulated(NEW_YEAR):
        catalogue.apply_due_revisions()
    scheduled.refresh_from_db()
    assert scheduled.status == "conflict"
    with pytest.raises(PermissionDenied):
        catalogue.do_apply_anyway(world.supervisor.user, fault.pk, scheduled.pk)
    with clock.simulated(sh(2027, 1, 2, 9, 30)):
        catalogue.do_apply_anyway(world.admin.user, fault.pk, scheduled.pk)
    fault.refresh_from_db()
    scheduled.refresh_from_db()
    assert fault.commitment == "24小时内修复。"
    assert scheduled.status == "applied" and scheduled.applied_at == sh(2027, 1, 2, 9, 30)
    assert scheduled.decided_by == world.admin.user and scheduled.conflicts == []
    with pytest.raises(Conflict):  # applied: neither cancelled nor applied again
        catalogue.do_cancel_revision(world.admin.user, fault.pk, scheduled.pk)


def test_a_cancelled_change_is_never_applied(world: Any, fault: Service) -> None:
    with clock.simulated(sh(2026, 12, 8, 10, 0)):
        scheduled = catalogue.do_save_entry(
            world.admin.user, fault, _with_fee(catalogue.entry_of(fault), "50.00"), NEW_YEAR
        )
        with pytest.raises(PermissionDenied):
            catalogue.do_cancel_revision(world.supervisor.user, fault.pk, scheduled.pk)
        catalogue.do_cancel_revision(world.admin.user, fault.pk, scheduled.pk)
    with clock.simulated(NEW_YEAR):
        assert catalogue.apply_due_revisions() == 0
    fault.refresh_from_db()
    assert fault.fee == Decimal("0")
    assert ServiceRevision.objects.get(pk=scheduled.pk).status == "cancelled"


def test_two_scheduled_changes_of_the_same_field_are_refused_when_saving(world: Any, fault: Service) -> None:
    with clock.simulated(sh(2026, 12, 8, 10, 0)):
        catalogue.do_save_entry(
            world.admin.user, fault, _with_fee(catalogue.entry_of(fault), "50.00"), NEW_YEAR
        )
        with translation.override("en"), pytest.raises(ValidationFailed) as refused:
            catalogue.do_save_entry(
                world.admin.user,
                fault,
                _with_fee(catalogue.entry_of(fault), "60.00"),
                sh(2027, 2, 1, 0, 0),
            )
        assert refused.value.field == "effective_from"
        assert "2027-01-01 00:00" in str(refused.value.message) and "fee" in str(refused.value.message)
        other = catalogue.entry_of(fault)  # another field on another date is fine
        other["service"]["description"] = "宽带中断、网速慢的上门维修。"
        later = catalogue.do_save_entry(world.admin.user, fault, other, sh(2027, 2, 1, 0, 0))
    assert later.status == "pending"
    with clock.simulated(sh(2027, 2, 1, 0, 1)):
        assert catalogue.apply_due_revisions() == 2
    fault.refresh_from_db()
    assert fault.fee == Decimal("50.00") and fault.description == "宽带中断、网速慢的上门维修。"


def test_a_save_against_a_changed_service_is_refused_naming_who_when_and_what(
    world: Any, fault: Service
) -> None:
    second_admin = make_staff("admin2", "admin", None, name="李管理")
    with clock.simulated(sh(2026, 12, 10, 9, 0)):
        opened_a = catalogue.entry_of(fault)  # both open the page at 09:00
        opened_b = catalogue.entry_of(fault)
    with clock.simulated(sh(2026, 12, 10, 9, 5)):
        catalogue.do_save_entry(second_admin.user, fault, _with_fee(opened_b, "30.00"), base=opened_b)
    mine = copy.deepcopy(opened_a)
    mine["service"]["description"] = "宽带中断的上门维修。"
    with (
        clock.simulated(sh(2026, 12, 10, 9, 10)),
        translation.override("en"),
        pytest.raises(catalogue.StaleEntry) as stale,
    ):
        catalogue.do_save_entry(
            world.admin.user, fault, mine, base=opened_a, opened_at=sh(2026, 12, 10, 9, 0)
        )
    message = str(stale.value.message)
    assert "李管理" in message and "2026-12-10 09:05" in message and "fee" in message
    assert stale.value.status == 409 and set(stale.value.fields) == {"paid", "fee", "fees"}
    fault.refresh_from_db()
    assert fault.description == "" and fault.fee == Decimal("30.00")  # nothing of A's saved, B's kept
    assert ServiceRevision.objects.filter(service=fault).count() == 2


def test_nothing_changed_is_not_a_revision(world: Any, fault: Service) -> None:
    with pytest.raises(ValidationFailed) as refused:
        catalogue.do_save_entry(world.admin.user, fault, catalogue.entry_of(fault))
    assert refused.value.code == "catalogue_unchanged"


def test_the_migration_turns_whole_entries_into_patches(world: Any, fault: Service) -> None:
    """Revisions saved before (whole entries) become patches against the entry in effect when they were
    saved: an immediate change made after a scheduled one is no longer overwritten."""
    migration = importlib.import_module("kefu.commitments.migrations.0018_service_revision_patches")
    created = ServiceRevision.objects.get(service=fault)
    snapshot_1 = catalogue.entry_of(fault)
    created.patch, created.changes = snapshot_1, [{"field": "created"}]
    created.save()
    pending_snapshot = _with_fee(snapshot_1, "50.00")
    superseded_snapshot = _with_fee(snapshot_1, "40.00")
    common = {"service": fault, "created_by": world.admin.user, "effective_from": NEW_YEAR}
    pending = ServiceRevision.objects.create(
        **common, status="pending", patch=pending_snapshot, created_at=sh(2026, 12, 8, 10, 0)
    )
    superseded = ServiceRevision.objects.create(
        **common, status="superseded", patch=superseded_snapshot, created_at=sh(2026, 12, 7, 10, 0)
    )
    migration.forward(django_apps, None)
    pending.refresh_from_db()
    superseded.refresh_from_db()
    created.refresh_from_db()
    assert created.patch["created"] is True
    assert pending.status == "pending" and pending.patch["service"]["fee"] == {
        "before": "0.00",
        "after": "50.00",
    }
    assert "limits" not in pending.patch["rows"]
    assert superseded.status == "cancelled"
    with clock.simulated(sh(2026, 12, 10, 9, 0)):  # an immediate change after the scheduled one …
        opened = catalogue.entry_of(fault)
        catalogue.do_save_entry(world.admin.user, fault, _with_limit_hours(opened, "12"), base=opened)
    with clock.simulated(NEW_YEAR):
        assert catalogue.apply_due_revisions() == 1
    fault.refresh_from_db()
    assert fault.fee == Decimal("50.00") and TimeLimit.objects.get(service=fault).amount == Decimal("12.00")
