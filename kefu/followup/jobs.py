"""Periodic jobs of follow-up (registered with kefu.jobs; each is idempotent)."""

from __future__ import annotations

import datetime as dt

from kefu.followup import actions
from kefu.jobs.registry import periodic


@periodic("followup.miss_sweep", every=dt.timedelta(minutes=5), lease=dt.timedelta(minutes=10))
def miss_sweep() -> int:
    """R-19/R-27: follow-ups whose due time passed without a result are recorded once as missed."""
    return actions.sweep_misses()


@periodic("followup.plans", every=dt.timedelta(hours=1), lease=dt.timedelta(minutes=30))
def plans() -> int:
    """R-20: due follow-up plans of large customers become visit tasks."""
    return actions.run_plans()
