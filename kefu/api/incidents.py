"""/api/v1/incidents: incidents (一事多报, docs/incidents.md) — the parent of the many reports of one outage,
its co-handling units, one message to every reporter, the resolution; and /api/v1/ivr/incidents, what the
hotline's IVR asks ("is there an outage in the caller's area?") and tells ("the caller is calling about it").
Same scope and roles as the console: the staff member's branch; managing needs ``order.link``."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Annotated, Any, Literal

from django.conf import settings
from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from kefu.api.common import (
    ERRORS,
    WRITE_ERRORS,
    ApiRequest,
    BodyId,
    DateTime,
    Id,
    Page,
    PageParams,
    Str60,
    Str100,
    Str200,
    Str300,
    Str2000,
    check_key,
    paginate,
)
from kefu.customers import lookup
from kefu.customers import rules as customer_rules
from kefu.incidents import actions
from kefu.incidents.models import Incident, IncidentKind, IncidentMessage, IncidentOrder, IncidentUnit
from kefu.lib.errors import NotFound
from kefu.organization.access import require_staff

router = Router(tags=["incidents"])

Kind = Literal["outage", "burst_main", "leak", "quality", "network", "other"]
assert set(Kind.__args__) == set(IncidentKind.values)  # type: ignore[attr-defined]


class UnitOut(Schema):
    id: int
    unit: str = Field(description="The co-handling unit (协办), a department.")
    unit_id: int
    task: str
    due_at: dt.datetime
    status: Literal["open", "done"]
    done_at: dt.datetime | None
    done_note: str


class IncidentOut(Schema):
    id: int
    number: str = Field(description="INC-nnnnnn")
    title: str
    kind: Kind
    status: Literal["active", "resolved"]
    branch: str
    area_id: int | None = Field(description="Empty: the whole branch.")
    area: str | None
    address_range: str
    cause: str
    service_id: int | None
    started_at: dt.datetime
    estimated_end_at: dt.datetime | None
    public: bool = Field(
        description="Shown on the disclosure page, the report form and the IVR while active."
    )
    owner_unit_id: int
    owner_unit: str = Field(description="The owner unit (主办).")
    units: list[UnitOut]
    reports: int = Field(description="Number of reports (work orders) attached.")
    resolution: str
    resolved_at: dt.datetime | None


class IncidentIn(Schema):
    title: Str200 = Field(json_schema_extra={"pattern": r"\S"})
    kind: Kind = "outage"
    owner_unit_id: BodyId = Field(description="Department of the incident's branch that owns it (主办).")
    area_id: BodyId | None = Field(None, description="Service area; empty for the whole branch.")
    service_id: BodyId | None = None
    address_range: Str300 = Field("")
    cause: Annotated[str, Field(max_length=5000)] = ""
    started_at: DateTime | None = Field(None, description="Default: now.")
    estimated_end_at: DateTime | None = None
    public: bool = True


class ReportOut(Schema):
    order: str = Field(description="Work-order number.")
    status: str
    received_at: dt.datetime
    source: Literal["agent", "suggestion", "customer"]
    first_report: bool = Field(description="The report the unit's response time counts (docs/kpis.md).")
    followup_sample: bool
    covered: bool = Field(description="Closed as covered by the incident, without a follow-up call.")
    close_error: str = Field(description="Why it could not be closed with the incident.")


class AttachIn(Schema):
    orders: list[Annotated[Str60, Field(min_length=1)]] = Field(
        min_length=1, max_length=actions.MAX_ATTACH, description="Order ids or numbers."
    )
    source: Literal["agent", "suggestion"] = "agent"


class AttachOut(Schema):
    attached: list[str] = Field(description="Numbers of the orders now attached (including ones that were).")


class UnitIn(Schema):
    department_id: BodyId
    task: Str2000 = Field(json_schema_extra={"pattern": r"\S"})
    due_at: DateTime


class UnitDoneIn(Schema):
    note: Str2000 = Field(json_schema_extra={"pattern": r"\S"})


class MessageIn(Schema):
    body: Str2000 = Field(json_schema_extra={"pattern": r"\S"})
    idempotency_key: Str60 = Field(
        "",
        description="Sending the same key again reaches only reporters who have not had it (those attached "
        "since); without a key the same text is the same message.",
    )


class MessageOut(Schema):
    id: int
    kind: Literal["update", "resolution"]
    body: str
    sent_at: dt.datetime
    created: bool = Field(description="False: this message was sent before; nobody got it twice.")
    delivered: int = Field(description="Reporters reached now (new deliveries).")
    not_reachable: list[str] = Field(description="Orders whose reporter nothing written reaches: call them.")


class ResolveIn(Schema):
    resolution: Str2000 = Field(json_schema_extra={"pattern": r"\S"})
    message: Str2000 = Field("", description="To every reporter; empty: the resolution.")


class ResolveOut(Schema):
    message: MessageOut
    closed: list[str] = Field(description="Reports closed as covered by the incident.")
    followup_sample: list[str] = Field(description="Reports resolved and kept for a follow-up call.")
    refused: list[dict[str, str]] = Field(
        description="Reports the rules did not let close: order and reason."
    )


class Filters(Schema):
    status: Literal["active", "resolved"] | None = None


def unit_out(u: IncidentUnit) -> dict[str, Any]:
    return {
        "id": u.pk,
        "unit": u.department.name,
        "unit_id": u.department_id,
        "task": u.task,
        "due_at": u.due_at,
        "status": u.status,
        "done_at": u.done_at,
        "done_note": u.done_note,
    }


def incident_out(i: Incident) -> dict[str, Any]:
    return {
        "id": i.pk,
        "number": i.number,
        "title": i.title,
        "kind": i.kind,
        "status": i.status,
        "branch": i.branch.name,
        "area_id": i.area_id,
        "area": i.area.name if i.area else None,
        "address_range": i.address_range,
        "cause": i.cause,
        "service_id": i.service_id,
        "started_at": i.started_at,
        "estimated_end_at": i.estimated_end_at,
        "public": i.public,
        "owner_unit_id": i.owner_unit_id,
        "owner_unit": i.owner_unit.name,
        "units": [unit_out(u) for u in i.units.all()],
        "reports": i.n_reports if hasattr(i, "n_reports") else i.children.count(),
        "resolution": i.resolution,
        "resolved_at": i.resolved_at,
    }


def message_out(sent: actions.Sent) -> dict[str, Any]:
    m: IncidentMessage = sent.message
    return {
        "id": m.pk,
        "kind": m.kind,
        "body": m.body,
        "sent_at": m.sent_at,
        "created": sent.created,
        "delivered": sent.delivered,
        "not_reachable": sent.unreachable,
    }


def _input(p: IncidentIn) -> actions.IncidentInput:
    return actions.IncidentInput(
        title=p.title,
        kind=p.kind,
        owner_unit_id=p.owner_unit_id,
        area_id=p.area_id,
        service_id=p.service_id,
        address_range=p.address_range,
        cause=p.cause,
        started_at=p.started_at,
        estimated_end_at=p.estimated_end_at,
        public=p.public,
    )


def _get(request: ApiRequest, incident_id: int) -> dict[str, Any]:
    inc = actions.access_incident(request.auth, incident_id)
    return incident_out(inc)


@router.get("/incidents", response={200: Page[IncidentOut], **ERRORS}, summary="Incidents")
def list_incidents(request: ApiRequest, filters: Query[Filters], page: Query[PageParams]) -> dict[str, Any]:
    """Newest first, of the caller's branch (every branch for company-level staff)."""
    staff = require_staff(request.auth)
    qs = (
        actions.visible_incidents(staff)
        .select_related("branch", "area", "owner_unit")
        .prefetch_related("units__department")
        .annotate(n_reports=Count("children"))
    )
    if filters.status:
        qs = qs.filter(status=filters.status)
    return paginate(qs.order_by("-started_at", "-id"), page, incident_out)


@router.post("/incidents", response={201: IncidentOut, **WRITE_ERRORS}, summary="Create an incident")
def create_incident(request: ApiRequest, payload: IncidentIn) -> Status:
    inc = actions.do_create_incident(request.auth, _input(payload))
    return Status(201, _get(request, inc.pk))


@router.get("/incidents/{incident_id}", response={200: IncidentOut, **ERRORS}, summary="One incident")
def get_incident(request: ApiRequest, incident_id: Id) -> dict[str, Any]:
    return _get(request, incident_id)


@router.get(
    "/incidents/{incident_id}/reports",
    response={200: Page[ReportOut], **ERRORS},
    summary="The incident's reports",
)
def list_reports(request: ApiRequest, incident_id: Id, page: Query[PageParams]) -> dict[str, Any]:
    inc = actions.access_incident(request.auth, incident_id)
    qs = (
        IncidentOrder.objects.filter(incident=inc)
        .select_related("workorder")
        .order_by("workorder__received_at", "id")
    )

    def out(lk: IncidentOrder) -> dict[str, Any]:
        return {
            "order": lk.workorder.number,
            "status": lk.workorder.status,
            "received_at": lk.workorder.received_at,
            "source": lk.source,
            "first_report": lk.lead,
            "followup_sample": lk.followup_sample,
            "covered": lk.covered,
            "close_error": lk.close_error,
        }

    return paginate(qs, page, out)


@router.post(
    "/incidents/{incident_id}/reports", response={200: AttachOut, **WRITE_ERRORS}, summary="Attach reports"
)
def attach_reports(request: ApiRequest, incident_id: Id, payload: AttachIn) -> dict[str, Any]:
    """Attach work orders (ids or numbers) of the incident's branch; an order already attached to it stays."""
    keys = [check_key(k, "orders") for k in payload.orders]
    links = actions.do_attach(request.auth, incident_id, keys, source=payload.source)
    return {"attached": [lk.workorder.number for lk in links]}


@router.post(
    "/incidents/{incident_id}/units",
    response={201: UnitOut, **WRITE_ERRORS},
    summary="Add a co-handling unit",
)
def add_unit(request: ApiRequest, incident_id: Id, payload: UnitIn) -> Status:
    u = actions.do_add_unit(request.auth, incident_id, payload.department_id, payload.task, payload.due_at)
    return Status(201, unit_out(u))


@router.post(
    "/incidents/{incident_id}/units/{unit_id}/done",
    response={200: UnitOut, **WRITE_ERRORS},
    summary="A co-handling unit's task is done",
)
def unit_done(request: ApiRequest, incident_id: Id, unit_id: Id, payload: UnitDoneIn) -> dict[str, Any]:
    inc = actions.access_incident(request.auth, incident_id)
    if not IncidentUnit.objects.filter(pk=unit_id, incident=inc).exists():
        raise NotFound("not_found", _("Co-handling task not found."), "unit")
    return unit_out(actions.do_unit_done(request.auth, unit_id, payload.note))


@router.post(
    "/incidents/{incident_id}/updates",
    response={200: MessageOut, 201: MessageOut, **WRITE_ERRORS},
    summary="One update to every reporter",
)
def send_update(request: ApiRequest, incident_id: Id, payload: MessageIn) -> Status:
    """Each reporter once, on their own channel, in their language: 201 for a new message, 200 when this key
    (or text) was sent before (only reporters attached since are reached)."""
    sent = actions.do_send_update(request.auth, incident_id, payload.body, key=payload.idempotency_key)
    return Status(201 if sent.created else 200, message_out(sent))


@router.post(
    "/incidents/{incident_id}/resolve",
    response={200: ResolveOut, **WRITE_ERRORS},
    summary="Resolve the incident",
)
def resolve(request: ApiRequest, incident_id: Id, payload: ResolveIn) -> dict[str, Any]:
    """One resolution message to every reporter; the open reports resolved, the follow-up sample kept for a
    call, the others closed as covered by the incident (each through the order's own rules). 409 when the
    incident is resolved already."""
    done = actions.do_resolve(request.auth, incident_id, payload.resolution, payload.message)
    return {
        "message": message_out(done.sent),
        "closed": done.closed,
        "followup_sample": done.sampled,
        "refused": [{"order": n, "reason": why} for n, why in done.refused],
    }


# --- the hotline's IVR ------------------------------------------------------------------------------------------


class IvrIncidentOut(Schema):
    id: int
    number: str
    title: str
    kind: Kind
    area: str | None
    estimated_end_at: dt.datetime | None
    prompt: str = Field(description="What the IVR says to the caller, in the caller's language.")


class IvrQuery(Schema):
    caller: Str60 = Field(description="The caller's number as the CTI reports it.")


class PhoneReportIn(Schema):
    caller: Str60 = Field(json_schema_extra={"pattern": r"\S"})
    text: Str2000 = Field("", description="What the caller said (speech-to-text), if anything.")
    name: Str100 = Field("")


class PhoneReportOut(Schema):
    order: str
    incident: str


def _prompt(inc: Incident, language: str) -> str:
    tz = zoneinfo.ZoneInfo(inc.branch.time_zone or settings.TIME_ZONE)
    with translation.override(language):
        text = _("There is an outage in your area: %(title)s.") % {"title": inc.title}
        if inc.estimated_end_at is not None:
            text += " " + _("Expected to be over by %(time)s.") % {
                "time": inc.estimated_end_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
            }
        return text + " " + _("Press 1 if you are calling about it.")


@router.get(
    "/ivr/incidents",
    response={200: list[IvrIncidentOut], **ERRORS},
    summary="Outages in the caller's area (IVR)",
)
def ivr_incidents(request: ApiRequest, query: Query[IvrQuery]) -> list[dict[str, Any]]:
    """The active public incidents of the caller's area (the area and branch of the customer the number
    belongs to; an unknown number: every active public incident), with the prompt in the caller's language."""
    require_staff(request.auth, "customer.edit")
    try:
        customer = lookup.customer_for_phone(customer_rules.normalize_phone(query.caller))
    except customer_rules.InvalidPhone:
        customer = None
    found = actions.active_public(
        customer.branch_id if customer else None, customer.area_id if customer and customer.area_id else None
    )
    language = customer.language_code if customer else settings.LANGUAGE_CODE
    return [
        {
            "id": i.pk,
            "number": i.number,
            "title": i.title,
            "kind": i.kind,
            "area": i.area.name if i.area else None,
            "estimated_end_at": i.estimated_end_at,
            "prompt": _prompt(i, language),
        }
        for i in found
    ]


@router.post(
    "/ivr/incidents/{incident_id}/reports",
    response={201: PhoneReportOut, **WRITE_ERRORS},
    summary="The caller is calling about this outage (IVR)",
)
def ivr_report(request: ApiRequest, incident_id: Id, payload: PhoneReportIn) -> Status:
    """The caller chose "I am calling about the outage in my area": an order for them (matched by phone, else
    a new record), received by the on-duty receiver and attached to the incident; they get its updates."""
    require_staff(request.auth, "customer.edit")
    o = actions.do_phone_report(
        incident_id, actions.PhoneReport(phone=payload.caller, text=payload.text, name=payload.name)
    )
    return Status(201, {"order": o.number, "incident": o.incident_link.incident.number})
