"""/api/v1/orders: work orders. Thin: reads through workorders.access, writes through workorders.actions."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Literal

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from kefu.api import render
from kefu.api.common import (
    ERRORS,
    IF_MATCH,
    SEARCH_COUNT_CAP,
    WRITE_ERRORS,
    ApiRequest,
    Id,
    Page,
    PageParams,
    QueryBool,
    Str100,
    Str200,
    check_key,
    etag,
    expected_version,
    order_by,
    ordering_names,
    paginate,
)
from kefu.api.fields import order_fields_out
from kefu.api.schemas import (
    AllowedTransitionOut,
    EscalateIn,
    EscalationOut,
    LinkIn,
    LinkOut,
    MergeIn,
    MergeOut,
    NoteIn,
    OrderIn,
    OrderOut,
    OrderPatch,
    ReplyIn,
    TimelineEntryOut,
    TransferIn,
    TransferOut,
    TransitionIn,
)
from kefu.customers.models import Channel
from kefu.fields import queries as field_queries
from kefu.lib import clock, replica
from kefu.organization.access import staff_of
from kefu.workorders import actions, queries
from kefu.workorders import rules as wo_rules
from kefu.workorders.access import access_workorder, visible_timeline, visible_workorders
from kefu.workorders.models import OrderTypeChoices, Priority, StatusChoices, WorkOrder

router = Router(tags=["work orders"])

# the ``ordering`` names of order lists (also the customer's orders, api/customers.py)
ORDER_ORDERINGS = queries.ORDERINGS
if TYPE_CHECKING:
    OrderOrdering = str
else:  # name or -name, each of the orderings (an enum in the schema)
    OrderOrdering = Literal[tuple(ordering_names(ORDER_ORDERINGS))]


class OrderFilters(Schema):
    status: StatusChoices | None = None
    type: OrderTypeChoices | None = None
    priority: Priority | None = None
    channel: Channel | None = None
    owner: Id | None = None
    assignee: Id | None = None
    area: Id | None = None
    branch: Id | None = None
    customer: Id | None = None
    overdue: QueryBool | None = None
    escalated: QueryBool | None = None
    open: QueryBool | None = None
    q: Str200 | None = None
    ordering: OrderOrdering | None = Field(None, description="A name, or -name to reverse; default urgency.")
    tag: list[Str100] | None = Field(None, description="Only orders carrying this tag (repeat: every one).")


def _load(request: ApiRequest, key: str) -> WorkOrder:
    o = access_workorder(request.auth, check_key(key))
    return render.order_rows(WorkOrder.objects.all()).get(pk=o.pk)


def _reload(pk: int) -> WorkOrder:
    return render.order_rows(WorkOrder.objects.all()).get(pk=pk)


def _version(
    request: ApiRequest, if_match: str | None, body_version: int | None, *, required: bool
) -> int | None:
    return expected_version(if_match, body_version, required=required)


@router.get("", response={200: Page[OrderOut], **ERRORS}, summary="List and search work orders")
def list_orders(request: ApiRequest, filters: Query[OrderFilters], page: Query[PageParams]) -> dict[str, Any]:
    """Orders visible to the caller (own branch for branch staff, own orders for a portal customer).
    ``q`` searches number, title, description and the customer (Chinese words of 2+ characters too).
    Ordering: ``urgency`` (the default, as the console queues: open orders first, the most urgent priority
    first, then the earliest due time), ``due_at``, ``received_at``, ``updated_at``, ``created_at``,
    ``priority`` (prefix ``-`` to reverse; ``priority`` lists the most urgent first).
    Custom fields: ``field.<key>=value`` (exact; repeat for any of several), ``field.<key>.min`` /
    ``field.<key>.max`` for number and date fields; ``tag=…`` (repeat: every tag). ``q`` also finds the
    orders whose custom field (meter number, 户号) is exactly the text."""
    params: dict[str, Any] = {k: request.GET.getlist(k) for k in request.GET if k.startswith("field.")}
    if filters.tag:
        params["tag"] = filters.tag
    extra = field_queries.parse(params, public_only=staff_of(request.auth) is None)
    chosen = queries.OrderFilter(
        status=filters.status.value if filters.status else "",
        order_type=filters.type.value if filters.type else "",
        priority=filters.priority.value if filters.priority else "",
        channel=filters.channel.value if filters.channel else "",
        owner_id=filters.owner,
        assignee_id=filters.assignee,
        area_id=filters.area,
        branch_id=filters.branch,
        customer_id=filters.customer,
        overdue=filters.overdue,
        escalated=filters.escalated,
        open=filters.open,
        q=filters.q or "",
    )
    now = clock.now()
    base = visible_workorders(request.auth)
    qs = queries.filter_orders(base, chosen, now)
    if chosen.q:  # an exact custom-field value finds its orders too
        qs = field_queries.search_with_values(
            queries.filter_orders(base, dataclasses.replace(chosen, q=""), now), qs, chosen.q
        )
    if extra:
        qs = field_queries.filter_orders(qs, extra)
    qs = order_by(render.order_rows(qs), filters.ordering, ORDER_ORDERINGS, queries.DEFAULT_ORDERING)
    if filters.q:  # a search may read from the read replica (kefu.lib.replica)
        qs = qs.using(replica.alias())
    out = paginate(
        qs,
        page,
        lambda o: o,
        count_cap=SEARCH_COUNT_CAP if filters.q else None,
        search_query=filters.q or "",
    )
    extras = order_fields_out(request, out["items"])  # two statements for the page
    out["items"] = [{**render.order_out(o), **extras[o.pk]} for o in out["items"]]
    return out


@router.get("/{key}", response={200: OrderOut, **ERRORS}, summary="Get a work order by id or number")
def get_order(request: ApiRequest, key: str, response: HttpResponse) -> dict[str, Any]:
    o = _load(request, key)
    etag(response, o)
    return {**render.order_out(o, detail=True), **order_fields_out(request, [o])[o.pk]}


@router.post("", response={201: OrderOut, **WRITE_ERRORS}, summary="Register a work order")
def create_order(request: ApiRequest, payload: OrderIn, response: HttpResponse) -> HttpResponse:
    """The caller (or the most senior of the co-receivers) becomes the first-contact owner."""

    def v(value: Any) -> Any:
        return getattr(value, "value", value)

    data = actions.OrderInput(
        order_type=v(payload.order_type),
        title=payload.title,
        description=payload.description,
        channel=v(payload.channel),
        service_id=payload.service_id,
        area_id=payload.area_id,
        priority=v(payload.priority) or "",
        co_receiver_ids=list(payload.co_receiver_ids),
        assignee_id=payload.assignee_id,
        department_id=payload.department_id,
        outlet_id=payload.outlet_id,
        received_at=payload.received_at,
        sale_phase=v(payload.sale_phase),
        technical=payload.technical,
        place=v(payload.place),
        paid=payload.paid,
        recurring=payload.recurring,
        to_president=payload.to_president,
        area_kind=payload.area_kind,
        area_kind_reason=payload.area_kind_reason,
    )
    # rendered from the order as written (its customer, people, branch and area are the objects the action
    # used), not read back: a new order is merged into nothing
    o = actions.do_create_order(request.auth, payload.customer_id, data)
    o.merged_into_number = None  # type: ignore[attr-defined]
    etag(response, o)
    response["Location"] = f"{request.path.rstrip('/')}/{o.number}"
    return render.written(response, 201, {**render.order_out(o, detail=True), **render.WRITE_ONLY_NULLS})


NULLABLE_PATCH = {"area_id", "service_id"}


@router.patch("/{key}", response={200: OrderOut, **WRITE_ERRORS}, summary="Update a work order")
def update_order(
    request: ApiRequest,
    key: str,
    payload: OrderPatch,
    response: HttpResponse,
    if_match: str | None = IF_MATCH,
) -> dict[str, Any]:
    """Needs the version you read (``If-Match`` or ``version``): 409 ``stale`` if the order changed,
    428 ``precondition_required`` without one."""
    version = _version(request, if_match, payload.version, required=True)
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    changes = {k: getattr(v, "value", v) for k, v in changes.items() if v is not None or k in NULLABLE_PATCH}
    o = actions.do_update_order(request.auth, check_key(key), changes, expected_version=version)
    o = _reload(o.pk)
    etag(response, o)
    return render.order_out(o, detail=True)


@router.post("/{key}/transition", response={200: OrderOut, **WRITE_ERRORS}, summary="Change the status")
def transition(
    request: ApiRequest,
    key: str,
    payload: TransitionIn,
    response: HttpResponse,
    if_match: str | None = IF_MATCH,
) -> dict[str, Any]:
    """Allowed changes follow the documented transition table (see ``allowed-transitions``)."""
    version = _version(request, if_match, payload.version, required=False)
    o = actions.do_transition(
        request.auth,
        check_key(key),
        payload.status.value,
        reason=payload.reason,
        resolution=payload.resolution,
        close_reason=payload.close_reason.value if payload.close_reason else "",
        expected_version=version,
    )
    o = _reload(o.pk)
    etag(response, o)
    return render.order_out(o, detail=True)


@router.post(
    "/{key}/replies", response={201: TimelineEntryOut, **WRITE_ERRORS}, summary="Reply to the customer"
)
def reply(
    request: ApiRequest,
    key: str,
    payload: ReplyIn,
    response: HttpResponse,
    if_match: str | None = IF_MATCH,
) -> HttpResponse:
    """400 ``forbidden_phrase`` (field ``body``) when the text contains a forbidden phrase (服务忌语): the error
    lists ``matches`` (``phrase``, ``matched``, ``start``, ``end`` in the body, ``suggestion``). Send again with
    ``override_reason`` to send it as it is; the violation is recorded. 400 ``unfilled_variable`` when a
    phrase-library variable such as ``{deadline}`` is left in the text.

    ``channel`` says how the reply reaches the customer; 400 ``channel_required`` (field ``channel``) on a
    phone or counter order without one, 400 ``channel_unreachable`` when the customer has no mobile / e-mail /
    portal login for it. ``channel: callback`` with ``callback_outcome`` logs a call-back instead (entry kind
    ``callback``). ``message`` in the answer says what happened ("Reply queued for SMS to 138****8000.");
    ``data.outbox`` is the outbox key whose delivery the order page shows."""
    version = _version(request, if_match, payload.version, required=False)
    entry = actions.do_reply(
        request.auth,
        check_key(key),
        payload.body,
        channel=payload.channel or None,
        callback_outcome=payload.callback_outcome,
        expected_version=version,
        override_reason=payload.override_reason or "",
        source="api",
    )
    # do_reply answers with the order's version after the reply (a call-back entry: read it)
    version = getattr(entry, "order_version", None)
    if version is None:
        version = WorkOrder.objects.only("version").get(pk=entry.workorder_id).version
    out = render.entry_out(entry, staff_view=True, order_version=version)
    return render.written(response, 201, {**out, "message": actions.reply_message(entry)})


@router.post("/{key}/notes", response={201: TimelineEntryOut, **WRITE_ERRORS}, summary="Add an internal note")
def note(request: ApiRequest, key: str, payload: NoteIn) -> Status:
    entry = actions.do_note(request.auth, check_key(key), payload.body)
    o = WorkOrder.objects.only("version").get(pk=entry.workorder_id)
    return Status(201, render.entry_out(entry, staff_view=True, order_version=o.version))


@router.post("/{key}/transfer", response={200: TransferOut, **WRITE_ERRORS}, summary="Transfer the work")
def transfer(
    request: ApiRequest, key: str, payload: TransferIn, if_match: str | None = IF_MATCH
) -> dict[str, Any]:
    """Hand the work to a staff member or a department, with a reason. The first-contact owner stays."""
    version = _version(request, if_match, payload.version, required=False)
    t = actions.do_transfer(
        request.auth,
        check_key(key),
        to_staff_id=payload.to_staff_id,
        to_department_id=payload.to_department_id,
        reason=payload.reason,
        note=payload.note,
        expected_version=version,
    )
    return {
        "id": t.pk,
        "to_staff": render.staff_ref(t.to_staff),
        "to_department": render.ref(t.to_department),
        "reason": t.reason,
        "created_at": t.created_at,
        "order": render.order_out(_reload(t.workorder_id), detail=True),
    }


@router.post("/{key}/escalate", response={201: EscalationOut, **WRITE_ERRORS}, summary="Escalate to a leader")
def escalate(request: ApiRequest, key: str, payload: EscalateIn) -> Status:
    esc = actions.do_escalate(request.auth, check_key(key), payload.reason, to_president=payload.to_president)
    return Status(
        201,
        {
            "id": esc.pk,
            "leader": render.staff_ref(esc.leader),
            "reason": esc.reason,
            "to_president": esc.to_president,
            "created_at": esc.created_at,
            "order": render.order_out(_reload(esc.workorder_id), detail=True),
        },
    )


@router.post("/{key}/links", response={201: LinkOut, **WRITE_ERRORS}, summary="Link a related order")
def link(request: ApiRequest, key: str, payload: LinkIn) -> Status:
    lk = actions.do_link(request.auth, check_key(key), check_key(payload.other))
    return Status(201, {"id": lk.pk, "source": lk.source.number, "target": lk.target.number, "kind": lk.kind})


@router.post(
    "/{key}/merge", response={200: MergeOut, **WRITE_ERRORS}, summary="Merge a duplicate into a survivor"
)
def merge(request: ApiRequest, key: str, payload: MergeIn) -> dict[str, Any]:
    """Closes this order as a duplicate; it keeps pointing to the survivor. Orders of two customers (the same
    event reported twice) need ``confirm_different_customer``: the duplicate's customer then gets every reply
    and the resolution given on the survivor, on their own order and channel."""
    dup = access_workorder(request.auth, check_key(key))
    survivor = actions.do_merge(
        request.auth,
        dup.pk,
        check_key(payload.survivor),
        payload.reason,
        confirm_different_customer=payload.confirm_different_customer,
    )
    return {
        "duplicate": render.order_out(_reload(dup.pk), detail=True),
        "survivor": render.order_out(_reload(survivor.pk), detail=True),
    }


@router.get(
    "/{key}/timeline", response={200: Page[TimelineEntryOut], **ERRORS}, summary="Timeline of an order"
)
def timeline(request: ApiRequest, key: str, page: Query[PageParams]) -> dict[str, Any]:
    """Replies, notes, status changes, transfers… oldest first. Customers see only public entries."""
    o = access_workorder(request.auth, check_key(key))
    staff_view = staff_of(request.auth) is not None
    qs = visible_timeline(request.auth, o).order_by("created_at", "id")
    return paginate(qs, page, lambda e: render.entry_out(e, staff_view=staff_view))


@router.get(
    "/{key}/allowed-transitions",
    response={200: list[AllowedTransitionOut], **ERRORS},
    summary="Status changes possible now",
)
def allowed(request: ApiRequest, key: str) -> list[dict[str, Any]]:
    o = access_workorder(request.auth, check_key(key))
    labels = dict(StatusChoices.choices)
    result = []
    for target, action, permitted in actions.allowed_transitions(request.auth, o):
        needs = []
        if action in wo_rules.REASON_REQUIRED:
            needs.append("reason")
        if action == "resolve":
            needs.append("resolution")
        if action == "withdraw":
            needs.append("close_reason")
        result.append(
            {
                "status": target.value,
                "label": str(labels.get(target.value, target.value)),
                "action": action,
                "allowed": permitted,
                "needs": needs,
            }
        )
    return result
