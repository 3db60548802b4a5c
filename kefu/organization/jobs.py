"""Periodic jobs of the organisation app (registered with kefu.jobs)."""

from __future__ import annotations

import datetime as dt

from kefu.jobs.registry import periodic
from kefu.organization import revisions


@periodic("organization.config_revisions", every=dt.timedelta(minutes=1), lease=dt.timedelta(minutes=5))
def config_revisions() -> int:
    """Configuration changes saved for a later date (areas, outlets, calendars, phrases) take effect."""
    return revisions.apply_due()
