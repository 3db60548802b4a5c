"""Periodic jobs of the customer archive."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction

from kefu.customers.actions import apply_tier, compute_tier, tier_rule
from kefu.customers.models import Customer
from kefu.jobs.registry import periodic


@periodic("customers.recompute_tiers", every=dt.timedelta(hours=24), lease=dt.timedelta(hours=2))
def recompute_all_tiers(batch: int = 500) -> int:
    """Nightly: tier and churn risk move with time (tenure, expiring subscriptions).

    One short transaction per customer: the row lock (which replies, transfers and every other action on
    the customer's orders take first) is held only while that one customer is recomputed, not while a
    whole batch is (the benchmark in bench/concurrency.py saw replies wait ~20 s behind a batch)."""
    rule = tier_rule()
    last_id = 0
    done = 0
    while True:
        ids = list(
            Customer.objects.filter(id__gt=last_id, merged_into__isnull=True)
            .order_by("id")
            .values_list("id", flat=True)[:batch]
        )
        if not ids:
            return done
        for pk in ids:
            if connection.vendor == "sqlite":
                done += _recompute_sqlite(pk, rule)
                continue
            with transaction.atomic():
                c = (
                    Customer.objects.select_for_update(no_key=True)  # foreign-key checks need not wait
                    .filter(pk=pk, merged_into__isnull=True)
                    .first()
                )
                if c is not None:
                    apply_tier(c, *compute_tier(c, rule))
                    done += 1
        last_id = ids[-1]


def _recompute_sqlite(pk: int, rule: Any) -> int:
    """SQLite has one write lock for the whole database, taken when a transaction begins: the archive is
    read and the tier computed outside the transaction (WAL reads block no one) and the lock is held only to
    store the result. Back to back, ~60 ms transactions each kept every other writer (a reply, an e-mail)
    out for the whole run — after ``busy_timeout`` "database is locked" (bench/sqlite_embedded.py)."""
    c = Customer.objects.filter(pk=pk, merged_into__isnull=True).first()
    if c is None:
        return 0
    tier, churn = compute_tier(c, rule)
    with transaction.atomic():
        fresh = Customer.objects.filter(pk=pk, merged_into__isnull=True).first()
        if fresh is not None:
            apply_tier(fresh, tier, churn)
    return 1
