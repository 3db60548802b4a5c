"""Agent console: work-order queues, the order page and its forms (HTMX, server-rendered).

Thin views: rows come from ``kefu.workorders.access``, every change is exactly one call to an action
in ``kefu.workorders.actions``; a ``KefuError`` is shown next to the field it names.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import router
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, JSONObject, Substr
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.audit import labels as audit_labels
from kefu.audit.models import AuditRecord
from kefu.channels.chat import wecom as chat
from kefu.channels.cti import calls as cti
from kefu.channels.models import Call, OutboxMessage
from kefu.commitments import clocks
from kefu.commitments.models import OPEN_CLOCK_STATUSES, ClockKindChoices, OrderClock
from kefu.console import forms_orders as f
from kefu.console.paging import CappedPaginator
from kefu.customers.access import access_customer
from kefu.customers.models import ContactPoint
from kefu.customers.rules import is_mobile
from kefu.fields import queries as field_queries
from kefu.incidents import panels as incident_panels
from kefu.lib import clock, json_rows
from kefu.lib.durations import TimeLeft
from kefu.lib.errors import Conflict, KefuError, ValidationFailed
from kefu.lib.json_rows import JSONRows
from kefu.lib.prepared import Prepared
from kefu.lib.replica import searches_from_replica
from kefu.macros import rules as macro_rules
from kefu.macros import saved as saved_views
from kefu.macros.forms import COLUMN_LABELS
from kefu.organization import config_cache
from kefu.organization.access import areas_of, staff_of
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
    ("sentback", gettext_lazy("Sent back to me")),
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
        due_warn_at=Subquery(due_clock.values("warn_at")[:1]),
    )


def mark_deadline(row: WorkOrder, now: dt.datetime) -> None:
    """Set what a queue row shows of its deadline (rows annotated by ``_with_due_clock``): ``time_left``
    (``kefu.lib.durations.TimeLeft`` or None), ``overdue`` (due time passed, still open) and ``due_soon``
    (inside the warning window of its clock, R-16)."""
    is_open = row.is_open
    unit = getattr(row, "due_unit", None)
    left = None
    if is_open and row.due_at is not None:
        if unit is None:  # a due time no clock sets (set by hand or imported): a plain instant, clock time
            left = TimeLeft(row.due_at - now)
        else:  # None when the calendar lacks the year (the order page says so)
            left = clocks.time_left(unit, getattr(row, "due_calendar", None), row.due_at, now)
    row.time_left = left  # type: ignore[attr-defined]
    row.overdue = bool(is_open and row.due_at is not None and row.due_at < now)  # type: ignore[attr-defined]
    warn_at = getattr(row, "due_warn_at", None)
    row.due_soon = bool(  # type: ignore[attr-defined]
        is_open and not row.overdue and warn_at is not None and warn_at <= now  # type: ignore[attr-defined]
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
        # tags and custom fields: ``tag`` / ``field.<key>`` of the URL, and the form's field + value pair
        params: dict[str, list[str]] = {
            k: request.GET.getlist(k) for k in request.GET if k.startswith("field.")
        }
        if filters.get("tag"):
            params["tag"] = [filters["tag"]]
        if filters.get("cf_key") and filters.get("cf_value"):  # a key, or a field's label as offered
            key = field_queries.key_of(filters["cf_key"])
            params.setdefault(f"field.{key}", []).append(filters["cf_value"])
        try:
            extra = field_queries.parse(params)
        except KefuError as exc:
            form.add_error(None, str(exc.message))
        else:
            if extra:
                filters["fields"] = extra
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
    rows = queries.filter_orders(qs, chosen, now)
    if chosen.q:  # an exact custom-field value (a meter number, 户号) finds its orders too
        rows = field_queries.search_with_values(
            queries.filter_orders(qs, dataclasses.replace(chosen, q=""), now), rows, chosen.q
        )
    if filters.get("fields"):
        rows = field_queries.filter_orders(rows, filters["fields"])
    rows = rows.select_related(*ORDER_RELATED).prefetch_related(*ORDER_PREFETCH)
    return queries.queue_sort(_with_due_clock(rows), filters.get("sort", queries.DEFAULT_QUEUE_SORT))


@require_GET
@staff_view
@searches_from_replica
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
        mark_deadline(row, now)
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
    ctx["tab_counts"] = queries.tab_counts(
        request.user, staff, {name: querysets[name] for name, _label in TABS}
    )
    # a saved view (docs/macros.md): its filters are in the URL as any filter; it adds its columns
    view_id = request.GET.get("view", "")
    active_view = None
    if view_id.isdigit() and len(view_id) < 10:
        active_view = saved_views.visible_views(staff).filter(pk=int(view_id)).first()
    ctx["active_view"] = active_view
    ctx["columns"] = active_view.columns if active_view is not None else list(macro_rules.VIEW_COLUMNS)
    if request.htmx:
        return render(request, "console/orders/_queue_table.html", ctx)
    # the saved views' menu and its counts load after the page (kefu.macros.views.view_menu)
    ctx["may_share"] = staff.can("queue.share")
    ctx["active_view_editable"] = active_view is not None and saved_views.may_edit(staff, active_view)
    ctx["view_params"] = [
        (k, v) for k in ("tab", *macro_rules.VIEW_FILTERS, "sort") if (v := str(params.get(k, "")))
    ]
    ctx["column_labels"] = list(COLUMN_LABELS.items())
    return render(request, "console/orders/queue.html", ctx)


# ---------------------------------------------------------------------------------------------------
# Order page


# what the order page reads with the order (select_related)
ORDER_PAGE_RELATED = (
    *ORDER_RELATED,
    *ORDER_PREFETCH,
    "service",
    "branch",
    "merged_into",
    "last_reply_by",
    "customer__area",
)


def _order_page_annotations(visible: QuerySet[WorkOrder]) -> dict[str, Any]:
    """What the order query reads besides the order, ``visible``: the orders the user may see."""
    return {
        # whether the customer can be answered by WeCom (the reply box) and the customer's open orders the
        # user may see (the header), in the same query
        "customer_wecom": Exists(
            ContactPoint.objects.filter(customer_id=OuterRef("customer_id"), kind=ContactPoint.Kind.WECHAT)
        ),
        "customer_open_orders": Coalesce(
            Subquery(
                visible.filter(customer_id=OuterRef("customer_id"), status__in=OPEN)
                .order_by()
                .values("customer_id")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            0,
        ),
        # the page's links and merged duplicates the user may see (kefu.lib.json_rows)
        **_page_rows(visible),
        # the same SQL for every order and user: compiled once per process (json_rows.precompiled)
        **json_rows.precompiled(WorkOrder, f"order_page:{hooks.order_panel_keys()}", _fixed_annotations),
    }


def load_order(request: ConsoleRequest, key: str) -> WorkOrder:
    """The order if visible to the user (404 otherwise), with what the header shows: one query, compiled
    once per process and prepared on the connection (planning it took longer than running it)."""
    o = access_workorder(
        request.user,
        key,
        related=ORDER_PAGE_RELATED,
        annotations=_order_page_annotations,
        compiled_as=f"order_page:{hooks.order_panel_keys()}",
    )
    config_cache.seed(o)
    return o


# what the page shows of the rows related to the order (kefu.lib.json_rows)
_ORDER_NAME: tuple[Any, ...] = (WorkOrder, {}, ("number", "title", "customer_id"))
_STAFF_NAME: tuple[Any, ...] = (Staff, {}, ("name", "badge_no"))
LINK_RELATED = {"source": _ORDER_NAME, "target": _ORDER_NAME}
ESCALATION_RELATED = {"raised_by": _STAFF_NAME, "leader": _STAFF_NAME}


def _page_rows(visible: QuerySet[WorkOrder]) -> dict[str, Any]:
    """The order page's links (to orders the user may see) and merged duplicates, each as a JSON array
    annotated on the order query."""
    pk = OuterRef("pk")
    links = OrderLink.objects.filter(
        Q(source_id=pk, target__in=visible) | Q(target_id=pk, source__in=visible)
    ).order_by("id")
    return {
        "page_link_rows": JSONRows(links, OrderLink, LINK_RELATED),
        "page_merged_rows": JSONRows(
            visible.filter(merged_into_id=pk).order_by("id"), WorkOrder, only=_ORDER_NAME[2]
        ),
    }


def _fixed_annotations() -> dict[str, Any]:
    """What the order query reads with the order that depends on nothing but the order (not the user):
    the escalations, the incident card's rows, the configuration tokens, the feature apps' cards."""
    return {
        "page_escalation_rows": JSONRows(
            Escalation.objects.filter(workorder_id=OuterRef("pk")).order_by("-created_at", "-id"),
            Escalation,
            ESCALATION_RELATED,
        ),
        # the incident card's rows (kefu.incidents): none, or the card needs no statement of its own
        "incident_rows": incident_panels.incident_rows(),
        # the configuration cache's tokens (kefu.organization.config_cache): no query of their own
        **config_cache.token_annotations(),
        # what the feature apps' cards declare they need (hooks.OrderPanel.annotations)
        **hooks.order_panel_annotations(),
    }


STATUS_LABELS = dict(StatusChoices.choices)

# how the on-duty receiver of a request with nobody in front of the customer was chosen
# (kefu.workorders.receivers.ReceiverRule)
RECEIVER_RULE_LABELS: dict[str, Any] = {
    "area_responsible": gettext_lazy("responsible for the customer's service area"),
    "fewest_open": gettext_lazy("the agent with the fewest open orders"),
    "supervisor": gettext_lazy("the supervisor, no agent was on duty"),
}


def system_event_label(data: dict[str, Any], staff_names: dict[int, str]) -> str:
    """What a system entry of the timeline says to people: its stored ``event`` is a machine code
    (``portal_receiver``, ``supervision.notice``), never shown as it is."""
    event = str(data.get("event", ""))
    rule = RECEIVER_RULE_LABELS.get(str(data.get("rule", "")), "")
    who = staff_names.get(data.get("staff") or 0, "?")
    if event == "portal_receiver":
        if data.get("anonymous"):
            return _("Anonymous report received online; received by %(who)s (%(rule)s)") % {
                "who": who,
                "rule": rule,
            }
        return _("Request received online; received by %(who)s (%(rule)s)") % {"who": who, "rule": rule}
    if event == "mail_receiver":
        return _("E-mail received; received by %(who)s (%(rule)s)") % {"who": who, "rule": rule}
    if event == "automatic_mail":
        return _(
            "Automatic e-mail (auto-reply or delivery report) from %(sender)s; the order was not resumed"
        ) % {"sender": data.get("from", "?")}
    if event == "clock.contact_attempt":
        return _("Contact attempt recorded") + (f": {data['note']}" if data.get("note") else "")
    if event in audit_labels.LABELS:  # e.g. supervision.notice: the service log names it already
        return str(audit_labels.LABELS[event])
    return _("System event")


CLOCK_KIND_LABELS = dict(ClockKindChoices.choices)


def _service_log(o: WorkOrder) -> list[AuditRecord]:
    """The order's newest 50 service-log records. The deadline sweep's summary is "<number> <clock
    kind>" with the kind's code (``first_response``): the page shows the kind's label instead."""
    rows = list(AuditRecord.objects.filter(workorder_id=o.pk).order_by("-at", "-id")[:50])
    for r in rows:
        number, _sep, kind = r.summary.rpartition(" ")
        if number == o.number and kind in CLOCK_KIND_LABELS:
            r.summary = f"{number} {CLOCK_KIND_LABELS[kind]}"
    return rows


# the staff's timeline of an order with each reply's delivery, compiled once per process (kefu.lib.prepared)
_STAFF_TIMELINE = Prepared(
    lambda order_id: _with_delivery(
        TimelineEntry.objects.filter(workorder_id=order_id).select_related("author_staff", "author_customer")
    ),
    order_id=2_000_000_019,
)


def _timeline(request: ConsoleRequest, o: WorkOrder, staff_names: dict[int, str]) -> list[TimelineEntry]:
    if staff_of(request.user) is not None:  # staff read every entry (visible_timeline)
        entries = _STAFF_TIMELINE.rows(router.db_for_read(TimelineEntry), order_id=o.pk)
    else:
        entries = list(_with_delivery(visible_timeline(request.user, o)))
    files: dict[int, list[Any]] = {}
    attachments = list(visible_attachments(request.user, o))
    for att in attachments:
        if att.entry_id:
            files.setdefault(att.entry_id, []).append(att)
    for e in entries:
        data = e.data or {}
        e.delivery = _delivery(e.outbox_row)  # type: ignore[attr-defined]
        e.channel_label = actions.CHANNEL_LABELS.get(data.get("channel", ""), "")  # type: ignore[attr-defined]
        e.outcome_label = actions.CALLBACK_LABELS.get(data.get("outcome", ""), "")  # type: ignore[attr-defined]
        e.files = files.get(e.pk, [])  # type: ignore[attr-defined]
        e.from_label = STATUS_LABELS.get(data.get("from", ""), data.get("from", ""))  # type: ignore[attr-defined]
        e.to_label = STATUS_LABELS.get(data.get("to", ""), data.get("to", ""))  # type: ignore[attr-defined]
        if e.kind == TimelineEntry.Kind.SYSTEM:
            e.event_label = system_event_label(data, staff_names)  # type: ignore[attr-defined]
    o.attachment_list = attachments  # type: ignore[attr-defined]
    return entries


def _with_delivery(qs: QuerySet[TimelineEntry]) -> QuerySet[TimelineEntry]:
    """Each reply's outbox row (``reply:<id>``, or ``reply-notice:<id>`` of a portal reply) as a JSON
    annotation of the timeline query itself: the delivery status of the whole timeline costs no query."""
    pk = Cast(OuterRef("pk"), output_field=CharField())
    row = OutboxMessage.objects.filter(
        Q(idempotency_key=Concat(Value("reply:"), pk)) | Q(idempotency_key=Concat(Value("reply-notice:"), pk))
    ).values(
        j=JSONObject(
            key="idempotency_key",
            status="status",
            attempts="attempts",
            last_error=Substr("last_error", 1, 400),
            next_attempt_at="next_attempt_at",
            sent_at="sent_at",
        )
    )[:1]
    return qs.annotate(
        outbox_row=Case(
            When(kind=TimelineEntry.Kind.REPLY, then=Subquery(row, output_field=JSONField())),
            default=Value(None, output_field=JSONField()),
            output_field=JSONField(),
        )
    )


def _delivery(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the timeline shows of a reply's outbox row: state, attempts, the reason of a failure."""
    if not row:
        return None
    d = wo_rules.delivery(str(row["status"]), int(row["attempts"] or 0), str(row["last_error"] or ""))
    return {
        "state": d.state,
        "attempts": d.attempts,
        "retries": d.retries,
        "reason": d.reason,
        "next_at": _moment(row.get("next_attempt_at")) if d.state == "failed" else None,
        "sent_at": _moment(row.get("sent_at")),
        "notice": str(row["key"]).startswith("reply-notice:"),
    }


def _moment(value: Any) -> dt.datetime | None:
    """A time read back from a JSON annotation (an ISO string on both databases), aware UTC."""
    if not value:
        return None
    if isinstance(value, dt.datetime):
        return value
    text = str(value).replace(" ", "T")
    parsed = dt.datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def reply_options(o: WorkOrder) -> dict[str, Any]:
    """What the reply box offers: the written channels the customer can be reached on (with the masked
    address each goes to), the call-back, and the default (``workorders.rules.default_reply_channel``)."""
    c = o.customer
    reachable = actions.reply_channels(o, wecom=getattr(o, "customer_wecom", None))
    to = {
        wo_rules.ReplyChannel.SMS: next((n for n in (o.reply_phone, c.phone_e164) if is_mobile(n)), ""),
        wo_rules.ReplyChannel.EMAIL: o.reply_email or c.email,
        wo_rules.ReplyChannel.PORTAL: "",
        wo_rules.ReplyChannel.WECOM: "",
    }
    options = [
        {"value": ch.value, "label": actions.CHANNEL_LABELS[ch], "to": wo_rules.mask_recipient(to[ch])}
        for ch in reachable
    ]
    number = actions.callback_number(o)
    if number:
        options.append(
            {
                "value": wo_rules.ReplyChannel.CALLBACK.value,
                "label": actions.CHANNEL_LABELS[wo_rules.ReplyChannel.CALLBACK],
                "to": wo_rules.mask_recipient(number),
            }
        )
    default = wo_rules.default_reply_channel(o.channel, reachable)
    return {
        "options": options,
        "default": default.value if default else "",
        "written": bool(reachable),
        "outcomes": list(actions.CALLBACK_LABELS.items()),
    }


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
        # 退单: the unit the order is with (its assignee, a member or the leader of its department)
        "send_back": staff.can("order.work") and o.is_open and _in_unit(staff, o),
        "split": staff.can("order.create") and staff.can("order.work") and o.is_open and not o.merged_into_id,
    }


def _in_unit(staff: Staff, o: WorkOrder) -> bool:
    """Whether ``staff`` is the unit the order is with (no query: the department comes with the order)."""
    if o.assignee_id and staff.pk == o.assignee_id:
        return True
    dept = o.department if o.department_id else None
    return dept is not None and (staff.department_id == dept.pk or dept.leader_id == staff.pk)


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
    "send_back": "send_back",
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
        "transfer": f.TransferForm(initial=v, order=o, defer_targets=True),  # the list loads when opened
        "escalate": f.EscalateForm(),
        "link": f.LinkForm(),
        "merge": f.MergeForm(),
        "edit": f.EditForm(order=o),
        "send_back": f.SendBackForm(initial=v),
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
    rows = hooks.panel_rows(o, "page_link_rows")
    link_rows = (
        list(
            OrderLink.objects.filter(Q(source=o, target__in=visible) | Q(target=o, source__in=visible))
            .select_related("source", "target")
            .order_by("id")
        )
        if rows is None
        else json_rows.instances(OrderLink, rows, LINK_RELATED)
    )
    links = [(link, link.target if link.source_id == o.pk else link.source) for link in link_rows]
    customer = o.customer
    rows = hooks.panel_rows(o, "page_merged_rows")
    merged_orders = (
        list(visible.filter(merged_into=o).only("id", *_ORDER_NAME[2]).order_by("id"))
        if rows is None
        else json_rows.instances(WorkOrder, rows, only=_ORDER_NAME[2])
    )
    rows = hooks.panel_rows(o, "page_escalation_rows")
    escalations = (
        list(Escalation.objects.filter(workorder=o).select_related(*ESCALATION_RELATED))
        if rows is None
        else json_rows.instances(Escalation, rows, ESCALATION_RELATED)
    )
    # the send-backs come with the transfers (the hand-back is a transfer): no query of their own
    transfers = list(
        Transfer.objects.filter(workorder=o).select_related(
            "by", "from_staff", "from_department", "to_staff", "to_department", "send_back"
        )
    )
    can = _capabilities(staff, o)
    pending_send_back = actions.pending_send_back(transfers)
    can["send_back"] = can["send_back"] and pending_send_back is None  # with the dispatcher: route it
    page_errors: list[str] = []
    for name, form in (bound or {}).items():
        if not _form_shown(name, form, can):
            # the page does not show this form, so its messages go above the page
            page_errors += [str(e) for errors in form.errors.values() for e in errors]
    receivers = list(Staff.objects.filter(pk__in=o.receivers.values("staff_id")).order_by("-grade"))
    # names the timeline's system entries may need (the on-duty receiver is among these), no query
    staff_names = {s.pk: s.name for s in (o.owner, o.assignee, *receivers) if s is not None}
    ctx = {
        "o": o,
        "customer": customer,
        "tel": customer.phone_e164 or re.sub(r"[^\d+]", "", customer.phone),
        "open_orders": (
            o.customer_open_orders  # type: ignore[attr-defined]
            if hasattr(o, "customer_open_orders")  # load_order counted them with the order
            else visible.filter(customer_id=customer.pk, status__in=OPEN).count()
        ),
        "timeline": _timeline(request, o, staff_names),
        "reply_box": reply_options(o),
        "transfers": transfers,
        "pending_send_back": pending_send_back,
        "escalations": escalations,
        "audit": _service_log(o),
        "links": links,
        "merged_orders": merged_orders,
        # the customers of these get every reply written here (workorders.actions.forward_to_duplicates)
        "foreign_duplicates": [m for m in merged_orders if m.customer_id != o.customer_id],
        "receivers": receivers,
        "forms": forms,
        "can": can,
        "page_errors": page_errors,
        "conflict": conflict,
        "now": clock.now(),
        "active_form": next(iter(bound)) if bound else "",
        # the action bar's "Resolve" opens the status form with "resolved" chosen when it may be chosen
        "can_resolve": _form_shown("status", forms["status"], can)
        and any(
            value == wo_rules.Status.RESOLVED for value, _label in forms["status"].fields["status"].choices
        ),
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
    success: str | Callable[[Any], str],
    order: WorkOrder | None = None,
    preload: bool = True,
) -> HttpResponse:
    """Validate ``form``, run the one action ``call(cleaned_data)``; errors go next to their field.
    ``order``: the order the view already loaded (``load_order``), not loaded a second time;
    ``preload=False``: the action checks the access itself, the order is loaded only for an error page."""
    o = order if order is not None or not preload else load_order(request, key)
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
            messages.success(request, success(result) if callable(success) else success)
            target = result if isinstance(result, WorkOrder) and name == "merge" else o
            if target is None:  # not loaded before the action (it checked the access itself)
                target = getattr(result, "workorder", None) or load_order(request, key)
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
    """The reply box: a written reply on the chosen channel, or a logged call-back. What the agent is
    told afterwards says exactly what happened (``actions.reply_message``)."""
    form = f.ReplyForm(request.POST, request.FILES)
    # a chat order's reply (and any reply by WeCom) goes out through the chat gateway; the order is read
    # first only when its channel decides that (no channel chosen): do_reply checks the access itself
    channel = (request.POST.get("channel") or "").strip()
    o = None if channel else load_order(request, key)
    by_chat = channel == wo_rules.ReplyChannel.WECOM or (o is not None and o.channel == "chat")

    def send(d: dict[str, Any]) -> Any:
        if by_chat:
            return _send_chat(d)
        try:
            entry = actions.do_reply(
                request.user,
                key,
                d["body"],
                channel=d.get("channel") or None,
                callback_outcome=d.get("callback_outcome") or "",
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
        """A reply by WeCom leaves through the chat gateway (WeCom shape), text only."""

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

    def success(result: Any) -> str:
        if isinstance(result, TimelineEntry):
            return actions.reply_message(result)
        return _("Reply sent by WeCom.")

    return _form_post(request, key, "reply", form, send, success=success, order=o, preload=False)


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
            note=d.get("note") or "",
            expected_version=_version(d),
        ),
        success=_("Order transferred; you stay its first-contact owner if you were."),
    )


@require_GET
@staff_view
def order_transfer_targets(request: ConsoleRequest, key: str) -> HttpResponse:
    """The transfer form's list of colleagues (150+ options, each with its open-order load), loaded by the
    order page when the transfer form is opened: the page itself neither queries nor renders it."""
    o = access_workorder(request.user, key)
    if not (request.staff.can("order.transfer") and o.is_open):
        raise Http404
    form = f.TransferForm(initial={"version": o.version}, order=o)
    return render(request, "console/orders/_transfer_targets.html", {"form": form})


@require_POST
@staff_view
def order_send_back(request: ConsoleRequest, key: str) -> HttpResponse:
    """退单: the unit hands the order back to the dispatcher, with a reason."""
    form = f.SendBackForm(request.POST)

    def call(d: dict[str, Any]) -> Any:
        sb = actions.do_send_back(request.user, key, d.get("reason") or "", expected_version=_version(d))
        return sb

    return _form_post(
        request,
        key,
        "send_back",
        form,
        call,
        aliases={"status": "reason"},
        success=lambda sb: (
            _("Order sent back to %(name)s, who routes it again.") % {"name": sb.dispatcher.name}
        ),
    )


@require_http_methods(["GET", "POST"])
@staff_view
def order_split(request: ConsoleRequest, key: str) -> HttpResponse:
    """Split the second request out of an order into an order of its own (its own page: the form's
    service and department lists are not loaded with every order page)."""
    o = load_order(request, key)
    if not _capabilities(request.staff, o)["split"]:
        raise Http404(_("This order cannot be split."))
    status = 200
    if request.method == "POST":
        form = f.SplitForm(request.POST, order=o)
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                new = actions.do_split(
                    request.user,
                    o.pk,
                    actions.SplitInput(
                        order_type=d.get("order_type") or "",
                        title=d.get("title") or "",
                        description=d.get("description") or "",
                        service_id=d["service"].pk if d.get("service") else None,
                        department_id=d["to_department"].pk if d.get("to_department") else None,
                        reason=d.get("reason") or "",
                    ),
                    expected_version=_version(d),
                )
            except Conflict as exc:
                add_kefu_error(form, exc)
                status = 409
            except KefuError as exc:
                add_kefu_error(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Order %(new)s split from %(old)s; it keeps the first-contact owner and the time of receipt."
                    )
                    % {"new": new.number, "old": o.number},
                )
                return redirect("console:order_detail", key=new.number)
    else:
        form = f.SplitForm(initial={"version": o.version, "order_type": o.order_type}, order=o)
    return render(request, "console/orders/split.html", {"o": o, "form": form}, status=status)


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
        return actions.do_merge(
            request.user,
            key,
            survivor,
            d.get("reason") or "",
            confirm_different_customer=bool(d.get("confirm_different_customer")),
        )

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
    return attachment_response(
        att.file, att.filename, att.content_type, inline=request.GET.get("inline") == "1" and att.previewable
    )


# ---------------------------------------------------------------------------------------------------
# Create


@require_http_methods(["GET", "POST"])
@staff_view
def order_create(request: ConsoleRequest) -> HttpResponse:
    staff: Staff = request.staff
    customer_id = request.GET.get("customer") or request.POST.get("customer")
    if not customer_id:
        return render(request, "console/orders/create.html", {"customer": None}, status=400)
    # with the configuration cache's tokens: the form's services and areas cost no query of their own; a
    # POST also with what the creation's classifiers read (registered at ``at``)
    at = clock.now()
    annotations = (
        actions.new_order_customer_annotations(at)
        if request.method == "POST"
        else config_cache.token_annotations()
    )
    customer = access_customer(request.user, customer_id, annotations=annotations)
    config_cache.seed(customer)
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
                        area_kind=d.get("area_kind") or "",
                        area_kind_reason=d.get("area_kind_reason") or "",
                        outlet_id=d["outlet"].pk if d.get("outlet") else None,
                    ),
                    customer=customer,  # read above for this user: not read again
                    at=at,
                )
            except KefuError as exc:
                add_kefu_error(form, exc)
            else:
                messages.success(request, _("Work order %(number)s created.") % {"number": o.number})
                return redirect("console:order_detail", key=o.number)
        status = 400
    else:
        initial = {"area": customer.area_id, "channel": "phone", "order_type": order_type or ""}
        # from the call's pop: the outlet whose line the customer dialled received the request
        call_pk = request.GET.get("call", "")
        if call_pk.isdecimal():
            call = Call.objects.filter(pk=int(call_pk)).only("line").first()
            outlet = cti.outlet_for_line(call.line, customer.branch_id) if call is not None else None
            if outlet is not None:
                initial["outlet"] = outlet.pk
        form = f.OrderCreateForm(
            initial=initial,
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
