"""The visits-kept report page (R-38, docs/kpis.md "Visits kept"): per branch or technician, kept and missed
visits by cause, the kept rate; a month or a year; exportable (CSV, XLSX). Who sees it: as the other reports
(``reports.access``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kefu.fieldservice.models import MissedReason
from kefu.lib import clock, exports
from kefu.lib.replica import reads_from_replica
from kefu.reports import access, queries, visits
from kefu.reports.kpis import Period
from kefu.web.views import ConsoleRequest, staff_view


def table(scope: queries.Scope, dim: str) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Technician") if dim == "technician" else _("Branch"),
        _("Visits counted"),
        _("Kept"),
        _("Kept rate (%)"),
        *[str(label) for _v, label in MissedReason.choices],
    ]
    found = visits.rows(scope, dim)
    body = [
        [r.name, r.counted, r.kept, r.kept_rate if r.kept_rate is not None else "—", *r.missed.values()]
        for r in found
    ]
    if found:
        t = visits.total(found)
        body.append(
            [
                _("Total"),
                t.counted,
                t.kept,
                t.kept_rate if t.kept_rate is not None else "—",
                *t.missed.values(),
            ]
        )
    return header, body


def _period(request: ConsoleRequest) -> Period:
    try:
        return Period.parse(request.GET.get("period", ""))
    except ValueError:
        today = clock.localdate()
        return Period(today.year, today.month)


@require_GET
@staff_view
@reads_from_replica
def visit_report(request: ConsoleRequest) -> HttpResponseBase:
    period = _period(request)
    scope = queries.Scope(period, access.report_branches(request.staff))
    dim = "technician" if request.GET.get("by") == "technician" else "branch"
    header, rows = table(scope, dim)
    fmt = exports.requested(request)
    if fmt:
        return exports.respond(
            fmt, exports.filename(f"visits-{dim}-{period}"), _("Visits kept"), header, rows
        )
    page = Paginator(rows, settings.KEFU_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/visits.html",
        {
            "period_text": str(period),
            "by": dim,
            "tabs": [
                {"value": "branch", "label": _("By branch"), "id": "visits-by-branch"},
                {"value": "technician", "label": _("By technician"), "id": "visits-by-technician"},
            ],
            "header": header,
            "page": page,
            "exports": exports.links(request),
            "query_string": urlencode({"period": str(period), "by": dim}),
        },
    )
