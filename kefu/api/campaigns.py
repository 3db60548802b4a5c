"""/api/v1/campaigns: safety-check campaigns (R-18, docs/field-service.md) — list, set up, progress,
households (filter by area and status), plan the next batch, record a refusal. Same scope and roles as the
console: the staff member's branch; setting up and planning need ``campaign.manage`` (supervisors)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from kefu.api.common import (
    ERRORS,
    WRITE_ERRORS,
    ApiRequest,
    BodyId,
    Date,
    Id,
    JsonInt,
    Page,
    PageParams,
    Str200,
    Str300,
    paginate,
)
from kefu.fieldservice import campaigns
from kefu.fieldservice.models import Campaign, CampaignHousehold, HouseholdStatus
from kefu.organization.access import require_staff

router = Router(tags=["campaigns"])

CampaignHouseholdStatus = Literal["pending", "scheduled", "done", "refused", "absent"]
assert set(CampaignHouseholdStatus.__args__) == set(HouseholdStatus.values)  # type: ignore[attr-defined]


class CampaignProgressOut(Schema):
    households: int
    planned: int = Field(description="Households given at least one visit.")
    scheduled: int = Field(description="Households with a visit booked now.")
    done: int
    refused: int
    absent: int = Field(description="Not at home on every attempt; a letter asked them to book.")
    waiting_repeat: int = Field(description="Not at home; another visit is to be planned.")
    remaining: int = Field(description="Never planned yet.")
    coverage: float = Field(description="Per cent of the households checked.")


class CampaignOut(Schema):
    id: int
    name: str
    branch: str
    service_id: int
    area_ids: list[int]
    starts_on: dt.date
    ends_on: dt.date
    window_minutes: int
    daily_capacity: int
    batch_size: int
    notice_text: str
    notice_translations: dict[str, str] = Field(
        description="The notice in the other languages (language code → text); a language left out gets the "
        "Simplified Chinese text."
    )
    absent_repeats: int
    repeat_gap_days: int
    recheck_months: int
    auto_batches: bool
    active: bool
    batches: int
    progress: CampaignProgressOut


class CampaignIn(Schema):
    name: Str200 = Field(json_schema_extra={"pattern": r"\S"})
    service_id: BodyId = Field(description="An active on-site technical service of the catalogue.")
    area_ids: list[BodyId] = Field(min_length=1, max_length=100, description="Service areas of one branch.")
    starts_on: Date
    ends_on: Date
    notice_text: Annotated[str, Field(min_length=1, max_length=1000)] = Field(
        description="Placeholders: {name}, {date}, {window}, {technician}, {hotline}."
    )
    notice_translations: dict[str, Annotated[str, Field(max_length=1000)]] = Field(
        default_factory=dict,
        description="The notice in other languages (en, zh-hant, hu → text), same placeholders; a household "
        "whose language is left out gets the Simplified Chinese text.",
    )
    window_minutes: Annotated[int, Field(ge=30, le=480), JsonInt] = 120
    daily_capacity: Annotated[int, Field(ge=1, le=40), JsonInt] = 8
    batch_size: Annotated[int, Field(ge=1, le=campaigns.MAX_BATCH), JsonInt] = 50
    absent_repeats: Annotated[int, Field(ge=0, le=5), JsonInt] = 2
    repeat_gap_days: Annotated[int, Field(ge=1, le=90), JsonInt] = 7
    recheck_months: Annotated[int, Field(ge=1, le=60), JsonInt] = 12
    auto_batches: bool = False


class CampaignChangeIn(Schema):
    """The settings a running campaign may change; a field left out keeps its value. The batches planned
    from now on follow them; booked visits keep their time."""

    ends_on: Date | None = Field(None, description="Not before a visit already booked.")
    window_minutes: Annotated[int, Field(ge=30, le=480), JsonInt] | None = None
    daily_capacity: Annotated[int, Field(ge=1, le=40), JsonInt] | None = None
    batch_size: Annotated[int, Field(ge=1, le=campaigns.MAX_BATCH), JsonInt] | None = None
    absent_repeats: Annotated[int, Field(ge=0, le=5), JsonInt] | None = None
    repeat_gap_days: Annotated[int, Field(ge=1, le=90), JsonInt] | None = None
    recheck_months: Annotated[int, Field(ge=1, le=60), JsonInt] | None = None
    auto_batches: bool | None = None


class CampaignBatchOut(Schema):
    planned: int
    sms: int
    letters: int = Field(description="Notices to print (households without a mobile phone).")
    left_unplanned: int = Field(description="Households of this batch with no free visit before the end.")


class CampaignHouseholdOut(Schema):
    id: int
    customer_id: int
    customer: str
    area_id: int
    status: CampaignHouseholdStatus
    attempts: int
    absences: int
    not_before: dt.date | None
    window_start: dt.datetime | None
    window_end: dt.datetime | None
    technician: str | None
    order_id: int | None
    done_on: dt.date | None
    next_due: dt.date | None
    refused_reason: str


class CampaignHouseholdFilters(Schema):
    area_id: Id | None = None
    status: CampaignHouseholdStatus | None = None


class CampaignRefusalIn(Schema):
    reason: Str300 = Field(json_schema_extra={"pattern": r"\S"})


def campaign_out(c: Campaign) -> dict[str, Any]:
    p = campaigns.progress(c)
    return {
        "id": c.pk,
        "name": c.name,
        "branch": c.branch.name,
        "service_id": c.service_id,
        "area_ids": sorted(a.pk for a in c.areas.all()),
        "starts_on": c.starts_on,
        "ends_on": c.ends_on,
        "window_minutes": c.window_minutes,
        "daily_capacity": c.daily_capacity,
        "batch_size": c.batch_size,
        "notice_text": c.notice_text,
        "notice_translations": {
            lang: texts["notice_text"]
            for lang, texts in sorted((c.translations or {}).items())
            if isinstance(texts, dict) and texts.get("notice_text")
        },
        "absent_repeats": c.absent_repeats,
        "repeat_gap_days": c.repeat_gap_days,
        "recheck_months": c.recheck_months,
        "auto_batches": c.auto_batches,
        "active": c.active,
        "batches": c.batches,
        "progress": {**p.__dict__, "coverage": p.coverage},
    }


def household_out(h: CampaignHousehold) -> dict[str, Any]:
    a = h.appointment
    return {
        "id": h.pk,
        "customer_id": h.customer_id,
        "customer": h.customer.name,
        "area_id": h.area_id,
        "status": h.status,
        "attempts": h.attempts,
        "absences": h.absences,
        "not_before": h.not_before,
        "window_start": a.window_start if a else None,
        "window_end": a.window_end if a else None,
        "technician": a.technician.name if a and a.technician else None,
        "order_id": a.order_id if a else None,
        "done_on": h.done_on,
        "next_due": h.next_due,
        "refused_reason": h.refused_reason,
    }


@router.get("/campaigns", response={200: Page[CampaignOut], **ERRORS}, summary="Safety-check campaigns")
def list_campaigns(request: ApiRequest, page: Query[PageParams]) -> dict[str, Any]:
    """Newest first, of the caller's branch (every branch for company-level staff)."""
    staff = require_staff(request.auth)
    qs = campaigns.visible_campaigns(staff).prefetch_related("areas").order_by("-starts_on", "-id")
    return paginate(qs, page, campaign_out)


@router.post("/campaigns", response={201: CampaignOut, **WRITE_ERRORS}, summary="Set up a campaign")
def create_campaign(request: ApiRequest, payload: CampaignIn) -> Status:
    c = campaigns.do_create_campaign(request.auth, campaigns.CampaignInput(**payload.dict()))
    return Status(201, campaign_out(campaigns.access_campaign(request.auth, c.pk)))


@router.get("/campaigns/{campaign_id}", response={200: CampaignOut, **ERRORS}, summary="One campaign")
def get_campaign(request: ApiRequest, campaign_id: Id) -> dict[str, Any]:
    return campaign_out(campaigns.access_campaign(request.auth, campaign_id))


@router.patch(
    "/campaigns/{campaign_id}", response={200: CampaignOut, **WRITE_ERRORS}, summary="Change a campaign"
)
def change_campaign(request: ApiRequest, campaign_id: Id, payload: CampaignChangeIn) -> dict[str, Any]:
    """Period end, visit window, capacity, batch size, repeat rules, automatic batches (audited)."""
    c = campaigns.access_campaign(request.auth, campaign_id, manage=True)
    campaigns.do_change_campaign(
        request.auth, c.pk, campaigns.CampaignChange.of(c, **payload.dict(exclude_unset=True))
    )
    return campaign_out(campaigns.access_campaign(request.auth, c.pk))


@router.post(
    "/campaigns/{campaign_id}/stop", response={200: CampaignOut, **WRITE_ERRORS}, summary="Stop a campaign"
)
def stop_campaign(request: ApiRequest, campaign_id: Id) -> dict[str, Any]:
    """No batch is planned while stopped; visits already booked stay booked unless cancelled."""
    campaigns.do_set_active(request.auth, campaign_id, False)
    return campaign_out(campaigns.access_campaign(request.auth, campaign_id))


@router.post(
    "/campaigns/{campaign_id}/resume",
    response={200: CampaignOut, **WRITE_ERRORS},
    summary="Resume a campaign",
)
def resume_campaign(request: ApiRequest, campaign_id: Id) -> dict[str, Any]:
    """Batches may be planned again (by the button or, with automatic batches, by the daily job)."""
    campaigns.do_set_active(request.auth, campaign_id, True)
    return campaign_out(campaigns.access_campaign(request.auth, campaign_id))


@router.get(
    "/campaigns/{campaign_id}/households",
    response={200: Page[CampaignHouseholdOut], **ERRORS},
    summary="The campaign's households",
)
def list_households(
    request: ApiRequest, campaign_id: Id, filters: Query[CampaignHouseholdFilters], page: Query[PageParams]
) -> dict[str, Any]:
    c = campaigns.access_campaign(request.auth, campaign_id)
    qs = CampaignHousehold.objects.filter(campaign=c).select_related("customer", "appointment__technician")
    if filters.area_id:
        qs = qs.filter(area_id=filters.area_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return paginate(qs.order_by("id"), page, household_out)


@router.post(
    "/campaigns/{campaign_id}/batches",
    response={200: CampaignBatchOut, **WRITE_ERRORS},
    summary="Plan the next batch",
)
def plan_batch(request: ApiRequest, campaign_id: Id) -> dict[str, Any]:
    """The next ``batch_size`` households get a work order, an appointment and a notice; running it
    again plans the following households and sends nothing twice."""
    r = campaigns.do_plan_batch(request.auth, campaign_id)
    return r.__dict__


@router.post(
    "/campaigns/{campaign_id}/households/{household_id}/refusal",
    response={200: CampaignHouseholdOut, **WRITE_ERRORS},
    summary="Record that the customer refused the check",
)
def record_refusal(
    request: ApiRequest, campaign_id: Id, household_id: Id, payload: CampaignRefusalIn
) -> dict[str, Any]:
    h = campaigns.do_record_refusal(request.auth, campaign_id, household_id, payload.reason)
    return household_out(h)
