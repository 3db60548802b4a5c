"""The nightly tier job: recomputes every customer that is not merged, each in a transaction of its own."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection

from kefu.customers import jobs
from kefu.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_recomputes_every_unmerged_customer_each_in_its_own_transaction(world: Any, monkeypatch: Any) -> None:
    customers = [world.customer(customer_since=dt.date(2010 + i, 1, 1)) for i in range(5)]
    merged = world.customer()
    Customer.objects.filter(pk=merged.pk).update(merged_into=customers[0])
    Customer.objects.update(tier_computed="", tier_score=-1)
    seen: list[tuple[int, str | None]] = []
    real = jobs.apply_tier

    def spy(c: Customer, tier: Any, churn: Any) -> Customer:
        # inside the test's transaction each atomic block is a savepoint: one per lock scope
        seen.append((c.pk, connection.savepoint_ids[-1] if connection.savepoint_ids else None))
        return real(c, tier, churn)

    monkeypatch.setattr(jobs, "apply_tier", spy)
    assert jobs.recompute_all_tiers(batch=2) == 5
    assert [pk for pk, _ in seen] == sorted(c.pk for c in customers)
    # a customer's row lock is not held while the others are recomputed
    assert len({sid for _, sid in seen}) == 5 and None not in {sid for _, sid in seen}
    assert not Customer.objects.filter(pk__in=[c.pk for c in customers], tier_score=-1).exists()
    assert Customer.objects.get(pk=merged.pk).tier_score == -1
