"""Retention of access records (docs/privacy.md, "Access records" and "Retention"): the handler the retention
job runs for the kind ``access_records``, whose period is a row of the retention table (its default comes
from ``KEFU_ACCESS_RECORDS_RETENTION_DAYS``)."""

from __future__ import annotations

import datetime as dt

from kefu.privacy.models import AccessRecord
from kefu.retention.registry import Outcome, pick, register


@register("access_records")
def prune_access_records(before: dt.datetime, limit: int) -> Outcome:
    """At most ``limit`` access records from before ``before`` (an aware moment), deleted. ``AccessRecord``
    has no dependants and no signals, so the delete is one statement."""
    if before.tzinfo is None:
        raise ValueError("before must be an aware datetime")
    ids = pick(AccessRecord.objects.filter(at__lt=before), limit)
    return Outcome(deleted=AccessRecord.objects.filter(pk__in=ids).delete()[0])
