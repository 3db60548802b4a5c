"""Console: materials checklist of an order and its printable one-time notices (R-11).

Thin views: the order comes from ``access_workorder`` (404 for anyone who may not see it), the change is
one call to ``kefu.commitments.materials.do_check_materials``.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from kefu.channels.models import OutboxChannel
from kefu.commitments.materials import access_notice, do_check_materials, do_decide_additional
from kefu.commitments.models import Service
from kefu.lib.errors import KefuError
from kefu.organization.models import Company
from kefu.web.views import ConsoleRequest, staff_view
from kefu.workorders.access import access_workorder

CHANNEL_LABELS = dict(OutboxChannel.choices)


def _redirect(request: ConsoleRequest, number: str) -> HttpResponse:
    url = reverse("console:order_detail", kwargs={"key": number}) + "#materials-section"
    if request.htmx:
        resp = HttpResponse(status=204)
        resp["HX-Redirect"] = url
        return resp
    return redirect(url)


@require_POST
@staff_view
def order_materials_check(request: ConsoleRequest, key: str) -> HttpResponse:
    order = access_workorder(request.user, key)
    version = request.POST.get("version", "")
    try:
        result = do_check_materials(
            request.user,
            order.pk,
            request.POST.getlist("supplied"),
            request.POST.get("note", ""),
            expected_version=int(version) if version.isdecimal() else None,
            reason=request.POST.get("reason", ""),
        )
    except KefuError as exc:
        messages.error(request, str(exc.message))
        return _redirect(request, order.number)
    if result.request is not None:
        messages.warning(
            request,
            _(
                "Request for %(items)s sent to the supervisors; the customer gets a corrected notice if approved."
            )
            % {"items": "、".join(result.request.items)},
        )
    elif result.notice is not None:
        messages.success(
            request,
            ngettext(
                "One-time notice listing %(count)d missing item created and queued (%(channel)s).",
                "One-time notice listing %(count)d missing items created and queued (%(channel)s).",
                len(result.notice.items),
            )
            % {"count": len(result.notice.items), "channel": CHANNEL_LABELS.get(result.notice.channel, "")},
        )
    elif result.missing:
        messages.info(
            request, _("Nothing new is missing: the notice already given lists it; no second notice.")
        )
    else:
        messages.success(request, _("All required materials are complete."))
    return _redirect(request, order.number)


@require_GET
@staff_view
def order_notice(request: ConsoleRequest, key: str, notice_id: int) -> HttpResponse:
    notice = access_notice(request.user, key, notice_id)
    return render(
        request,
        "console/orders/notice_print.html",
        {
            "notice": notice,
            "o": notice.workorder,
            "company": Company.objects.first(),
            "channel_label": CHANNEL_LABELS.get(notice.channel, notice.channel),
        },
    )


@require_GET
@staff_view
def service_materials(request: ConsoleRequest) -> HttpResponse:
    """The required materials of the service chosen on the create form (HTMX fragment), so the agent asks
    for everything at once; they are ticked on the order page after it is created."""

    raw = request.GET.get("service", "")
    service = Service.objects.filter(pk=int(raw), is_active=True).first() if raw.isdecimal() else None
    materials = list(service.materials.all()) if service is not None else []
    return render(
        request, "console/orders/_create_materials.html", {"service": service, "materials": materials}
    )


@require_POST
@staff_view
def materials_request_decide(request: ConsoleRequest, key: str, request_id: int) -> HttpResponse:
    order = access_workorder(request.user, key)
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Choose whether to approve or reject the request."))
        return _redirect(request, order.number)
    try:
        do_decide_additional(
            request.user, order.pk, request_id, decision == "approve", request.POST.get("note", "")
        )
    except KefuError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Approved: one corrected notice listing everything was sent.")
            if decision == "approve"
            else _("Rejected: the customer is not asked for these materials."),
        )
    return _redirect(request, order.number)
