"""The customer's rights on the portal (PIPL Art. 44-47, GDPR Art. 15-21): "My data" — a copy of the data
(JSON, CSV, a printable page), a correction request, withdrawal of marketing consent and erasure, each a
tracked request with its due date. Changes only through ``kefu.rights.actions``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from kefu.lib.errors import KefuError
from kefu.portal.views import CustomerRequest, portal_view
from kefu.rights import actions, downloads
from kefu.rights.forms import RequestForm
from kefu.rights.models import RightsRequest
from kefu.web.forms import add_kefu_error

DONE = {
    "copy": _("Your copy is ready below. The request is %(number)s."),
    "correction": _("Thank you. We will correct your data; the request is %(number)s."),
    "consent_withdrawal": _("You will receive no more marketing messages. The request is %(number)s."),
    "erasure": _("Your erasure request is %(number)s. We will tell you when it is done."),
}


def _render(request: CustomerRequest, form: RequestForm | None = None, status: int = 200) -> HttpResponse:
    c = request.customer
    context: dict[str, Any] = {
        "customer": c,
        "form": form or RequestForm(),
        "requests": actions.requests_of(c),
        "regime": actions.regime_of(c.branch),
    }
    return render(request, "portal/my_data.html", context, status=status)


@require_http_methods(["GET", "POST"])
@portal_view
def my_data(request: CustomerRequest) -> HttpResponse:
    if request.method != "POST":
        return _render(request)
    form = RequestForm(request.POST)
    if form.is_valid():
        try:
            r = actions.do_portal_request(
                request.user, form.cleaned_data["kind"], form.cleaned_data["details"]
            )
        except KefuError as exc:
            add_kefu_error(form, exc)
        else:
            messages.success(request, str(DONE[r.kind]) % {"number": r.workorder.number})
            return redirect("portal:my_data")
    return _render(request, form, status=400)


@require_GET
@portal_view
def copy_download(request: CustomerRequest, pk: int, fmt: str) -> HttpResponseBase:
    mine: Any = RightsRequest.objects.filter(customer=request.customer).values("pk")
    r = downloads.copy_request(mine, pk)
    return downloads.copy_response(request, request.user, r, fmt)
