"""Periodic jobs of safety-check campaigns (R-18); imported by ``kefu.fieldservice.jobs``."""

from __future__ import annotations

import datetime as dt

from kefu.fieldservice import campaigns
from kefu.jobs.registry import periodic


@periodic("fieldservice.campaign_outcomes", every=dt.timedelta(minutes=10), lease=dt.timedelta(minutes=10))
def campaign_outcomes() -> int:
    """Households whose visit ended (done, customer absent, cancelled) move on by the repeat rules."""
    return campaigns.reconcile()


@periodic("fieldservice.campaign_batches", every=dt.timedelta(hours=1), lease=dt.timedelta(minutes=30))
def campaign_batches() -> int:
    """Campaigns with automatic batches plan their next batch once per working day."""
    return campaigns.plan_due_batches()
