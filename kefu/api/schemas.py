"""Request and response schemas of the API (documented in the OpenAPI at /api/v1/openapi.json)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from ninja import Field, Schema

from kefu.api.common import (
    BodyId,
    Bool,
    Date,
    DateTime,
    NonBlank,
    Str20k,
    Str40,
    Str60,
    Str100,
    Str100k,
    Str200,
    Str254,
    Str300,
    Str2000,
    Version,
    json_int,
    money,
)
from kefu.customers.models import Channel, CustomerKind, Relationship, TierChoices
from kefu.workorders.models import (
    CloseReasonChoices,
    OrderTypeChoices,
    Priority,
    SalePhase,
    ServicePlace,
    StatusChoices,
)

if TYPE_CHECKING:
    Money12 = Decimal
    Money14 = Decimal
else:
    Money12 = money(10, 2)
    Money14 = money(12, 2)


# ---------------------------------------------------------------------------------------------------
# references


class Ref(Schema):
    id: int
    name: str


class StaffRef(Schema):
    id: int
    name: str
    badge_no: str


class CustomerRef(Schema):
    id: int
    number: str
    name: str


# ---------------------------------------------------------------------------------------------------
# customers


class CustomerOut(Schema):
    id: int
    number: str
    name: str
    kind: str
    relationship: str
    phone: str
    phone_e164: str
    email: str
    address: str
    branch: Ref
    area: Ref | None
    customer_since: dt.date
    language: str = Field(description="The language messages to the customer are written in.")
    tier: str | None = Field(None, description="Value tier (staff only).")
    tier_computed: str | None = None
    tier_override: str | None = None
    tier_override_reason: str | None = None
    tier_score: int | None = None
    churn_risk: str | None = Field(None, description="Churn-risk indicator (staff only).")
    churn_reasons: list[str] | None = None
    merged_into_id: int | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class CustomerIn(Schema):
    model_config = {"json_schema_extra": {"examples": [{"name": "王小明", "phone": "13912345678"}]}}

    name: Annotated[Str2000, NonBlank]
    phone: Str40 = ""
    email: Str254 = ""
    address: Str300 = ""
    kind: CustomerKind = CustomerKind.PERSON
    relationship: Relationship = Relationship.INDIVIDUAL
    branch_id: BodyId | None = Field(None, description="Defaults to the caller's branch.")
    area_id: BodyId | None = Field(None, description="Derived from the address when omitted.")
    customer_since: Date | None = None
    language: Str40 = Field("", description="One of the LANGUAGES codes; defaults to the branch's language.")
    extra_phones: list[Str40] = Field(default_factory=list, max_length=20)
    allow_duplicate: Bool = Field(False, description="Create even if the phone/e-mail is already on file.")


class CustomerPatch(Schema):
    name: Str2000 | None = None
    phone: Str40 | None = None
    email: Str254 | None = None
    address: Str300 | None = None
    kind: CustomerKind | None = None
    relationship: Relationship | None = None
    branch_id: BodyId | None = None
    area_id: BodyId | None = None
    customer_since: Date | None = None
    language: Str40 | None = None
    allow_duplicate: Bool = False
    version: Version | None = Field(None, description="Alternative to the If-Match header.")


class NoteIn(Schema):
    body: Annotated[Str20k, NonBlank]


class CustomerNoteOut(Schema):
    id: int
    body: str
    author: StaffRef | None
    created_at: dt.datetime


class TierOverrideIn(Schema):
    tier: TierChoices | None = Field(None, description="Empty/null clears the override.")
    reason: Str300 = ""


class SubscriptionIn(Schema):
    product: Str200
    start_date: Date
    expiry_date: Date | None = None
    monthly_fee: Money12 = Decimal("0")


class ContractIn(Schema):
    number: Str60
    title: Str200
    signed_on: Date
    start_date: Date
    end_date: Date | None = None
    amount: Money14 = Decimal("0")


class PurchaseIn(Schema):
    product: Str200
    quantity: json_int(1, 1_000_000) = 1  # type: ignore[valid-type]
    unit_price: Money12
    purchased_on: Date


class PaymentIn(Schema):
    description: Str200 = ""
    amount: Money12
    due_date: Date
    paid_on: Date | None = None


class BadRecordIn(Schema):
    recorded_on: Date
    kind: Str100
    description: Str20k = ""


class PersonIn(Schema):
    name: Str100
    title: Str100 = ""
    phone: Str40 = ""
    email: Str254 = ""
    is_primary: Bool = False


RECORD_SCHEMAS: dict[str, type[Schema]] = {
    "subscription": SubscriptionIn,
    "contract": ContractIn,
    "purchase": PurchaseIn,
    "payment": PaymentIn,
    "bad_record": BadRecordIn,
    "person": PersonIn,
}


# What a customer record answers: its kind, the values as stored and the customer (tier and churn risk
# recomputed). One component per kind; ``CustomerRecordOut`` is their union, told apart by ``kind``.


class SubscriptionValues(Schema):
    product: str
    start_date: dt.date
    expiry_date: dt.date | None
    monthly_fee: Money12


class ContractValues(Schema):
    number: str
    title: str
    signed_on: dt.date
    start_date: dt.date
    end_date: dt.date | None
    amount: Money14


class PurchaseValues(Schema):
    product: str
    quantity: int
    unit_price: Money12
    purchased_on: dt.date


class PaymentValues(Schema):
    description: str
    amount: Money12
    due_date: dt.date
    paid_on: dt.date | None


class BadRecordValues(Schema):
    recorded_on: dt.date
    kind: str
    description: str


class PersonValues(Schema):
    name: str
    title: str
    phone: str
    email: str
    is_primary: bool


class SubscriptionRecordOut(Schema):
    id: int
    kind: Literal["subscription"]
    values: SubscriptionValues
    customer: CustomerOut


class ContractRecordOut(Schema):
    id: int
    kind: Literal["contract"]
    values: ContractValues
    customer: CustomerOut


class PurchaseRecordOut(Schema):
    id: int
    kind: Literal["purchase"]
    values: PurchaseValues
    customer: CustomerOut


class PaymentRecordOut(Schema):
    id: int
    kind: Literal["payment"]
    values: PaymentValues
    customer: CustomerOut


class BadRecordRecordOut(Schema):
    id: int
    kind: Literal["bad_record"]
    values: BadRecordValues
    customer: CustomerOut


class PersonRecordOut(Schema):
    id: int
    kind: Literal["person"]
    values: PersonValues
    customer: CustomerOut


CustomerRecordOut = Annotated[
    SubscriptionRecordOut
    | ContractRecordOut
    | PurchaseRecordOut
    | PaymentRecordOut
    | BadRecordRecordOut
    | PersonRecordOut,
    Field(discriminator="kind"),
]


# ---------------------------------------------------------------------------------------------------
# work orders


class OrderOut(Schema):
    id: int
    number: str
    order_type: str
    status: str
    priority: str
    channel: str
    title: str
    description: str | None = Field(None, description="Only on single-order responses.")
    customer: CustomerRef
    branch: Ref
    area: Ref | None
    area_kind: str = Field(description="urban or rural: from the customer's area unless overridden.")
    area_kind_reason: str = Field(description="The reason of an urban/rural override (empty: from the area).")
    service_id: int | None
    owner: StaffRef = Field(description="First-contact owner (首问责任人); stays when work is transferred.")
    assignee: StaffRef | None
    department: Ref | None
    escalated: bool
    to_president: bool
    merged_into: str | None = Field(description="Number of the surviving order if merged.")
    close_reason: str
    resolution: str
    received_at: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime
    due_at: dt.datetime | None
    due_provisional: bool = Field(
        description="The due time is provisional: the calendar lacks a year's holidays (weekends only)."
    )
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    overdue: bool
    version: int
    custom_fields: dict[str, str | list[str] | None] | None = Field(
        None,
        description=(
            "Custom-field values by key (GET /fields: each key's kind; numbers as decimal strings, dates "
            "YYYY-MM-DD, multi_choice a list). On GET responses (list and single order); null on write "
            "responses: read GET /orders/{key}/fields."
        ),
    )
    tags: list[str] | None = Field(None, description="The order's tags (staff only); like custom_fields.")


class OrderIn(Schema):
    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "customer_id": 1,
                    "order_type": "inquiry",
                    "title": "燃气费账单疑问",
                    "description": "客户询问本月燃气费为何比上月高。",
                }
            ]
        }
    }

    customer_id: BodyId
    order_type: OrderTypeChoices
    title: Annotated[Str2000, NonBlank]
    description: Annotated[Str100k, NonBlank]
    channel: Channel = Channel.API
    service_id: BodyId | None = None
    area_id: BodyId | None = None
    priority: Priority | None = None
    co_receiver_ids: list[BodyId] = Field(
        default_factory=list, max_length=20, description="Staff who received the request together."
    )
    assignee_id: BodyId | None = None
    department_id: BodyId | None = None
    outlet_id: BodyId | None = Field(
        None, description="Counter and phone orders: the outlet (or the outlet's line) that received it."
    )
    received_at: DateTime | None = None
    sale_phase: SalePhase | None = None
    technical: Bool | None = None
    place: ServicePlace | None = None
    paid: Bool | None = None
    recurring: Bool | None = None
    to_president: Bool = False
    area_kind: Literal["urban", "rural", ""] = Field(
        "", description="urban or rural; empty: from the customer's area. A different kind needs a reason."
    )
    area_kind_reason: Str2000 = ""


class OrderPatch(Schema):
    title: Str2000 | None = None
    description: Str100k | None = None
    priority: Priority | None = None
    order_type: OrderTypeChoices | None = None
    area_id: BodyId | None = None
    service_id: BodyId | None = None
    sale_phase: SalePhase | None = None
    technical: Bool | None = None
    place: ServicePlace | None = None
    paid: Bool | None = None
    recurring: Bool | None = None
    area_kind: Literal["urban", "rural"] | None = None
    area_kind_reason: Str2000 | None = None
    version: Version | None = Field(None, description="Alternative to the If-Match header.")


class TransitionIn(Schema):
    status: StatusChoices
    reason: Str20k = ""
    resolution: Str20k = ""
    close_reason: CloseReasonChoices | None = None
    version: Version | None = None


class ReplyIn(Schema):
    body: Str20k = Field("", description="The reply; for a call-back, the note of what was said.")
    channel: Str40 | None = Field(
        None,
        description=(
            "How the reply reaches the customer: sms, email, portal, or callback (a call-back is logged, "
            "nothing is written to the customer); wecom replies go through POST /orders/{key}/chat-replies. "
            "Omitted: the order's own channel when the customer is reachable on it; a phone or counter order "
            "has none (400 channel_required)."
        ),
    )
    callback_outcome: Str40 = Field(
        "", description="With channel callback: reached, no_answer, busy, voicemail or wrong_number."
    )
    version: Version | None = None
    override_reason: Str2000 | None = Field(
        None, description="Why the reply goes out although it contains a forbidden phrase (recorded)."
    )


class TransferIn(Schema):
    to_staff_id: BodyId | None = None
    to_department_id: BodyId | None = None
    reason: Annotated[Str20k, NonBlank]
    note: Str2000 = Field(
        "",
        description="Note to the unit that sent the order back (退单); required (400 note_required) when the "
        "transfer routes it to that unit again.",
    )
    version: Version | None = None


class EscalateIn(Schema):
    reason: Annotated[Str20k, NonBlank]
    to_president: Bool = False


class LinkIn(Schema):
    other: Str40 = Field(description="BodyId or number of the other order.")


class MergeIn(Schema):
    survivor: Str40 = Field(description="BodyId or number of the order that survives.")
    reason: Str20k = ""
    confirm_different_customer: Bool = Field(
        False,
        description="Required (true) when the orders are two customers' reports of the same event: the "
        "duplicate stays its customer's and gets the replies and resolution given on the survivor. Without "
        "it: 400 different_customer (field confirm_different_customer).",
    )


class TimelineEntryOut(Schema):
    id: int
    kind: str
    body: str
    public: bool
    author: str | None
    author_staff_id: int | None = None
    data: dict[str, Any] | None = Field(None, description="Structured details (staff only).")
    created_at: dt.datetime
    order_version: int | None = Field(None, description="The order's version after a write.")
    message: str | None = Field(
        None,
        description="After a reply: what happened to it (queued for SMS to …, visible in the portal, …).",
    )


class TransferOut(Schema):
    id: int
    to_staff: StaffRef | None
    to_department: Ref | None
    reason: str
    created_at: dt.datetime
    order: OrderOut


class EscalationOut(Schema):
    id: int
    leader: StaffRef
    reason: str
    to_president: bool
    created_at: dt.datetime
    order: OrderOut


class LinkOut(Schema):
    id: int
    source: str
    target: str
    kind: str


class MergeOut(Schema):
    duplicate: OrderOut
    survivor: OrderOut


class AllowedTransitionOut(Schema):
    status: str
    label: str
    action: str
    allowed: bool = Field(description="Whether the caller's role may make this change.")
    needs: list[str] = Field(description="Inputs the change requires (reason, resolution, close_reason).")
