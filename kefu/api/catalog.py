"""/api/v1: the service catalog and the business calendars (R-11, R-13, R-17) — read-only for
integrations, plus a deadline calculator on a calendar (the same rules the work orders use), a service's
catalogue changes (revisions) and cancelling a pending one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema

from kefu.api.common import (
    ERRORS,
    WRITE_ERRORS,
    ApiRequest,
    DateTime,
    Id,
    Page,
    PageParams,
    WallTime,
    decimal,
    paginate,
)
from kefu.commitments import catalogue, rules
from kefu.commitments.calendars import load_calendar
from kefu.commitments.limits import published_limits
from kefu.commitments.models import BusinessCalendar, CalendarDay, Service, TimeLimit, WorkingPeriod
from kefu.commitments.models.revisions import ServiceRevision
from kefu.lib.content_i18n import translated
from kefu.lib.errors import NotFound, ValidationFailed
from kefu.organization.access import require_staff

router = Router(tags=["catalog and calendars"])

LangQuery = Annotated[
    str | None,
    Query(
        max_length=20,
        description="Language of the texts (zh-hans, en, zh-hant, hu); default: Accept-Language. A text "
        "without a translation is given in Simplified Chinese.",
    ),
]


class MaterialOut(Schema):
    name: str
    description: str
    required: bool


class StepOut(Schema):
    order: int
    title: str
    description: str


class FeeOut(Schema):
    name: str
    amount: Decimal
    unit: str
    note: str


class LimitOut(Schema):
    kind: str = Field(description="first_response, resolution or complaint_answer.")
    unit: str = Field(
        description="calendar_minutes, calendar_hours, working_hours, working_days or calendar_months."
    )
    amount: Decimal
    tier: str = Field(description="Only for customers of this tier (empty: any).")
    area_kind: str = Field(description="urban or rural (empty: any).")
    priority: str = Field(description="Only for this priority (empty: any).")
    around_the_clock: bool = Field(description="Counted on the 24×7 calendar instead of the branch's.")


class ServiceOut(Schema):
    code: str
    name: str = Field(description="In the requested language (falls back to Simplified Chinese).")
    name_en: str = Field(
        description="The English name (kept for older clients; also in `name` with lang=en)."
    )
    order_type: str
    sale_phase: str
    technical: bool
    place: str
    paid: bool
    fee: Decimal
    recurring: bool
    public: bool
    description: str
    commitment: str = Field(description="The published commitment (服务承诺) text.")
    materials: list[MaterialOut]
    steps: list[StepOut]
    fees: list[FeeOut]
    time_limits: list[LimitOut] = Field(
        description="Per clock kind: the service's own limits if it has any, else its order type's."
    )


def _limit(lim: TimeLimit) -> dict[str, Any]:
    return {
        "kind": lim.kind,
        "unit": lim.unit,
        "amount": lim.amount,
        "tier": lim.tier,
        "area_kind": lim.area_kind,
        "priority": lim.priority,
        "around_the_clock": lim.around_the_clock,
    }


def _service(s: Service, limits: list[TimeLimit], lang: str | None = None) -> dict[str, Any]:
    """The service with its texts in ``lang`` (default: the request's language, Accept-Language), each
    falling back to the Simplified Chinese text (docs/adr/0008-content-translations.md)."""
    applicable = published_limits(limits, s.pk, s.order_type)
    return {
        **{f: getattr(s, f) for f in ("code", "name_en", "order_type", "sale_phase", "technical")},
        **{f: getattr(s, f) for f in ("place", "paid", "fee", "recurring", "public")},
        "name": translated(s, "name", lang),
        "description": translated(s, "description", lang),
        "commitment": translated(s, "commitment", lang),
        "materials": [
            {
                "name": translated(m, "name", lang),
                "description": translated(m, "description", lang),
                "required": m.required,
            }
            for m in s.materials.all()
        ],
        "steps": [
            {
                "order": st.order,
                "title": translated(st, "title", lang),
                "description": translated(st, "description", lang),
            }
            for st in s.steps.all()
        ],
        "fees": [
            {
                "name": translated(f, "name", lang),
                "amount": f.amount,
                "unit": translated(f, "unit", lang),
                "note": translated(f, "note", lang),
            }
            for f in s.fees.all()
        ],
        "time_limits": [_limit(lim) for lim in applicable],
    }


def _services() -> Any:
    return (
        Service.objects.filter(is_active=True)
        .order_by("order_type", "code")
        .prefetch_related("materials", "steps", "fees")
    )


def _limits() -> list[TimeLimit]:
    return list(TimeLimit.objects.filter(is_active=True).order_by("kind", "id"))


@router.get("/services", response={200: list[ServiceOut], **ERRORS}, summary="The service catalog")
def services(request: ApiRequest, lang: LangQuery = None) -> list[dict[str, Any]]:
    require_staff(request.user)
    limits = _limits()
    return [_service(s, limits, lang) for s in _services()]


@router.get("/services/{code}", response={200: ServiceOut, **ERRORS}, summary="One service")
def service(
    request: ApiRequest, code: Annotated[str, Path(max_length=40)], lang: LangQuery = None
) -> dict[str, Any]:
    require_staff(request.user)
    s = _services().filter(code=code).first()
    if s is None:
        raise NotFound("not_found", _("No such service."), "code")
    return _service(s, _limits(), lang)


class CatalogueRevisionOut(Schema):
    id: int
    effective_from: dt.datetime
    status: str = Field(
        description="pending (waits for its date), applied, cancelled, or conflict (not applied: what it "
        "changes was changed after it was saved; an administrator applies it anyway or cancels it)."
    )
    changes: list[dict[str, Any]] = Field(
        description="What it changes: service fields with `before` and `after`; per row list (`limits`, "
        "`materials`, `steps`, `fees`) the rows added, removed and changed."
    )
    conflicts: list[dict[str, Any]] = Field(
        description="For status conflict: each field (`section`, `field`, `before`, `after`, `current`)."
    )
    created_by: str | None = Field(description="Login of who saved it.")
    created_at: dt.datetime
    applied_at: dt.datetime | None
    decided_by: str | None = Field(description="Login of who cancelled it or applied it anyway.")
    decided_at: dt.datetime | None


def _revision_out(r: ServiceRevision) -> dict[str, Any]:
    return {
        "id": r.pk,
        "effective_from": r.effective_from,
        "status": r.status,
        "changes": r.changes,
        "conflicts": r.conflicts,
        "created_by": r.created_by.get_username() if r.created_by else None,
        "created_at": r.created_at,
        "applied_at": r.applied_at,
        "decided_by": r.decided_by.get_username() if r.decided_by else None,
        "decided_at": r.decided_at,
    }


def _service_id(code: str) -> int:
    pk = Service.objects.filter(code=code).values_list("pk", flat=True).first()
    if pk is None:
        raise NotFound("not_found", _("No such service."), "code")
    return pk


@router.get(
    "/services/{code}/revisions",
    response={200: Page[CatalogueRevisionOut], **ERRORS},
    summary="A service's catalogue changes, latest date first",
)
def service_revisions(
    request: ApiRequest, code: Annotated[str, Path(max_length=40)], page: Query[PageParams]
) -> dict[str, Any]:
    require_staff(request.user, catalogue.VIEW_CAPABILITY)
    qs = (
        ServiceRevision.objects.filter(service_id=_service_id(code))
        .select_related("created_by", "decided_by")
        .order_by("-effective_from", "-id")
    )
    return paginate(qs, page, _revision_out)


@router.post(
    "/services/{code}/revisions/{revision_id}/cancel",
    response={200: CatalogueRevisionOut, **WRITE_ERRORS},
    summary="Cancel a pending (or conflicting) catalogue change",
)
def cancel_service_revision(
    request: ApiRequest, code: Annotated[str, Path(max_length=40)], revision_id: Id
) -> dict[str, Any]:
    require_staff(request.user, catalogue.EDIT_CAPABILITY)
    rev = catalogue.do_cancel_revision(request.user, _service_id(code), revision_id)
    return _revision_out(ServiceRevision.objects.select_related("created_by", "decided_by").get(pk=rev.pk))


class PeriodOut(Schema):
    weekday: int = Field(description="0 = Monday … 6 = Sunday.")
    start: WallTime
    end: WallTime


class CalendarOut(Schema):
    id: int
    name: str
    time_zone: str
    is_24x7: bool
    makeup_weekday: int = Field(description="Make-up working days are worked like this weekday.")
    periods: list[PeriodOut]
    years: list[int] = Field(description="Years with complete holiday data.")


class DayOut(Schema):
    date: dt.date
    kind: str = Field(description="holiday or workday (a make-up working day, 调休).")
    name: str


def _calendar_out(c: BusinessCalendar) -> dict[str, Any]:
    return {
        "id": c.pk,
        "name": c.name,
        "time_zone": c.time_zone,
        "is_24x7": c.is_24x7,
        "makeup_weekday": c.makeup_weekday,
        "periods": [{"weekday": p.weekday, "start": p.start, "end": p.end} for p in c.periods.all()],
        "years": sorted(y.year for y in c.years.all()),
    }


def _calendar(calendar_id: int) -> BusinessCalendar:
    c = (
        BusinessCalendar.objects.prefetch_related(
            Prefetch("periods", queryset=WorkingPeriod.objects.order_by("weekday", "start")), "years"
        )
        .filter(pk=calendar_id)
        .first()
    )
    if c is None:
        raise NotFound("not_found", _("No such calendar."), "calendar_id")
    return c


@router.get("/calendars", response={200: list[CalendarOut], **ERRORS}, summary="Business calendars")
def calendars(request: ApiRequest) -> list[dict[str, Any]]:
    require_staff(request.user)
    qs = BusinessCalendar.objects.order_by("name").prefetch_related(
        Prefetch("periods", queryset=WorkingPeriod.objects.order_by("weekday", "start")), "years"
    )
    return [_calendar_out(c) for c in qs]


@router.get("/calendars/{calendar_id}", response={200: CalendarOut, **ERRORS}, summary="One calendar")
def calendar(request: ApiRequest, calendar_id: Id) -> dict[str, Any]:
    require_staff(request.user)
    return _calendar_out(_calendar(calendar_id))


@router.get(
    "/calendars/{calendar_id}/days",
    response={200: list[DayOut], **ERRORS},
    summary="Holidays and make-up working days of a year",
)
def calendar_days(
    request: ApiRequest, calendar_id: Id, year: int = Query(..., ge=1900, le=2200)
) -> list[Any]:
    require_staff(request.user)
    c = _calendar(calendar_id)
    return list(
        CalendarDay.objects.filter(calendar=c, date__year=year)
        .order_by("date")
        .values("date", "kind", "name")
    )


class DeadlineOut(Schema):
    start: dt.datetime
    unit: str
    amount: Decimal
    due_at: dt.datetime = Field(description="In UTC.")
    due_local: str = Field(description="The due time on the calendar's wall clock.")


class DeadlineQuery(Schema):
    start: DateTime = Field(description="RFC 3339 with an offset, e.g. 2025-01-27T17:45:00+08:00.")
    unit: rules.Unit = Field(
        description="calendar_minutes, calendar_hours, working_hours, working_days or calendar_months."
    )
    amount: decimal(  # type: ignore[valid-type]
        5,
        2,
        gt=0,
        ge=None,
        le=10000,
        numbers=False,
        description="More than 0, at most 10000; whole days for working_days and whole months for calendar_months (400 whole_days).",
    )


@router.get(
    "/calendars/{calendar_id}/deadline",
    response={200: DeadlineOut, **ERRORS},
    summary="When a time limit started at `start` is due on this calendar",
)
def deadline(request: ApiRequest, calendar_id: Id, q: Query[DeadlineQuery]) -> dict[str, Any]:
    require_staff(request.user)
    c = _calendar(calendar_id)
    if q.start.tzinfo is None:  # the schema's date-time has its offset (kept for callers in Python)
        raise ValidationFailed("naive_datetime", _("Give the start with its time zone."), "start")
    whole = q.unit in (rules.Unit.WORKING_DAYS, rules.Unit.CALENDAR_MONTHS)
    if whole and q.amount != q.amount.to_integral_value():
        raise ValidationFailed(
            "whole_days",
            _("Working days must be whole days.")
            if q.unit == rules.Unit.WORKING_DAYS
            else _("Months must be whole months."),
            "amount",
        )
    cal = load_calendar(c)
    limit = rules.Limit(rules.Unit(q.unit), int(q.amount) if whole else q.amount)
    try:
        due = rules.due_at(rules.Clock(limit, q.start), cal)
    except rules.CalendarDataMissing as exc:
        raise ValidationFailed(
            "calendar_missing",
            _("The calendar has no holiday data for %(year)s.") % {"year": exc.year},
            "start",
            year=exc.year,
        ) from None
    except OverflowError:  # e.g. a start in the year 9999
        raise ValidationFailed(
            "out_of_range", _("The deadline would fall outside the calendar."), "start"
        ) from None
    assert due is not None
    return {
        "start": q.start,
        "unit": q.unit.value,
        "amount": q.amount,
        "due_at": due,
        "due_local": due.astimezone(cal.tz).strftime("%Y-%m-%d %H:%M"),
    }
