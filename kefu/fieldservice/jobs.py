"""Periodic jobs of field service (registered with kefu.jobs; each is idempotent)."""

from __future__ import annotations

import datetime as dt

from kefu.fieldservice import (
    booking,
    jobs_campaigns,  # noqa: F401  (registers the campaign jobs)
)
from kefu.jobs.registry import periodic


@periodic("fieldservice.reminders", every=dt.timedelta(minutes=10), lease=dt.timedelta(minutes=10))
def reminders() -> int:
    """R-38: the day-before reminder of each booked visit, through the outbox (once per version)."""
    return booking.send_reminders()


@periodic("fieldservice.late_visits", every=dt.timedelta(minutes=5), lease=dt.timedelta(minutes=10))
def late_visits() -> int:
    """R-38: a visit with no arrival by its window's end plus the tolerance is missed, technician late."""
    return booking.sweep_late()
