"""Rows → response dicts. Callers fetch orders with :func:`order_rows` and customers with the
``CUSTOMER_RELATED`` select_related list (no N+1)."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpResponse

from kefu.api.renderer import dumps
from kefu.customers.models import Customer, CustomerNote
from kefu.lib import clock, masking
from kefu.organization.models import Staff
from kefu.workorders import rules as wo_rules
from kefu.workorders.models import TimelineEntry, WorkOrder

CUSTOMER_RELATED = ("branch", "area")
# An order's customer and staff are joined; the small organisation tables are fetched by one query each
# (prefetch) and the merged-into number by a subquery: every extra join of workorders_workorder — 22 indexes
# — costs the planner several milliseconds (a page of 50 search results: planning 28 ms with 7 joins, 3.5 ms
# with 3; a load by primary key 7.4 → 2.9 ms, at 1,000,000 orders).
ORDER_RELATED = ("customer", "owner", "assignee")
ORDER_PREFETCH = ("branch", "area", "department")


def order_rows(qs: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    """``qs`` with what :func:`order_out` reads, in a fixed number of queries."""
    merged = WorkOrder.objects.filter(pk=OuterRef("merged_into_id")).values("number")[:1]
    return (
        qs.select_related(*ORDER_RELATED)
        .prefetch_related(*ORDER_PREFETCH)
        .annotate(merged_into_number=Subquery(merged))
    )


def ref(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": obj.name}


def staff_ref(s: Staff | None) -> dict[str, Any] | None:
    return None if s is None else {"id": s.pk, "name": s.name, "badge_no": s.badge_no}


def customer_out(c: Customer, *, staff_view: bool, unmasked: bool = False) -> dict[str, Any]:
    """A customer as the API shows it. Staff without ``personal.unmasked`` (``unmasked`` False) get the
    phone, e-mail and address masked (kefu.lib.masking, docs/privacy.md); the customer reading their own
    record (``staff_view`` False) gets them in full."""
    full = unmasked or not staff_view
    out: dict[str, Any] = {
        "id": c.pk,
        "number": c.number,
        "name": c.name,
        "kind": c.kind,
        "relationship": c.relationship,
        "phone": masking.shown(masking.PHONE, c.phone, unmasked=full),
        "phone_e164": masking.shown(masking.PHONE, c.phone_e164, unmasked=full),
        "email": masking.shown(masking.EMAIL, c.email, unmasked=full),
        "address": masking.shown(masking.ADDRESS, c.address, unmasked=full),
        "branch": ref(c.branch),
        "area": ref(c.area),
        "customer_since": c.customer_since,
        "language": c.language_code,
        "merged_into_id": c.merged_into_id,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "version": c.version,
    }
    if staff_view:  # the archive's judgement of the customer is for staff only
        out.update(
            tier=c.tier,
            tier_computed=c.tier_computed,
            tier_override=c.tier_override,
            tier_override_reason=c.tier_override_reason,
            tier_score=c.tier_score,
            churn_risk=c.churn_risk,
            churn_reasons=list(c.churn_reasons or []),
        )
    return out


def order_out(o: WorkOrder, *, detail: bool = False) -> dict[str, Any]:
    now = clock.now()
    return {
        "id": o.pk,
        "number": o.number,
        "order_type": o.order_type,
        "status": o.status,
        "priority": o.priority,
        "channel": o.channel,
        "title": o.title,
        "description": o.description if detail else None,
        "customer": {"id": o.customer.pk, "number": o.customer.number, "name": o.customer.name},
        "branch": ref(o.branch),
        "area": ref(o.area),
        "area_kind": o.area_kind,
        "area_kind_reason": o.area_kind_reason,
        "service_id": o.service_id,
        "owner": staff_ref(o.owner),
        "assignee": staff_ref(o.assignee),
        "department": ref(o.department),
        "escalated": o.escalated,
        "to_president": o.to_president,
        "merged_into": (
            o.merged_into_number
            if hasattr(o, "merged_into_number")
            else (o.merged_into.number if o.merged_into is not None else None)
        ),
        "close_reason": o.close_reason,
        "resolution": o.resolution,
        "received_at": o.received_at,
        "created_at": o.created_at,
        "updated_at": o.updated_at,
        "due_at": o.due_at,
        "due_provisional": o.due_provisional,
        "first_response_at": o.first_response_at,
        "resolved_at": o.resolved_at,
        "closed_at": o.closed_at,
        "overdue": bool(o.due_at and o.due_at < now and wo_rules.is_open(o.status)),
        "version": o.version,
    }


def entry_out(e: TimelineEntry, *, staff_view: bool, order_version: int | None = None) -> dict[str, Any]:
    author = None
    if e.author_staff is not None:
        author = e.author_staff.name
    elif e.author_customer is not None:
        author = e.author_customer.name
    return {
        "id": e.pk,
        "kind": e.kind,
        "body": e.body,
        "public": e.public,
        "author": author,
        "author_staff_id": e.author_staff_id if staff_view else None,
        "data": e.data if staff_view else None,
        "created_at": e.created_at,
        "order_version": order_version,
    }


def note_out(n: CustomerNote) -> dict[str, Any]:
    return {"id": n.pk, "body": n.body, "author": staff_ref(n.author), "created_at": n.created_at}


# the fields of OrderOut that order_out leaves to GET responses (null on write responses)
WRITE_ONLY_NULLS = {"custom_fields": None, "tags": None}


def written(response: HttpResponse, status: int, data: dict[str, Any]) -> HttpResponse:
    """The answer of a hot write (create, reply) rendered straight from ``data``, without ninja's second
    pass of validating it into the response schema and dumping it again: ``data`` is built by this module
    in the schema's shape (``kefu/api/tests/test_write_answers.py`` checks that validating it through the
    schema changes nothing). ``response`` is the view's temporal response (its headers are kept)."""
    response.status_code = status
    response.content = dumps(data)
    return response
