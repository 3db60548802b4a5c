"""Console: time limits of an order — unreachable report (R-14), extension requests and decisions (R-15).

Thin views: one call each to ``kefu.commitments.clocks``; errors come back as messages on the order page.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.commitments import clocks, unreachable
from kefu.commitments.models import OrderClock
from kefu.lib.errors import KefuError
from kefu.web import inbox
from kefu.web.views import ConsoleRequest, staff_view
from kefu.workorders.access import access_workorder


def _back(request: ConsoleRequest, number: str, to_list: bool = False) -> HttpResponse:
    if to_list:  # the inbox, with its filters (the form's ``next``)
        url = inbox.back_url(request, reverse("console:extensions"))
    else:
        url = reverse("console:order_detail", kwargs={"key": number}) + "#clocks-section"
    if request.htmx:
        resp = HttpResponse(status=204)
        resp["HX-Redirect"] = url
        return resp
    return redirect(url)


def _clock_id(request: ConsoleRequest, key: str, clock_id: int) -> tuple[str, int]:
    """The order's number, and the clock id if the clock is one of this order's (404 otherwise)."""
    order = access_workorder(request.user, key)
    if not OrderClock.objects.filter(pk=clock_id, workorder=order).exists():
        raise Http404
    return order.number, clock_id


@require_POST
@staff_view
def clock_unreachable(request: ConsoleRequest, key: str, clock_id: int) -> HttpResponse:
    number, _cid = _clock_id(request, key, clock_id)
    try:
        c = clocks.do_report_unreachable(request.user, clock_id, request.POST.get("text", ""))
    except KefuError as exc:
        messages.error(request, str(exc.message))
    else:
        if c.status == "breached":
            messages.warning(
                request, _("Report filed, but after the deadline: the time limit stays overdue.")
            )
        else:
            messages.success(
                request, _("Report filed; the leader decides. Until then the time limit runs on.")
            )
    return _back(request, number)


@require_POST
@staff_view
def unreachable_decide(request: ConsoleRequest, key: str, clock_id: int) -> HttpResponse:
    number, _cid = _clock_id(request, key, clock_id)
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Choose whether to approve or reject the report."))
        return _back(request, number)
    try:
        unreachable.do_decide_unreachable(
            request.user, clock_id, decision == "approve", request.POST.get("note", "")
        )
    except KefuError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Report approved.") if decision == "approve" else _("Report rejected."))
    return _back(request, number)


@require_POST
@staff_view
def contact_attempt(request: ConsoleRequest, key: str) -> HttpResponse:
    order = access_workorder(request.user, key)
    at = None
    raw = (request.POST.get("at") or "").strip()
    if raw:
        try:
            at = timezone.make_aware(dt.datetime.fromisoformat(raw))
        except ValueError:
            messages.error(request, _("Enter the time as YYYY-MM-DD HH:MM."))
            return _back(request, order.number)
    try:
        unreachable.do_record_attempt(
            request.user, order.pk, request.POST.get("method", ""), request.POST.get("note", ""), at=at
        )
    except KefuError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Contact attempt recorded."))
    return _back(request, order.number)


@require_POST
@staff_view
def clock_extension(request: ConsoleRequest, key: str, clock_id: int) -> HttpResponse:
    number, _cid = _clock_id(request, key, clock_id)
    try:
        clocks.do_request_extension(
            request.user, clock_id, request.POST.get("amount", ""), request.POST.get("reason", "")
        )
    except KefuError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Extension requested; a leader decides."))
    return _back(request, number)


@require_POST
@staff_view
def extension_decide(request: ConsoleRequest, pk: int) -> HttpResponse:
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):  # a missing decision is not a rejection
        messages.error(request, _("Choose whether to approve or reject the request."))
        return _back(request, "", to_list=True)
    approve = decision == "approve"
    number = ""
    try:
        req = clocks.do_decide_extension(request.user, pk, approve, request.POST.get("note", ""))
        number = req.clock.workorder.number
    except KefuError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Extension approved.") if approve else _("Extension rejected."))
    to_list = request.POST.get("back") == "list" or not number
    return _back(request, number, to_list=to_list)
