"""The hotline desk (docs/hotline.md): a hotline agent searches customers of every branch, takes one on
the line (a session: the customer, their orders and the new-order form open for the agent), and ends it
when the caller hangs up."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.customers.models import Customer
from kefu.customers.queries import hotline_search
from kefu.hotline import actions as hotline
from kefu.lib.errors import KefuError, NotFound
from kefu.organization.rules import HOTLINE_AGENT
from kefu.web.views import ConsoleRequest, staff_view


@require_GET
@staff_view(HOTLINE_AGENT)
def desk(request: ConsoleRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    hits: list[Customer] = []
    error = ""
    status = 200
    if q:
        try:
            hits = hotline_search(request.user, q)
        except KefuError as exc:
            error, status = str(exc.message), 400
    current_id = hotline.current_customer_id(request.staff)
    current = Customer.objects.select_related("branch").filter(pk=current_id).first() if current_id else None
    return render(
        request,
        "console/hotline/desk.html",
        {"q": q, "hits": hits, "error": error, "current": current},
        status=status,
    )


@require_POST
@staff_view(HOTLINE_AGENT)
def take(request: ConsoleRequest, pk: int) -> HttpResponse:
    """Take the customer on the line, then open their page."""
    customer = Customer.objects.filter(pk=pk, merged_into__isnull=True).first()
    if customer is None:
        raise NotFound("not_found", _("Customer not found."), "customer")
    hotline.do_open_session(request.user, customer)
    return redirect("console:customer_detail", customer.pk)


@require_POST
@staff_view(HOTLINE_AGENT)
def end(request: ConsoleRequest) -> HttpResponse:
    if hotline.do_end_session(request.user):
        messages.success(request, _("The call has ended: the customer is no longer on your line."))
    return redirect("console:hotline")
