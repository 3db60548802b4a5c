"""/api/v1/customers: the customer archive. Thin: every read goes through customers.access, every
write through customers.actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from django.db.models import F, Q, QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
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
    Str200,
    etag,
    expected_version,
    order_by,
    ordering_names,
    paginate,
)
from kefu.api.schemas import (
    RECORD_SCHEMAS,
    CustomerIn,
    CustomerNoteOut,
    CustomerOut,
    CustomerPatch,
    CustomerRecordOut,
    NoteIn,
    OrderOut,
    TierOverrideIn,
)
from kefu.api.workorders import ORDER_ORDERINGS, OrderOrdering
from kefu.customers import actions
from kefu.customers import rules as customer_rules
from kefu.customers.access import access_customer, visible_customers
from kefu.customers.models import ContactPoint, Customer, Relationship, TierChoices
from kefu.lib import replica, search
from kefu.lib.errors import ValidationFailed
from kefu.organization.access import staff_of
from kefu.privacy import records as access_records
from kefu.privacy import rules as privacy_rules
from kefu.workorders.access import visible_workorders

router = Router(tags=["customers"])


def _ordering(field: str) -> Any:
    def apply(qs: QuerySet[Any], desc: bool) -> QuerySet[Any]:
        expr = F(field).desc() if desc else F(field).asc()
        return qs.order_by(expr, "-id" if desc else "id")

    return apply


CUSTOMER_ORDERINGS = {
    name: _ordering(name) for name in ("id", "name", "number", "created_at", "updated_at", "customer_since")
}


PhoneQuery = Annotated[str, Field(max_length=40, pattern=r"^[+0-9 ()./-]*$")]
if TYPE_CHECKING:
    CustomerOrdering = str
else:
    CustomerOrdering = Literal[tuple(ordering_names(CUSTOMER_ORDERINGS))]


class CustomerFilters(Schema):
    q: Str200 | None = None
    phone: PhoneQuery | None = Field(
        None,
        description="Any phone number on file, as typed (digits, spaces, + ( ) . / -); 400 `invalid_phone` when "
        "it is not a possible number.",
    )
    relationship: Relationship | None = None
    tier: TierChoices | None = None
    area: Id | None = None
    branch: Id | None = None
    ordering: CustomerOrdering | None = Field(
        None, description="A name, or -name for descending; default -id."
    )


def _one(request: ApiRequest, customer_id: int) -> Customer:
    c = access_customer(request.auth, customer_id)
    # re-read with the related rows the response shows (one query)
    return Customer.objects.select_related(*render.CUSTOMER_RELATED).get(pk=c.pk)


def _out(request: ApiRequest, c: Customer) -> dict[str, Any]:
    return render.customer_out(
        c, staff_view=staff_of(request.auth) is not None, unmasked=access_records.unmasked_for(request.auth)
    )


def _record_read(request: ApiRequest, customer_ids: list[int]) -> None:
    """A staff read of customers' personal fields: one access record per customer, one INSERT."""
    if staff_of(request.auth) is not None:
        access_records.record(
            request.auth,
            privacy_rules.Kind.API,
            customer_ids,
            field="" if access_records.unmasked_for(request.auth) else "masked",
            where=request.get_full_path(),
        )


@router.get("", response={200: Page[CustomerOut], **ERRORS}, summary="List and search customers")
def list_customers(
    request: ApiRequest, filters: Query[CustomerFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Customers visible to the caller. ``q`` finds substrings of name, number, phone, e-mail and
    address (Chinese words of 2+ characters too); ``phone`` matches any normalised phone on file."""
    qs = visible_customers(request.auth).select_related(*render.CUSTOMER_RELATED)
    if filters.q:
        qs = search.filter_queryset(qs, filters.q)
    if filters.phone:
        try:
            e164 = customer_rules.normalize_phone(filters.phone)
        except customer_rules.InvalidPhone:
            raise ValidationFailed(
                "invalid_phone",
                _("“%(value)s” is not a valid phone number.") % {"value": filters.phone},
                "phone",
            ) from None
        qs = qs.filter(
            Q(phone_e164=e164)
            | Q(
                pk__in=ContactPoint.objects.filter(kind=ContactPoint.Kind.PHONE, normalized=e164).values(
                    "customer_id"
                )
            )
        )
    if filters.relationship:
        qs = qs.filter(relationship=filters.relationship.value)
    if filters.tier:
        qs = qs.filter(tier=filters.tier.value)
    if filters.area:
        qs = qs.filter(area_id=filters.area)
    if filters.branch:
        qs = qs.filter(branch_id=filters.branch)
    qs = order_by(qs, filters.ordering, CUSTOMER_ORDERINGS, "-id")
    if filters.q:  # a search may read from the read replica (kefu.lib.replica)
        qs = qs.using(replica.alias())
    staff_view = staff_of(request.auth) is not None
    unmasked = access_records.unmasked_for(request.auth)
    capped = SEARCH_COUNT_CAP if filters.q else None
    answer = paginate(
        qs,
        page,
        lambda c: render.customer_out(c, staff_view=staff_view, unmasked=unmasked),
        count_cap=capped,
        search_query=filters.q or "",
    )
    _record_read(request, [item["id"] for item in answer["items"]])
    return answer


@router.get("/{customer_id}", response={200: CustomerOut, **ERRORS}, summary="Get a customer")
def get_customer(request: ApiRequest, customer_id: Id, response: HttpResponse) -> dict[str, Any]:
    c = _one(request, customer_id)
    etag(response, c)
    _record_read(request, [c.pk])
    return _out(request, c)


@router.post("", response={201: CustomerOut, **WRITE_ERRORS}, summary="Create a customer")
def create_customer(request: ApiRequest, payload: CustomerIn, response: HttpResponse) -> Status:
    """A duplicate phone/e-mail answers 400 with code ``duplicate`` and the ids in ``duplicates``,
    unless ``allow_duplicate`` is true."""
    data = actions.CustomerInput(
        name=payload.name,
        phone=payload.phone,
        email=payload.email,
        address=payload.address,
        kind=payload.kind.value,
        relationship=payload.relationship.value,
        branch_id=payload.branch_id,
        area_id=payload.area_id,
        customer_since=payload.customer_since,
        extra_phones=list(payload.extra_phones),
        language=payload.language,
    )
    c = actions.do_create_customer(request.auth, data, allow_duplicate=payload.allow_duplicate)
    c = Customer.objects.select_related(*render.CUSTOMER_RELATED).get(pk=c.pk)
    etag(response, c)
    response["Location"] = f"{request.path.rstrip('/')}/{c.pk}"
    return Status(201, _out(request, c))


@router.patch("/{customer_id}", response={200: CustomerOut, **WRITE_ERRORS}, summary="Update a customer")
def update_customer(
    request: ApiRequest,
    customer_id: Id,
    payload: CustomerPatch,
    response: HttpResponse,
    if_match: str | None = IF_MATCH,
) -> dict[str, Any]:
    """Send the version you read (``If-Match: "3"`` or ``"version": 3``); a changed row answers 409
    ``stale``, a missing version 428 ``precondition_required``."""
    version = expected_version(if_match, payload.version, required=True)
    current = access_customer(request.auth, customer_id)
    changes = payload.model_dump(exclude_unset=True, exclude={"version", "allow_duplicate"})
    changes = {k: v for k, v in changes.items() if v is not None or k in ("area_id",)}
    address_changed = "address" in changes and changes["address"] != current.address

    def pick(name: str, default: Any) -> Any:
        value = changes.get(name, default)
        return getattr(value, "value", value)

    data = actions.CustomerInput(
        name=pick("name", current.name),
        phone=pick("phone", current.phone),
        email=pick("email", current.email),
        address=pick("address", current.address),
        kind=pick("kind", current.kind),
        relationship=pick("relationship", current.relationship),
        branch_id=pick("branch_id", current.branch_id),
        # a new address finds its area again unless an area is given
        area_id=pick("area_id", None if address_changed else current.area_id),
        customer_since=pick("customer_since", current.customer_since),
        language=pick("language", current.language),
    )
    c = actions.do_update_customer(
        request.auth, current.pk, data, expected_version=version, allow_duplicate=payload.allow_duplicate
    )
    c = Customer.objects.select_related(*render.CUSTOMER_RELATED).get(pk=c.pk)
    etag(response, c)
    return _out(request, c)


CUSTOMER_ORDERS_ORDERING = Query(None, description="As for GET /orders; default -received_at.")


@router.get(
    "/{customer_id}/orders", response={200: Page[OrderOut], **ERRORS}, summary="Work orders of a customer"
)
def customer_orders(
    request: ApiRequest,
    customer_id: Id,
    page: Query[PageParams],
    ordering: OrderOrdering | None = CUSTOMER_ORDERS_ORDERING,
) -> dict[str, Any]:
    c = access_customer(request.auth, customer_id)
    qs = render.order_rows(visible_workorders(request.auth).filter(customer_id=c.pk))
    qs = order_by(qs, ordering, ORDER_ORDERINGS, "-received_at")
    return paginate(qs, page, render.order_out)


def _record_endpoint(kind: str, schema: type[Schema]) -> None:
    def add_record(request: ApiRequest, customer_id: Id, payload: Any) -> Status:
        values = payload.model_dump()
        obj = actions.do_add_record(request.auth, customer_id, kind, values)
        c = Customer.objects.select_related(*render.CUSTOMER_RELATED).get(pk=obj.customer_id)  # type: ignore[attr-defined]
        return Status(
            201,
            {"id": obj.pk, "kind": kind, "values": values, "customer": _out(request, c)},
        )

    add_record.__annotations__ = {
        "request": ApiRequest,
        "customer_id": Id,
        "payload": schema,
        "return": Status,
    }
    add_record.__name__ = f"add_{kind}"
    router.post(
        f"/{{customer_id}}/records/{kind}",
        response={201: CustomerRecordOut, **WRITE_ERRORS},
        summary=f"Add a {kind.replace('_', ' ')} to a customer",
        operation_id=f"customers_add_{kind}",
    )(add_record)


for _kind, _schema in RECORD_SCHEMAS.items():
    _record_endpoint(_kind, _schema)


@router.post("/{customer_id}/notes", response={201: CustomerNoteOut, **WRITE_ERRORS}, summary="Add a note")
def add_note(request: ApiRequest, customer_id: Id, payload: NoteIn) -> Status:
    note = actions.do_add_note(request.auth, customer_id, payload.body)
    return Status(201, render.note_out(note))


@router.post(
    "/{customer_id}/tier-override",
    response={200: CustomerOut, **WRITE_ERRORS},
    summary="Override (or clear) the value tier",
)
def tier_override(
    request: ApiRequest, customer_id: Id, payload: TierOverrideIn, response: HttpResponse
) -> dict[str, Any]:
    tier = payload.tier.value if payload.tier else ""
    c = actions.do_override_tier(request.auth, customer_id, tier, payload.reason)
    c = Customer.objects.select_related(*render.CUSTOMER_RELATED).get(pk=c.pk)
    etag(response, c)
    return _out(request, c)
