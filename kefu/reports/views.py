"""Console pages of reports (R-31, R-32): dashboard, KPI tables, assessment sheets, branch comparison,
drill-downs and exports. Thin: the numbers come from ``sheets``/``queries``, the charts from ``svg``,
the files from ``exports``; who sees what from ``access``."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET

from kefu.commitments.models import OrderClock
from kefu.commitments.years import missing_next_year as missing_calendar_years
from kefu.complaints.models import ComplaintCause
from kefu.customers.models import Customer
from kefu.followup.models import FollowupTask
from kefu.lib import clock, exports, replica, units
from kefu.lib.errors import NotFound
from kefu.lib.replica import reads_from_replica
from kefu.organization.access import may_see_reports
from kefu.organization.models import Staff
from kefu.reports import access, closing, kpis, queries, sheets, svg
from kefu.reports.kpis import Dim, Kpi, Period
from kefu.reports.models import KpiChoices
from kefu.surveys.models import SatisfactionRecord
from kefu.web.views import ConsoleRequest, staff_view
from kefu.workorders.models import WorkOrder

KPI_LABELS = dict(KpiChoices.choices)
# the reasons of an empty value (kefu.reports.kpis), marked for translation; views translate them on display
EMPTY_REASONS = (
    gettext_noop("no customers active on the period's last day in this scope"),
    gettext_noop("no orders received in the period"),
    gettext_noop("no resolution clock ended in the period"),
    gettext_noop("no follow-up due in the period"),
    gettext_noop("no satisfaction answer in the period"),
    gettext_noop("no recommendation answer in the period"),
    gettext_noop("no customers active on the period's first day in this scope"),
    gettext_noop("no subscription expiring in the period in this scope"),
    gettext_noop("no customers in the service areas this person contracts (R-30)"),
    gettext_noop("no customers in the service areas this outlet serves"),
)
PERCENT_KPIS = (Kpi.ANSWERED_24H, Kpi.ON_TIME, Kpi.FOLLOWUP, Kpi.CSAT)


def dim_label(dim: Dim) -> str:
    return {
        Dim.AREA: _("Service area"),
        Dim.STAFF: _("Staff"),
        Dim.BRANCH: _("Branch"),
        Dim.OUTLET: _("Outlet"),
    }[dim]


def _period(request: ConsoleRequest) -> Period:
    try:
        return Period.parse(request.GET.get("period", ""))
    except ValueError:
        now = clock.localdate()
        return Period(now.year, now.month)


def _dim(name: str) -> Dim:
    try:
        return Dim(name)
    except ValueError:
        raise Http404 from None


def _live(request: ConsoleRequest) -> bool:
    """ "Count now": skip the provisional snapshot of a period not closed (closing.py)."""
    return request.GET.get("live") == "1"


def _scope(request: ConsoleRequest, period: Period) -> queries.Scope:
    return queries.Scope(period, access.report_branches(request.staff), live=_live(request))


def fmt(v: Decimal | None, kpi: Kpi) -> str:
    """The one formatting rule of the KPI's unit (kefu.lib.units via the catalogue)."""
    return kpis.text(kpi, v)


def empty_reason(c: sheets.Cell) -> str:
    """Why a cell shows "—": the catalogue's reason for a zero denominator, translated."""
    return _(c.empty_reason) if c.empty_reason else ""


@functools.lru_cache(maxsize=256)
def _drill_base(kpi: Kpi, dim: Dim, prefix: str) -> str:
    base = reverse("console:reports_drill", args=[kpi.value, dim.value, 0])
    return base[: -len("0/")]


def _drill_url(kpi: Kpi, dim: Dim, key: int, period: Period, part: str) -> str:
    # one reverse() per KPI, dimension and script prefix, not per cell (a sheet has hundreds of cells)
    return f"{_drill_base(kpi, dim, get_script_prefix())}{key}/?period={period}&part={part}"


def _cell_ctx(c: sheets.Cell, dim: Dim, key: int, period: Period) -> dict[str, Any]:
    return {
        "kpi": c.kpi,
        "text": fmt(c.value, c.kpi),
        "reason": empty_reason(c),
        "num": c.ratio.num,
        "den": c.ratio.den,
        "target": fmt(c.target, c.kpi) if c.target is not None else "",
        "met": c.met,
        "points": c.points,
        "weight": kpis.DEFS[c.kpi].weight,
        "url_num": _drill_url(c.kpi, dim, key, period, "num"),
        "url_den": _drill_url(c.kpi, dim, key, period, "den"),
    }


def _rows_ctx(sheet: sheets.Sheet, period: Period) -> list[dict[str, Any]]:
    return [
        {
            "entity": r.entity,
            "cells": [_cell_ctx(c, sheet.dim, r.entity.key, period) for c in r.cells.values()],
            "total": r.total,
            "rank": r.rank,
            "rank_of": r.rank_of,
        }
        for r in sheet.rows
    ]


def _export_sheet(sheet: sheets.Sheet, with_score: bool) -> tuple[list[str], Iterator[list[Any]]]:
    header = [dim_label(sheet.dim), _("Code"), _("Branch")]
    for k in sheet.rows[0].cells if sheet.rows else kpis.ALL_KPIS:
        label = str(KPI_LABELS[k.value])
        header += [
            label,
            f"{label} — {_('numerator')}",
            f"{label} — {_('denominator')}",
            f"{label} — {_('target')}",
        ]
        if with_score:
            header.append(f"{label} — {_('points')}")
    if with_score:
        header += [_("Points"), _("Points possible"), _("Score %"), _("Rank in branch")]

    def rows() -> Iterator[list[Any]]:
        for r in sheet.rows:
            line: list[Any] = [r.entity.name, r.entity.code, r.entity.branch_name]
            for c in r.cells.values():
                line += [c.shown, c.ratio.num, c.ratio.den, c.target]
                if with_score:
                    line.append(c.points)
            if with_score:
                line += [r.total.points, r.total.possible, r.total.percent, r.rank]
            yield line

    return header, rows()


def _maybe_export(
    request: ConsoleRequest, name: str, title: str, header: list[Any], rows: Iterable[Any]
) -> HttpResponseBase | None:
    fmt_ = exports.requested(request)
    return exports.respond(fmt_, name, title, header, rows) if fmt_ else None


def _plain_params(request: ConsoleRequest) -> dict[str, str]:
    return {k: request.GET[k] for k in request.GET if k not in ("format", "page", "live")}


def _base_ctx(request: ConsoleRequest, period: Period) -> dict[str, Any]:
    return {
        "period": period,
        "period_text": str(period),
        "exports": exports.links(request),
        "kpi_defs": [(k, KPI_LABELS[k.value], kpis.DEFS[k]) for k in kpis.ALL_KPIS],
        "dims": [(d.value, dim_label(d)) for d in Dim],
        "can_reports": may_see_reports(request.staff),
        "closed_period": closing.closed(period, live=_live(request)),
        "live": _live(request),
        "live_url": request.path + "?" + urlencode({**_plain_params(request), "live": "1"}),
        "refresh_minutes": settings.KEFU_REPORT_REFRESH_MINUTES,
    }


# --- pages ------------------------------------------------------------------------------------------


@require_GET
@staff_view
@reads_from_replica
def dashboard(request: ConsoleRequest) -> HttpResponseBase:
    period = _period(request)
    scope = _scope(request, period)
    months = (
        kpis.previous_months(period, 12) if period.month else [Period(period.year, m) for m in range(1, 13)]
    )
    trend = queries.monthly_trend(months, scope.branch_ids, scope.live)
    labels = [str(m) for m in months]

    def fl(v: Decimal | None) -> float | None:
        return None if v is None else float(v)

    charts: list[tuple[str, Any]] = []
    charts.append(
        (
            "trend-orders",
            svg.line_chart(
                _("Orders received per month"), labels, [(_("Orders"), [t["orders"] for t in trend])]
            ),
        )
    )
    charts.append(
        (
            "trend-complaints",
            svg.line_chart(
                _("Complaint rate per month (per 1,000 customers)"),
                labels,
                [
                    (
                        _("Complaint rate"),
                        [fl(kpis.value(Kpi.COMPLAINT_RATE, t["complaint_rate"])) for t in trend],
                    )
                ],
                "‰",
            ),
        )
    )
    charts.append(
        (
            "trend-ontime",
            svg.line_chart(
                _("Resolved on time per month"),
                labels,
                [(_("Resolved on time"), [fl(kpis.value(Kpi.ON_TIME, t["on_time"])) for t in trend])],
                "%",
            ),
        )
    )
    causes = queries.complaint_causes(scope)
    names = {c.pk: c.label for c in ComplaintCause.objects.filter(pk__in=[k for k in causes if k])}
    named = {(names.get(k, "?") if k else _("not classified")): n for k, n in causes.items()}
    par = kpis.pareto(named)
    charts.append(
        (
            "pareto",
            svg.pareto_chart(
                _("Complaint causes (Pareto)"),
                [p[0] for p in par],
                [p[1] for p in par],
                [float(p[2]) for p in par],
            ),
        )
    )
    bsheet = sheets.sheet(Dim.BRANCH, scope, kpi_list=PERCENT_KPIS)
    blabels = [r.entity.name for r in bsheet.rows]
    charts.append(
        (
            "sla-branches",
            svg.bar_chart(
                _("SLA compliance per branch (resolved on time)"),
                blabels,
                [(_("Resolved on time"), [fl(r.cells[Kpi.ON_TIME].value) for r in bsheet.rows])],
                "%",
                ymax=100.0,
            ),
        )
    )
    charts.append(("branch-comparison", _branch_chart(bsheet)))
    asheet = sheets.sheet(Dim.AREA, scope, kpi_list=(Kpi.COMPLAINT_RATE,))
    charts.append(
        (
            "area-heatmap",
            svg.heat_map(
                _("Complaint rate by service area (per 1,000 customers)"),
                [
                    (r.entity.name, r.entity.branch_name, fl(r.cells[Kpi.COMPLAINT_RATE].value))
                    for r in asheet.rows
                ],
                "‰",
            ),
        )
    )
    company = sheets.company(scope)
    fmt_ = exports.requested(request)
    if fmt_:
        return _dashboard_export(fmt_, period, company, trend, par, bsheet, asheet)
    ctx = _base_ctx(request, period)
    ctx.update(
        {
            "charts": charts,
            "company": [
                (
                    KPI_LABELS[k.value],
                    fmt(c.value, k),
                    fmt(c.target, k) if c.target is not None else "",
                    c.met,
                )
                for k, c in company.items()
            ],
            "pareto": par,
            # from 1 November: next year's holidays are missing (deadlines into it are provisional)
            "calendar_warnings": (
                missing_calendar_years() if request.staff.role in ("supervisor", "admin") else []
            ),
        }
    )
    return render(request, "reports/dashboard.html", ctx)


def _dashboard_export(
    fmt_: str,
    period: Period,
    company: dict[Kpi, sheets.Cell],
    trend: list[dict[str, Any]],
    par: list[tuple[str, int, Decimal]],
    bsheet: sheets.Sheet,
    asheet: sheets.Sheet,
) -> HttpResponseBase:
    """The dashboard's figures: the KPIs of the period (CSV), plus every chart's data (XLSX sheets)."""
    kpi_header = [_("KPI"), _("Value"), _("numerator"), _("denominator"), _("target")]
    kpi_rows = [
        [str(KPI_LABELS[k.value]), c.shown, c.ratio.num, c.ratio.den, c.target] for k, c in company.items()
    ]
    name = f"dashboard-{period}"
    if fmt_ == "csv":
        return exports.csv_response(name, kpi_header, kpi_rows)
    trend_rows = [
        [
            str(t["period"]),
            t["orders"],
            t["complaints"],
            t["customers"],
            kpis.shown(Kpi.COMPLAINT_RATE, kpis.value(Kpi.COMPLAINT_RATE, t["complaint_rate"])),
            kpis.shown(Kpi.ON_TIME, kpis.value(Kpi.ON_TIME, t["on_time"])),
        ]
        for t in trend
    ]
    return exports.xlsx_response(
        name,
        [
            (_("KPIs"), kpi_header, kpi_rows),
            (
                _("Trend"),
                [
                    _("Month"),
                    _("Orders"),
                    _("Complaints"),
                    _("Customers"),
                    _("Complaint rate"),
                    _("Resolved on time"),
                ],
                trend_rows,
            ),
            (
                _("Complaint causes"),
                [_("Cause"), _("Complaints"), _("Cumulative %")],
                [[c, n, units.rounded(cum, units.Unit.PERCENT)] for c, n, cum in par],
            ),
            (
                _("Branches"),
                [_("Branch")] + [str(KPI_LABELS[k.value]) for k in PERCENT_KPIS],
                [[r.entity.name] + [r.cells[k].shown for k in PERCENT_KPIS] for r in bsheet.rows],
            ),
            (
                _("Service areas"),
                [_("Service area"), _("Branch"), _("Complaint rate")],
                [
                    [r.entity.name, r.entity.branch_name, r.cells[Kpi.COMPLAINT_RATE].shown]
                    for r in asheet.rows
                ],
            ),
        ],
    )


def _branch_chart(bsheet: sheets.Sheet) -> Any:
    def fl(v: Decimal | None) -> float | None:
        return None if v is None else float(v)

    return svg.bar_chart(
        _("Branch comparison"),
        [r.entity.name for r in bsheet.rows],
        [(str(KPI_LABELS[k.value]), [fl(r.cells[k].value) for r in bsheet.rows]) for k in PERCENT_KPIS],
        "%",
        ymax=100.0,
    )


@require_GET
@staff_view
@reads_from_replica
def kpi_report(request: ConsoleRequest, dim: str) -> HttpResponseBase:
    d = _dim(dim)
    period = _period(request)
    scope = _scope(request, period)
    sheet = sheets.sheet(d, scope)
    header, rows = _export_sheet(sheet, with_score=False)
    exported = _maybe_export(request, f"kpi-{d.value}-{period}", _("KPIs"), header, rows)
    if exported:
        return exported
    ctx = _base_ctx(request, period)
    ctx.update({"dim": d, "dim_label": dim_label(d), "rows": _rows_ctx(sheet, period), "mode": "kpis"})
    return render(request, "reports/table.html", ctx)


@require_GET
@staff_view
@reads_from_replica
def assessment(request: ConsoleRequest, dim: str) -> HttpResponseBase:
    d = _dim(dim)
    if d in (Dim.BRANCH, Dim.OUTLET):
        raise Http404
    period = _period(request)
    scope = _scope(request, period)
    sheet = sheets.sheet(d, scope)
    header, rows = _export_sheet(sheet, with_score=True)
    exported = _maybe_export(request, f"assessment-{d.value}-{period}", _("Assessment"), header, rows)
    if exported:
        return exported
    ctx = _base_ctx(request, period)
    ctx.update({"dim": d, "dim_label": dim_label(d), "rows": _rows_ctx(sheet, period), "mode": "assessment"})
    return render(request, "reports/table.html", ctx)


@require_GET
@staff_view
@reads_from_replica
def my_sheet(request: ConsoleRequest) -> HttpResponseBase:
    """Every staff member's own assessment sheet (whatever the role)."""
    period = _period(request)
    me: Staff = request.staff
    scope = queries.Scope(period, (me.branch_id,) if me.branch_id else None, live=_live(request))
    sheet = sheets.sheet(Dim.STAFF, scope, only=me.pk)
    header, rows = _export_sheet(sheet, with_score=True)
    exported = _maybe_export(request, f"my-assessment-{period}", _("Assessment"), header, rows)
    if exported:
        return exported
    ctx = _base_ctx(request, period)
    ctx.update(
        {
            "dim": Dim.STAFF,
            "dim_label": dim_label(Dim.STAFF),
            "rows": _rows_ctx(sheet, period),
            "mode": "mine",
        }
    )
    return render(request, "reports/table.html", ctx)


@require_GET
@staff_view
@reads_from_replica
def branches(request: ConsoleRequest) -> HttpResponseBase:
    """R-32: every KPI per branch and the spread (best − worst) that shows how even the service is."""
    period = _period(request)
    scope = _scope(request, period)
    sheet = sheets.sheet(Dim.BRANCH, scope)
    outlets = sheets.sheet(Dim.OUTLET, scope)
    header, rows = _export_sheet(sheet, with_score=False)
    _oheader, orows = _export_sheet(outlets, with_score=False)

    def spread_line(sh: sheets.Sheet) -> list[Any]:
        line: list[Any] = [_("Spread (best − worst)"), "", ""]
        for s in sh.spreads.values():
            line += [kpis.shown(s.kpi, s.gap), kpis.shown(s.kpi, s.best), kpis.shown(s.kpi, s.worst), ""]
        return line

    outlet_title = [_("Outlet")] + [""] * (len(header) - 1)
    exported = _maybe_export(
        request,
        f"branches-{period}",
        _("Branch comparison"),
        header,
        [*rows, spread_line(sheet), outlet_title, *orows, spread_line(outlets)],
    )
    if exported:
        return exported
    ctx = _base_ctx(request, period)
    ctx.update(
        {
            "dim": Dim.BRANCH,
            "dim_label": dim_label(Dim.BRANCH),
            "rows": _rows_ctx(sheet, period),
            "mode": "branches",
            "spreads": [
                (s.kpi, fmt(s.best, s.kpi), fmt(s.worst, s.kpi), fmt(s.gap, s.kpi))
                for s in sheet.spreads.values()
            ],
            "chart": _branch_chart(sheet),
            "outlet_rows": _rows_ctx(outlets, period),
            "outlet_label": dim_label(Dim.OUTLET),
            "outlet_spreads": [
                (s.kpi, fmt(s.best, s.kpi), fmt(s.worst, s.kpi), fmt(s.gap, s.kpi))
                for s in outlets.spreads.values()
            ],
        }
    )
    return render(request, "reports/table.html", ctx)


# --- drill-down -------------------------------------------------------------------------------------


def _order_link(o: WorkOrder | None) -> tuple[str, str]:
    if o is None:
        return ("", "")
    return (o.number, reverse("console:order_detail", args=[o.number]))


def _drill_table(model: type[Model], qs: QuerySet[Any]) -> tuple[list[str], QuerySet[Any], Any]:
    """Column headers, the queryset with its joins, and a function row → list of (text, url)."""
    if model is WorkOrder:
        header = [
            _("Number"),
            _("Title"),
            _("Type"),
            _("Status"),
            _("Service area"),
            _("First-contact owner"),
            _("Received"),
            _("First response"),
            _("Resolved"),
        ]

        def row(x: Any) -> list[Any]:
            o = x
            return [
                _order_link(o),
                o.title,
                o.get_order_type_display(),
                o.get_status_display(),
                o.area.name if o.area else "",
                o.owner.name,
                o.received_at,
                o.first_response_at,
                o.resolved_at,
            ]

        return header, qs.select_related("area", "owner").order_by("received_at", "pk"), row
    if model is OrderClock:
        header = [
            _("Number"),
            _("Round"),
            _("Status"),
            _("Started"),
            _("Due"),
            _("Stopped"),
            _("Due time provisional"),
        ]

        def row(x: Any) -> list[Any]:
            c = x
            return [
                _order_link(c.workorder),
                c.round,
                c.get_status_display(),
                c.started_at,
                c.due_at,
                c.stopped_at,
                _("provisional deadline") if c.calendar_missing_year is not None and c.due_at else "",
            ]

        return header, qs.select_related("workorder").order_by("stopped_at", "pk"), row
    if model is FollowupTask:
        header = [_("Number"), _("Customer"), _("Status"), _("Due"), _("Finished")]

        def row(x: Any) -> list[Any]:
            t = x
            return [
                _order_link(t.workorder),
                t.customer.name,
                t.get_status_display(),
                t.due_at,
                t.finished_at,
            ]

        return header, qs.select_related("workorder", "customer").order_by("due_at", "pk"), row
    if model is SatisfactionRecord:
        header = [_("Number"), _("Customer"), _("Staff"), _("Source"), _("Answered"), "CSAT", "NPS"]

        def row(x: Any) -> list[Any]:
            r = x
            return [
                _order_link(r.workorder),
                r.customer.name if r.customer else "",
                r.staff.name if r.staff else "",
                r.get_source_display(),
                r.recorded_at,
                r.csat,
                r.nps,
            ]

        return (
            header,
            qs.select_related("workorder", "customer", "staff").order_by("recorded_at", "pk"),
            row,
        )
    if model is Customer:
        header = [_("Customer number"), _("Name"), _("Service area"), _("Customer since")]

        def row(x: Any) -> list[Any]:
            c = x
            return [
                (c.number, reverse("console:customer_detail", args=[c.pk])),
                c.name,
                c.area.name if c.area else "",
                c.customer_since,
            ]

        return header, qs.select_related("area").order_by("number", "pk"), row
    header = [_("Customer number"), _("Name"), _("Product"), _("Start"), _("Expiry")]

    def row_sub(x: Any) -> list[Any]:
        s = x
        return [
            (s.customer.number, reverse("console:customer_detail", args=[s.customer_id])),
            s.customer.name,
            s.product,
            s.start_date,
            s.expiry_date,
        ]

    return header, qs.select_related("customer").order_by("expiry_date", "pk"), row_sub


@require_GET
@staff_view
@reads_from_replica
def drill(request: ConsoleRequest, kpi: str, dim: str, key: int) -> HttpResponseBase:
    """The rows behind one KPI cell (numerator or denominator), paginated; exportable."""
    try:
        k = Kpi(kpi)
    except ValueError:
        raise Http404 from None
    d = _dim(dim)
    part = "den" if request.GET.get("part") == "den" else "num"
    period = _period(request)
    me: Staff = request.staff
    access.check_entity(me, d, key)
    own = d is Dim.STAFF and key == me.pk and not may_see_reports(me)
    scope = queries.Scope(period, None if own else access.report_branches(me))
    if own:
        scope = queries.Scope(period, (me.branch_id,) if me.branch_id else None)
    model = queries.drill_model(k, part)
    header, qs, row = _drill_table(model, queries.drill_rows(k, d, key, scope, part))
    entity = sheets.entities(d, scope, only=key)
    if not entity:
        raise NotFound("not_found", "")
    name = entity[0].name
    fmt_ = exports.requested(request)
    if fmt_:
        plain = (
            [c[0] if isinstance(c, tuple) else c for c in row(o)]
            for o in qs.using(replica.alias()).iterator(chunk_size=2000)
        )
        return exports.respond(
            fmt_, f"drill-{k.value}-{d.value}-{key}-{period}-{part}", str(KPI_LABELS[k.value]), header, plain
        )
    page = Paginator(qs, settings.KEFU_PAGE_SIZE).get_page(request.GET.get("page"))
    lines = [[c if isinstance(c, tuple) else (c, "") for c in row(o)] for o in page.object_list]
    ctx = _base_ctx(request, period)
    ctx.update(
        {
            "kpi": k,
            "kpi_label": KPI_LABELS[k.value],
            "dim": d,
            "entity_name": name,
            "part": part,
            "header": header,
            "lines": lines,
            "page": page,
            "query_string": urlencode({"period": str(period), "part": part}),
        }
    )
    return render(request, "reports/drill.html", ctx)


@require_GET
@staff_view
def formulas(request: ConsoleRequest) -> HttpResponse:
    """How the KPIs and the score are computed (every staff member: their own sheet links here)."""
    return render(request, "reports/formulas.html", {})
