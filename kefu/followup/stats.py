"""Follow-up numbers for a period, branch or staff member (R-19, R-21).

The query (``period_counts``), in words: the follow-up tasks whose **due time** falls in ``[start, end)``,
not cancelled (a reopened order's cancelled task is replaced by the next resolution's), optionally of one
branch and/or assigned to one staff member; counted as

- ``due`` — all of them;
- ``followed_up`` — finished with a result (*done*) or ended *unreachable* after the configured attempts;
- ``on_time`` — followed up with ``finished_at <= due_at``;
- ``reached`` — finished with a result.

Coverage is ``followed_up ÷ due`` and the on-time rate ``on_time ÷ due`` (``rules.coverage`` computes the
same from task facts; the tests check both agree). One aggregate query, served by the index on
(branch, status, due time).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from kefu.followup import rules
from kefu.followup.models import FollowupTask, SatisfactionLevel

FINISHED = (FollowupTask.Status.DONE, FollowupTask.Status.UNREACHABLE)


def _tasks(
    start: dt.datetime, end: dt.datetime, branch_id: int | None, staff_id: int | None
) -> QuerySet[FollowupTask]:
    qs = FollowupTask.objects.filter(due_at__gte=start, due_at__lt=end).exclude(
        status=FollowupTask.Status.CANCELLED
    )
    if branch_id is not None:
        qs = qs.filter(branch_id=branch_id)
    if staff_id is not None:
        qs = qs.filter(assignee_id=staff_id)
    return qs


def period_counts(
    start: dt.datetime, end: dt.datetime, *, branch_id: int | None = None, staff_id: int | None = None
) -> rules.Coverage:
    qs = _tasks(start, end, branch_id, staff_id)
    finished = Q(status__in=FINISHED, finished_at__isnull=False)
    counts = qs.aggregate(
        due=Count("id"),
        followed_up=Count("id", filter=finished),
        on_time=Count("id", filter=finished & Q(finished_at__lte=F("due_at"))),
        reached=Count("id", filter=Q(status=FollowupTask.Status.DONE)),
    )
    return rules.coverage_from_counts(counts)


def findings(
    start: dt.datetime, end: dt.datetime, *, branch_id: int | None = None, staff_id: int | None = None
) -> dict[str, Any]:
    """R-21: what the follow-ups of the same tasks found — answers per satisfaction level (in the list's
    order, zeros included), problems not solved and orders reopened (three queries)."""
    qs = _tasks(start, end, branch_id, staff_id).filter(status=FollowupTask.Status.DONE)
    per_level = dict(qs.values_list("satisfaction_id").annotate(n=Count("id")).order_by())
    levels = [
        (lv.label, per_level.get(lv.pk, 0)) for lv in SatisfactionLevel.objects.order_by("position", "id")
    ]
    found = qs.aggregate(
        not_solved=Count("id", filter=Q(solved=False)), reopened=Count("id", filter=Q(reopened_order=True))
    )
    return {"levels": levels, "not_solved": found["not_solved"], "reopened": found["reopened"]}
