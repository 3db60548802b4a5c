"""The service log (R-33): record() only inside a transaction, snapshots, diffs, actor labels."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from kefu.audit import log
from kefu.audit.models import AuditRecord


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_raises() -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        log.record(None, "test.action", object_type="x", object_id=1)
    assert AuditRecord.objects.count() == 0
    with transaction.atomic():
        rec = log.record(None, "test.action", object_type="x", object_id=1)
    assert AuditRecord.objects.get().pk == rec.pk


@pytest.mark.django_db
def test_record_fields(world: Any) -> None:
    c = world.customer()
    rec = log.record(
        world.agent.user,
        "customer.test",
        c,
        before={"tier": "lead"},
        after={"tier": "gold", "at": dt.date(2026, 3, 1), "amount": decimal.Decimal("1.50")},
        customer_id=c.pk,
        summary="x" * 600,
    )
    rec.refresh_from_db()
    assert rec.actor == world.agent.user
    assert rec.actor_label == str(world.agent)
    assert (rec.object_type, rec.object_id) == ("customers.customer", str(c.pk))
    assert rec.before == {"tier": "lead"}
    assert rec.after == {"tier": "gold", "at": "2026-03-01", "amount": "1.50"}
    assert len(rec.summary) == 500
    assert rec.at is not None


@pytest.mark.django_db
def test_actor_labels(world: Any) -> None:
    system = log.record(None, "job.run", object_type="job", object_id="x")
    assert (system.actor, system.actor_label) == (None, "system")
    anon = log.record(AnonymousUser(), "portal.visit", object_type="x", object_id=1)
    assert anon.actor is None
    # a Staff object is accepted as actor too (its user is logged)
    via_staff = log.record(world.supervisor, "x.y", object_type="x", object_id=1)
    assert via_staff.actor == world.supervisor.user and via_staff.actor_label == str(world.supervisor)


@pytest.mark.django_db
def test_snapshot_skips_search_columns_and_diff_keeps_changes(world: Any) -> None:
    c = world.customer()
    snap = log.snapshot(c)
    assert "search_text" not in snap and "search_grams" not in snap
    assert snap["name"] == "张三" and snap["branch_id"] == world.north.pk
    only = log.snapshot(c, ["name", "tier"])
    assert set(only) == {"name", "tier"}
    before, after = log.diff({"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 5, "c": 3, "d": 4})
    assert (before, after) == ({"b": 2, "d": None}, {"b": 5, "d": 4})
