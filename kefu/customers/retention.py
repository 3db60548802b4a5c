"""Retention of payment records (docs/privacy.md, "Retention"): paid items only, counted from the day they
were paid; unpaid items are never deleted."""

from __future__ import annotations

import datetime as dt

from kefu.customers.models import Payment
from kefu.retention.registry import Outcome, pick, register


@register("payments")
def prune_payments(before: dt.datetime, limit: int) -> Outcome:
    ids = pick(Payment.objects.filter(paid_on__isnull=False, paid_on__lt=before.date()), limit)
    return Outcome(deleted=Payment.objects.filter(pk__in=ids).delete()[0])
