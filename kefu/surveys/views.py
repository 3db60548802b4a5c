"""Console: the quality report (/quality/) for supervisors, inspectors and administrators (R-22, R-23), and
the service recovery list (/quality/recovery/) of the leaders who make good low satisfaction answers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Value, When
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kefu.commitments.models import Service
from kefu.lib import clock, exports, units
from kefu.lib.errors import KefuError
from kefu.organization.access import areas_of, branches_of, may_see_reports
from kefu.organization.models import Branch, ServiceArea, Staff
from kefu.surveys import actions, reports, rules
from kefu.surveys.access import visible_recovery
from kefu.surveys.models import DimensionChoices, RecoveryTask, Sat4Choices, SatisfactionSource
from kefu.web import inbox
from kefu.web.views import ConsoleRequest, staff_view

LEVEL_LABELS = {
    rules.Level.BASIC.value: _("basic"),
    rules.Level.SATISFYING.value: _("satisfying"),
    rules.Level.VALUE_ADDED.value: _("value-added"),
    rules.Level.MEMORABLE.value: _("memorable"),
    "unrated": _("no answer from the customer"),
}


class DateInput(forms.DateInput):
    input_type = "date"


class ReportFilterForm(forms.Form):
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=Branch.objects.none(), required=False)
    area = forms.ModelChoiceField(
        label=_("Service area"), queryset=ServiceArea.objects.none(), required=False
    )
    staff = forms.ModelChoiceField(label=_("Staff"), queryset=Staff.objects.none(), required=False)
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=Service.objects.order_by("code"), required=False
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput(format="%Y-%m-%d"))
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput(format="%Y-%m-%d"))

    def __init__(self, *args: Any, staff: Staff, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "qf-%s")
        super().__init__(*args, **kwargs)
        branches = branches_of(staff)
        self.fields["branch"].queryset = branches  # type: ignore[attr-defined]
        self.fields["area"].queryset = areas_of(staff)  # type: ignore[attr-defined]
        staff_qs = Staff.objects.order_by("name")
        if not (staff.sees_all_branches or staff.branch_id is None):
            staff_qs = staff_qs.filter(branch_id=staff.branch_id)
        self.fields["staff"].queryset = staff_qs  # type: ignore[attr-defined]

    def filters(self, staff: Staff) -> reports.Filters:
        d = self.cleaned_data if self.is_valid() else {}
        allowed = list(branches_of(staff).values_list("pk", flat=True))
        scope: list[int] | None = None if (staff.sees_all_branches or staff.branch_id is None) else allowed
        if d.get("branch"):
            scope = [d["branch"].pk]
        return reports.Filters(
            branch_ids=scope,
            area_id=d["area"].pk if d.get("area") else None,
            staff_id=d["staff"].pk if d.get("staff") else None,
            service_id=d["service"].pk if d.get("service") else None,
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
        )


@require_GET
@staff_view
def quality_reports(request: ConsoleRequest) -> HttpResponseBase:
    staff: Staff = request.staff
    if not may_see_reports(staff):
        raise Http404
    form = ReportFilterForm(request.GET or None, staff=staff)
    f = form.filters(staff)
    s = reports.scores(f)
    dist = reports.levels(f)
    total = sum(dist.values())
    level_rows = [
        {"key": k, "label": LEVEL_LABELS[k], "n": n, "pct": (100.0 * n / total) if total else None}
        for k, n in dist.items()
    ]
    rated = total - dist["unrated"]
    higher = dist[rules.Level.VALUE_ADDED.value] + dist[rules.Level.MEMORABLE.value]
    gap_rows = [
        {"key": d, "label": label, "gap": s.gaps.get(d), "largest": d == s.largest_gap}
        for d, label in DimensionChoices.choices
    ]
    sat4_rows = [{"label": label, "n": s.sat4_counts.get(v, 0)} for v, label in Sat4Choices.choices]
    higher_pct = (100.0 * higher / rated) if rated else None
    per_source = reports.by_source(f)
    source_rows = []
    for key, label in SatisfactionSource.choices:
        d = reports.levels(f, key)
        rated_s = sum(d.values()) - d["unrated"]
        high_s = d[rules.Level.VALUE_ADDED.value] + d[rules.Level.MEMORABLE.value]
        source_rows.append(
            {
                "key": key,
                "label": label,
                "s": per_source[key],
                "levels": d,
                "higher_pct": (100.0 * high_s / rated_s) if rated_s else None,
            }
        )
    fmt = exports.requested(request)
    if fmt:
        return _export_quality(
            fmt, s, gap_rows, sat4_rows, level_rows, higher_pct, reports.by_staff(f), source_rows
        )
    ctx = {
        "export_links": exports.links(request),
        "form": form,
        "s": s,
        "gap_rows": gap_rows,
        "sat4_rows": sat4_rows,
        "level_rows": level_rows,
        "levels_total": total,
        "higher_pct": higher_pct,
        "staff_rows": reports.by_staff(f),
        "source_rows": source_rows,
    }
    return render(request, "surveys/quality.html", ctx)


def _rounded(value: float | None, unit: str = units.Unit.PERCENT) -> Decimal | None:
    """The one rounding rule of the unit (kefu.lib.units), as on the page and in the KPI sheets."""
    return units.rounded(value, unit)


def _export_quality(
    fmt: str,
    s: reports.Scores,
    gap_rows: list[dict[str, Any]],
    sat4_rows: list[dict[str, Any]],
    level_rows: list[dict[str, Any]],
    higher_pct: float | None,
    staff_rows: list[dict[str, Any]],
    source_rows: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> HttpResponseBase:
    """The report as one long table (section, item, value, count); XLSX puts the staff rows on a sheet of
    their own, CSV adds them as "name · CSAT" and "name · NPS" rows."""
    sat, sq, lv = (
        _("Satisfaction"),
        _("SERVQUAL gaps (perception − expectation)"),
        _("Service levels of resolved orders"),
    )
    lines: list[list[Any]] = [
        [sat, "CSAT %", _rounded(s.csat), s.csat_n],
        [sat, "NPS", _rounded(s.nps, units.Unit.POINTS), s.nps_n],
        [sat, _("Satisfaction rate"), _rounded(s.satisfaction_rate), s.sat4_n],
        *([sat, r["label"], None, r["n"]] for r in sat4_rows),
        *([sq, capfirst(r["label"]), _rounded(r["gap"], units.Unit.GAP), s.servqual_n] for r in gap_rows),
        [sq, _("Unweighted score"), _rounded(s.servqual_unweighted, units.Unit.GAP), s.servqual_n],
        [sq, _("Weighted score"), _rounded(s.servqual_weighted, units.Unit.GAP), s.servqual_n],
        *([lv, capfirst(r["label"]), _rounded(r["pct"]), r["n"]] for r in level_rows),
        [
            lv,
            _("Value-added or memorable %"),
            _rounded(higher_pct),
            None,
        ],
    ]
    by_src = _("By source")
    for r in source_rows:
        src = str(r["label"])
        lines += [
            [by_src, f"{src} · CSAT %", _rounded(r["s"].csat), r["s"].csat_n],
            [by_src, f"{src} · NPS", _rounded(r["s"].nps, units.Unit.POINTS), r["s"].nps_n],
            [by_src, f"{src} · {_('Satisfaction rate')}", _rounded(r["s"].satisfaction_rate), r["s"].sat4_n],
            [by_src, f"{src} · {_('Value-added or memorable %')}", _rounded(r["higher_pct"]), None],
        ]
    header = [_("Section"), _("Item"), _("Value"), pgettext_lazy("how many", "Count")]
    name = exports.filename("service-quality")
    if fmt == "csv":
        by_staff = _("By staff member")
        for r in staff_rows:
            lines.append([by_staff, f"{r['staff']} · CSAT %", _rounded(r["csat"]), r["n"]])
            lines.append([by_staff, f"{r['staff']} · NPS", _rounded(r["nps"], units.Unit.POINTS), r["n"]])
        return exports.csv_response(name, header, lines)
    staff_header = [_("Staff"), _("Answers"), "CSAT %", "NPS"]
    staff_lines = [
        [r["staff"], r["n"], _rounded(r["csat"]), _rounded(r["nps"], units.Unit.POINTS)] for r in staff_rows
    ]
    return exports.xlsx_response(
        name, [(_("Service quality"), header, lines), (_("By staff member"), staff_header, staff_lines)]
    )


@require_GET
@staff_view
def quality_formulas(request: ConsoleRequest) -> HttpResponse:
    """The formulas behind the report (the text of docs/quality.md is the reference for people)."""
    if not may_see_reports(request.staff):
        raise Http404
    return render(request, "surveys/formulas.html", {"margin_pct": int(rules.MARGIN_SHARE * 100)})


# --- service recovery ------------------------------------------------------------------------------------

RECOVERY_SHOWS = ("open", "done", "all")


@require_GET
@staff_view
def recovery_list(request: ConsoleRequest) -> HttpResponse:
    """Service recovery: the recovery tasks the user may see (``access.visible_recovery``), open ones first
    by due time, then the done ones (latest first); an open task past its due time is highlighted."""
    show = request.GET.get("show", "open")
    if show not in RECOVERY_SHOWS:
        show = "open"
    qs = visible_recovery(request.staff).select_related("record", "record__customer", "workorder", "assignee")
    if show != "all":
        qs = qs.filter(status=show)
    qs = qs.annotate(
        done_last=Case(When(status=RecoveryTask.Status.DONE, then=Value(1)), default=Value(0))
    ).order_by("done_last", "due_at", "-done_at", "id")
    page = Paginator(qs, settings.KEFU_PAGE_SIZE).get_page(request.GET.get("page") or None)
    now = clock.now()
    rows = list(page.object_list)
    for t in rows:
        t.overdue = t.status == RecoveryTask.Status.OPEN and t.due_at < now  # type: ignore[attr-defined]
    ctx = {
        "page": page,
        "rows": rows,
        "show": show,
        "shows": [("open", _("open")), ("done", _("done")), ("all", _("all"))],
        "here": request.get_full_path(),
    }
    return render(request, "surveys/recovery.html", ctx)


@require_POST
@staff_view
def recovery_done(request: ConsoleRequest, task_id: int) -> HttpResponse:
    """The "Done" dialog: what was done for the customer (required); ``do_finish_recovery``."""
    back = inbox.back_url(request, reverse("console:recovery_list"))
    try:
        actions.do_finish_recovery(request.user, task_id, request.POST.get("note", ""))
    except KefuError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
        return redirect(back)
    messages.success(request, _("Recovery task done."))
    return redirect(back)
