"""Phone calls in the console (R-7): the screen pop polled by every console page, the call screen with the
standard call steps, and the call-back list of missed calls."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.channels import health
from kefu.channels.cti import calls as cti
from kefu.channels.models import Call
from kefu.console.views_orders import OPEN
from kefu.customers import actions as customer_actions
from kefu.customers import lookup
from kefu.customers.access import visible_customers
from kefu.customers.models import Customer
from kefu.incidents.views import call_outages
from kefu.lib.errors import KefuError
from kefu.web.views import ConsoleRequest, staff_view
from kefu.workorders.access import visible_workorders

# Labels of customers.actions.CALL_STEPS (R-7: 问候, 寒暄/建立关系, 体察情绪, 引导, 核实记录, 礼貌结束).
STEP_LABELS = {
    "greet": gettext_lazy("Greet with the standard greeting"),
    "rapport": gettext_lazy("Build rapport"),
    "feeling": gettext_lazy("Sense the customer's feeling"),
    "guide": gettext_lazy("Guide the conversation to a solution"),
    "verify": gettext_lazy("Verify the record with the customer"),
    "close": gettext_lazy("Close politely"),
}


def _caller_customer(request: ConsoleRequest, call: Call) -> Customer | None:
    """The caller's customer as far as this agent may see it; an unknown caller created meanwhile
    (from the pop's "new customer") is found by the phone now."""
    customer_id = call.customer_id
    if customer_id is None:
        found = lookup.customer_for_phone(call.caller_normalized)
        customer_id = found.pk if found else None
    if customer_id is None:
        return None
    return visible_customers(request.user).select_related("branch").filter(pk=customer_id).first()


def _open_orders(request: ConsoleRequest, customer: Customer | None) -> list[Any]:
    if customer is None:
        return []
    return list(
        visible_workorders(request.user)
        .filter(customer_id=customer.pk, status__in=OPEN)
        .order_by("-created_at")[:5]
    )


@require_GET
@staff_view
def call_pop(request: ConsoleRequest) -> HttpResponse:
    """The pop-up bar of the call ringing (or answered) for this agent; empty when there is none."""
    call = cti.pending_pop(request.staff)
    customer = _caller_customer(request, call) if call is not None else None
    return render(
        request,
        "console/calls/_pop.html",
        {"call": call, "customer": customer, "open_orders": _open_orders(request, customer)},
    )


@require_http_methods(["GET", "POST"])
@staff_view
def call_detail(request: ConsoleRequest, pk: int) -> HttpResponse:
    """The call screen: the caller's archive, the standard steps as a checklist and a summary; saving
    logs the call as a contact of the customer."""
    call = get_object_or_404(Call.objects.select_related("staff"), pk=pk)
    customer = _caller_customer(request, call)
    # a call routed to someone else is open to those who may see its customer (a supervisor of the branch)
    if call.staff_id not in (None, request.staff.pk) and customer is None:
        raise Http404
    # an unassigned call of an unknown caller belongs to the branch of its line
    staff_branch = request.staff.branch_id
    foreign_line = None not in (staff_branch, call.branch_id) and call.branch_id != staff_branch
    if call.staff_id is None and customer is None and foreign_line:
        raise Http404
    checked = dict.fromkeys(customer_actions.CALL_STEPS, False)
    summary = ""
    error = ""
    status = 200
    if request.method == "POST":
        checked = {s: request.POST.get(f"step_{s}") == "on" for s in customer_actions.CALL_STEPS}
        summary = request.POST.get("summary", "")
        if customer is None:
            error = _("Create the customer first, then log the call.")
            status = 400
        else:
            try:
                customer_actions.do_log_call(
                    request.user, customer.pk, summary, call_id=call.call_id, steps=checked
                )
            except KefuError as exc:
                error = str(exc.message)
                status = 409 if exc.status == 409 else 400
            else:
                messages.success(request, _("Call logged."))
                return redirect("console:customer_detail", customer.pk)
    steps = [(s, STEP_LABELS[s], checked[s]) for s in customer_actions.CALL_STEPS]
    return render(
        request,
        "console/calls/detail.html",
        {
            "call": call,
            "customer": customer,
            "open_orders": _open_orders(request, customer),
            "outages": call_outages(customer, call.branch_id),  # "calling about the outage" (incidents)
            "steps": steps,
            "summary": summary,
            "error": error,
        },
        status=status,
    )


@require_GET
@staff_view
def callback_list(request: ConsoleRequest) -> HttpResponse:
    """Missed calls to return for the agent's branch: open ones first (earliest due), then the last done."""
    qs = cti.visible_callbacks(request.staff)
    return render(
        request,
        "console/calls/callbacks.html",
        {
            "open_tasks": list(qs.filter(done_at__isnull=True).order_by("due", "id")[:200]),
            "done_tasks": list(qs.filter(done_at__isnull=False).order_by("-done_at", "-id")[:20]),
        },
    )


@require_POST
@staff_view
def callback_done(request: ConsoleRequest, pk: int) -> HttpResponse:
    try:
        cti.do_callback_done(request.user, pk)
    except KefuError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Marked as called back."))
    return redirect("console:callbacks")


@require_http_methods(["GET"])
@staff_view
def channel_health(request: ConsoleRequest) -> HttpResponse:
    """Every channel's health: administrators see all branches and the outbox queues,
    a supervisor the endpoints of their branch; anyone else gets 404."""
    staff = request.staff
    if staff.can("admin"):
        data = health.overview()
    elif staff.role == "supervisor" and staff.branch_id is not None:
        data = health.overview(branch_id=staff.branch_id)
    else:
        raise Http404
    return render(request, "console/calls/health.html", data)
