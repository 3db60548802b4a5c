"""/api/v1: send back (退单), split, and the send-back report (docs/send-back-split.md). Thin: writes
through workorders.actions, the report from reports.send_backs with the reports' branch scope."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from kefu.api import render
from kefu.api.common import (
    ERRORS,
    IF_MATCH,
    WRITE_ERRORS,
    ApiRequest,
    BodyId,
    NonBlank,
    Page,
    PageParams,
    QueryBool,
    Str20k,
    Str2000,
    Version,
    check_key,
    etag,
    expected_version,
    paginate,
)
from kefu.api.reports import PERIOD_PATTERN, _period
from kefu.api.schemas import OrderOut, Ref, StaffRef
from kefu.organization.access import require_staff, staff_of
from kefu.reports import access, queries, send_backs
from kefu.workorders import actions
from kefu.workorders.access import access_workorder, visible_workorders
from kefu.workorders.models import OrderTypeChoices, SendBack, WorkOrder

router = Router(tags=["work orders"])


class SendBackIn(Schema):
    reason: Annotated[Str2000, NonBlank] = Field(
        description="Why the order is not the unit's (at most 2,000)."
    )
    version: Version | None = None


class SendBackOut(Schema):
    id: int
    order: str = Field(description="The order's number.")
    reason: str
    by: StaffRef = Field(description="Who sent it back (a member of the unit).")
    from_staff: StaffRef | None = Field(description="The unit: the assignee the order was with …")
    from_department: Ref | None = Field(description="… and its department, if it had one.")
    dispatcher: StaffRef = Field(description="Who got it back and routes it again.")
    created_at: dt.datetime
    rerouted_at: dt.datetime | None = Field(
        description="When a transfer routed it again; empty while pending."
    )


class SendBackResult(SendBackOut):
    order_detail: OrderOut = Field(description="The order after the send-back.")


class SplitIn(Schema):
    order_type: OrderTypeChoices
    title: Annotated[Str2000, NonBlank]
    description: Annotated[Str20k, NonBlank]
    service_id: BodyId | None = None
    assignee_id: BodyId | None = None
    department_id: BodyId | None = None
    reason: Str2000 = ""
    version: Version | None = Field(None, description="The version of the original order you read.")


class SendBackFilters(Schema):
    pending: QueryBool | None = Field(None, description="true: only those waiting to be routed again.")
    mine: QueryBool | None = Field(None, description="true: only those sent back to me (my queue).")
    order: str | None = Field(None, max_length=40, description="Only this order's (id or number).")


class UnitRowOut(Schema):
    kind: str = Field(description="department, or staff (a unit without department).")
    id: int
    name: str
    branch: str
    send_backs: int
    orders: int = Field(description="Distinct orders sent back in the period.")
    repeated_orders: int = Field(description="Of those, sent back twice or more (all time).")
    pending: int = Field(description="Still waiting to be routed again.")


class RepeatedOrderOut(Schema):
    number: str
    title: str
    branch: str
    send_backs: int
    first_at: dt.datetime
    last_at: dt.datetime
    last_unit: str
    last_reason: str
    pending: bool


class ReportParams(Schema):
    period: str = Field("", pattern=PERIOD_PATTERN, description="2026-03 or 2026; empty: the current month.")


def send_back_out(sb: SendBack) -> dict[str, Any]:
    return {
        "id": sb.pk,
        "order": sb.workorder.number,
        "reason": sb.reason,
        "by": render.staff_ref(sb.by),
        "from_staff": render.staff_ref(sb.from_staff),
        "from_department": render.ref(sb.from_department),
        "dispatcher": render.staff_ref(sb.dispatcher),
        "created_at": sb.created_at,
        "rerouted_at": sb.rerouted_at,
    }


def _rows(qs: Any) -> Any:
    return qs.select_related("workorder", "by", "from_staff", "from_department", "dispatcher")


@router.post(
    "/orders/{key}/send-back",
    response={201: SendBackResult, **WRITE_ERRORS},
    summary="Send an order back to the dispatcher (退单)",
)
def send_back(request: ApiRequest, key: str, payload: SendBackIn, if_match: str | None = IF_MATCH) -> Status:
    """The unit the order was routed to (its assignee, a member or the leader of its department) hands it
    back with a reason to the staff member who routed it (else its first-contact owner). 400 ``not_routed``,
    ``not_your_unit``, ``no_dispatcher``, ``not_open`` (field ``status``), ``reason_required``. The order
    cannot be resolved until a transfer routes it again; to the same unit that transfer needs ``note``."""
    version = expected_version(if_match, payload.version, required=False)
    sb = actions.do_send_back(request.auth, check_key(key), payload.reason, expected_version=version)
    sb = _rows(SendBack.objects.all()).get(pk=sb.pk)
    order = render.order_rows(WorkOrder.objects.all()).get(pk=sb.workorder_id)
    return Status(201, {**send_back_out(sb), "order_detail": render.order_out(order, detail=True)})


@router.get("/send-backs", response={200: Page[SendBackOut], **ERRORS}, summary="Send-backs (退单)")
def list_send_backs(
    request: ApiRequest, filters: Query[SendBackFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Send-backs of the orders visible to the caller, newest first. ``mine=true&pending=true`` is the
    dispatcher's queue: the orders sent back to me that I have to route again."""
    me = require_staff(request.auth)
    qs = SendBack.objects.filter(workorder__in=visible_workorders(request.auth))
    if filters.pending is not None:
        qs = qs.filter(rerouted_at__isnull=filters.pending)
    if filters.mine:
        qs = qs.filter(dispatcher=me)
    if filters.order:
        qs = qs.filter(workorder=access_workorder(request.auth, check_key(filters.order)))
    return paginate(_rows(qs).order_by("-created_at", "-id"), page, send_back_out)


@router.post(
    "/orders/{key}/split",
    response={201: OrderOut, **WRITE_ERRORS},
    summary="Split the second request of an order into a new order",
)
def split(
    request: ApiRequest, key: str, payload: SplitIn, response: HttpResponse, if_match: str | None = IF_MATCH
) -> Status:
    """The new order is the same customer's, with the original's first-contact owner, channel, area and
    time of receipt: its clocks come from its own type and service and count from when the customer asked.
    The two are linked (kind ``split``). Answers with the new order."""
    version = expected_version(if_match, payload.version, required=False)
    new = actions.do_split(
        request.auth,
        check_key(key),
        actions.SplitInput(
            order_type=payload.order_type.value,
            title=payload.title,
            description=payload.description,
            service_id=payload.service_id,
            assignee_id=payload.assignee_id,
            department_id=payload.department_id,
            reason=payload.reason,
        ),
        expected_version=version,
    )
    o = render.order_rows(WorkOrder.objects.all()).get(pk=new.pk)
    etag(response, o)
    response["Location"] = f"{request.path.rsplit('/orders/', 1)[0]}/orders/{o.number}"
    return Status(201, render.order_out(o, detail=True))


def _scope(request: ApiRequest, period: str) -> queries.Scope:
    staff = staff_of(request.auth)
    if staff is None:
        require_staff(request.auth)
    assert staff is not None
    return queries.Scope(_period(period), access.report_branches(staff))


def _page(rows: list[Any], page: PageParams, out: Any) -> dict[str, Any]:
    return {
        "count": len(rows),
        "count_capped": False,
        "limit": page.limit,
        "offset": page.offset,
        "items": [out(r) for r in rows[page.offset : page.offset + page.limit]],
    }


@router.get(
    "/reports/send-backs/units",
    tags=["reports"],
    response={200: Page[UnitRowOut], **ERRORS},
    summary="Send-backs per unit in a period",
)
def report_units(request: ApiRequest, params: Query[ReportParams], page: Query[PageParams]) -> dict[str, Any]:
    """Per unit (a department, or a staff member without one): send-backs made in the period, the orders,
    those sent back repeatedly (twice or more, all time) and those still waiting to be routed again; the
    most send-backs first. The reports' scope: supervisors their branch, inspectors and administrators all."""
    rows = send_backs.unit_rows(_scope(request, params.period))
    return _page(rows, page, lambda u: {**u.__dict__, "id": u.key})


@router.get(
    "/reports/send-backs/orders",
    tags=["reports"],
    response={200: Page[RepeatedOrderOut], **ERRORS},
    summary="Orders sent back repeatedly",
)
def report_orders(
    request: ApiRequest, params: Query[ReportParams], page: Query[PageParams]
) -> dict[str, Any]:
    """Orders with a send-back in the period that were sent back twice or more, the most first."""
    rows = send_backs.repeated_order_rows(_scope(request, params.period))
    return _page(rows, page, lambda r: r.__dict__)
