"""Console: loading a year of a business calendar (administrators; R-13).

One page, two steps: the form (calendar, year, source: chinesecalendar, an iCalendar or CSV file, or typed in)
posts ``step=preview`` and gets back every holiday and make-up working day with what would change; the preview
posts ``step=save`` with the days in the canonical text, which ``years.do_load_year`` checks again, saves,
audits and uses to recompute the provisional deadlines.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kefu.commitments import years
from kefu.commitments.models import YearSource
from kefu.lib.errors import KefuError
from kefu.web.views import ConsoleRequest, staff_view

MAX_UPLOAD = 1_000_000


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdecimal() else None


@require_http_methods(["GET", "POST"])
@staff_view("admin")
def calendar_years(request: ConsoleRequest) -> HttpResponseBase:
    calendars = years.calendars_for_loading()
    ctx: dict[str, Any] = {
        "calendars": calendars,
        "sources": YearSource.choices,
        "warnings": years.missing_next_year(),
        "package_years": sorted(years.china_package_years())[-3:],
    }
    chosen = next(
        (c for c in calendars if c.pk == _int(request.POST.get("calendar") or request.GET.get("calendar"))),
        None,
    )
    if chosen is None:
        chosen = next((c for c in calendars if c.name == years.clocks.OFFICE_CALENDAR), None) or (
            calendars[0] if calendars else None
        )
    year = _int(request.POST.get("year") or request.GET.get("year")) or years.default_year(chosen)
    source = request.POST.get("source") or YearSource.CHINESECALENDAR
    ctx.update(calendar=chosen, year=year, source=source, text=request.POST.get("text", ""))
    status = 200
    if request.method == "POST" and chosen is not None:
        step = request.POST.get("step")
        if step == "save":
            try:
                result = years.do_load_year(
                    request.user, chosen.pk, year, source, request.POST.get("days", "")
                )
            except KefuError as exc:
                messages.error(request, str(exc.message))
                status = 400
            else:
                messages.success(
                    request,
                    _(
                        "%(year)d loaded into “%(calendar)s”: %(days)d holidays and make-up days; "
                        "%(clocks)d provisional due times recomputed."
                    )
                    % {
                        "year": result.year,
                        "calendar": result.calendar.name,
                        "days": result.days,
                        "clocks": result.recomputed,
                    },
                )
                return redirect("console:calendar_years")
        else:
            upload = request.FILES.get("file")
            data = None
            if upload is not None:
                if upload.size is not None and upload.size > MAX_UPLOAD:
                    messages.error(request, _("The file is larger than 1 MB."))
                    return render(request, "commitments/calendar_years.html", ctx, status=400)
                data = upload.read()
            ctx["preview"] = years.build_preview(chosen, year, source, upload=data, text=ctx["text"])
            status = 200 if ctx["preview"].ok else 400
    return render(request, "commitments/calendar_years.html", ctx, status=status)
