"""Console: the retention table (administrators): the period of every kind of data, editable, each change
audited; the recent runs of the retention job (docs/privacy.md, "Retention")."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kefu.lib.errors import KefuError
from kefu.retention import actions
from kefu.retention.kinds import KINDS
from kefu.retention.models import RetentionRun
from kefu.web.views import ConsoleRequest, staff_view


@require_http_methods(["GET", "POST"])
@staff_view("admin")
def retention_periods(request: ConsoleRequest) -> HttpResponseBase:
    status = 200
    error_kind, error = "", ""
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        try:
            row = actions.do_set_period(request.user, kind, request.POST.get("days", ""))
        except KefuError as exc:
            error_kind, error, status = kind, str(exc.message), 400
        else:
            label = KINDS[row.kind].label
            if row.days:
                messages.success(
                    request, _("%(kind)s: kept %(days)d days.") % {"kind": label, "days": row.days}
                )
            else:
                messages.success(request, _("%(kind)s: kept for ever.") % {"kind": label})
            return redirect("console:retention_periods")
    ctx = {
        "rows": actions.periods(),
        "runs": RetentionRun.objects.all()[:30],
        "error_kind": error_kind,
        "error": error,
        "posted_days": request.POST.get("days", ""),
    }
    return render(request, "retention/periods.html", ctx, status=status)
