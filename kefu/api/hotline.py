"""/api/v1/hotline/...: the company-wide hotline (docs/hotline.md) — search the customers of every branch,
take one on the line, end the call. For hotline agents (capability ``hotline.agent``)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from kefu.api.common import ERRORS, WRITE_ERRORS, ApiRequest
from kefu.customers.models import Customer
from kefu.customers.queries import hotline_search
from kefu.hotline import actions as hotline
from kefu.lib import masking
from kefu.lib.errors import NotFound
from kefu.organization.access import require_staff
from kefu.organization.rules import HOTLINE_AGENT
from kefu.privacy import rules as privacy_rules

router = Router(tags=["hotline"])


class HotlineQuery(Schema):
    q: str = Field(
        min_length=2,
        max_length=200,
        description="Phone (any format, any of the customer's numbers), customer number, name, address or "
        "e-mail; at least 2 characters.",
    )


class HotlineHitOut(Schema):
    id: int
    number: str
    name: str
    branch_id: int
    branch: str
    phone: str = Field(description="Masked unless the caller holds personal.unmasked.")
    address: str = Field(description="Masked unless the caller holds personal.unmasked.")


class HotlineSearchOut(Schema):
    items: list[HotlineHitOut]


class SessionIn(Schema):
    customer_id: int = Field(ge=1, le=2**63 - 1)


class SessionOut(Schema):
    customer_id: int
    branch_id: int
    opened_at: dt.datetime
    expires_at: dt.datetime


class EndOut(Schema):
    ended: list[int] = Field(description="The customers that left the agent's line.")


@router.get(
    "/hotline/customers",
    response={200: HotlineSearchOut, **ERRORS},
    summary="Search the customers of every branch (hotline agents)",
)
def search(request: ApiRequest, query: Query[HotlineQuery]) -> Status:
    """At most 20 customers, newest first; phone and address masked by need. Opening one is
    ``POST /hotline/sessions``."""
    hits = hotline_search(request.auth, query.q)
    staff = require_staff(request.auth, HOTLINE_AGENT)
    unmasked = staff.can(privacy_rules.UNMASKED)
    return Status(
        200,
        {
            "items": [
                {
                    "id": c.pk,
                    "number": c.number,
                    "name": c.name,
                    "branch_id": c.branch_id,
                    "branch": c.branch.name,
                    "phone": masking.shown(masking.PHONE, c.phone, unmasked=unmasked),
                    "address": masking.shown(masking.ADDRESS, c.address, unmasked=unmasked),
                }
                for c in hits
            ]
        },
    )


@router.post(
    "/hotline/sessions",
    response={201: SessionOut, **WRITE_ERRORS},
    summary="Take a customer on the line (hotline agents)",
)
def open_session(request: ApiRequest, payload: SessionIn) -> Status:
    """The customer (any branch) and their orders are open to the agent for the session
    (``KEFU_HOTLINE_SESSION_MINUTES``, 30) or until ``POST /hotline/sessions/end``; the agent's previous
    customer leaves the line."""
    require_staff(request.auth, HOTLINE_AGENT)
    customer = Customer.objects.filter(pk=payload.customer_id, merged_into__isnull=True).first()
    if customer is None:
        raise NotFound("not_found", _("Customer not found."), "customer_id")
    s = hotline.do_open_session(request.auth, customer)
    return Status(
        201,
        {
            "customer_id": customer.pk,
            "branch_id": customer.branch_id,
            "opened_at": s.opened_at,
            "expires_at": s.expires_at,
        },
    )


@router.post(
    "/hotline/sessions/end",
    response={200: EndOut, **WRITE_ERRORS},
    summary="End the call: the customer leaves the agent's line",
)
def end_session(request: ApiRequest) -> Status:
    return Status(200, {"ended": hotline.do_end_session(request.auth)})
