"""Privacy pages (mounted under the console at /privacy/): revealing a masked field with a reason (HTMX),
a customer's access record, and the unusual-access report (docs/privacy.md)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from kefu.customers.access import access_customer
from kefu.lib import clock, masking
from kefu.lib.errors import KefuError, PermissionDenied
from kefu.organization.models import Staff
from kefu.privacy import queries, records, rules
from kefu.privacy.models import RevealReason
from kefu.web.views import ConsoleRequest, staff_view

RECORD_MONTHS = 6  # "who looked at this customer in the last 6 months"


@require_POST
@staff_view
def reveal(request: ConsoleRequest, pk: int, field: str) -> HttpResponse:
    """Reveal one field (the HTMX answer replaces the masked value with the full one); an error answers
    the masked value again with the message, 400 (or 403 without the capability)."""
    reason = request.POST.get("reason", "")
    text = request.POST.get("reason_text", "")
    ctx = {"customer_id": pk, "field": field, "reasons": RevealReason.choices, "reason": reason, "text": text}
    try:
        c = records.do_reveal(request.user, pk, field, reason, text, where=request.path)
    except PermissionDenied as exc:
        return render(request, "privacy/_field.html", {**ctx, "error": exc.message}, status=403)
    except KefuError as exc:
        if exc.code == "not_found":
            raise
        c = access_customer(request.user, pk)
        kind = rules.REVEALABLE.get(field)
        masked = masking.mask(kind, str(getattr(c, field) or "")) if kind else ""
        ctx.update(masked=masked, can_reveal=True, error=exc.message)
        return render(request, "privacy/_field.html", ctx, status=400)
    value = str(getattr(c, field) or "")
    tel = c.phone_e164 if field == "phone" else ""
    ctx.update(value=value, revealed=True, tel=tel)
    return render(request, "privacy/_field.html", ctx)


@require_GET
@staff_view(rules.AUDIT)
def customer_access(request: ConsoleRequest, pk: int) -> HttpResponse:
    """Who looked at this customer in the last months (6 by default, ``?months=``), newest first, paged."""
    c = access_customer(request.user, pk)
    try:
        months = max(1, min(int(request.GET.get("months", RECORD_MONTHS)), 120))
    except ValueError:
        months = RECORD_MONTHS
    since = clock.now() - dt.timedelta(days=round(months * 30.44))
    qs = queries.customer_records(c.pk, since)
    page = Paginator(qs, settings.KEFU_PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {"c": c, "page": page, "months": months, "since": since}
    return render(request, "privacy/customer_access.html", ctx)


@require_GET
@staff_view(rules.AUDIT)
def unusual_access(request: ConsoleRequest) -> HttpResponse:
    """The staff who opened many customers outside their branch or area on a day
    (``KEFU_UNUSUAL_ACCESS_THRESHOLD`` distinct customers or more; ``?threshold=`` for this page)."""
    staff: Staff = request.staff
    try:
        day = dt.date.fromisoformat(request.GET.get("day", "")) if request.GET.get("day") else None
    except ValueError:
        day = None
    day = day or clock.localdate()
    try:
        threshold = max(1, int(request.GET.get("threshold", settings.KEFU_UNUSUAL_ACCESS_THRESHOLD)))
    except ValueError:
        threshold = int(settings.KEFU_UNUSUAL_ACCESS_THRESHOLD)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = start + dt.timedelta(days=1)
    scope = Staff.objects.all()
    if not staff.sees_all_branches and staff.branch_id is not None:
        scope = scope.filter(branch_id=staff.branch_id)
    rows = queries.unusual_access(start, end, threshold, scope)
    ctx = {"rows": rows, "day": day, "threshold": threshold, "previous": day - dt.timedelta(days=1)}
    return render(request, "privacy/unusual.html", ctx)
