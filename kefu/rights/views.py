"""Console: a customer's personal information requests at the counter (register, hand over the copy,
record marketing consent). Included in kefu.console.urls under /privacy/ (names in the console namespace)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.customers.access import access_customer, visible_customers
from kefu.lib.errors import KefuError
from kefu.rights import actions, downloads
from kefu.rights.erasure import ERASURE_TABLE
from kefu.rights.forms import RequestForm
from kefu.rights.models import RightsRequest
from kefu.web.forms import add_kefu_error
from kefu.web.views import ConsoleRequest, staff_view


def _page(
    request: ConsoleRequest, pk: int, form: RequestForm | None = None, status: int = 200
) -> HttpResponseBase:
    c = access_customer(request.user, pk)
    return render(
        request,
        "rights/customer.html",
        {
            "c": c,
            "form": form or RequestForm(),
            "requests": actions.requests_of(c),
            "regime": actions.regime_of(c.branch),
            "table": ERASURE_TABLE,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_view("customer.edit")
def customer_rights(request: ConsoleRequest, pk: int) -> HttpResponseBase:
    if request.method != "POST":
        return _page(request, pk)
    form = RequestForm(request.POST)
    if form.is_valid():
        try:
            r = actions.do_counter_request(
                request.user, pk, form.cleaned_data["kind"], form.cleaned_data["details"]
            )
        except KefuError as exc:
            add_kefu_error(form, exc)
        else:
            messages.success(
                request,
                _("Request registered as work order %(number)s.") % {"number": r.workorder.number},
            )
            return redirect("console:customer_rights", pk=pk)
    return _page(request, pk, form, status=400)


@require_POST
@staff_view("customer.edit")
def customer_consent(request: ConsoleRequest, pk: int) -> HttpResponseBase:
    consent = request.POST.get("consent") == "1"
    try:
        actions.do_set_marketing_consent(request.user, pk, consent)
    except KefuError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Consent to marketing recorded.")
            if consent
            else _("Withdrawal of marketing consent recorded."),
        )
    return redirect("console:customer_rights", pk=pk)


@require_GET
@staff_view("customer.edit")
def copy_download(request: ConsoleRequest, pk: int, fmt: str) -> HttpResponseBase:
    visible: Any = RightsRequest.objects.filter(customer__in=visible_customers(request.user)).values("pk")
    r = downloads.copy_request(visible, pk)
    return downloads.copy_response(request, request.user, r, fmt)
