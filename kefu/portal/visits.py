"""The customer's visit page on the portal (R-38): their own orders only (``portal_view`` + the order
access of ``kefu.workorders.access``); the page itself is ``kefu.fieldservice.views_booking.customer_page``,
shared with the signed link of the confirmation and reminder messages."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from kefu.fieldservice import booking
from kefu.fieldservice.views_booking import customer_page
from kefu.portal.views import CustomerRequest, portal_view
from kefu.workorders.access import access_workorder


@require_http_methods(["GET", "POST"])
@portal_view
def visit(request: CustomerRequest, number: str) -> HttpResponse:
    order = access_workorder(request.user, number, related=("customer", "branch"))
    page = reverse("portal:visit", args=[order.number])
    return customer_page(
        request, booking.portal_who(request.user), order, base="portal/_base.html", page_url=page
    )
