"""Periodic jobs of the channels: the outbox sender."""

from __future__ import annotations

import datetime as dt

from kefu.channels import outbox
from kefu.jobs.registry import periodic


@periodic("channels.outbox", every=dt.timedelta(seconds=10), lease=dt.timedelta(minutes=15))
def send_outbox() -> int:
    """Send every due outbox message (each row is claimed atomically, so workers never share one)."""
    return outbox.send_due()
