"""The staffing table (Erlang C next to the roster) for supervisors; shown in the knowledge section's tabs
(``/knowledge/staffing/``, mounted by the console's URLs)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from kefu.lib import clock, exports
from kefu.organization.access import branches_of
from kefu.reports import staffing
from kefu.web.views import ConsoleRequest, staff_view


class StaffingForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    weekday = forms.TypedChoiceField(
        label=_("Weekday"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[
            ("", _("every day")),
            ("0", _("Monday")),
            ("1", _("Tuesday")),
            ("2", _("Wednesday")),
            ("3", _("Thursday")),
            ("4", _("Friday")),
            ("5", _("Saturday")),
            ("6", _("Sunday")),
        ],
    )
    source = forms.ChoiceField(
        label=_("Count"),
        choices=[
            ("calls", _("phone calls")),
            ("contacts", _("other inbound contacts")),
            ("both", _("calls and other contacts")),
        ],
        initial="calls",
    )
    aht = forms.IntegerField(label=_("Average handling time (s)"), min_value=1, max_value=7200, initial=180)
    level = forms.IntegerField(label=_("Service level target (%)"), min_value=1, max_value=99, initial=80)
    seconds = forms.IntegerField(label=_("… answered within (s)"), min_value=0, max_value=3600, initial=20)
    shrinkage = forms.IntegerField(label=_("Shrinkage (%)"), min_value=0, max_value=90, initial=30)
    branch = forms.TypedChoiceField(label=_("Branch"), coerce=int, empty_value=None, required=False)

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if d.get("start") and d.get("end"):
            if d["end"] < d["start"]:
                self.add_error("end", _("The end is before the start."))
            elif (d["end"] - d["start"]).days > 366:
                self.add_error("end", _("Choose at most one year."))
        return d


@require_GET
@staff_view("staffing.view")
def staffing_page(request: ConsoleRequest) -> HttpResponseBase:
    today = clock.localdate()
    defaults = {
        "start": (today - dt.timedelta(days=28)).isoformat(),
        "end": (today - dt.timedelta(days=1)).isoformat(),
        "weekday": "",
        "source": "calls",
        "aht": "180",
        "level": "80",
        "seconds": "20",
        "shrinkage": "30",
        "branch": "",
    }
    data = {k: request.GET.get(k, v) for k, v in defaults.items()}
    form = StaffingForm(data)
    branches = list(branches_of(request.staff))
    form.fields["branch"].choices = [("", _("all my branches"))] + [(str(b.pk), b.name) for b in branches]  # type: ignore[attr-defined]
    rows: list[staffing.Row] = []
    days = 0
    aht: int | None = None
    if form.is_valid():
        d = form.cleaned_data
        p = staffing.Params(
            start=d["start"],
            end=d["end"],
            weekday=d["weekday"],
            aht_seconds=d["aht"],
            target_level=d["level"] / 100,
            target_seconds=d["seconds"],
            shrinkage=d["shrinkage"] / 100,
            source=d["source"],
        )
        scope = staffing.branch_scope(request.staff, d["branch"])
        if scope is None and not (request.staff.sees_all_branches or request.staff.branch_id is None):
            scope = [b.pk for b in branches]
        rows = staffing.table(p, scope)
        days = len(staffing.matching_days(p))
        aht = staffing.measured_aht(p, scope)
        fmt = exports.requested(request)
        if fmt:
            return _export_staffing(fmt, rows)
    ctx = {
        "export_links": exports.links(request),
        "form": form,
        "rows": rows,
        "days": days,
        "measured_aht": aht,
        "short": sum(1 for r in rows if r.gap < 0),
        "busy": [r for r in rows if r.arrivals or r.rostered],
    }
    return render(request, "reports/staffing.html", ctx)


def _export_staffing(fmt: str, rows: list[staffing.Row]) -> HttpResponseBase:
    """Every half hour of the day: arrivals, Erlangs, agents needed (Erlang C), the service level they
    reach, rostered needed after shrinkage, rostered, difference."""
    header = [_("Half hour"), _("Arrivals (average)"), _("Erlangs"), _("Agents needed"), _("Service level %"),
              _("Rostered needed"), _("Rostered"), _("Difference")]  # fmt: skip
    lines = [
        [
            r.label,
            r.arrivals,
            r.traffic,
            r.agents,
            round(100 * r.service_level, 1),
            r.needed,
            r.rostered,
            r.gap,
        ]
        for r in rows
    ]
    return exports.respond(fmt, exports.filename("staffing"), _("Staffing"), header, lines)
