"""The send-back report page (退单, docs/send-back-split.md): per unit, or the orders sent back repeatedly,
for a month or a year; paginated, exportable (CSV, XLSX). Supervisors see their branch, inspectors and
administrators every branch (``reports.access``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kefu.lib import clock, exports
from kefu.lib.replica import reads_from_replica
from kefu.reports import access, queries, send_backs
from kefu.reports.kpis import Period
from kefu.web.views import ConsoleRequest, staff_view
from kefu.workorders import rules as wo_rules


def _period(request: ConsoleRequest) -> Period:
    try:
        return Period.parse(request.GET.get("period", ""))
    except ValueError:
        today = clock.localdate()
        return Period(today.year, today.month)


def unit_table(scope: queries.Scope) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Unit"),
        _("Branch"),
        _("Send-backs"),
        _("Orders sent back"),
        _("Orders sent back repeatedly"),
        _("Waiting to be routed again"),
    ]
    rows = [
        [u.name, u.branch, u.send_backs, u.orders, u.repeated_orders, u.pending]
        for u in send_backs.unit_rows(scope)
    ]
    return header, rows


def order_table(scope: queries.Scope) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Order"),
        _("Title"),
        _("Branch"),
        _("Send-backs"),
        _("First sent back"),
        _("Last sent back"),
        _("Last sent back by"),
        _("Last reason"),
        _("Waiting to be routed again"),
    ]
    rows = [
        [
            r.number,
            r.title,
            r.branch,
            r.send_backs,
            f"{timezone.localtime(r.first_at):%Y-%m-%d %H:%M}",
            f"{timezone.localtime(r.last_at):%Y-%m-%d %H:%M}",
            r.last_unit,
            r.last_reason,
            _("yes") if r.pending else _("no"),
        ]
        for r in send_backs.repeated_order_rows(scope)
    ]
    return header, rows


@require_GET
@staff_view
@reads_from_replica
def send_back_report(request: ConsoleRequest) -> HttpResponseBase:
    period = _period(request)
    scope = queries.Scope(period, access.report_branches(request.staff))
    view = "orders" if request.GET.get("view") == "orders" else "units"
    header, rows = order_table(scope) if view == "orders" else unit_table(scope)
    fmt = exports.requested(request)
    if fmt:
        return exports.respond(
            fmt,
            exports.filename(f"send-backs-{view}-{period}"),
            _("Send-backs"),
            header,
            rows,
        )
    page = Paginator(rows, settings.KEFU_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/send_backs.html",
        {
            "period_text": str(period),
            "view": view,
            "tabs": [
                {"value": "units", "label": _("By unit"), "id": "send-backs-units"},
                {"value": "orders", "label": _("Orders sent back repeatedly"), "id": "send-backs-orders"},
            ],
            "header": header,
            "page": page,
            "exports": exports.links(request),
            "repeated": wo_rules.REPEATED_SEND_BACKS,
            "query_string": urlencode({"period": str(period), "view": view}),
        },
    )
