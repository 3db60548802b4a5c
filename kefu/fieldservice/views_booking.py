"""Booking pages (R-38): the console's free windows and actions on the order page's "Visit" card, and the
customer's visit page — reached from the portal (signed in, their own orders only: ``kefu.portal.visits``)
or from the signed link in the confirmation and reminder messages (no sign-in, rate-limited).

Thin views: the rows and every change come from ``booking``."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.channels.models import OutboxChannel
from kefu.fieldservice import availability as av
from kefu.fieldservice import booking
from kefu.fieldservice.models import Appointment
from kefu.lib import clock, ratelimit
from kefu.lib.errors import KefuError, NotFound
from kefu.organization.models import Staff
from kefu.web.views import ConsoleRequest, staff_view
from kefu.workorders.access import access_workorder
from kefu.workorders.models import WorkOrder

LINK_VIEWS_PER_HOUR = 120  # page views and actions of visit links per client address
LINK_POSTS_PER_HOUR = 30


def by_day(windows: list[av.Window], tz: Any) -> list[tuple[dt.date, list[av.Window]]]:
    """The windows grouped by local date, in order."""
    days: OrderedDict[dt.date, list[av.Window]] = OrderedDict()
    for w in windows:
        days.setdefault(timezone.localtime(w.start, tz).date(), []).append(w)
    return list(days.items())


def _start(request: HttpRequest) -> dt.datetime | None:
    return av.parse_key(request.POST.get("window", ""))


# --- console ---------------------------------------------------------------------------------------------


def _order_url(order: WorkOrder) -> str:
    return reverse("console:order_detail", args=[order.number]) + "#visit-panel"


@require_GET
@staff_view("order.work")
def windows(request: ConsoleRequest, number: str) -> HttpResponse:
    """The free windows of the order (a fragment loaded into the Visit card; a page without HTMX)."""
    order = access_workorder(request.user, number, related=("branch", "customer"))
    current = booking.open_appointment(order)
    off = booking.offer(order, exclude=current)
    free = [w for w in off.windows if current is None or w.start != current.window_start]
    names = dict(
        Staff.objects.filter(pk__in={i for w in off.windows for i in w.technician_ids}).values_list(
            "pk", "name"
        )
    )
    days = [
        (
            day,
            [
                {"w": w, "who": names.get(w.technician_ids[0], ""), "others": len(w.technician_ids) - 1}
                for w in ws
            ],
        )
        for day, ws in by_day(free, off.calendar.tz)
    ]
    ctx = {
        "order": order,
        "current": current,
        "days": days,
        "tz": off.calendar.tz,
        "missing_year": off.missing_year,
        "action": reverse("console:fs_reschedule", args=[current.pk])
        if current
        else reverse("console:fs_book", args=[order.number]),
    }
    template = (
        "fieldservice/booking/windows.html" if request.htmx else "fieldservice/booking/windows_page.html"
    )
    return render(request, template, ctx)


def _done(request: HttpRequest, order: WorkOrder, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect(_order_url(order))


def _failed(request: HttpRequest, order: WorkOrder, exc: KefuError) -> HttpResponse:
    messages.error(request, str(exc.message))
    return redirect(_order_url(order))


def _technician(request: HttpRequest) -> int | None:
    raw = request.POST.get("technician", "")
    return int(raw) if raw.isdecimal() else None


@require_POST
@staff_view("order.work")
def book(request: ConsoleRequest, number: str) -> HttpResponse:
    order = access_workorder(request.user, number)
    try:
        appt = booking.do_book(
            booking.staff_who(request.user),
            order.pk,
            _start(request),
            technician_id=_technician(request),
            customer_asked=request.POST.get("customer_asked") == "1",
        )
    except KefuError as exc:
        return _failed(request, order, exc)
    return _done(
        request,
        order,
        _("Visit booked: %(when)s") % {"when": booking.window_text(appt, timezone.get_current_timezone())},
    )


def _appointment_order(request: HttpRequest, pk: int) -> WorkOrder:
    row = Appointment.objects.filter(pk=pk).values("order_id").first()
    if row is None:
        raise Http404
    return access_workorder(request.user, row["order_id"])


@require_POST
@staff_view("order.work")
def reschedule(request: ConsoleRequest, pk: int) -> HttpResponse:
    order = _appointment_order(request, pk)
    try:
        appt = booking.do_reschedule(
            booking.staff_who(request.user),
            pk,
            _start(request),
            technician_id=_technician(request),
            customer_asked=request.POST.get("customer_asked") == "1",
        )
    except KefuError as exc:
        return _failed(request, order, exc)
    return _done(
        request,
        order,
        _("Visit moved to %(when)s") % {"when": booking.window_text(appt, timezone.get_current_timezone())},
    )


@require_POST
@staff_view("order.work")
def cancel(request: ConsoleRequest, pk: int) -> HttpResponse:
    order = _appointment_order(request, pk)
    try:
        booking.do_cancel(booking.staff_who(request.user), pk)
    except KefuError as exc:
        return _failed(request, order, exc)
    return _done(
        request,
        order,
        _told(
            order,
            _("The visit was cancelled; the customer is told by SMS."),
            _("The visit was cancelled; the customer is told by e-mail."),
            _("The visit was cancelled. The customer has no mobile number or e-mail: tell them yourself."),
        ),
    )


def _told(order: WorkOrder, by_sms: str, by_email: str, untold: str) -> str:
    """What the page says of the message a change queued: its channel (the outbox sends it; the page never
    claims it already went), or that none could be queued (``booking.route``)."""
    channel, _recipient = booking.route(order, order.customer)
    if channel == OutboxChannel.SMS:
        return by_sms
    return by_email if channel == OutboxChannel.EMAIL else untold


@require_POST
@staff_view("order.work")
def missed(request: ConsoleRequest, pk: int) -> HttpResponse:
    order = _appointment_order(request, pk)
    try:
        booking.do_record_missed(
            request.user, pk, request.POST.get("reason", ""), request.POST.get("note", "")
        )
    except KefuError as exc:
        return _failed(request, order, exc)
    return _done(request, order, _("The missed visit was recorded."))


# --- the customer's visit page (portal and link) ------------------------------------------------------------


def customer_page(
    request: HttpRequest,
    who: booking.Who,
    order: WorkOrder,
    *,
    token: str = "",
    base: str,
    page_url: str,
) -> HttpResponse:
    """The visit page of ``order`` for its customer: the booked window and who will come (name, photo,
    badge), confirm / choose another window / cancel within the rules, or book when nothing is booked.
    ``order`` is already checked to be the customer's (portal) or the link's."""
    error = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        current = booking.open_appointment(order)
        try:
            if action == "book":
                booking.do_book(who, order.pk, _start(request), token=token)
                notice = _told(
                    order,
                    _("Thank you. Your visit is booked. The confirmation follows by SMS."),
                    _("Thank you. Your visit is booked. The confirmation follows by e-mail."),
                    _("Thank you. Your visit is booked."),
                )
            elif action == "reschedule" and current is not None:
                booking.do_reschedule(who, current.pk, _start(request), token=token)
                notice = _told(
                    order,
                    _("Your visit was moved. The new time follows by SMS."),
                    _("Your visit was moved. The new time follows by e-mail."),
                    _("Your visit was moved."),
                )
            elif action == "cancel" and current is not None:
                booking.do_cancel(who, current.pk, token=token)
                notice = _("Your visit was cancelled.")
            elif action == "confirm" and current is not None:
                booking.do_confirm(who, current.pk, token=token)
                notice = _("Thank you for confirming the visit.")
            else:
                raise NotFound(
                    "stale", _("This visit has changed in the meantime. Please look again."), "window"
                )
        except KefuError as exc:
            error, status = str(exc.message), 400
        else:
            messages.success(request, notice)
            return redirect(page_url)
    current = booking.open_appointment(order)
    choosing = request.GET.get("choose") == "1" or current is None or bool(error)
    finished = order.status in ("resolved", "closed") or (
        current is None and not booking.customer_may_book(order)
    )
    off = booking.offer(order, exclude=current) if choosing and not finished else None
    tz = booking.calendar_of(order).tz
    refusal = ""
    if current is not None:
        refusal = av.change_refusal(
            booking.change_rules(), current.window_start, clock.now(), current.reschedules, reschedule=True
        )
    ctx = {
        "base_template": base,
        "order": order,
        "current": current,
        "ident": booking.identification(current) if current else None,
        "window_text": booking.window_text(current, tz) if current else "",
        "days": by_day([w for w in off.windows if current is None or w.start != current.window_start], tz)
        if off
        else [],
        "choosing": choosing and not finished,
        "finished": finished,
        "error": error,
        "tz": tz,
        "page_url": page_url,
        "refusal": refusal,
        "notice_hours": int(booking.change_rules().min_notice.total_seconds() // 3600),
        "max_reschedules": booking.change_rules().max_reschedules,
        "missing_year": off.missing_year if off else None,
    }
    return render(request, "fieldservice/booking/customer_page.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
def visit_link(request: HttpRequest, token: str) -> HttpResponseBase:
    """The page of the link in the confirmation and reminder (no sign-in): a signed, expiring token names
    the order; views and changes are rate-limited per client address."""
    ip = ratelimit.client_ip(request)
    scope = "fs-visit-post" if request.method == "POST" else "fs-visit-view"
    limit = LINK_POSTS_PER_HOUR if request.method == "POST" else LINK_VIEWS_PER_HOUR
    if ratelimit.count(scope, ip) >= limit:
        return render(
            request,
            "fieldservice/booking/link_closed.html",
            {"message": _("Too many attempts from your network. Please try again later.")},
            status=429,
        )
    ratelimit.increment(scope, ip, 3600)
    try:
        order = booking.order_of_token(token)
    except NotFound as exc:
        return render(
            request, "fieldservice/booking/link_closed.html", {"message": str(exc.message)}, status=404
        )
    page = reverse("portal:visit_link", args=[token])
    return customer_page(
        request, booking.link_who(), order, token=token, base="portal/_public.html", page_url=page
    )
