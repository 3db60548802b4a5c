"""/api/v1: accountability records (责任追究, R-27) and supervision notices (督办), read-only — for HR and
performance systems that take the decisions and penalties over. Same scope as the console pages
(kefu.supervision.access): everyone their own records, supervisors and inspectors their branch, company
level every branch; notices on the orders the user may see. Writing stays in the console, where the
statement-before-decision rule is enforced."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from kefu.api.common import ERRORS, ApiRequest, Date, Id, Page, PageParams, paginate
from kefu.api.render import staff_ref
from kefu.api.schemas import StaffRef
from kefu.lib import clock
from kefu.organization.access import require_staff
from kefu.supervision.access import RECORD_RELATED, access_record, notices_shown, visible_records
from kefu.supervision.models import AccountabilityRecord, KindChoices, OutcomeChoices, SupervisionNotice

router = Router(tags=["supervision"])


class Factors(Schema):
    retaliation: bool
    obstruction: bool
    apologised_forgiven: bool = Field(description="The staff member apologised and the customer forgave.")
    harm_prevented: bool
    loss_recovered: bool


class AccountabilityRecordOut(Schema):
    id: int
    kind: str = Field(description=", ".join(KindChoices.values) + ".")
    severity: str
    status: str = Field(
        description="open (awaiting the statement), heard (statement given) or closed (decided)."
    )
    staff: StaffRef
    manager: StaffRef | None
    branch: str | None
    order: str | None = Field(description="Number of the work order, if any.")
    summary: str
    occurred_at: dt.datetime
    created_at: dt.datetime
    statement_due: dt.datetime
    statement: str = Field(description="The staff member's statement (申辩).")
    statement_at: dt.datetime | None
    factors: Factors
    proposed_outcome: str = Field(description="What the rules propose (aggravation, mitigation).")
    outcome: str = Field(
        description="The leader's decision (" + ", ".join(OutcomeChoices.values) + "); empty until decided."
    )
    penalty: Decimal = Field(description="Yuan.")
    decision: str
    decided_by: StaffRef | None
    decided_at: dt.datetime | None


class RecordFilters(Schema):
    status: Literal["open", "heard", "closed"] | None = None
    kind: KindChoices | None = Field(None, description="One of the kinds above.")
    staff: Id | None = Field(None, description="Id of the staff member.")
    since: Date | None = Field(None, description="Occurred on or after this day (local).")
    until: Date | None = Field(None, description="Occurred on or before this day (local).")


class NoticeOut(Schema):
    id: int
    order: str
    branch: str
    issued_by: StaffRef
    issued_at: dt.datetime
    due_at: dt.datetime
    text: str
    status: str = Field(description="open or answered.")
    overdue: bool = Field(description="Still open after its due time.")
    answered_at: dt.datetime | None
    answered_by: StaffRef | None
    answered_how: str = Field(description="resolved (the order was resolved) or reply (a written answer).")
    answer: str
    overdue_reported_at: dt.datetime | None
    reported_to: StaffRef | None


class NoticeFilters(Schema):
    show: Literal["open", "overdue", "answered", "all"] = "all"


def record_out(r: AccountabilityRecord) -> dict[str, Any]:
    return {
        "id": r.pk,
        "kind": r.kind,
        "severity": r.severity,
        "status": r.status,
        "staff": staff_ref(r.staff),
        "manager": staff_ref(r.manager),
        "branch": r.branch.name if r.branch else None,
        "order": r.workorder.number if r.workorder else None,
        "summary": r.summary,
        "occurred_at": r.occurred_at,
        "created_at": r.created_at,
        "statement_due": r.statement_due,
        "statement": r.statement,
        "statement_at": r.statement_at,
        "factors": {
            "retaliation": r.retaliation,
            "obstruction": r.obstruction,
            "apologised_forgiven": r.apologised_forgiven,
            "harm_prevented": r.harm_prevented,
            "loss_recovered": r.loss_recovered,
        },
        "proposed_outcome": r.proposed_outcome,
        "outcome": r.outcome,
        "penalty": r.penalty,
        "decision": r.decision,
        "decided_by": staff_ref(r.decided_by),
        "decided_at": r.decided_at,
    }


def notice_out(n: SupervisionNotice, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": n.pk,
        "order": n.workorder.number,
        "branch": n.branch.name,
        "issued_by": staff_ref(n.issued_by),
        "issued_at": n.issued_at,
        "due_at": n.due_at,
        "text": n.text,
        "status": n.status,
        "overdue": n.status == SupervisionNotice.Status.OPEN and n.due_at < now,
        "answered_at": n.answered_at,
        "answered_by": staff_ref(n.answered_by),
        "answered_how": n.answered_how,
        "answer": n.answer,
        "overdue_reported_at": n.overdue_reported_at,
        "reported_to": staff_ref(n.reported_to),
    }


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


@router.get(
    "/accountability",
    response={200: Page[AccountabilityRecordOut], **ERRORS},
    summary="Accountability records",
)
def list_records(
    request: ApiRequest, filters: Query[RecordFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Newest first. Everyone sees the records against themselves; supervisors and inspectors those of
    their branch; company-level staff and administrators every branch."""
    staff = require_staff(request.auth)
    qs = visible_records(staff).select_related(*RECORD_RELATED)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind.value)
    if filters.staff:
        qs = qs.filter(staff_id=filters.staff)
    if filters.since:
        qs = qs.filter(occurred_at__gte=_day_start(filters.since))
    if filters.until:
        qs = qs.filter(occurred_at__lt=_day_start(filters.until + dt.timedelta(days=1)))
    return paginate(qs.order_by("-occurred_at", "-id"), page, record_out)


@router.get(
    "/accountability/{record_id}",
    response={200: AccountabilityRecordOut, **ERRORS},
    summary="One accountability record",
)
def get_record(request: ApiRequest, record_id: Id) -> dict[str, Any]:
    return record_out(access_record(request.auth, record_id))


@router.get(
    "/supervision-notices", response={200: Page[NoticeOut], **ERRORS}, summary="Supervision notices (督办)"
)
def list_notices(
    request: ApiRequest, filters: Query[NoticeFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Notices on the orders the user may see: open ones by due time, answered ones newest first."""
    require_staff(request.auth)
    now = clock.now()
    qs = notices_shown(request.auth, filters.show, now)
    return paginate(qs, page, lambda n: notice_out(n, now))
