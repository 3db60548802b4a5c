"""The queue's bulk actions (docs/macros.md): the bulk bar, loaded when the agent opens it (the queue page
itself reads nothing for it), and the action on the selected orders, each through ``kefu.macros.bulk``
— one order at a time through the same rules as on its own page, the refusals listed per order."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from kefu.lib.errors import KefuError
from kefu.macros import actions as macro_actions
from kefu.macros import bulk
from kefu.macros import rules as macro_rules
from kefu.organization.models import Department, Staff
from kefu.web.views import ConsoleRequest, staff_view
from kefu.workorders.models import CloseReasonChoices, Priority, StatusChoices


@require_GET
@staff_view("order.work")
def bulk_form(request: ConsoleRequest) -> HttpResponse:
    staff = request.staff
    people = Staff.objects.filter(is_active=True).order_by("badge_no")
    groups = Department.objects.select_related("branch").order_by("branch__code", "name")
    if staff.branch_id is not None and not staff.sees_all_branches:
        people = people.filter(branch_id=staff.branch_id)
        groups = groups.filter(branch_id=staff.branch_id)
    return render(
        request,
        "console/orders/_bulk_form.html",
        {
            "kinds": [(k.value, bulk.LABELS[k]) for k in bulk.available_kinds()],
            "people": list(people),
            "groups": list(groups),
            "priorities": Priority.choices,
            "statuses": StatusChoices.choices,
            "close_reasons": CloseReasonChoices.choices,
            "macros": list(macro_actions.visible_macros(staff)),
            "max_orders": macro_rules.MAX_ORDERS,
        },
    )


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 19 else None


@require_POST
@staff_view("order.work")
def bulk_apply(request: ConsoleRequest) -> HttpResponse:
    p = request.POST
    action = bulk.BulkAction(
        kind=p.get("action", ""),
        to_staff_id=_int(p.get("to_staff", "")),
        to_department_id=_int(p.get("to_department", "")),
        reason=p.get("reason", ""),
        priority=p.get("priority", ""),
        status=p.get("status", ""),
        resolution=p.get("resolution", ""),
        close_reason=p.get("close_reason", ""),
        tag=p.get("tag", ""),
        macro_id=_int(p.get("macro", "")),
        override_reason=p.get("override_reason", ""),
        survivor=p.get("survivor", "")[:40],
    )
    keys = [k for k in p.getlist("orders") if k.strip()]
    try:
        result = bulk.do_bulk(request.user, keys, action)
    except KefuError as exc:
        return render(request, "console/orders/_bulk_result.html", {"error": exc.message}, status=400)
    # the queue list refreshes itself once the ticks are cleared (kefu/macros/static/macros/queue.js)
    return render(request, "console/orders/_bulk_result.html", {"result": result})
