"""Phone calls in the console: the screen pop polled by every console page (R-7)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kefu.channels import cti
from kefu.console.views_orders import ConsoleRequest, staff_view
from kefu.customers.access import visible_customers
from kefu.workorders.access import visible_workorders
from kefu.workorders.rules import OPEN_STATUSES


@require_GET
@staff_view
def call_pop(request: ConsoleRequest) -> HttpResponse:
    """The pop-up bar of the call ringing (or answered) for this agent; empty when there is none."""
    call = cti.pending_pop(request.staff)
    customer = None
    open_orders: list[object] = []
    if call is not None and call.customer_id is not None:
        customer = visible_customers(request.user).filter(pk=call.customer_id).first()
        if customer is not None:
            open_orders = list(
                visible_workorders(request.user)
                .filter(customer_id=customer.pk, status__in=[str(s) for s in OPEN_STATUSES])
                .order_by("-created_at")[:5]
            )
    return render(
        request,
        "console/calls/_pop.html",
        {"call": call, "customer": customer, "open_orders": open_orders},
    )
