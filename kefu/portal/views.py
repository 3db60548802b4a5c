"""The customer portal (R-5): a customer's own orders and archive, replies and new requests.

Thin views: rows come only from ``access.py`` (``visible_customers``, ``visible_workorders``,
``visible_timeline``, ``visible_attachments``, ``access_attachment``) and changes only from actions
(``do_customer_message``, ``do_portal_submit``). Staff are sent to the console; anonymous users to the
login page; another customer's order or file answers 404, the same as one that does not exist.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.channels import actions
from kefu.commitments import emergency
from kefu.commitments.models import OrderClock
from kefu.customers.access import visible_customers
from kefu.customers.models import Customer
from kefu.fields.panels import order_fields
from kefu.fieldservice.booking import customer_summary as visit_summary
from kefu.lib import clock, ratelimit, transient
from kefu.lib.errors import KefuError, NotFound, TooManyRequests
from kefu.portal import emergency_notice
from kefu.portal.emergency_notice import message as emergency_message
from kefu.portal.forms import PortalReplyForm, PortalSubmitForm
from kefu.web.files import attachment_response
from kefu.web.forms import add_kefu_error
from kefu.workorders import actions as wo_actions
from kefu.workorders import rules as wo_rules
from kefu.workorders.access import (
    access_attachment,
    access_workorder,
    visible_attachments,
    visible_timeline,
    visible_workorders,
)
from kefu.workorders.models import Attachment, StatusChoices, TimelineEntry, WorkOrder

View = Callable[..., HttpResponseBase]

NUMBER_RE = re.compile(r"^GD-\d{8}-\d{6}$", re.IGNORECASE)
OPEN = [s.value for s in wo_rules.OPEN_STATUSES]
RECENT_LIMIT = 10
PAYMENTS_LIMIT = 12
STATUS_LABELS = dict(StatusChoices.choices)


class CustomerRequest(HttpRequest):
    customer: Customer


def portal_view(view: View) -> View:
    """Customers only: anonymous → login, staff → console, a login without a customer record → 403."""

    @login_required
    @wraps(view)
    def wrapper(request: CustomerRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if actions.is_staff_user(request.user):
            return redirect("console:home")
        if actions.portal_customer(request.user) is None:
            return render(request, "portal/no_customer.html", status=403)
        request.customer = visible_customers(request.user).select_related("branch", "area").get()
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc.message)) from exc

    return wrapper


def _max_mb() -> int:
    return max(1, settings.KEFU_MAX_ATTACHMENT_BYTES // (1024 * 1024))


def _unavailable(form: Any, exc: Exception) -> int:
    """A temporary failure (the attachment directory or the database unavailable, ``kefu.lib.transient``):
    nothing was saved; the form comes back as typed with the reason, answered 503. Anything else raises."""
    if not transient.is_temporary(exc):
        raise exc
    form.add_error(
        None,
        _(
            "We cannot save your message right now because of a temporary fault on our side; nothing was "
            "sent. Please try again in a few minutes. Your text is still here; choose the files again."
        ),
    )
    return 503


# ---------------------------------------------------------------------------------------------------
# Home


@require_GET
@portal_view
def home(request: CustomerRequest) -> HttpResponse:
    customer = request.customer
    orders = visible_workorders(request.user).select_related("service").order_by("-updated_at", "-id")
    open_orders = list(orders.filter(status__in=OPEN))
    recent_orders = list(orders.exclude(status__in=OPEN)[:RECENT_LIMIT])
    today = clock.localdate()
    subscriptions = [
        {
            "s": s,
            "expired": s.expiry_date is not None and s.expiry_date < today,
            "expiring": s.expiry_date is not None and today <= s.expiry_date <= today + dt.timedelta(days=30),
        }
        for s in customer.subscriptions.all()
    ]
    payments = [
        {"p": p, "state": _payment_state(p.due_date, p.paid_on, today)}
        for p in customer.payments.all()[:PAYMENTS_LIMIT]
    ]
    return render(
        request,
        "portal/home.html",
        {
            "customer": customer,
            "open_orders": open_orders,
            "recent_orders": recent_orders,
            "subscriptions": subscriptions,
            "payments": payments,
            "contracts": list(customer.contracts.all()[:5]),
            "contact_points": list(customer.contact_points.all()),
            "people": list(customer.people.all()),
        },
    )


def _payment_state(due: dt.date, paid_on: dt.date | None, today: dt.date) -> str:
    """on_time | late | overdue (unpaid past due) | due (not yet due)."""
    if paid_on is not None:
        return "on_time" if paid_on <= due else "late"
    return "overdue" if due < today else "due"


# ---------------------------------------------------------------------------------------------------
# Order page and reply


def _load(request: CustomerRequest, number: str) -> WorkOrder:
    if not NUMBER_RE.match(number):
        raise Http404(_("Work order not found."))
    return access_workorder(request.user, number)


def _timeline(request: CustomerRequest, o: WorkOrder) -> list[dict[str, Any]]:
    entries = list(visible_timeline(request.user, o))
    files: dict[int | None, list[Attachment]] = {}
    for a in visible_attachments(request.user, o):
        files.setdefault(a.entry_id, []).append(a)
    rows = []
    for e in entries:
        row: dict[str, Any] = {"e": e, "files": files.pop(e.pk, [])}
        if e.kind == TimelineEntry.Kind.STATUS:
            row["to_label"] = STATUS_LABELS.get(e.data.get("to", ""), "")
        if e.kind == TimelineEntry.Kind.CUSTOMER:
            row["author"] = _("You")
        elif e.author_staff is not None:
            row["author"] = e.author_staff.name
        else:
            row["author"] = _("Customer service")
        rows.append(row)
    # files not tied to a visible entry (e.g. added on their own)
    loose = [a for group in files.values() for a in group]
    if loose:
        rows.append({"e": None, "files": loose})
    return rows


def service_materials_context(service_id: Any) -> dict[str, Any]:
    service = None
    if service_id and str(service_id).isdigit():
        service = actions.portal_services().filter(pk=int(service_id)).prefetch_related("materials").first()
    return {"chosen_service": service, "materials": list(service.materials.all()) if service else []}


def _clocks(o: WorkOrder) -> list[OrderClock]:
    """The latest round of each of the order's time-limit clocks (due time and status)."""
    latest: dict[str, OrderClock] = {}
    for c in OrderClock.objects.filter(workorder=o).order_by("kind", "round"):
        latest[c.kind] = c
    return list(latest.values())


def _merged(o: WorkOrder) -> dict[str, Any] | None:
    """A merged duplicate's note: the survivor's number, and whether it is the customer's own order (then
    linked); of another customer's survivor nothing else is read or shown."""
    if not o.merged_into_id:
        return None
    row = WorkOrder.objects.filter(pk=o.merged_into_id).values("number", "customer_id").first()
    if row is None:
        return None
    return {"number": row["number"], "own": row["customer_id"] == o.customer_id}


def _render_order(
    request: CustomerRequest, o: WorkOrder, form: PortalReplyForm | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "portal/order_detail.html",
        {
            "o": o,
            "timeline": _timeline(request, o),
            "clocks": _clocks(o),
            "form": form or PortalReplyForm(max_mb=_max_mb()),
            "can_reply": o.status != wo_rules.Status.CLOSED,
            "merged": _merged(o),
            "show_resolution": bool(o.resolution)
            and o.status in (wo_rules.Status.RESOLVED, wo_rules.Status.CLOSED),
            # custom fields marked public (e.g. the 户号, the appointment preference), with a value
            "public_fields": [f for f in order_fields(o)[0] if f["public"] and f["values"]],
            "visit": visit_summary(o),  # the booked visit and who will come
        },
        status=status,
    )


@require_GET
@portal_view
def order_detail(request: CustomerRequest, number: str) -> HttpResponse:
    return _render_order(request, _load(request, number))


@require_POST
@portal_view
def order_reply(request: CustomerRequest, number: str) -> HttpResponse:
    o = _load(request, number)
    form = PortalReplyForm(request.POST, request.FILES, max_mb=_max_mb())
    if form.is_valid():
        try:
            wo_actions.do_customer_message(
                request.user, o.pk, form.cleaned_data["body"], files=form.cleaned_data["files"]
            )
        except KefuError as exc:
            add_kefu_error(form, exc)
        except Exception as exc:
            return _render_order(request, o, form, status=_unavailable(form, exc))
        else:
            messages.success(request, _("Your message was sent."))
            return redirect("portal:order_detail", number=o.number)
    return _render_order(request, o, form, status=400)


@require_GET
@portal_view
def attachment_download(request: CustomerRequest, pk: int) -> FileResponse:
    att = access_attachment(request.user, pk)
    return attachment_response(
        att.file, att.filename, att.content_type, inline=request.GET.get("inline") == "1" and att.previewable
    )


# ---------------------------------------------------------------------------------------------------
# New request


@require_http_methods(["GET", "POST"])
@portal_view
def submit(request: CustomerRequest) -> HttpResponse:
    status = 200
    if request.method == "POST" and request.POST.get("preview"):
        # without JavaScript: "show the documents needed" re-renders the form with what was typed
        form = PortalSubmitForm(initial=request.POST.dict(), max_mb=_max_mb())
    elif request.method == "POST":
        form = PortalSubmitForm(request.POST, request.FILES, max_mb=_max_mb())
        if form.is_valid():
            d = form.cleaned_data
            try:
                o = actions.do_portal_submit(
                    request.user,
                    actions.PortalRequest(
                        request_type=d["order_type"],
                        title=d["title"],
                        description=d["description"],
                        service_id=d["service"].pk if d.get("service") else None,
                        files=d["files"],
                        ip=ratelimit.client_ip(request),
                    ),
                )
            except TooManyRequests as exc:
                add_kefu_error(form, exc)
                status = 429
            except KefuError as exc:
                add_kefu_error(form, exc)
                status = 400
            except Exception as exc:
                status = _unavailable(form, exc)
            else:
                messages.success(
                    request,
                    _("Thank you. Your request was received as %(number)s; we will answer you here.")
                    % {"number": o.number},
                )
                if o.priority == "urgent" and emergency.is_emergency(o):
                    messages.warning(request, emergency_message())
                return redirect("portal:order_detail", number=o.number)
        else:
            status = 400
    else:
        form = PortalSubmitForm(
            initial={"order_type": request.GET.get("type", ""), "service": request.GET.get("service", "")},
            max_mb=_max_mb(),
        )
    service_id = request.POST.get("service") if request.method == "POST" else request.GET.get("service")
    typed = (
        f"{request.POST.get('title', '')}\n{request.POST.get('description', '')}"
        if request.method == "POST"
        else ""
    )
    context = {
        "form": form,
        **service_materials_context(service_id),
        **emergency_notice.context(service_id, typed),
    }
    return render(request, "portal/submit.html", context, status=status)
