"""Console pages of follow-up: the work list with its report section, and the task page with the form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from kefu.followup import actions, stats
from kefu.followup.models import FollowupAttempt, FollowupMiss, FollowupTask
from kefu.lib import clock, exports
from kefu.lib.errors import KefuError
from kefu.organization.access import branches_of
from kefu.organization.models import Staff
from kefu.organization.rules import Role
from kefu.web.forms import add_kefu_error
from kefu.web.views import ConsoleRequest, staff_view

PAGE_SIZE = 25
SHOW = [
    ("mine", gettext_lazy("Mine and unassigned")),
    ("open", gettext_lazy("All open")),
    ("done", gettext_lazy("Finished")),
]


def _month_bounds(month: str, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime, str]:
    """[first day, first day of the next month) of ``YYYY-MM`` in ``tz``; this month when invalid."""
    try:
        year, mon = (int(x) for x in month.split("-"))
        first = dt.date(year, mon, 1)
    except (AttributeError, TypeError, ValueError):
        first = timezone.localdate(clock.now(), tz).replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    start = dt.datetime.combine(first, dt.time(0, 0), tzinfo=tz)
    end = dt.datetime.combine(nxt, dt.time(0, 0), tzinfo=tz)
    return start, end, first.strftime("%Y-%m")


def _report(request: ConsoleRequest, staff: Staff) -> dict[str, Any]:
    tz = ZoneInfo(timezone.get_current_timezone_name())
    start, end, month = _month_bounds(request.GET.get("month", ""), tz)
    branches = list(branches_of(staff))
    branch_id: int | None = staff.branch_id if not staff.sees_all_branches else None
    if staff.sees_all_branches and request.GET.get("branch", "").isdecimal():
        wanted = int(request.GET["branch"])
        branch_id = wanted if any(b.pk == wanted for b in branches) else None
    people = Staff.objects.filter(role=Role.FOLLOWUP, is_active=True).order_by("name")
    if not staff.sees_all_branches:
        people = people.filter(branch=staff.branch)
    people_list = list(people.only("id", "name", "badge_no"))
    staff_id = None
    if request.GET.get("staff", "").isdecimal() and any(
        p.pk == int(request.GET["staff"]) for p in people_list
    ):
        staff_id = int(request.GET["staff"])
    numbers = stats.period_counts(start, end, branch_id=branch_id, staff_id=staff_id)
    misses = FollowupMiss.objects.filter(due_at__gte=start, due_at__lt=end)
    if branch_id is not None:
        misses = misses.filter(branch_id=branch_id)
    if staff_id is not None:
        misses = misses.filter(responsible_id=staff_id)
    return {
        "month": month,
        "numbers": numbers,
        "findings": stats.findings(start, end, branch_id=branch_id, staff_id=staff_id),
        "misses": misses.count(),
        "branches": branches if staff.sees_all_branches else [],
        "branch_id": branch_id,
        "people": people_list,
        "staff_id": staff_id,
    }


def _tasks(staff: Staff, show: str) -> QuerySet[FollowupTask]:
    qs = actions.visible_tasks(staff).select_related(
        "workorder", "customer", "assignee", "satisfaction", "branch"
    )
    if show == "done":
        return qs.exclude(status=FollowupTask.Status.OPEN).order_by(
            F("finished_at").desc(nulls_last=True), "-id"
        )
    qs = qs.filter(status=FollowupTask.Status.OPEN)
    if show == "mine":
        qs = qs.filter(Q(assignee=staff) | Q(assignee__isnull=True))
    return qs.order_by(F("due_at").asc(nulls_last=True), "id")


@require_http_methods(["GET"])
@staff_view("followup.record")
def followup_list(request: ConsoleRequest) -> HttpResponseBase:
    staff = request.staff
    default = "mine" if staff.role == Role.FOLLOWUP else "open"
    show = request.GET.get("show", default)
    if show not in dict(SHOW):
        show = default
    fmt = exports.requested(request)
    if fmt:
        return _export_tasks(fmt, _tasks(staff, show), show)
    page = Paginator(_tasks(staff, show), PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {
        "page": page,
        "export_links": exports.links(request),
        "show": show,
        "show_choices": SHOW,
        "now": clock.now(),
        "report": _report(request, staff),
        "query_string": f"show={show}",
    }
    return render(request, "followup/list.html", ctx)


def _export_tasks(fmt: str, qs: QuerySet[FollowupTask], show: str) -> HttpResponseBase:
    """The tasks of the tab, with their outcome and the number of attempts."""
    header = [_("Due"), _("Kind"), _("Order number"), _("Title"), _("Customer"), _("Branch"),
              _("Follow-up staff"), _("Status"), _("Order resolved at"), _("Attempts"), _("Finished at"),
              _("Problem really solved"), _("Satisfaction"), _("Order reopened"), _("Comments")]  # fmt: skip
    yes_no = {True: _("yes"), False: _("no"), None: ""}

    def rows() -> Iterator[list[Any]]:
        for t in qs.annotate(n_attempts=Count("attempts")).iterator(chunk_size=2000):
            o = t.workorder
            yield [t.due_at, t.get_kind_display(), o.number if o else "", o.title if o else "", t.customer.name,
                   t.branch.name if t.branch else "", t.assignee.name if t.assignee else "",
                   t.get_status_display(), t.resolved_at, t.n_attempts, t.finished_at, yes_no[t.solved],
                   t.satisfaction.label if t.satisfaction else "", yes_no[t.reopened_order],
                   t.comments]  # fmt: skip

    return exports.respond(fmt, exports.filename(f"followup-{show}"), _("Follow-up"), header, rows())


class RecordForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome of this attempt"), choices=FollowupAttempt.Outcome.choices
    )
    note = forms.CharField(label=gettext_lazy("Note on the attempt"), max_length=500, required=False)
    solved = forms.ChoiceField(
        label=gettext_lazy("Problem really solved?"),
        choices=[("", "—"), ("yes", gettext_lazy("yes")), ("no", gettext_lazy("no"))],
        required=False,
    )
    satisfaction = forms.ChoiceField(label=gettext_lazy("Satisfaction"), choices=[], required=False)
    comments = forms.CharField(
        label=gettext_lazy("Comments"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )

    def __init__(self, *args: Any, task: FollowupTask, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "fu-%s")
        super().__init__(*args, **kwargs)
        self.fields["satisfaction"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (lv.code, lv.label) for lv in actions.satisfaction_levels()
        ]
        if task.kind != FollowupTask.Kind.ORDER:
            del self.fields["solved"]


@require_http_methods(["GET", "POST"])
@staff_view("followup.record")
def followup_task(request: ConsoleRequest, task_id: int) -> HttpResponse:
    task = actions.access_task(request.user, task_id)
    form = RecordForm(task=task)
    status = 200
    if request.method == "POST":
        form = RecordForm(request.POST, task=task)
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            solved = {"yes": True, "no": False}.get(d.get("solved") or "")
            try:
                done = actions.do_record_followup(
                    request.user,
                    task.pk,
                    outcome=d["outcome"],
                    note=d.get("note") or "",
                    solved=solved,
                    satisfaction=d.get("satisfaction") or "",
                    comments=d.get("comments") or "",
                )
            except KefuError as exc:
                add_kefu_error(form, exc)
                status = exc.status if exc.status in (403, 409) else 400
            else:
                if done.status == FollowupTask.Status.OPEN:
                    messages.info(request, _("Attempt recorded; the follow-up stays open."))
                elif done.reopened_order:
                    messages.warning(request, _("Follow-up recorded; the order was reopened to its owner."))
                else:
                    messages.success(request, _("Follow-up recorded."))
                return redirect("console:followup_task", task_id=task.pk)
    ctx = {
        "task": task,
        "attempts": list(task.attempts.select_related("by")),
        "form": form if task.is_open else None,
        "now": clock.now(),
        "max_attempts": actions.settings_for(task.branch_id).max_attempts,
    }
    return render(request, "followup/task.html", ctx, status=status)
