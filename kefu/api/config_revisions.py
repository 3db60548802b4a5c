"""/api/v1: configuration changes saved for a later date (``organization.revisions``).

Readable and cancellable for every versioned kind (service areas, outlets, business calendars, standard and
forbidden phrases) by whoever may change the object in the console; a business calendar (the configuration
object the API already publishes) also takes new ones: a day or the working hours from a date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from kefu.api.common import ERRORS, WRITE_ERRORS, ApiRequest, DateTime, Id, Page, PageParams, paginate
from kefu.commitments import calendar_edit
from kefu.lib.errors import NotFound, ValidationFailed
from kefu.organization import revisions
from kefu.organization.access import require_staff
from kefu.organization.models import ConfigRevision, Staff

router = Router(tags=["configuration versions"])

KindName = Literal[
    "organization.servicearea",
    "organization.outlet",
    "commitments.businesscalendar",
    "standards.standardphrase",
    "standards.forbiddenphrase",
]


class CfgRevChange(Schema):
    field: str = Field(description="The changed field; for a calendar `day:<date>` or `hours`.")
    before: Any = Field(description="Its value when the change was saved.")
    after: Any = Field(description="The value from `effective_from`.")


class CfgRevOut(Schema):
    id: int
    kind: str
    object_id: int
    object_label: str
    effective_from: dt.datetime
    status: str = Field(description="pending, applied, cancelled or conflict.")
    problem: str = Field(description="Why a conflict was not applied.")
    note: str
    created_by: str | None
    created_at: dt.datetime
    done_at: dt.datetime | None
    changes: list[CfgRevChange]


class CfgRevFilters(Schema):
    kind: KindName | None = None
    object_id: Id | None = None
    status: Literal["pending", "applied", "cancelled", "conflict"] | None = None


class CfgRevCalendarIn(Schema):
    change: Literal["day", "hours"]
    effective_from: DateTime = Field(description="RFC 3339 with an offset; must be in the future.")
    date: dt.date | None = Field(None, description="The day (change=day).")
    day_kind: Literal["holiday", "workday", "normal"] | None = Field(
        None, description="holiday, workday (调休) or normal (as the weekly pattern)."
    )
    name: str = Field("", max_length=100)
    reason: str = Field("", max_length=500)
    periods: dict[Literal["0", "1", "2", "3", "4", "5", "6"], str] | None = Field(
        None, description='Working periods per weekday (0 = Monday), e.g. {"0": "08:30-12:00, 13:30-17:30"}.'
    )
    makeup_weekday: int = Field(0, ge=0, le=6)
    version: int | None = Field(None, ge=0, description="The version you read; a newer change is a 409.")


def _out(rev: ConfigRevision) -> dict[str, Any]:
    by = rev.created_by
    return {
        "id": rev.pk,
        "kind": rev.kind,
        "object_id": rev.object_id,
        "object_label": rev.object_label,
        "effective_from": rev.effective_from,
        "status": rev.status,
        "problem": rev.problem,
        "note": rev.note,
        "created_by": (str(getattr(by, "staff", None) or by.get_username())) if by is not None else None,
        "created_at": rev.created_at,
        "done_at": rev.done_at,
        "changes": [
            {"field": k, "before": v.get("before"), "after": v.get("after")}
            for k, v in sorted(rev.patch.items())
        ],
    }


def _visible(staff: Staff) -> Q:
    """The revisions of objects ``staff`` may change (each kind's own rule)."""
    match = Q(pk__in=[])
    for kind in revisions.KINDS.values():
        if staff.can(kind.capability):
            match |= Q(kind=kind.name, object_id__in=kind.editable(staff).values("pk"))
    return match


@router.get(
    "/config-revisions",
    response={200: Page[CfgRevOut], **ERRORS},
    summary="Configuration changes from a date",
)
def list_revisions(
    request: ApiRequest, filters: Query[CfgRevFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Newest date first; only of objects you may change (branch managers: their branch's)."""
    staff = require_staff(request.auth)
    qs = ConfigRevision.objects.filter(_visible(staff)).select_related("created_by__staff")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.object_id:
        qs = qs.filter(object_id=filters.object_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return paginate(qs.order_by("-effective_from", "-id"), page, _out)


def _one(staff: Staff, revision_id: int) -> ConfigRevision:
    rev = (
        ConfigRevision.objects.filter(_visible(staff), pk=revision_id)
        .select_related("created_by__staff")
        .first()
    )
    if rev is None:
        raise NotFound("not_found", _("No such scheduled change."), "revision_id")
    return rev


@router.get("/config-revisions/{revision_id}", response={200: CfgRevOut, **ERRORS}, summary="One change")
def get_revision(request: ApiRequest, revision_id: Id) -> dict[str, Any]:
    return _out(_one(require_staff(request.auth), revision_id))


@router.post(
    "/config-revisions/{revision_id}/cancel",
    response={200: CfgRevOut, **ERRORS},
    summary="Cancel a change waiting for its date (audited)",
)
def cancel_revision(request: ApiRequest, revision_id: Id) -> dict[str, Any]:
    staff = require_staff(request.auth)
    _one(staff, revision_id)
    revisions.do_cancel(request.auth, revision_id)
    return _out(_one(staff, revision_id))


@router.post(
    "/calendars/{calendar_id}/revisions",
    response={201: CfgRevOut, **WRITE_ERRORS},
    summary="Change a calendar's day or working hours from a date",
)
def schedule_calendar_change(request: ApiRequest, calendar_id: Id, body: CfgRevCalendarIn) -> Status:
    """The same checks as the console's calendar editor; the job applies it when its date comes."""
    user = request.auth
    _staff, cal = calendar_edit.access_calendar(user, calendar_id)
    when = revisions.parse_effective_from(body.effective_from.isoformat(), cal.time_zone)
    if when is None:
        raise ValidationFailed("required", _("Give the date and time it takes effect."), "effective_from")
    version = body.version
    if body.change == "day":
        if body.date is None:
            raise ValidationFailed("required", _("Give the date."), "date")
        change = calendar_edit.DayChange(body.date, body.day_kind or "", body.name, body.reason)
        rev = calendar_edit.do_schedule_day(user, cal.pk, change, when, version=version)
    else:
        if body.periods is None:
            raise ValidationFailed("required", _("Give the working hours."), "periods")
        periods = {int(d): text for d, text in body.periods.items()}
        rev = calendar_edit.do_schedule_hours(
            user, cal.pk, periods, body.makeup_weekday, when, version=version
        )
    return Status(201, _out(rev))
