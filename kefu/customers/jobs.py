"""Periodic jobs of the customer archive."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from kefu.customers.actions import recompute_tier, tier_rule
from kefu.customers.models import Customer
from kefu.jobs.registry import periodic


@periodic("customers.recompute_tiers", every=dt.timedelta(hours=24), lease=dt.timedelta(hours=2))
def recompute_all_tiers(batch: int = 500) -> int:
    """Nightly: tier and churn risk move with time (tenure, expiring subscriptions)."""
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
        with transaction.atomic():
            for c in Customer.objects.select_for_update().filter(id__in=ids).order_by("id"):
                recompute_tier(c, rule)
        done += len(ids)
        last_id = ids[-1]
