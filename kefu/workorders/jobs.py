"""Periodic jobs of work orders."""

from __future__ import annotations

import datetime as dt

from kefu.jobs.registry import periodic
from kefu.lib import clock
from kefu.workorders.models import Presence


@periodic("workorders.presence_cleanup", every=dt.timedelta(minutes=30))
def presence_cleanup() -> int:
    """Forget who was viewing which order more than an hour ago."""
    deleted, _ = Presence.objects.filter(seen_at__lt=clock.now() - dt.timedelta(hours=1)).delete()
    return deleted
