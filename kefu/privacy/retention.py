"""Retention of access records (docs/privacy.md, "Access records"): what the retention job calls.

``prune_access_records(before)`` deletes every access record older than ``before`` in one statement
(``AccessRecord`` has no dependants and no signals, so Django's fast delete applies) and returns how many
it deleted. ``access_records_cutoff()`` is the moment before which records are due for deletion under
``KEFU_ACCESS_RECORDS_RETENTION_DAYS`` (``None`` when set to 0: kept forever)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from kefu.lib import clock
from kefu.privacy.models import AccessRecord


def retention_days() -> int:
    """How many days access records are kept (``KEFU_ACCESS_RECORDS_RETENTION_DAYS``; 0: forever)."""
    return int(settings.KEFU_ACCESS_RECORDS_RETENTION_DAYS)


def access_records_cutoff(now: dt.datetime | None = None) -> dt.datetime | None:
    """Records from before this moment are past their retention; None when they are kept forever."""
    days = retention_days()
    if days <= 0:
        return None
    return (now or clock.now()) - dt.timedelta(days=days)


def prune_access_records(before: dt.datetime) -> int:
    """Delete the access records from before ``before`` (an aware moment); the number deleted."""
    if before.tzinfo is None:
        raise ValueError("before must be an aware datetime")
    deleted, _by_model = AccessRecord.objects.filter(at__lt=before).delete()
    return deleted
