"""Fetching supervision rows for a user: a row the user may not see is "not found"."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kefu.lib.errors import NotFound
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import Staff
from kefu.supervision.models import AccountabilityRecord, SupervisionNotice
from kefu.workorders.access import visible_workorders

# what a list or an export of records shows besides the record
RECORD_RELATED = ("staff", "manager", "branch", "workorder", "decided_by")


def visible_records(staff: Staff) -> QuerySet[AccountabilityRecord]:
    """Everyone sees the records against themselves; supervisors and inspectors (``accountability.view``)
    also those of their branch — company-level staff and admins every branch."""
    qs = AccountabilityRecord.objects.all()
    if not staff.can("accountability.view"):
        return qs.filter(staff=staff)
    if staff.sees_all_branches:
        return qs
    return qs.filter(Q(branch_id=staff.branch_id) | Q(staff=staff))


def access_record(user: Actor, record_id: int | str, *, for_update: bool = False) -> AccountabilityRecord:
    staff = require_staff(user)
    qs = visible_records(staff)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.select_related(
            "staff", "manager", "branch", "workorder", "customer", "created_by", "decided_by"
        ).get(pk=int(record_id))
    except (ValueError, TypeError, AccountabilityRecord.DoesNotExist):
        raise NotFound("not_found", _("Accountability record not found."), "record") from None


def visible_notices(user: Actor) -> QuerySet[SupervisionNotice]:
    """Notices on the orders the user may see."""
    return SupervisionNotice.objects.filter(workorder__in=visible_workorders(user))


def notices_shown(user: Actor, show: str, now: dt.datetime) -> QuerySet[SupervisionNotice]:
    """The visible notices of a list tab: ``open`` and ``overdue`` (open past due) by due time, ``answered``
    newest answer first, anything else (``all``) newest issued first; with what a list row shows."""
    qs = visible_notices(user).select_related(
        "workorder", "branch", "issued_by", "answered_by", "reported_to"
    )
    if show == "answered":
        return qs.filter(status=SupervisionNotice.Status.ANSWERED).order_by("-answered_at", "-id")
    if show in ("open", "overdue"):
        qs = qs.filter(status=SupervisionNotice.Status.OPEN).order_by("due_at", "id")
        return qs.filter(due_at__lt=now) if show == "overdue" else qs
    return qs.order_by("-issued_at", "-id")


def access_notice(user: Actor, notice_id: int | str, *, for_update: bool = False) -> SupervisionNotice:
    qs = visible_notices(user)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.select_related("workorder", "issued_by").get(pk=int(notice_id))
    except (ValueError, TypeError, SupervisionNotice.DoesNotExist):
        raise NotFound("not_found", _("Supervision notice not found."), "notice") from None
