"""The leaders' inboxes of the console: escalations (R-12, R-16) and extension requests (R-15).

Filter bar and sortable columns from GET parameters (``kefu.web.inbox``), one compact row each, the row's
action in a dialog, bulk actions that call the same use case once per selected record
(``workorders.actions.do_handle_escalation`` / ``do_transfer``, ``commitments.clocks.do_decide_extension``).
Automatic escalations (raised by the breach sweep or an overdue notice) of one order make one row: how
many, the latest, the others behind a disclosure.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kefu.commitments import clocks
from kefu.commitments.models import ExtensionRequest, ExtensionStatus
from kefu.lib import clock
from kefu.lib.errors import ValidationFailed
from kefu.organization.models import Staff
from kefu.web import inbox
from kefu.web.views import ConsoleRequest, staff_view
from kefu.workorders import actions
from kefu.workorders.access import visible_workorders
from kefu.workorders.models import Escalation

PRIORITY_RANK = Case(
    When(workorder__priority="urgent", then=Value(0)),
    When(workorder__priority="high", then=Value(1)),
    When(workorder__priority="normal", then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def assignable_staff(me: Staff) -> list[Staff]:
    """Whom an inbox may assign an order to: active staff of the viewer's branches (and company level)."""
    qs = Staff.objects.filter(is_active=True).order_by("branch_id", "name").only("id", "name", "badge_no")
    if not me.sees_all_branches:
        qs = qs.filter(Q(branch_id=me.branch_id) | Q(branch__isnull=True))
    return list(qs)


# ---------------------------------------------------------------------------------------------------
# Escalations

ESC_STATUSES = ("open", "handled", "all")
ESC_SORTS = ("order", "priority", "kind", "age", "branch")
ESC_COLUMNS: list[tuple[str, Any]] = [
    ("order", pgettext_lazy("work order", "Order")),
    ("priority", gettext_lazy("Priority")),
    ("kind", gettext_lazy("Raised by")),
    ("age", gettext_lazy("Waiting since")),
    ("branch", gettext_lazy("Branch")),
]


def escalation_base(request: ConsoleRequest, f: inbox.Filters, now: dt.datetime) -> QuerySet[Escalation]:
    """The escalations the filters select: the viewer's (or, with ``scope=all`` and the capability, every
    one on an order they see)."""
    staff = request.staff
    qs = Escalation.objects.filter(workorder__in=visible_workorders(request.user))
    if f.extra.get("scope") != "all" or not staff.can("order.handle_escalation"):
        qs = qs.filter(leader=staff)
    if f.status == "open":
        qs = qs.filter(handled_at__isnull=True)
    elif f.status == "handled":
        qs = qs.filter(handled_at__isnull=False)
    if f.kind:
        qs = qs.filter(raised_by__isnull=f.kind == "automatic")
    qs = inbox.by_age(qs, "created_at", f.age, now)
    if f.priority:
        qs = qs.filter(workorder__priority=f.priority)
    if f.branch:
        qs = qs.filter(workorder__branch_id=f.branch)
    return qs


def escalation_rows(base: QuerySet[Escalation], sort: str) -> QuerySet[Escalation]:
    """One row per manual escalation and per order's automatic ones (the latest stands for the group,
    ``group_count`` says how many, ``first_at`` since when the oldest waits)."""
    auto = base.filter(workorder=OuterRef("workorder"), raised_by__isnull=True)
    newer = auto.filter(
        Q(created_at__gt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk"))
    )
    group = auto.order_by().values("workorder").annotate(n=Count("pk"), first=Min("created_at"))
    rows = (
        base.filter(Q(raised_by__isnull=False) | ~Exists(newer))
        .annotate(
            group_count=Case(
                When(raised_by__isnull=True, then=Subquery(group.values("n")[:1])),
                default=Value(1),
                output_field=IntegerField(),
            ),
            first_at=Case(
                When(raised_by__isnull=True, then=Subquery(group.values("first")[:1])),
                default=F("created_at"),
            ),
            manual_rank=Case(
                When(raised_by__isnull=True, then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
            open_rank=Case(
                When(handled_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
            prio_rank=PRIORITY_RANK,
        )
        .select_related("workorder", "workorder__customer", "workorder__branch", "raised_by", "leader")
    )
    key, desc = sort.lstrip("-"), sort.startswith("-")
    order: list[Any] = {
        "": ["open_rank", "manual_rank", "prio_rank", "first_at", "pk"],
        "order": ["workorder__number", "pk"],
        "priority": ["prio_rank", "first_at", "pk"],
        "kind": ["manual_rank", "first_at", "pk"],
        "age": ["first_at", "pk"],
        "branch": ["workorder__branch__code", "first_at", "pk"],
    }[key]
    if desc:
        order = [o[1:] if o.startswith("-") else f"-{o}" for o in order]
    return rows.order_by(*order)


def _escalation_filters(request: ConsoleRequest) -> inbox.Filters:
    return inbox.read_filters(
        request,
        statuses=ESC_STATUSES,
        default_status="open",
        sorts=ESC_SORTS,
        branches=inbox.branch_choices(request.staff),
        extra=("scope",),
    )


@require_GET
@staff_view
def escalations(request: ConsoleRequest) -> HttpResponse:
    staff = request.staff
    now = clock.now()
    f = _escalation_filters(request)
    base = escalation_base(request, f, now)
    page = Paginator(escalation_rows(base, f.sort), settings.KEFU_PAGE_SIZE).get_page(f.page or None)
    rows = list(page.object_list)
    grouped = [r.workorder_id for r in rows if r.raised_by_id is None and r.group_count > 1]  # type: ignore[attr-defined]
    members: dict[int, list[Escalation]] = {}
    if grouped:
        for e in (
            base.filter(raised_by__isnull=True, workorder_id__in=grouped)
            .select_related("leader")
            .order_by("-created_at", "-pk")
        ):
            members.setdefault(e.workorder_id, []).append(e)
    for r in rows:
        group = members.get(r.workorder_id, [r]) if r.raised_by_id is None else [r]
        r.members = group  # type: ignore[attr-defined]
        r.ids = ",".join(str(e.pk) for e in group)  # type: ignore[attr-defined]
        r.open_ids = ",".join(str(e.pk) for e in group if e.handled_at is None)  # type: ignore[attr-defined]
    can_all = staff.can("order.handle_escalation")
    ctx = {
        "page": page,
        "rows": rows,
        "f": f,
        "scope": f.extra.get("scope", "mine"),
        "can_all": can_all,
        "can_assign": staff.can("order.transfer"),
        "people": assignable_staff(staff) if staff.can("order.transfer") else [],
        "cols": inbox.columns(f, ESC_COLUMNS),
        "statuses": [("open", _("open")), ("handled", _("handled")), ("all", _("all"))],
        "kinds": inbox.KIND_CHOICES,
        "ages": inbox.AGE_CHOICES,
        "priorities": inbox.PRIORITY_CHOICES,
        "branches": list(inbox.branch_choices(staff)),
        "query_string": f.query(),
        "here": request.get_full_path(),
        "now": now,
    }
    return render(request, "console/orders/escalations.html", ctx)


def _handle_escalations(
    request: ConsoleRequest, ids: list[int], action: str, text: str, to_staff: int | None
) -> inbox.BulkResult:
    # labels only (an order the user may not see stays unnamed); each use case checks access itself
    numbers = dict(
        Escalation.objects.filter(pk__in=ids, workorder__in=visible_workorders(request.user)).values_list(
            "pk", "workorder__number"
        )
    )
    transferred: set[int] = set()

    def act(pk: int) -> None:
        if action == "assign":
            if not to_staff:
                raise ValidationFailed("to_staff", _("Choose whom to assign the order to."), "to_staff")
            esc = Escalation.objects.filter(pk=pk).only("workorder_id").first()
            if esc is not None and esc.workorder_id not in transferred:
                actions.do_transfer(request.user, esc.workorder_id, to_staff_id=to_staff, reason=text)
                transferred.add(esc.workorder_id)
        actions.do_handle_escalation(request.user, pk, text)

    return inbox.run_bulk(ids, lambda pk: numbers.get(pk) or f"#{pk}", act)


@require_POST
@staff_view
def escalations_bulk(request: ConsoleRequest) -> HttpResponse:
    """Acknowledge (handle with one response) or assign (transfer the order to a staff member, then handle)
    the selected escalations; one use-case call per escalation, each audited."""
    action = request.POST.get("action", "")
    if action not in ("acknowledge", "assign"):
        messages.error(request, _("Choose an action."))
    else:
        to_staff = request.POST.get("to_staff", "")
        result = _handle_escalations(
            request,
            inbox.selected_ids(request),
            action,
            request.POST.get("response", ""),
            int(to_staff) if to_staff.isdecimal() else None,
        )
        inbox.report_bulk(
            request,
            result,
            _("Handled: %(done)s of %(total)s.")
            if action == "acknowledge"
            else _("Assigned and handled: %(done)s of %(total)s."),
        )
    return redirect(inbox.back_url(request, reverse("console:escalations")))


@require_POST
@staff_view
def escalation_handle(request: ConsoleRequest, pk: int) -> HttpResponse:
    """One escalation handled (the row's dialog without a group)."""
    esc = Escalation.objects.filter(pk=pk).only("leader_id").first()
    if esc is None or (
        esc.leader_id != request.staff.pk and not request.staff.can("order.handle_escalation")
    ):
        raise Http404
    result = _handle_escalations(request, [pk], "acknowledge", request.POST.get("response", ""), None)
    inbox.report_bulk(request, result, _("Handled: %(done)s of %(total)s."))
    return redirect(inbox.back_url(request, reverse("console:escalations")))


# ---------------------------------------------------------------------------------------------------
# Extension requests

EXT_STATUSES = ("pending", "approved", "rejected", "all")
EXT_SORTS = ("order", "priority", "due", "age", "branch")
EXT_COLUMNS: list[tuple[str, Any]] = [
    ("order", pgettext_lazy("work order", "Order")),
    ("priority", gettext_lazy("Priority")),
    ("due", gettext_lazy("Due")),
    ("age", gettext_lazy("Requested")),
    ("branch", gettext_lazy("Branch")),
]


def extension_rows(request: ConsoleRequest, f: inbox.Filters, now: dt.datetime) -> QuerySet[ExtensionRequest]:
    qs = clocks.decidable_extensions(request.staff).filter(
        clock__workorder__in=visible_workorders(request.user)
    )
    if f.status != "all":
        qs = qs.filter(status=f.status)
    qs = inbox.by_age(qs, "requested_at", f.age, now)
    if f.priority:
        qs = qs.filter(clock__workorder__priority=f.priority)
    if f.branch:
        qs = qs.filter(clock__workorder__branch_id=f.branch)
    qs = qs.annotate(
        prio_rank=Case(
            When(clock__workorder__priority="urgent", then=Value(0)),
            When(clock__workorder__priority="high", then=Value(1)),
            When(clock__workorder__priority="normal", then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
    ).select_related("clock__workorder__branch", "requested_by", "decided_by")
    key, desc = f.sort.lstrip("-"), f.sort.startswith("-")
    order: list[str] = {
        "": ["prio_rank", "requested_at", "pk"],
        "order": ["clock__workorder__number", "pk"],
        "priority": ["prio_rank", "requested_at", "pk"],
        "due": ["clock__due_at", "pk"],
        "age": ["requested_at", "pk"],
        "branch": ["clock__workorder__branch__code", "requested_at", "pk"],
    }[key]
    if desc:
        order = [o[1:] if o.startswith("-") else f"-{o}" for o in order]
    return qs.order_by(*order)


@require_GET
@staff_view
def extensions(request: ConsoleRequest) -> HttpResponse:
    """Extension requests the user may decide (leaders, supervisors, admins), pending ones by default."""
    staff = request.staff
    now = clock.now()
    f = inbox.read_filters(
        request,
        statuses=EXT_STATUSES,
        default_status="pending",
        sorts=EXT_SORTS,
        branches=inbox.branch_choices(staff),
        kinds=False,
    )
    page = Paginator(extension_rows(request, f, now), settings.KEFU_PAGE_SIZE).get_page(f.page or None)
    ctx = {
        "page": page,
        "rows": list(page.object_list),
        "f": f,
        "cols": inbox.columns(f, EXT_COLUMNS),
        "statuses": [
            ("pending", _("pending")),
            ("approved", _("approved")),
            ("rejected", _("rejected")),
            ("all", _("all")),
        ],
        "ages": inbox.AGE_CHOICES,
        "priorities": inbox.PRIORITY_CHOICES,
        "branches": list(inbox.branch_choices(staff)),
        "query_string": f.query(),
        "here": request.get_full_path(),
        "now": now,
        "pending": ExtensionStatus.PENDING,
    }
    return render(request, "console/orders/extensions.html", ctx)


@require_POST
@staff_view
def extensions_bulk(request: ConsoleRequest) -> HttpResponse:
    """Approve or reject the selected requests with one reason; one ``do_decide_extension`` each."""
    decision = request.POST.get("decision", "")
    if decision not in ("approve", "reject"):  # a missing decision is not a rejection
        messages.error(request, _("Choose whether to approve or reject the request."))
        return redirect(inbox.back_url(request, reverse("console:extensions")))
    ids = inbox.selected_ids(request)
    numbers = dict(
        ExtensionRequest.objects.filter(
            pk__in=ids, clock__workorder__in=visible_workorders(request.user)
        ).values_list("pk", "clock__workorder__number")
    )
    note = request.POST.get("note", "")
    approve = decision == "approve"
    result = inbox.run_bulk(
        ids,
        lambda pk: numbers.get(pk) or f"#{pk}",
        lambda pk: clocks.do_decide_extension(request.user, pk, approve, note),
    )
    inbox.report_bulk(
        request,
        result,
        _("Approved: %(done)s of %(total)s.") if approve else _("Rejected: %(done)s of %(total)s."),
    )
    return redirect(inbox.back_url(request, reverse("console:extensions")))
