"""Agent console: work-order queues, the order page and its forms (HTMX, server-rendered).

Thin views: rows come from ``kefu.workorders.access``, every change is exactly one call to an action
in ``kefu.workorders.actions``; a ``KefuError`` is shown next to the field it names.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.audit.models import AuditRecord
from kefu.channels.chat import wecom as chat
from kefu.commitments import clocks
from kefu.commitments.models import OPEN_CLOCK_STATUSES, OrderClock
from kefu.console import forms_orders as f
from kefu.console.paging import CappedPaginator
from kefu.customers.access import access_customer
from kefu.lib import clock
from kefu.lib.errors import Conflict, KefuError, NotFound, ValidationFailed
from kefu.organization.access import areas_of
from kefu.organization.models import Staff
from kefu.web.files import attachment_response
from kefu.web.forms import add_kefu_error
from kefu.web.views import ConsoleRequest, staff_view
from kefu.workorders import actions, hooks, queries
from kefu.workorders import rules as wo_rules
from kefu.workorders.access import (
    access_attachment,
    access_workorder,
    visible_attachments,
    visible_timeline,
    visible_workorders,
)
from kefu.workorders.models import (
    Escalation,
    OrderLink,
    StatusChoices,
    TimelineEntry,
    Transfer,
    WorkOrder,
)

OPEN = queries.OPEN
NUMBER_RE = re.compile(r"^GD-\d{8}-\d{6}$", re.IGNORECASE)
# joined; the small organisation tables are fetched by a query each (kefu.api.render: every join of the
# orders table costs the planner milliseconds at scale)
ORDER_RELATED = ("customer", "owner", "assignee")
ORDER_PREFETCH = ("area", "department")


# ---------------------------------------------------------------------------------------------------
# Queues


TABS: list[tuple[str, Any]] = [
    ("mine", gettext_lazy("My queue")),
    ("owned", gettext_lazy("My responsibilities")),
    ("team", gettext_lazy("Team queue")),
    ("escalated", gettext_lazy("Escalated to me")),
]


def _with_due_clock(qs: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    """Annotate the unit and calendar of the clock that sets each order's due time (no per-row query):
    the queue shows the remaining time as that clock counts it (working time for working-day limits)."""
    due_clock = OrderClock.objects.filter(
        workorder=OuterRef("pk"), status__in=OPEN_CLOCK_STATUSES, due_at=OuterRef("due_at")
    ).order_by("id")
    return qs.annotate(
        due_unit=Subquery(due_clock.values("unit")[:1]),
        due_calendar=Subquery(due_clock.values("calendar_id")[:1]),
    )


def queue_filters(request: ConsoleRequest) -> tuple[str, f.QueueFilterForm, dict[str, Any]]:
    """The queue tab and filters of the request (the queue page and its export share them)."""
    tab = request.GET.get("tab", "mine")
    if tab not in dict(TABS):
        tab = "mine"
    form = f.QueueFilterForm(request.GET or None, areas=areas_of(request.staff))
    filters: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        filters = {k: v for k, v in form.cleaned_data.items() if v not in (None, "", False)}
    return tab, form, filters


def filtered_queue(qs: QuerySet[WorkOrder], filters: dict[str, Any], now: dt.datetime) -> QuerySet[WorkOrder]:
    """Apply the queue filters and sort to a tab's orders."""
    area = filters.get("area")
    chosen = queries.OrderFilter(
        status=filters.get("status", ""),
        order_type=filters.get("order_type", ""),
        priority=filters.get("priority", ""),
        channel=filters.get("channel", ""),
        area_id=area.pk if area is not None else None,
        overdue=True if filters.get("overdue") else None,
        q=filters.get("q", "").strip(),
    )
    rows = (
        queries.filter_orders(qs, chosen, now)
        .select_related(*ORDER_RELATED)
        .prefetch_related(*ORDER_PREFETCH)
    )
    return queries.queue_sort(_with_due_clock(rows), filters.get("sort", "due_at"))


@require_GET
@staff_view
def queue(request: ConsoleRequest) -> HttpResponse:
    staff: Staff = request.staff
    tab, form, filters = queue_filters(request)
    q = filters.get("q", "").strip()
    if q and NUMBER_RE.match(q):
        hit = (
            visible_workorders(request.user).filter(number=q.upper()).values_list("number", flat=True).first()
        )
        if hit and not request.htmx:
            return redirect("console:order_detail", key=hit)
    querysets = queries.queue_tabs(request.user, staff)
    now = clock.now()
    qs = filtered_queue(querysets[tab], filters, now)
    # a search counts at most 1,000 matches (a common word matches a fifth of a million orders)
    paginator: Paginator = (
        CappedPaginator(qs, settings.KEFU_PAGE_SIZE, q) if q else Paginator(qs, settings.KEFU_PAGE_SIZE)
    )
    page = paginator.get_page(request.GET.get("page"))
    for row in page.object_list:
        row.remaining = clocks.remaining_until(  # type: ignore[attr-defined]
            getattr(row, "due_unit", None), getattr(row, "due_calendar", None), row.due_at, now
        )
    params: dict[str, str | int] = {
        k: v for k in request.GET if k != "page" and (v := request.GET.get(k, ""))
    }
    params["tab"] = tab
    ctx = {
        "tab": tab,
        "tabs": TABS,
        "form": form,
        "page": page,
        "now": now,
        "query_string": urlencode(params),
        "poll_url": request.path + "?" + urlencode({**params, "page": page.number}),
        "filtered": bool(filters.keys() - {"sort"}),
    }
    # the tab counts are also refreshed by the poll (out-of-band swap in _queue_table.html)
    ctx["tab_counts"] = {name: querysets[name].count() for name, _label in TABS}
    if request.htmx:
        return render(request, "console/orders/_queue_table.html", ctx)
    return render(request, "console/orders/queue.html", ctx)


# ---------------------------------------------------------------------------------------------------
# Order page


def load_order(request: ConsoleRequest, key: str) -> WorkOrder:
    """The order if visible to the user (404 otherwise), with what the header shows."""
    o = access_workorder(request.user, key)
    return (
        WorkOrder.objects.select_related(
            *ORDER_RELATED,
            *ORDER_PREFETCH,
            "service",
            "branch",
            "merged_into",
            "last_reply_by",
            "customer__area",
        )
        .filter(pk=o.pk)
        .get()
    )


STATUS_LABELS = dict(StatusChoices.choices)


def _timeline(request: ConsoleRequest, o: WorkOrder) -> list[TimelineEntry]:
    entries = list(visible_timeline(request.user, o))
    files: dict[int, list[Any]] = {}
    attachments = list(visible_attachments(request.user, o))
    for att in attachments:
        if att.entry_id:
            files.setdefault(att.entry_id, []).append(att)
    for e in entries:
        data = e.data or {}
        e.files = files.get(e.pk, [])  # type: ignore[attr-defined]
        e.from_label = STATUS_LABELS.get(data.get("from", ""), data.get("from", ""))  # type: ignore[attr-defined]
        e.to_label = STATUS_LABELS.get(data.get("to", ""), data.get("to", ""))  # type: ignore[attr-defined]
    o.attachment_list = attachments  # type: ignore[attr-defined]
    return entries


def _capabilities(staff: Staff, o: WorkOrder) -> dict[str, bool]:
    return {
        "reply": staff.can("order.reply"),
        "note": staff.can("order.note"),
        "work": staff.can("order.work") or staff.can("order.reopen") or staff.pk == o.owner_id,
        "transfer": staff.can("order.transfer") and o.is_open,
        "escalate": staff.can("order.escalate") and o.status != wo_rules.Status.CLOSED,
        "link": staff.can("order.link"),
        "merge": staff.can("order.merge") and o.status != wo_rules.Status.CLOSED,
        "edit": staff.can("order.work"),
    }


# which capability flag shows each form on the page
FORM_CAPABILITY = {
    "reply": "reply",
    "note": "note",
    "status": "work",
    "transfer": "transfer",
    "escalate": "escalate",
    "link": "link",
    "merge": "merge",
    "edit": "edit",
}


def _form_shown(name: str, form: Any, can: dict[str, bool]) -> bool:
    """Whether the page shows form ``name`` (the same conditions as detail.html): the capability, and
    for the status form at least one status to choose (a merged duplicate has none)."""
    if not can.get(FORM_CAPABILITY[name], False):
        return False
    return name != "status" or bool(form.fields["status"].choices)


def _default_forms(o: WorkOrder) -> dict[str, Any]:
    v = {"version": o.version}
    return {
        "reply": f.ReplyForm(initial=v),
        "note": f.NoteForm(),
        "status": f.StatusForm(initial=v, order=o),
        "transfer": f.TransferForm(initial=v, order=o),
        "escalate": f.EscalateForm(),
        "link": f.LinkForm(),
        "merge": f.MergeForm(),
        "edit": f.EditForm(order=o),
    }


def render_order(
    request: ConsoleRequest,
    o: WorkOrder,
    *,
    bound: dict[str, Any] | None = None,
    conflict: bool = False,
    status: int = 200,
) -> HttpResponse:
    """The order page; also what a feature app's order-page form answers with on an error (e.g. complaints)."""
    staff: Staff = request.staff
    user = request.user
    forms = _default_forms(o)
    forms.update(bound or {})
    visible = visible_workorders(user)
    links = [
        (link, link.target if link.source_id == o.pk else link.source)
        for link in OrderLink.objects.filter(
            Q(source=o, target__in=visible) | Q(target=o, source__in=visible)
        ).select_related("source", "target")
    ]
    customer = o.customer
    can = _capabilities(staff, o)
    page_errors: list[str] = []
    for name, form in (bound or {}).items():
        if not _form_shown(name, form, can):
            # the page does not show this form, so its messages go above the page
            page_errors += [str(e) for errors in form.errors.values() for e in errors]
    ctx = {
        "o": o,
        "customer": customer,
        "open_orders": visible.filter(customer_id=customer.pk, status__in=OPEN).count(),
        "timeline": _timeline(request, o),
        "transfers": list(
            Transfer.objects.filter(workorder=o).select_related(
                "by", "from_staff", "from_department", "to_staff", "to_department"
            )
        ),
        "escalations": list(Escalation.objects.filter(workorder=o).select_related("raised_by", "leader")),
        "audit": list(AuditRecord.objects.filter(workorder_id=o.pk).order_by("-at", "-id")[:50]),
        "links": links,
        "merged_orders": list(visible.filter(merged_into=o).only("id", "number", "title")),
        "receivers": list(Staff.objects.filter(pk__in=o.receivers.values("staff_id")).order_by("-grade")),
        "forms": forms,
        "can": can,
        "page_errors": page_errors,
        "conflict": conflict,
        "now": clock.now(),
        "active_form": next(iter(bound)) if bound else "",
        "panels": hooks.order_panels(request, o),  # cards of the feature apps (follow-up, surveys, ...)
    }
    return render(request, "console/orders/detail.html", ctx, status=status)


@require_GET
@staff_view
def order_detail(request: ConsoleRequest, key: str) -> HttpResponse:
    return render_order(request, load_order(request, key))


def order_page_answer(request: ConsoleRequest, key: str, status: int) -> HttpResponse:
    """The order page as the answer to a feature app's panel form (registered in ``kefu.web.order_page``)."""
    return render_order(request, load_order(request, key), status=status)


def _form_post(
    request: ConsoleRequest,
    key: str,
    name: str,
    form: Any,
    call: Callable[[Any], Any],
    *,
    aliases: dict[str, str] | None = None,
    success: str,
) -> HttpResponse:
    """Validate ``form``, run the one action ``call(cleaned_data)``; errors go next to their field."""
    o = load_order(request, key)
    conflict = False
    if form.is_valid():
        try:
            result = call(form.cleaned_data)
        except Conflict as exc:
            conflict = True
            add_kefu_error(form, exc, aliases)
        except KefuError as exc:
            add_kefu_error(form, exc, aliases)
        else:
            messages.success(request, success)
            target = result if isinstance(result, WorkOrder) and name == "merge" else o
            url = reverse("console:order_detail", kwargs={"key": target.number})
            if request.htmx:
                resp = HttpResponse(status=204)
                resp["HX-Redirect"] = url
                return resp
            return redirect(url)
    o = load_order(request, key)  # fresh after a rolled-back action
    if "version" in form.fields:
        # show the latest state and let the user resubmit deliberately against it
        data = form.data.copy()
        data["version"] = o.version
        form.data = data
    return render_order(request, o, bound={name: form}, conflict=conflict, status=409 if conflict else 400)


def _version(d: dict[str, Any]) -> int | None:
    v = d.get("version")
    return int(v) if v is not None else None


@require_POST
@staff_view
def order_reply(request: ConsoleRequest, key: str) -> HttpResponse:
    form = f.ReplyForm(request.POST, request.FILES)
    # a chat order's reply goes out through the chat gateway
    is_chat = load_order(request, key).channel == "chat"

    def send(d: dict[str, Any]) -> Any:
        if is_chat:
            return _send_chat(d)
        try:
            entry = actions.do_reply(
                request.user,
                key,
                d["body"],
                files=d["files"],
                expected_version=_version(d),
                override_reason=d.get("override_reason") or "",
                source="console",
            )
        except ValidationFailed as exc:
            if exc.code == "forbidden_phrase":  # the page shows the matches and asks for a reason
                form.standards_matches = exc.extra.get("matches")  # type: ignore[attr-defined]
            raise
        for warning in getattr(entry, "check_data", {}).get("warnings", []):  # e.g. a missing greeting
            messages.warning(request, warning)
        return entry

    def _send_chat(d: dict[str, Any]) -> Any:
        """A chat order's reply leaves through the chat gateway (WeCom shape), text only."""

        if d.get("files"):
            raise ValidationFailed(
                "chat_text_only",
                _("Chat replies carry text only; send files by e-mail or the portal."),
                "files",
            )
        try:
            return chat.send_reply(
                request.user, key, d["body"], override_reason=d.get("override_reason") or ""
            )
        except ValidationFailed as exc:
            if exc.code == "forbidden_phrase":
                form.standards_matches = exc.extra.get("matches")  # type: ignore[attr-defined]
            raise
        except chat.ChatGatewayError as exc:
            raise ValidationFailed(
                "chat_gateway",
                _("The chat service did not take the reply; nothing was sent: %(error)s") % {"error": exc},
                "body",
            ) from exc

    return _form_post(request, key, "reply", form, send, success=_("Reply sent."))


@require_POST
@staff_view
def order_note(request: ConsoleRequest, key: str) -> HttpResponse:
    form = f.NoteForm(request.POST, request.FILES)
    return _form_post(
        request,
        key,
        "note",
        form,
        lambda d: actions.do_note(request.user, key, d["body"], files=d["files"]),
        success=_("Note added."),
    )


@require_POST
@staff_view
def order_transition(request: ConsoleRequest, key: str) -> HttpResponse:
    form = f.StatusForm(request.POST, order=load_order(request, key))
    return _form_post(
        request,
        key,
        "status",
        form,
        lambda d: actions.do_transition(
            request.user,
            key,
            d["status"],
            reason=d.get("reason") or "",
            resolution=d.get("resolution") or "",
            close_reason=d.get("close_reason") or "",
            expected_version=_version(d),
        ),
        success=_("Status changed."),
    )


@require_POST
@staff_view
def order_transfer(request: ConsoleRequest, key: str) -> HttpResponse:
    form = f.TransferForm(request.POST, order=load_order(request, key))
    return _form_post(
        request,
        key,
        "transfer",
        form,
        lambda d: actions.do_transfer(
            request.user,
            key,
            to_staff_id=d["to_staff"].pk if d.get("to_staff") else None,
            to_department_id=d["to_department"].pk if d.get("to_department") else None,
            reason=d.get("reason") or "",
            expected_version=_version(d),
        ),
        success=_("Order transferred; you stay its first-contact owner if you were."),
    )


@require_POST
@staff_view
def order_escalate(request: ConsoleRequest, key: str) -> HttpResponse:
    form = f.EscalateForm(request.POST)
    return _form_post(
        request,
        key,
        "escalate",
        form,
        lambda d: actions.do_escalate(
            request.user, key, d.get("reason") or "", to_president=bool(d.get("to_president"))
        ),
        success=_("Order escalated."),
    )


@require_POST
@staff_view
def order_link(request: ConsoleRequest, key: str) -> HttpResponse:
    form = f.LinkForm(request.POST)

    def call(d: dict[str, Any]) -> Any:
        other = (d.get("other") or "").strip()
        if not other:
            raise ValidationFailed("required", _("Enter an order number."), "other")
        return actions.do_link(request.user, key, other)

    return _form_post(
        request, key, "link", form, call, aliases={"workorder": "other"}, success=_("Orders linked.")
    )


@require_POST
@staff_view
def order_merge(request: ConsoleRequest, key: str) -> HttpResponse:
    form = f.MergeForm(request.POST)

    def call(d: dict[str, Any]) -> Any:
        survivor = (d.get("survivor") or "").strip()
        if not survivor:
            raise ValidationFailed("required", _("Enter an order number."), "survivor")
        return actions.do_merge(request.user, key, survivor, d.get("reason") or "")

    return _form_post(
        request,
        key,
        "merge",
        form,
        call,
        aliases={"workorder": "survivor", "duplicate": "survivor"},
        success=_("Order merged."),
    )


@require_POST
@staff_view
def order_edit(request: ConsoleRequest, key: str) -> HttpResponse:
    form = f.EditForm(request.POST, order=load_order(request, key))
    return _form_post(
        request,
        key,
        "edit",
        form,
        lambda d: actions.do_update_order(request.user, key, form.changes(), expected_version=_version(d)),
        success=_("Order saved."),
    )


@require_GET
@staff_view
def order_presence(request: ConsoleRequest, key: str) -> HttpResponse:
    """Polled by the order page: who else is viewing it, and whether it changed since it was opened."""
    o = access_workorder(request.user, key)
    others = actions.touch_presence(request.staff, o)
    try:
        seen = int(request.GET.get("v", ""))
    except ValueError:
        seen = o.version
    changed = o.version > seen
    if changed:
        o = WorkOrder.objects.select_related("last_reply_by").get(pk=o.pk)
    return render(
        request,
        "console/orders/_presence.html",
        {"others": others, "changed": changed, "o": o, "seen_version": seen},
    )


@require_GET
@staff_view
def attachment_download(request: ConsoleRequest, pk: int) -> FileResponse:
    att = access_attachment(request.user, pk)
    return attachment_response(att.file, att.filename, att.content_type)


# ---------------------------------------------------------------------------------------------------
# Create


@require_http_methods(["GET", "POST"])
@staff_view
def order_create(request: ConsoleRequest) -> HttpResponse:
    staff: Staff = request.staff
    customer_id = request.GET.get("customer") or request.POST.get("customer")
    if not customer_id:
        return render(request, "console/orders/create.html", {"customer": None}, status=400)
    customer = access_customer(request.user, customer_id)
    order_type = request.POST.get("order_type") or request.GET.get("order_type") or None
    if request.method == "POST":
        form = f.OrderCreateForm(request.POST, branch_id=customer.branch_id, me=staff, order_type=order_type)
        if form.is_valid():
            d = form.cleaned_data
            try:
                o = actions.do_create_order(
                    request.user,
                    customer.pk,
                    actions.OrderInput(
                        order_type=d.get("order_type") or "",
                        title=d.get("title") or "",
                        description=d.get("description") or "",
                        channel=d.get("channel") or "phone",
                        service_id=d["service"].pk if d.get("service") else None,
                        area_id=d["area"].pk if d.get("area") else None,
                        priority=d.get("priority") or "",
                        co_receiver_ids=[s.pk for s in d.get("co_receivers") or []],
                        assignee_id=d["assignee"].pk if d.get("assignee") else None,
                        department_id=d["department"].pk if d.get("department") else None,
                        outlet_id=d["outlet"].pk if d.get("outlet") else None,
                    ),
                )
            except KefuError as exc:
                add_kefu_error(form, exc)
            else:
                messages.success(request, _("Work order %(number)s created.") % {"number": o.number})
                return redirect("console:order_detail", key=o.number)
        status = 400
    else:
        form = f.OrderCreateForm(
            initial={"area": customer.area_id, "channel": "phone", "order_type": order_type or ""},
            branch_id=customer.branch_id,
            me=staff,
            order_type=order_type,
        )
        status = 200
    return render(request, "console/orders/create.html", {"customer": customer, "form": form}, status=status)


@require_GET
@staff_view
def service_options(request: ConsoleRequest) -> HttpResponse:
    """HTMX: the <option>s of the service select for the chosen order type."""
    staff: Staff = request.staff
    form = f.OrderCreateForm(branch_id=0, me=staff, order_type=request.GET.get("order_type") or None)
    return render(request, "console/orders/_service_options.html", {"field": form["service"]})


# ---------------------------------------------------------------------------------------------------
# Escalations


def _escalations(request: ConsoleRequest, staff: Staff, scope: str) -> QuerySet[Escalation]:
    qs = Escalation.objects.filter(
        handled_at__isnull=True, workorder__in=visible_workorders(request.user)
    ).select_related("workorder", "workorder__customer", "raised_by", "leader")
    if scope != "all" or not staff.can("order.handle_escalation"):
        qs = qs.filter(leader=staff)
    return qs.order_by("created_at", "id")


def _render_escalations(
    request: ConsoleRequest, staff: Staff, *, bound: tuple[int, Any] | None = None, status: int = 200
) -> HttpResponse:
    scope = request.GET.get("scope", "mine")
    rows = list(_escalations(request, staff, scope))
    for esc in rows:
        if bound and bound[0] == esc.pk:
            esc.form = bound[1]  # type: ignore[attr-defined]
        else:
            esc.form = f.HandleEscalationForm(auto_id=f"esc{esc.pk}-%s")  # type: ignore[attr-defined]
    recent = (
        Escalation.objects.filter(leader=staff, handled_at__isnull=False)
        .select_related("workorder")
        .order_by("-handled_at")[:20]
    )
    ctx = {
        "rows": rows,
        "scope": scope,
        "can_all": staff.can("order.handle_escalation"),
        "recent": list(recent),
    }
    return render(request, "console/orders/escalations.html", ctx, status=status)


@require_GET
@staff_view
def escalations(request: ConsoleRequest) -> HttpResponse:
    return _render_escalations(request, request.staff)


@require_POST
@staff_view
def escalation_handle(request: ConsoleRequest, pk: int) -> HttpResponse:
    form = f.HandleEscalationForm(request.POST, auto_id=f"esc{pk}-%s")
    form.is_valid()
    try:
        esc = actions.do_handle_escalation(request.user, pk, form.cleaned_data.get("response") or "")
    except NotFound:
        raise
    except KefuError as exc:
        add_kefu_error(form, exc)
        return _render_escalations(request, request.staff, bound=(pk, form), status=400)
    messages.success(request, _("Escalation of %(number)s handled.") % {"number": esc.workorder.number})
    query = urlencode({"scope": request.GET.get("scope", "mine")})
    return redirect(reverse("console:escalations") + "?" + query)
