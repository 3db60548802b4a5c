"""Fetching recovery tasks for a user: a task the user may not see is "not found"."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kefu.organization.models import Staff
from kefu.organization.rules import LEADER_ROLES
from kefu.surveys.models import RecoveryTask


def visible_recovery(staff: Staff) -> QuerySet[RecoveryTask]:
    """Everyone sees the recovery tasks assigned to them; a branch's supervisors also those of their branch
    (the branch the answer counts for); company-level staff and administrators every task."""
    qs = RecoveryTask.objects.all()
    if staff.sees_all_branches:
        return qs
    if staff.role in LEADER_ROLES:
        return qs.filter(Q(assignee=staff) | Q(record__branch_id=staff.branch_id))
    return qs.filter(assignee=staff)
