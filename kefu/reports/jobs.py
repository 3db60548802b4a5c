"""Periodic jobs of reports (registered with kefu.jobs; idempotent)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from kefu.jobs.registry import periodic
from kefu.reports import closing


@periodic("reports.close_periods", every=dt.timedelta(hours=6), lease=dt.timedelta(hours=2))
def close_periods() -> int:
    """Freeze the KPI figures of the months (and years) over for ``KEFU_REPORT_CLOSE_AFTER_DAYS`` days."""
    return len(closing.close_due())


@periodic(
    "reports.refresh_open",
    every=dt.timedelta(minutes=max(settings.KEFU_REPORT_REFRESH_MINUTES, 1)),
    lease=dt.timedelta(hours=1),
)
def refresh_open() -> int:
    """Recount the snapshots of the months and years not closed yet (``KEFU_REPORT_REFRESH_MINUTES``)."""
    return len(closing.refresh_open())
