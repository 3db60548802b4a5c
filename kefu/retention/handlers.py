"""The retention handler of the service log itself (``kefu.audit`` sits below this app and cannot register)."""

from __future__ import annotations

import datetime as dt

from kefu.audit.models import AuditRecord
from kefu.retention.registry import Outcome, pick, register


@register("audit")
def prune_audit(before: dt.datetime, limit: int) -> Outcome:
    ids = pick(AuditRecord.objects.filter(at__lt=before), limit)
    return Outcome(deleted=AuditRecord.objects.filter(pk__in=ids).delete()[0])
