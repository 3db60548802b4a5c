"""The retention handler of the service log itself (``kefu.audit`` sits below this app and cannot register);
the retention job's own run log goes with it."""

from __future__ import annotations

import datetime as dt

from kefu.audit.models import AuditRecord
from kefu.retention.models import RetentionRun
from kefu.retention.registry import Outcome, pick, register


@register("audit")
def prune_audit(before: dt.datetime, limit: int) -> Outcome:
    ids = pick(AuditRecord.objects.filter(at__lt=before), limit)
    deleted = AuditRecord.objects.filter(pk__in=ids).delete()[0]
    runs = pick(RetentionRun.objects.filter(started_at__lt=before, finished_at__isnull=False), limit)
    return Outcome(deleted=deleted + RetentionRun.objects.filter(pk__in=runs).delete()[0])
