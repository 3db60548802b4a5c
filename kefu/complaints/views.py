"""Console pages of complaints: the forms of the order-page panels and the supervisors' page.

Thin views: each POST is one call to an action in ``kefu.complaints.actions``. On success the browser
goes back to the order page; a ``KefuError`` re-renders the order page (status 400/409) with the
message next to the field it names in the panel.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.complaints import actions
from kefu.complaints.models import Compensation, ComplaintCause, ComplaintRecord
from kefu.complaints.rules import COMPLAINT
from kefu.lib import clock, exports
from kefu.lib.errors import Conflict, KefuError, ValidationFailed
from kefu.organization.access import branches_of
from kefu.web.order_page import render_order_page
from kefu.web.views import ConsoleRequest, staff_view
from kefu.workorders.access import access_workorder, visible_workorders

DEFAULT_PERIOD_DAYS = 30


def _order_post(
    request: ConsoleRequest, key: str, form: str, call: Any, success: str, keep: tuple[str, ...] = ()
) -> HttpResponseBase:
    try:
        call()
    except KefuError as exc:
        request.complaints_errors = {form: {exc.field or form: str(exc.message)}}  # type: ignore[attr-defined]
        request.complaints_posted = {k: request.POST.get(k, "") for k in keep}  # type: ignore[attr-defined]
        return render_order_page(request, key, status=409 if isinstance(exc, Conflict) else 400)
    messages.success(request, success)
    return redirect(
        reverse("console:order_detail", kwargs={"key": access_workorder(request.user, key).number})
    )


@require_POST
@staff_view
def order_type(request: ConsoleRequest, key: str) -> HttpResponseBase:
    value = request.POST.get("customer_type", "")
    return _order_post(
        request,
        key,
        "type",
        lambda: actions.do_choose_customer_type(request.user, key, value),
        _("Customer type set."),
    )


@require_POST
@staff_view
def order_classify(request: ConsoleRequest, key: str) -> HttpResponseBase:
    raw = request.POST.get("cause", "")
    cause_id = int(raw) if raw.isdecimal() else None
    details = request.POST.get("details", "")
    return _order_post(
        request,
        key,
        "classify",
        lambda: actions.do_classify_complaint(request.user, key, cause_id, details),
        _("Cause of the complaint saved."),
    )


@require_POST
@staff_view
def order_step(request: ConsoleRequest, key: str) -> HttpResponseBase:
    step = request.POST.get("step", "")
    done = request.POST.get("done", "1") != "0"
    return _order_post(
        request,
        key,
        "step",
        lambda: actions.do_tick_step(request.user, key, step, done),
        _("Handling step updated."),
    )


@require_POST
@staff_view
def order_compensation(request: ConsoleRequest, key: str) -> HttpResponseBase:
    amount, reason = request.POST.get("amount", ""), request.POST.get("reason", "")
    return _order_post(
        request,
        key,
        "compensation",
        lambda: actions.do_record_compensation(request.user, key, amount, reason),
        _("Compensation recorded."),
        keep=("amount", "reason"),
    )


@require_POST
@staff_view
def compensation_decide(request: ConsoleRequest, pk: int) -> HttpResponseBase:
    decision = request.POST.get("decision", "")
    note = request.POST.get("note", "")
    back_to_list = request.POST.get("next") == "list"
    found = actions.visible_compensations(request.user).filter(pk=pk).values_list("workorder_id", flat=True)
    order_id = found.first()
    if order_id is None:
        raise Http404
    try:
        if decision not in ("approve", "reject"):
            raise ValidationFailed("invalid_choice", _("Approve or reject."), "decision")
        c = actions.do_decide_compensation(request.user, pk, decision == "approve", note)
    except KefuError as exc:
        if back_to_list:
            messages.error(request, str(exc.message))
            return redirect(reverse("console:complaints"))
        request.complaints_errors = {"decide": {exc.field or "decision": str(exc.message)}}  # type: ignore[attr-defined]
        return render_order_page(request, str(order_id), status=409 if isinstance(exc, Conflict) else 400)
    messages.success(
        request,
        _("Compensation approved.")
        if c.status == Compensation.Status.APPROVED
        else _("Compensation rejected."),
    )
    if back_to_list:
        return redirect(reverse("console:complaints"))
    return redirect(reverse("console:order_detail", kwargs={"key": c.workorder.number}))


def _date(value: str | None) -> dt.date | None:
    try:
        return parse_date(value or "")
    except ValueError:  # well formed but impossible, e.g. 2026-02-30
        return None


def _period(request: ConsoleRequest) -> tuple[dt.date, dt.date]:
    """The period asked for (``from``/``to``, inclusive), by default the last 30 days to today."""
    end = _date(request.GET.get("to")) or clock.localdate()
    start = _date(request.GET.get("from")) or end - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    return (end, start) if start > end else (start, end)


@require_GET
@staff_view(actions.APPROVE)
def index(request: ConsoleRequest) -> HttpResponseBase:
    """Complaints by cause for a period (the basis of a Pareto chart) and compensations to approve.
    Supervisors and admins only; a supervisor sees their branch, company-level staff every branch."""
    staff = request.staff
    start, end = _period(request)
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    branches = list(branches_of(staff))
    branch = None
    raw_branch = request.GET.get("branch", "")
    if raw_branch.isdecimal():
        branch = next((b for b in branches if b.pk == int(raw_branch)), None)
    complaints = visible_workorders(request.user).filter(
        order_type=COMPLAINT, received_at__gte=since, received_at__lt=until
    )
    pending = actions.visible_compensations(request.user).filter(status=Compensation.Status.PENDING)
    if branch is not None:
        complaints = complaints.filter(branch=branch)
        pending = pending.filter(workorder__branch=branch)
    counts = dict(
        ComplaintRecord.objects.filter(workorder__in=complaints)
        .values_list("cause_id")
        .annotate(n=Count("id"))
        .values_list("cause_id", "n")
    )
    causes = {c.pk: c for c in ComplaintCause.objects.filter(pk__in=counts)}
    total_classified = sum(counts.values())
    rows = []
    cumulative = 0
    for cause_id, n in sorted(counts.items(), key=lambda kv: (-kv[1], causes[kv[0]].code)):
        cumulative += n
        rows.append(
            {
                "cause": causes[cause_id],
                "count": n,
                "share": (Decimal(100) * n / total_classified).quantize(Decimal("0.1")),
                "cumulative": (Decimal(100) * cumulative / total_classified).quantize(Decimal("0.1")),
            }
        )
    pending = pending.select_related("workorder", "workorder__branch", "requested_by").order_by(
        "requested_at", "id"
    )
    fmt = exports.requested(request)
    if fmt:
        return _export_causes(fmt, rows, pending, start, end)
    ctx = {
        "export_links": exports.links(request),
        "start": start,
        "end": end,
        "branches": branches if len(branches) > 1 else [],
        "branch": branch,
        "rows": rows,
        "total": complaints.count(),
        "classified": total_classified,
        "unclassified": complaints.filter(complaint__isnull=True).count(),
        "pending": list(pending),
    }
    return render(request, "complaints/index.html", ctx)


def _export_causes(
    fmt: str, rows: list[dict[str, Any]], pending: Any, start: dt.date, end: dt.date
) -> HttpResponseBase:
    """Complaints by cause with share and cumulative share (the Pareto table); in XLSX also the compensation
    waiting for approval."""
    header = [_("Cause"), _("Code"), _("Category"), _("Complaints"), _("Share %"), _("Cumulative %")]
    lines = [
        [
            r["cause"].label,
            r["cause"].code,
            r["cause"].get_category_display(),
            r["count"],
            r["share"],
            r["cumulative"],
        ]
        for r in rows
    ]
    name = exports.filename(f"complaints-{start:%Y%m%d}-{end:%Y%m%d}")
    if fmt == "csv":
        return exports.csv_response(name, header, lines)
    comp_header = [_("Order number"), _("Title"), _("Branch"), _("Amount"), _("Currency"), _("Reason"),
                   _("Recorded by"), _("Requested at")]  # fmt: skip
    comp_lines = [
        [
            c.workorder.number,
            c.workorder.title,
            c.workorder.branch.name,
            c.amount,
            c.currency,
            c.reason,
            c.requested_by.name,
            c.requested_at,
        ]
        for c in pending
    ]
    return exports.xlsx_response(
        name,
        [
            (_("Complaints by cause"), header, lines),
            (_("Compensation"), comp_header, comp_lines),
        ],
    )
