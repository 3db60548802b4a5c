"""The webhook sender and the prune of the delivery log (kefu.jobs runs them)."""

from __future__ import annotations

import datetime as dt

from kefu.automation import delivery
from kefu.jobs.registry import periodic


@periodic("automation.webhooks", every=dt.timedelta(seconds=10), lease=dt.timedelta(minutes=15))
def send_webhooks() -> int:
    return delivery.send_due()


@periodic("automation.prune_log", every=dt.timedelta(hours=6), lease=dt.timedelta(minutes=30))
def prune_delivery_log() -> int:
    return delivery.prune()
