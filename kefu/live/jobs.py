"""Periodic job of the live-event table."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from kefu.jobs.registry import periodic
from kefu.lib import clock
from kefu.live.bus import prune_before


@periodic("live.prune", every=dt.timedelta(minutes=5))
def prune() -> int:
    """Forget live events older than ``KEFU_LIVE_KEEP_SECONDS`` (a browser offline longer starts afresh)."""
    return prune_before(clock.now() - dt.timedelta(seconds=settings.KEFU_LIVE_KEEP_SECONDS))
