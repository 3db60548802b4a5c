"""/api/v1: customer merge (preview, merge, undo), duplicate suggestions and moving an order to another
customer (R-5). Thin: the rules are in kefu.customers.merge, kefu.customers.duplicates and
kefu.workorders.rehome; the answers mask personal values as the other customer endpoints do."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal

from ninja import Field, Router, Schema
from ninja.responses import Status

from kefu.api import render
from kefu.api.common import ERRORS, WRITE_ERRORS, ApiRequest, BodyId, Id, NonBlank, Str300, check_key
from kefu.api.schemas import OrderOut
from kefu.customers import duplicates, merge
from kefu.customers.access import access_customer
from kefu.customers.models import ContactPoint, CustomerMerge
from kefu.lib import masking
from kefu.organization.access import require_staff
from kefu.privacy import records as access_records
from kefu.workorders import rehome
from kefu.workorders.models import WorkOrder

router = Router(tags=["customers"])

if TYPE_CHECKING:
    MergeField = str
    DuplicateReason = str
else:
    MergeField = Literal[tuple(merge.CHOICE_FIELDS)]
    DuplicateReason = Literal[tuple(duplicates.REASONS)]
MergedIds = Annotated[list[BodyId], Field(min_length=1, max_length=merge.MAX_MERGED)]


class MergePreviewIn(Schema):
    merged: MergedIds = Field(description="Ids of the records to merge into this one.")


class CustomerMergeIn(MergePreviewIn):
    choices: dict[MergeField, BodyId] = Field(
        default_factory=dict,
        description="Per differing field (see the preview's `choices`), the id of the record whose value the "
        "survivor keeps; a field left out keeps the preview's `default`.",
    )
    reason: Str300 = ""


class MovingRowsOut(Schema):
    key: str = Field(description="`app.Model.field` of the table.")
    label: str
    total: int
    counts: dict[str, int] = Field(description="Rows per merged record (id as a string).")


class IdentityOut(Schema):
    customer_id: int
    kind: ContactPoint.Kind
    value: str = Field(description="Masked unless the caller sees personal data in full.")
    already: bool = Field(description="The survivor has this identity already; the merged record's row goes.")


class ChoiceOptionOut(Schema):
    customer_id: int
    value: str


class FieldChoiceOut(Schema):
    field: MergeField
    label: str
    options: list[ChoiceOptionOut]
    default: int


class MergePreviewOut(Schema):
    survivor: int
    merged: list[int]
    rows: list[MovingRowsOut]
    identities: list[IdentityOut]
    choices: list[FieldChoiceOut]
    notes: list[str]
    undo_hours: int


class CustomerMergeOut(Schema):
    id: int
    survivor: int
    merged: list[int]
    moved: dict[str, int] = Field(description="Rows moved per table (`app.Model.field`).")
    identities_moved: int
    identities_dropped: int
    reason: str
    created_at: dt.datetime
    undo_until: dt.datetime
    undone_at: dt.datetime | None


class DuplicateCustomerOut(Schema):
    id: int
    number: str
    name: str
    branch: int


class DuplicateOut(Schema):
    customer: DuplicateCustomerOut
    reasons: list[DuplicateReason]


class OrderMoveIn(Schema):
    customer_id: BodyId = Field(description="The customer the order moves to.")
    reason: Annotated[str, Field(max_length=rehome.MAX_REASON), NonBlank]


_MASK = {"phone": masking.PHONE, "email": masking.EMAIL, "address": masking.ADDRESS}


def _shown(request: ApiRequest, kind: str, value: str) -> str:
    if kind not in _MASK or access_records.unmasked_for(request.auth):
        return value
    return masking.mask(_MASK[kind], value)


def _merge_out(record: CustomerMerge) -> dict[str, Any]:
    return {
        "id": record.pk,
        "survivor": record.survivor_id,
        "merged": [int(i) for i in record.merged_ids],
        "moved": {k: sum(len(v) for v in per.values()) for k, per in record.moved.items()},
        "identities_moved": len(record.points_moved),
        "identities_dropped": len(record.points_dropped),
        "reason": record.reason,
        "created_at": record.created_at,
        "undo_until": record.undo_until,
        "undone_at": record.undone_at,
    }


@router.post(
    "/customers/{customer_id}/merge-preview",
    response={200: MergePreviewOut, **WRITE_ERRORS},
    summary="Preview a merge of customer records into this one",
)
def merge_preview(request: ApiRequest, customer_id: Id, payload: MergePreviewIn) -> dict[str, Any]:
    """Everything that would move, the identities that join, and the fields whose values differ. Reads
    only. Supervisors, branch managers and administrators; every record must be in the caller's scope."""
    p = merge.preview(request.auth, customer_id, payload.merged)
    return {
        "survivor": p.survivor.pk,
        "merged": [c.pk for c in p.merged],
        "rows": [
            {
                "key": r.key,
                "label": r.label,
                "total": r.total,
                "counts": {str(k): v for k, v in r.counts.items()},
            }
            for r in p.rows
        ],
        "identities": [
            {
                "customer_id": i.customer_id,
                "kind": i.kind,
                "value": _shown(request, i.kind, i.value),
                "already": i.already,
            }
            for i in p.identities
        ],
        "choices": [
            {
                "field": fc.name,
                "label": fc.label,
                "options": [
                    {"customer_id": cid, "value": _shown(request, fc.name, shown)}
                    for cid, shown in fc.options
                ],
                "default": fc.default,
            }
            for fc in p.choices
        ],
        "notes": p.notes,
        "undo_hours": p.undo_hours,
    }


@router.post(
    "/customers/{customer_id}/merge",
    response={201: CustomerMergeOut, **WRITE_ERRORS},
    summary="Merge customer records into this one",
)
def merge_customers(request: ApiRequest, customer_id: Id, payload: CustomerMergeIn) -> Status:
    """Moves every row of the merged records to this one, takes the chosen values, and marks the merged
    records as merged into this one; undo with `POST /customer-merges/{id}/undo` within the window."""
    record = merge.do_merge(request.auth, customer_id, payload.merged, dict(payload.choices), payload.reason)
    return Status(201, _merge_out(record))


@router.post(
    "/customer-merges/{merge_id}/undo",
    response={200: CustomerMergeOut, **WRITE_ERRORS},
    summary="Undo a customer merge",
)
def undo_merge(request: ApiRequest, merge_id: Id) -> dict[str, Any]:
    """Within `KEFU_CUSTOMER_MERGE_UNDO_HOURS`: the merged records come back with what the merge moved
    (rows added to the survivor since stay). 400 `undo_expired` / `already_undone`."""
    return _merge_out(merge.do_undo(request.auth, merge_id))


@router.get(
    "/customers/{customer_id}/duplicates",
    response={200: list[DuplicateOut], **ERRORS},
    summary="Possible duplicates of a customer",
)
def customer_duplicates(request: ApiRequest, customer_id: Id) -> list[dict[str, Any]]:
    require_staff(request.auth)
    c = access_customer(request.auth, customer_id)
    return [
        {
            "customer": {
                "id": s.customer.pk,
                "number": s.customer.number,
                "name": s.customer.name,
                "branch": s.customer.branch_id,
            },
            "reasons": s.reasons,
        }
        for s in duplicates.suggestions_for(request.auth, c)
    ]


@router.post(
    "/orders/{key}/customer",
    response={200: OrderOut, **WRITE_ERRORS},
    summary="Move an order to another customer",
)
def move_order(request: ApiRequest, key: str, payload: OrderMoveIn) -> dict[str, Any]:
    """The order's first-contact owner or a supervisor; the rows that hang on the order move with it."""
    o = rehome.do_move_order(request.auth, check_key(key), payload.customer_id, payload.reason)
    return render.order_out(render.order_rows(WorkOrder.objects.all()).get(pk=o.pk), detail=True)
