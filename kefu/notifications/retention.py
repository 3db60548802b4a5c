"""Retention of staff notifications (docs/privacy.md, "Retention")."""

from __future__ import annotations

import datetime as dt

from kefu.notifications.models import Notification
from kefu.retention.registry import Outcome, pick, register


@register("notifications")
def prune_notifications(before: dt.datetime, limit: int) -> Outcome:
    ids = pick(Notification.objects.filter(updated_at__lt=before), limit)
    return Outcome(deleted=Notification.objects.filter(pk__in=ids).delete()[0])
