"""/api/v1: macros (list, preview, apply to orders), bulk actions on a list of orders, and saved queue
views (docs/macros.md). Thin: the same ``kefu.macros`` functions as the console pages; each order is
changed in its own transaction through ``workorders.actions`` and the answer lists every order's outcome
(a refusal is a result, not an error: the status is 200 when the request itself was valid)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal

from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import field_validator

from kefu.api.common import (
    ERRORS,
    WRITE_ERRORS,
    ApiRequest,
    BodyId,
    Bool,
    ErrorItem,
    Id,
    Str20k,
    Str40,
    Str60,
    Str200,
    Str2000,
    json_int,
)
from kefu.api.render import staff_ref
from kefu.api.schemas import StaffRef
from kefu.customers.models import Channel
from kefu.macros import actions, bulk, rules, saved
from kefu.macros.models import Macro, SavedView
from kefu.organization.access import require_staff
from kefu.workorders.models import CloseReasonChoices, OrderTypeChoices, Priority, StatusChoices
from kefu.workorders.queries import QUEUE_SORTS

router = Router(tags=["macros and saved views"])

OrderKey = Annotated[Str40, Field(min_length=1, description="Id or number of a work order.")]
OrderKeys = Annotated[
    list[OrderKey],
    Field(min_length=1, max_length=rules.MAX_ORDERS, description="Work orders, by id or number."),
]
BulkKindName = Literal["assign", "transfer", "priority", "status", "add_tag", "macro", "merge"]
ViewTab = Literal["mine", "owned", "team", "escalated"]
ViewColumn = Literal["customer", "type", "area", "owner", "assignee", "received"]
if TYPE_CHECKING:
    ViewSort = str
else:  # a queue sort key, or -key to reverse
    ViewSort = Literal[tuple(s for k in QUEUE_SORTS for s in (k, "-" + k))]


class MacroOut(Schema):
    id: int
    name: str
    shared: bool = Field(description="Shared with a branch's team (else personal).")
    branch: str | None = Field(description="The branch a shared macro belongs to; null: every branch.")
    reply_text: str = Field(description="With variables such as {{order.number}} (see docs/macros.md).")
    reply_channel: str = Field(description="sms, email, portal; empty: the order's own channel.")
    note: str
    status: str = Field(description="The status it sets; empty: none.")
    status_comment: str
    priority: str
    assignee: StaffRef | None
    department: str | None
    tags: list[str]
    actions: list[str] = Field(description="What it does, in the order applied (the caller's language).")
    editable: bool = Field(description="Whether the caller may change it.")


class PreviewIn(Schema):
    orders: OrderKeys


class PreviewOut(Schema):
    order: str = Field(description="Number of the order.")
    reply: str = Field(description="The reply text with the order's values filled in.")
    note: str
    problems: list[str] = Field(description="What would refuse the macro on this order (empty: it applies).")
    warnings: list[str] = Field(description="Advice of the service standards on the reply (e.g. a greeting).")


class ApplyIn(Schema):
    orders: OrderKeys
    override_reason: Str2000 = Field("", description="Reason to send a reply with a flagged phrase anyway.")


class OrderResultOut(Schema):
    key: str = Field(description="The order as given.")
    number: str = Field(description="The order's number; empty when the order was not found.")
    ok: bool = Field(description="Every action applied (else none).")
    done: list[str] = Field(description="What was done (e.g. note, reply, priority, assign, tags, status).")
    errors: list[ErrorItem] = Field(
        description="Why the order was refused (the same codes as one at a time)."
    )


class BulkOut(Schema):
    action: str
    applied: int
    refused: int
    results: list[OrderResultOut]


class BulkIn(Schema):
    action: BulkKindName = Field(description="add_tag only where a tag feature is installed (else 400).")
    orders: OrderKeys
    to_staff_id: BodyId | None = Field(None, description="assign, transfer: the person.")
    to_department_id: BodyId | None = Field(None, description="transfer: the group.")
    reason: Str20k = Field(
        "", description="transfer (required), assign, status changes that need one, merge."
    )
    priority: Priority | None = None
    status: StatusChoices | None = None
    resolution: Str20k = ""
    close_reason: CloseReasonChoices | None = None
    tag: Str40 = ""
    macro_id: BodyId | None = None
    override_reason: Str2000 = ""
    survivor: Str40 = Field("", description="merge: id or number of the surviving order; empty: the oldest.")


class ViewFiltersSchema(Schema):
    q: Str200 | None = None
    status: StatusChoices | None = None
    order_type: OrderTypeChoices | None = None
    priority: Priority | None = None
    channel: Channel | None = None
    area: Id | None = Field(None, description="Id of a service area the caller may see.")
    overdue: Bool | None = None


class SavedViewOut(Schema):
    id: int
    name: str
    shared: bool
    branch: str | None
    tab: str = Field(description="mine, owned, team or escalated (the console's queue tabs).")
    filters: dict[str, Any] = Field(description="The filters (names as in ViewFilters).")
    sort: str
    columns: list[str]
    position: int
    count: int = Field(description="Orders the view lists for the caller now (reused up to 60 seconds).")
    editable: bool
    updated_at: dt.datetime


class SavedViewIn(Schema):
    name: Annotated[Str60, Field(min_length=1, pattern=r"\S")]
    tab: ViewTab = "team"
    filters: ViewFiltersSchema | None = None
    sort: ViewSort | None = None
    columns: list[ViewColumn] | None = Field(None, description="Optional columns shown; null: all.")
    shared: Bool = Field(False, description="Shared with the caller's branch (supervisors only, else 403).")
    branch_id: BodyId | None = Field(None, description="Company-level staff: the branch to share with.")

    @field_validator("filters", mode="before")
    @classmethod
    def _filters_are_an_object(cls, value: Any) -> Any:
        # ninja's Schema reads attributes of any value: a list would pass as an empty filter set
        if value is not None and not isinstance(value, dict):
            raise ValueError("filters must be an object")
        return value

    position: json_int(0, 999) = 100  # type: ignore[valid-type]


def macro_out(m: Macro, staff: Any) -> dict[str, Any]:
    return {
        "id": m.pk,
        "name": m.name,
        "shared": m.shared,
        "branch": m.branch.name if m.branch else None,
        "reply_text": m.reply_text,
        "reply_channel": m.reply_channel,
        "note": m.note,
        "status": m.status,
        "status_comment": m.status_comment,
        "priority": m.priority,
        "assignee": staff_ref(m.assignee),
        "department": str(m.department) if m.department else None,
        "tags": list(m.tags),
        "actions": actions.describe(m),
        "editable": actions.may_edit(staff, m),
    }


def bulk_out(result: bulk.BulkResult) -> dict[str, Any]:
    return {
        "action": result.kind,
        "applied": result.applied,
        "refused": result.refused,
        "results": [
            {"key": r.key, "number": r.number, "ok": r.ok, "done": r.done, "errors": r.errors}
            for r in result.results
        ],
    }


@router.get("/macros", response={200: list[MacroOut], **ERRORS}, summary="List the macros the caller may use")
def list_macros(request: ApiRequest) -> list[dict[str, Any]]:
    """The caller's personal macros and the shared ones of their branch (and of every branch)."""
    staff = require_staff(request.auth, "order.work")
    return [macro_out(m, staff) for m in actions.visible_macros(staff)]


@router.post(
    "/macros/{macro_id}/preview", response={200: list[PreviewOut], **WRITE_ERRORS}, summary="Preview a macro"
)
def preview_macro(request: ApiRequest, macro_id: Id, payload: PreviewIn) -> list[dict[str, Any]]:
    """The macro rendered for each order, with what would refuse it (the service standards' reply checks run
    as a dry run). Writes nothing; 404 when an order is not visible to the caller."""
    staff = require_staff(request.auth, "order.work")
    m = actions.get_macro(staff, macro_id)
    return [
        {
            "order": p.order.number,
            "reply": p.reply,
            "note": p.note,
            "problems": p.problems,
            "warnings": p.warnings,
        }
        for p in actions.preview(request.auth, m, list(payload.orders))
    ]


@router.post(
    "/macros/{macro_id}/apply", response={200: BulkOut, **WRITE_ERRORS}, summary="Apply a macro to orders"
)
def apply_macro(request: ApiRequest, macro_id: Id, payload: ApplyIn) -> dict[str, Any]:
    """Each order gets all of the macro's actions or none; ``results`` says which, with the reasons."""
    staff = require_staff(request.auth, "order.work")
    actions.get_macro(staff, macro_id)  # 404 before anything else
    result = bulk.do_bulk(
        request.auth,
        list(payload.orders),
        bulk.BulkAction(kind="macro", macro_id=macro_id, override_reason=payload.override_reason),
    )
    return bulk_out(result)


@router.post("/bulk-actions", response={200: BulkOut, **WRITE_ERRORS}, summary="One action on many orders")
def bulk_action(request: ApiRequest, payload: BulkIn) -> dict[str, Any]:
    """assign, transfer (the first-contact owner stays), priority, status, add_tag, macro, merge — each order
    through the same rules as one at a time, in its own transaction; refusals listed per order."""
    require_staff(request.auth, "order.work")
    a = bulk.BulkAction(
        kind=payload.action,
        to_staff_id=payload.to_staff_id,
        to_department_id=payload.to_department_id,
        reason=payload.reason,
        priority=payload.priority.value if payload.priority else "",
        status=payload.status.value if payload.status else "",
        resolution=payload.resolution,
        close_reason=payload.close_reason.value if payload.close_reason else "",
        tag=payload.tag,
        macro_id=payload.macro_id,
        override_reason=payload.override_reason,
        survivor=payload.survivor,
    )
    return bulk_out(bulk.do_bulk(request.auth, list(payload.orders), a))


def view_out(v: SavedView, count: int, staff: Any) -> dict[str, Any]:
    return {
        "id": v.pk,
        "name": v.name,
        "shared": v.shared,
        "branch": v.branch.name if v.branch else None,
        "tab": v.tab,
        "filters": v.filters,
        "sort": v.sort,
        "columns": v.columns,
        "position": v.position,
        "count": count,
        "editable": saved.may_edit(staff, v),
        "updated_at": v.updated_at,
    }


@router.get(
    "/saved-views", response={200: list[SavedViewOut], **ERRORS}, summary="Saved queue views with counts"
)
def list_views(request: ApiRequest) -> list[dict[str, Any]]:
    staff = require_staff(request.auth)
    views = list(saved.visible_views(staff).select_related("branch"))
    counts = saved.counts(request.auth, staff, views)
    return [view_out(v, counts[v.pk], staff) for v in views]


@router.post("/saved-views", response={201: SavedViewOut, **WRITE_ERRORS}, summary="Save a queue view")
def create_view(request: ApiRequest, payload: SavedViewIn) -> Status:
    staff = require_staff(request.auth)
    given = payload.filters.model_dump(exclude_none=True) if payload.filters else {}
    filters = {k: getattr(v, "value", v) for k, v in given.items()}
    v = saved.do_save_view(
        request.auth,
        saved.ViewInput(
            name=payload.name,
            tab=payload.tab,
            filters=filters,
            sort=payload.sort or "",
            columns=list(payload.columns) if payload.columns is not None else None,
            shared=payload.shared,
            branch_id=payload.branch_id,
            position=payload.position,
        ),
    )
    return Status(201, view_out(v, saved.counts(request.auth, staff, [v])[v.pk], staff))


@router.delete("/saved-views/{view_id}", response={204: None, **WRITE_ERRORS}, summary="Delete a saved view")
def delete_view(request: ApiRequest, view_id: Id) -> Status:
    """Personal views by their owner, shared ones by a supervisor of their branch; 404 otherwise."""
    staff = require_staff(request.auth)
    saved.get_view(staff, view_id)
    saved.do_delete_view(request.auth, view_id)
    return Status(204, None)
