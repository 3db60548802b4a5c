"""Reading access records: a customer's record (who looked, when, why) and the unusual-access report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from kefu.organization.models import Staff
from kefu.privacy import rules
from kefu.privacy.models import AccessRecord

# the kinds that count as opening a customer for the unusual-access report (an export names nobody)
OPENING_KINDS = (rules.Kind.VIEW.value, rules.Kind.REVEAL.value, rules.Kind.API.value)


def customer_records(customer_id: int, since: dt.datetime) -> QuerySet[AccessRecord]:
    """The access records of one customer since ``since``, newest first (index ``access_customer_at``)."""
    return AccessRecord.objects.filter(customer_id=customer_id, at__gte=since).order_by("-at", "-id")


def unusual_access(
    start: dt.datetime, end: dt.datetime, threshold: int, staff_scope: QuerySet[Staff]
) -> list[dict[str, Any]]:
    """Staff of ``staff_scope`` who opened at least ``threshold`` distinct customers outside their branch
    (or, for staff responsible for service areas, outside their areas) in ``[start, end)``: a list of
    ``{"staff", "outside", "opened"}`` (most outside first). Three queries whatever the numbers."""
    openings = list(
        AccessRecord.objects.filter(
            at__gte=start, at__lt=end, kind__in=OPENING_KINDS, customer__isnull=False, user__isnull=False
        )
        .values_list("user_id", "customer_id", "customer__branch_id", "customer__area_id")
        .distinct()
    )
    user_ids = {u for u, *_rest in openings}
    staff = {
        s.user_id: s
        for s in staff_scope.filter(user_id__in=user_ids).prefetch_related("areas").select_related("branch")
    }
    homes = {
        s.pk: rules.Home(
            branch_id=None if s.sees_all_branches else s.branch_id,
            area_ids=frozenset(a.pk for a in s.areas.all()),
        )
        for s in staff.values()
    }
    opened: dict[int, set[int]] = {}
    ops = []
    for user_id, customer_id, branch_id, area_id in openings:
        s = staff.get(user_id)
        if s is None:
            continue
        opened.setdefault(s.pk, set()).add(customer_id)
        ops.append(rules.Opening(s.pk, customer_id, branch_id, area_id))
    counts = rules.unusual(ops, homes, threshold)
    by_pk = {s.pk: s for s in staff.values()}
    rows = [{"staff": by_pk[sid], "outside": n, "opened": len(opened[sid])} for sid, n in counts.items()]
    return sorted(rows, key=lambda r: (-r["outside"], r["staff"].name))
