"""Periodic jobs of the customer archive."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from kefu.customers.actions import recompute_tier, tier_rule
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
            with transaction.atomic():
                c = (
                    Customer.objects.select_for_update(no_key=True)  # foreign-key checks need not wait
                    .filter(pk=pk, merged_into__isnull=True)
                    .first()
                )
                if c is not None:
                    recompute_tier(c, rule)
                    done += 1
        last_id = ids[-1]
