"""Periodic jobs of supervision (registered with kefu.jobs; each is idempotent)."""

from __future__ import annotations

import datetime as dt

from kefu.jobs.registry import periodic
from kefu.supervision import actions


@periodic("supervision.accountability", every=dt.timedelta(minutes=5), lease=dt.timedelta(minutes=10))
def accountability() -> dict[str, int]:
    """R-27: new breaches, missed follow-ups and forbidden-phrase violations become accountability records."""
    return actions.collect()


@periodic("supervision.overdue_notices", every=dt.timedelta(minutes=5), lease=dt.timedelta(minutes=10))
def overdue_notices() -> int:
    """督办: overdue supervision notices go to the next level, once each."""
    return actions.report_overdue()
