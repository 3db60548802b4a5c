"""Request and response schemas of the API (documented in the OpenAPI at /api/v1/openapi.json)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from kefu.api.common import (
    Id,
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

Money12 = Annotated[Decimal, Field(max_digits=12, decimal_places=2)]
Money14 = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]


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
    name: Str2000
    phone: Str40 = ""
    email: Str254 = ""
    address: Str300 = ""
    kind: CustomerKind = CustomerKind.PERSON
    relationship: Relationship = Relationship.INDIVIDUAL
    branch_id: Id | None = Field(None, description="Defaults to the caller's branch.")
    area_id: Id | None = Field(None, description="Derived from the address when omitted.")
    customer_since: dt.date | None = None
    language: Str40 = Field("", description="One of the LANGUAGES codes; defaults to the branch's language.")
    extra_phones: list[Str40] = Field(default_factory=list, max_length=20)
    allow_duplicate: bool = Field(False, description="Create even if the phone/e-mail is already on file.")


class CustomerPatch(Schema):
    name: Str2000 | None = None
    phone: Str40 | None = None
    email: Str254 | None = None
    address: Str300 | None = None
    kind: CustomerKind | None = None
    relationship: Relationship | None = None
    branch_id: Id | None = None
    area_id: Id | None = None
    customer_since: dt.date | None = None
    language: Str40 | None = None
    allow_duplicate: bool = False
    version: Version | None = Field(None, description="Alternative to the If-Match header.")


class NoteIn(Schema):
    body: Str20k


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
    start_date: dt.date
    expiry_date: dt.date | None = None
    monthly_fee: Money12 = Decimal("0")


class ContractIn(Schema):
    number: Str60
    title: Str200
    signed_on: dt.date
    start_date: dt.date
    end_date: dt.date | None = None
    amount: Money14 = Decimal("0")


class PurchaseIn(Schema):
    product: Str200
    quantity: int = Field(1, ge=1, le=1_000_000)
    unit_price: Money12
    purchased_on: dt.date


class PaymentIn(Schema):
    description: Str200 = ""
    amount: Money12
    due_date: dt.date
    paid_on: dt.date | None = None


class BadRecordIn(Schema):
    recorded_on: dt.date
    kind: Str100
    description: Str20k = ""


class PersonIn(Schema):
    name: Str100
    title: Str100 = ""
    phone: Str40 = ""
    email: Str254 = ""
    is_primary: bool = False


RECORD_SCHEMAS: dict[str, type[Schema]] = {
    "subscription": SubscriptionIn,
    "contract": ContractIn,
    "purchase": PurchaseIn,
    "payment": PaymentIn,
    "bad_record": BadRecordIn,
    "person": PersonIn,
}


class RecordOut(Schema):
    id: int
    kind: str
    values: dict[str, Any]
    customer: CustomerOut


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


class OrderIn(Schema):
    customer_id: Id
    order_type: OrderTypeChoices
    title: Str2000
    description: Str100k
    channel: Channel = Channel.API
    service_id: Id | None = None
    area_id: Id | None = None
    priority: Priority | None = None
    co_receiver_ids: list[Id] = Field(
        default_factory=list, max_length=20, description="Staff who received the request together."
    )
    assignee_id: Id | None = None
    department_id: Id | None = None
    outlet_id: Id | None = Field(
        None, description="Counter and phone orders: the outlet (or the outlet's line) that received it."
    )
    received_at: dt.datetime | None = None
    sale_phase: SalePhase | None = None
    technical: bool | None = None
    place: ServicePlace | None = None
    paid: bool | None = None
    recurring: bool | None = None
    to_president: bool = False
    area_kind: Literal["urban", "rural", ""] = Field(
        "", description="urban or rural; empty: from the customer's area. A different kind needs a reason."
    )
    area_kind_reason: Str2000 = ""


class OrderPatch(Schema):
    title: Str2000 | None = None
    description: Str100k | None = None
    priority: Priority | None = None
    order_type: OrderTypeChoices | None = None
    area_id: Id | None = None
    service_id: Id | None = None
    sale_phase: SalePhase | None = None
    technical: bool | None = None
    place: ServicePlace | None = None
    paid: bool | None = None
    recurring: bool | None = None
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
    to_staff_id: Id | None = None
    to_department_id: Id | None = None
    reason: Str20k
    version: Version | None = None


class EscalateIn(Schema):
    reason: Str20k
    to_president: bool = False


class LinkIn(Schema):
    other: Str40 = Field(description="Id or number of the other order.")


class MergeIn(Schema):
    survivor: Str40 = Field(description="Id or number of the order that survives.")
    reason: Str20k = ""


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
