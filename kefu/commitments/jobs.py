"""Periodic jobs of the commitments engine (registered with kefu.jobs; each is idempotent)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from kefu.commitments import catalogue, clocks, proactive, sweep
from kefu.jobs.registry import periodic


@periodic("commitments.fee_reminders", every=dt.timedelta(hours=6), lease=dt.timedelta(minutes=30))
def fee_reminders() -> int:
    """R-17: remind customers before a subscription expires (once per subscription and expiry date)."""
    return proactive.send_fee_reminders()


@periodic("commitments.care_plans", every=dt.timedelta(hours=1), lease=dt.timedelta(minutes=30))
def care_plans() -> int:
    """R-18: due care plans become work orders."""
    return proactive.run_care_plans()


@periodic(
    "commitments.breach_sweep",
    every=dt.timedelta(seconds=settings.KEFU_BREACH_SWEEP_SECONDS),
    lease=dt.timedelta(minutes=10),
)
def breach_sweep() -> sweep.SweepResult:
    """R-16: "deadline near" warnings and escalation of passed deadlines, each exactly once."""
    return sweep.sweep()


@periodic("commitments.missing_years", every=dt.timedelta(minutes=10), lease=dt.timedelta(minutes=10))
def missing_years() -> int:
    """Clocks flagged for a calendar year without data get their due time once the year is entered."""
    return clocks.recompute_missing(limit=5000)


@periodic("commitments.catalogue_revisions", every=dt.timedelta(minutes=5), lease=dt.timedelta(minutes=5))
def catalogue_revisions() -> int:
    """Catalogue changes saved for a later date take effect when their date comes (R-17)."""
    return catalogue.apply_due_revisions()
