"""/api/v1: tags and custom fields (docs/fields.md). Definitions (``GET /fields``), tag autocomplete
(``GET /tags``), the values and tags of an order (``/orders/{key}/fields``, ``/orders/{key}/tags``) and
the values of a customer (``/customers/{id}/fields``). Writes go through ``kefu.fields.actions`` like the
console's. Order lists filter by ``tag`` and ``field.<key>`` (api/workorders.py)."""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Field, Query, Router, Schema

from kefu.api.common import ERRORS, WRITE_ERRORS, ApiRequest, Id, Str100, check_key
from kefu.customers.access import access_customer
from kefu.fields import actions, queries
from kefu.fields.models import FieldDefinition, FieldKindChoices, FieldScopeChoices
from kefu.organization.access import require_staff, staff_of
from kefu.workorders.access import access_workorder

router = Router(tags=["tags and custom fields"])

CustomFieldValue = Annotated[
    str | list[str] | None,
    Field(
        description=(
            'text and choice: a string; number: a decimal string (e.g. "12.5"); date: YYYY-MM-DD; '
            "multi_choice: a list of options; null: no value."
        )
    ),
]
CustomFields = Annotated[
    dict[str, CustomFieldValue],
    Field(description="Custom-field values by key (see GET /fields for each key's kind and options)."),
]
CustomFieldInput = Annotated[
    str | int | float | list[str] | None,
    Field(description='The value in the field\'s kind (numbers may be JSON numbers); null or "" clears it.'),
]


class FieldDefinitionOut(Schema):
    key: str = Field(description="The name in the API, the filters (field.<key>) and the exports.")
    label: str
    help_text: str
    scope: FieldScopeChoices = Field(description="order: a field of work orders; customer: of customers.")
    kind: FieldKindChoices
    choices: list[str] = Field(description="The options of choice and multi_choice fields.")
    order_types: list[str] = Field(description="Order fields: the order types that have it (empty: all).")
    required_at: list[str] = Field(description="The statuses an order cannot reach without a value.")
    pattern: str = Field(description="Text fields: the regular expression a value must match (empty: any).")
    min_value: str | None = Field(description="Number fields: the smallest value allowed.")
    max_value: str | None = Field(description="Number fields: the largest value allowed.")
    public: bool = Field(description="Shown to the customer in the portal.")


class TagOut(Schema):
    name: str
    uses: int = Field(description="How many orders carry it.")


class OrderFieldsOut(Schema):
    custom_fields: CustomFields
    tags: list[str] = Field(description="The order's tags (normalised: lower case, no spaces).")


class CustomerFieldsOut(Schema):
    custom_fields: CustomFields


class FieldsIn(Schema):
    model_config = {"json_schema_extra": {"examples": [{"custom_fields": {"meter_no": "12345678"}}]}}

    custom_fields: dict[Annotated[str, Field(max_length=40)], CustomFieldInput] = Field(
        max_length=50, description="Only the keys named change."
    )


class TagsIn(Schema):
    tags: list[Str100] = Field(max_length=20, description="Tag names; normalised when stored.")


class TagQuery(Schema):
    q: Str100 = Field("", description="The beginning of a tag name.")
    limit: int = Field(10, ge=1, le=50)


def _def_out(d: FieldDefinition) -> dict[str, Any]:
    return {
        "key": d.key,
        "label": d.label,
        "help_text": d.help_text,
        "scope": d.scope,
        "kind": d.kind,
        "choices": list(d.choices or []),
        "order_types": list(d.order_types or []),
        "required_at": list(d.required_at or []),
        "pattern": d.pattern,
        "min_value": actions.json_value("number", [d.min_value]) if d.min_value is not None else None,
        "max_value": actions.json_value("number", [d.max_value]) if d.max_value is not None else None,
        "public": d.public,
    }


def visible_definitions(request: ApiRequest) -> list[FieldDefinition]:
    """Every active field for staff; the public ones for a customer."""
    defs = actions.definitions()
    return defs if staff_of(request.auth) is not None else [d for d in defs if d.public]


def order_fields_out(request: ApiRequest, orders: list[Any]) -> dict[int, dict[str, Any]]:
    """custom_fields and tags of each order (one statement for a page); customers see public fields and
    no tags."""
    data = queries.fields_of_orders(orders, public_only=staff_of(request.auth) is None)
    if staff_of(request.auth) is None:
        for v in data.values():
            v["tags"] = []
    return {pk: {"custom_fields": v["custom_fields"], "tags": v["tags"]} for pk, v in data.items()}


@router.get("/fields", response={200: list[FieldDefinitionOut], **ERRORS}, summary="List the custom fields")
def list_fields(request: ApiRequest) -> list[dict[str, Any]]:
    """The active custom fields: staff see all of them, a customer the public ones."""
    return [_def_out(d) for d in visible_definitions(request)]


@router.get("/tags", response={200: list[TagOut], **ERRORS}, summary="Tag autocomplete")
def list_tags(request: ApiRequest, query: Query[TagQuery]) -> list[dict[str, Any]]:
    """Tags starting with ``q`` (normalised), the most used first. Staff only."""
    require_staff(request.auth)
    return actions.tag_suggestions(query.q, query.limit)


def _order_fields(request: ApiRequest, key: str) -> dict[str, Any]:
    o = access_workorder(request.auth, check_key(key))
    return order_fields_out(request, [o])[o.pk]


@router.get(
    "/orders/{key}/fields", response={200: OrderFieldsOut, **ERRORS}, summary="An order's fields and tags"
)
def get_order_fields(request: ApiRequest, key: str) -> dict[str, Any]:
    return _order_fields(request, key)


@router.patch(
    "/orders/{key}/fields",
    response={200: OrderFieldsOut, **WRITE_ERRORS},
    summary="Set an order's custom fields",
)
def set_order_fields(request: ApiRequest, key: str, payload: FieldsIn) -> dict[str, Any]:
    """Sets the keys named (customer fields on the order's customer); a value that does not fit its field
    is a 400 naming ``custom_fields.<key>``."""
    actions.do_set_field_values(request.auth, check_key(key), payload.custom_fields)
    return _order_fields(request, key)


@router.post(
    "/orders/{key}/tags", response={200: OrderFieldsOut, **WRITE_ERRORS}, summary="Add tags to an order"
)
def add_order_tags(request: ApiRequest, key: str, payload: TagsIn) -> dict[str, Any]:
    actions.do_add_tags(request.auth, check_key(key), payload.tags)
    return _order_fields(request, key)


@router.put(
    "/orders/{key}/tags", response={200: OrderFieldsOut, **WRITE_ERRORS}, summary="Replace an order's tags"
)
def set_order_tags(request: ApiRequest, key: str, payload: TagsIn) -> dict[str, Any]:
    actions.do_set_tags(request.auth, check_key(key), payload.tags)
    return _order_fields(request, key)


@router.delete(
    "/orders/{key}/tags/{name}",
    response={200: OrderFieldsOut, **WRITE_ERRORS},
    summary="Remove a tag from an order",
)
def remove_order_tag(request: ApiRequest, key: str, name: str) -> dict[str, Any]:
    actions.do_remove_tags(request.auth, check_key(key), [name[:100]])
    return _order_fields(request, key)


def _customer_fields(request: ApiRequest, customer_id: int) -> dict[str, Any]:
    c = access_customer(request.auth, customer_id)
    defs = [d for d in visible_definitions(request) if d.scope == "customer"]
    values = actions.values_of(customer_id=c.pk)
    return {"custom_fields": {d.key: actions.json_value(d.kind, values.get(d.key, [])) for d in defs}}


@router.get(
    "/customers/{customer_id}/fields",
    response={200: CustomerFieldsOut, **ERRORS},
    summary="A customer's custom fields",
)
def get_customer_fields(request: ApiRequest, customer_id: Id) -> dict[str, Any]:
    return _customer_fields(request, customer_id)


@router.patch(
    "/customers/{customer_id}/fields",
    response={200: CustomerFieldsOut, **WRITE_ERRORS},
    summary="Set a customer's custom fields",
)
def set_customer_fields(request: ApiRequest, customer_id: Id, payload: FieldsIn) -> dict[str, Any]:
    actions.do_set_customer_field_values(request.auth, customer_id, payload.custom_fields)
    return _customer_fields(request, customer_id)
