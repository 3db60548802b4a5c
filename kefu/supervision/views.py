"""Console pages of supervision: accountability records (list, record page with the statement and decision
forms, manual recording), supervision notices (list, issue/answer from the order page), the sent-away report,
and the service areas with their contractors' load and history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from functools import partial
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kefu.lib import clock, exports
from kefu.lib.errors import KefuError, ValidationFailed
from kefu.organization.access import areas_of
from kefu.organization.models import ServiceArea, Staff
from kefu.supervision import actions, rules
from kefu.supervision.access import (
    RECORD_RELATED,
    access_notice,
    access_record,
    notices_shown,
    visible_notices,
    visible_records,
)
from kefu.supervision.models import (
    AccountabilityRecord,
    AreaAssignment,
    KindChoices,
    OutcomeChoices,
    SeverityChoices,
    SupervisionNotice,
    reason_text,
)
from kefu.web import inbox
from kefu.web.forms import add_kefu_error
from kefu.web.views import ConsoleRequest, staff_view
from kefu.workorders.access import access_workorder
from kefu.workorders.actions import do_transfer


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%Y-%m-%dT%H:%M")
        super().__init__(**kwargs)


def _staff_choices(me: Staff) -> list[tuple[str, str]]:
    qs = Staff.objects.filter(is_active=True).order_by("name").only("id", "name", "badge_no")
    if not me.sees_all_branches:
        qs = qs.filter(branch=me.branch)
    return [(str(s.pk), str(s)) for s in qs]


# --- accountability records ---------------------------------------------------------------------------------


REC_STATUSES = ("active", "open", "heard", "closed", "all")
REC_SORTS = ("age", "type", "staff", "severity", "branch", "status")
REC_COLUMNS: list[tuple[str, Any]] = [
    ("age", gettext_lazy("Occurred")),
    ("type", gettext_lazy("Kind")),
    ("severity", gettext_lazy("Severity")),
    ("staff", gettext_lazy("Staff member")),
    ("branch", gettext_lazy("Branch")),
    ("status", gettext_lazy("Status")),
]
SEVERITY_RANK = Case(
    When(severity="grave", then=Value(0)),
    When(severity="serious", then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)
# "as proposed": each record gets the outcome (and penalty) the rules propose for it
AS_PROPOSED = "proposed"


def _record_filters(request: ConsoleRequest) -> inbox.Filters:
    f = inbox.read_filters(
        request,
        statuses=REC_STATUSES,
        default_status="active",
        sorts=REC_SORTS,
        branches=inbox.branch_choices(request.staff),
        priorities=SeverityChoices.values,
        extra=("type", "staff"),
    )
    if f.extra.get("type") not in KindChoices.values:
        f.extra.pop("type", None)
    if not f.extra.get("staff", "").isdecimal():
        f.extra.pop("staff", None)
    return f


def filtered_records(me: Staff, f: inbox.Filters, now: dt.datetime) -> QuerySet[AccountabilityRecord]:
    """The visible records the filters select, in the chosen order (default: the ones a person found
    first, then the gravest, then the oldest)."""
    qs = visible_records(me)
    if f.status == "active":
        qs = qs.exclude(status=AccountabilityRecord.Status.CLOSED)
    elif f.status != "all":
        qs = qs.filter(status=f.status)
    if f.kind:
        qs = qs.filter(created_by__isnull=f.kind == "automatic")
    if "type" in f.extra:
        qs = qs.filter(kind=f.extra["type"])
    if "staff" in f.extra:
        qs = qs.filter(staff_id=int(f.extra["staff"]))
    qs = inbox.by_age(qs, "occurred_at", f.age, now)
    if f.priority:
        qs = qs.filter(severity=f.priority)
    if f.branch:
        qs = qs.filter(branch_id=f.branch)
    qs = qs.annotate(
        manual_rank=Case(
            When(created_by__isnull=True, then=Value(1)), default=Value(0), output_field=IntegerField()
        ),
        severity_rank=SEVERITY_RANK,
    )
    key, desc = f.sort.lstrip("-"), f.sort.startswith("-")
    order: list[str] = {
        "": ["manual_rank", "severity_rank", "occurred_at", "pk"],
        "age": ["occurred_at", "pk"],
        "type": ["kind", "occurred_at", "pk"],
        "severity": ["severity_rank", "occurred_at", "pk"],
        "staff": ["staff__name", "occurred_at", "pk"],
        "branch": ["branch__code", "occurred_at", "pk"],
        "status": ["status", "occurred_at", "pk"],
    }[key]
    if desc:
        order = [o[1:] if o.startswith("-") else f"-{o}" for o in order]
    return qs.order_by(*order)


def _may_decide_role(me: Staff, rec: AccountabilityRecord) -> bool:
    return (
        rec.status != AccountabilityRecord.Status.CLOSED
        and me.can("accountability.decide")
        and rec.staff_id != me.pk
        and (me.sees_all_branches or rec.branch_id == me.branch_id)
    )


@require_http_methods(["GET"])
@staff_view
def record_list(request: ConsoleRequest) -> HttpResponseBase:
    me = request.staff
    now = clock.now()
    f = _record_filters(request)
    qs = filtered_records(me, f, now).select_related("staff", "branch", "workorder", "created_by")
    fmt = exports.requested(request)
    if fmt:
        return _export_records(fmt, qs.order_by("-occurred_at", "-id"))
    page = Paginator(qs, settings.KEFU_PAGE_SIZE).get_page(f.page or None)
    rows = list(page.object_list)
    for r in rows:
        is_open = r.status != AccountabilityRecord.Status.CLOSED
        r.may_state = is_open and r.staff_id == me.pk and r.statement_at is None  # type: ignore[attr-defined]
        r.may_decide = _may_decide_role(me, r) and rules.may_decide(  # type: ignore[attr-defined]
            r.statement_at is not None, r.statement_due, now
        )
    ctx = {
        "page": page,
        "rows": rows,
        "f": f,
        "cols": inbox.columns(f, REC_COLUMNS),
        "export_links": exports.links(request),
        "statuses": [
            ("active", _("awaiting a statement or decision")),
            *AccountabilityRecord.Status.choices,
            ("all", _("all")),
        ],
        "kinds": inbox.KIND_CHOICES,
        "ages": inbox.AGE_CHOICES,
        "priorities": SeverityChoices.choices,
        "priority_label": _("Severity"),
        "branches": list(inbox.branch_choices(me)) if me.can("accountability.view") else [],
        "types": KindChoices.choices,
        "people": _staff_choices(me) if me.can("accountability.view") else [],
        "outcomes": OutcomeChoices.choices,
        "can_record": me.can("accountability.record"),
        "can_decide": me.can("accountability.decide"),
        "query_string": f.query(),
        "here": request.get_full_path(),
        "more_filters": "supervision/_record_filters.html",
        "now": now,
    }
    return render(request, "supervision/list.html", ctx)


def _decide_one(user: Any, pk: int, outcome: str, grounds: str) -> None:
    """One record decided through ``actions.do_decide`` (``outcome`` "proposed": the rules' proposal)."""
    rec = access_record(user, pk)
    proposal = actions.proposal_for(rec)
    if outcome == AS_PROPOSED:
        chosen, penalty = proposal.outcome.value, proposal.penalty
    else:
        chosen = outcome
        penalty = actions.default_penalty() if outcome == rules.Outcome.CRITICISM else Decimal("0")
    actions.do_decide(
        user,
        pk,
        actions.DecisionInput(outcome=chosen, decision=grounds, penalty=penalty, factors=rec.factors),
    )


@require_POST
@staff_view
def records_bulk(request: ConsoleRequest) -> HttpResponse:
    """Decide the selected records with one outcome (or each as proposed) and one statement of grounds, or
    give one statement on one's own; one use-case call per record, each audited."""
    action = request.POST.get("action", "")
    ids = inbox.selected_ids(request)
    labels = {pk: f"#{pk}" for pk in ids}
    back = inbox.back_url(request, reverse("console:supervision_list"))
    if action == "decide":
        outcome = request.POST.get("outcome", AS_PROPOSED)
        grounds = request.POST.get("decision", "")
        result = inbox.run_bulk(
            ids, labels.__getitem__, lambda pk: _decide_one(request.user, pk, outcome, grounds)
        )
        inbox.report_bulk(request, result, _("Decided: %(done)s of %(total)s."))
    elif action == "statement":
        text = request.POST.get("statement", "")
        result = inbox.run_bulk(
            ids, labels.__getitem__, lambda pk: actions.do_give_statement(request.user, pk, text)
        )
        inbox.report_bulk(request, result, _("Statements recorded: %(done)s of %(total)s."))
    else:
        messages.error(request, _("Choose an action."))
    return redirect(back)


def _export_records(fmt: str, qs: Any) -> HttpResponseBase:
    """The filtered accountability records with their statement and decision, one row each."""
    label = partial(exports.field_label, AccountabilityRecord)
    names = ["occurred_at", "kind", "severity", "staff", "manager", "branch", "workorder", "summary", "status",
             "statement_at", "statement", "proposed_outcome", "outcome", "penalty", "decision", "decided_by",
             "decided_at"]  # fmt: skip
    header = [label(n) for n in names]

    def rows() -> Iterator[list[Any]]:
        for r in qs.select_related(*RECORD_RELATED).iterator(chunk_size=2000):
            yield [
                r.occurred_at, r.get_kind_display(), r.get_severity_display(), r.staff.name,
                r.manager.name if r.manager else "", r.branch.name if r.branch else "",
                r.workorder.number if r.workorder else "", r.summary, r.get_status_display(), r.statement_at,
                r.statement, r.get_proposed_outcome_display(), r.get_outcome_display(), r.penalty, r.decision,
                r.decided_by.name if r.decided_by else "", r.decided_at,
            ]  # fmt: skip

    return exports.respond(fmt, exports.filename("accountability"), _("Accountability"), header, rows())


class ManualForm(forms.Form):
    staff = forms.ChoiceField(label=gettext_lazy("Staff member"), choices=[])
    occurred_at = forms.DateTimeField(
        label=gettext_lazy("When it happened"), widget=DateTimeLocalInput(), input_formats=["%Y-%m-%dT%H:%M"]
    )
    severity = forms.ChoiceField(label=gettext_lazy("Severity"), choices=SeverityChoices.choices)
    order = forms.CharField(label=gettext_lazy("Work order number (optional)"), max_length=30, required=False)
    summary = forms.CharField(
        label=gettext_lazy("What happened"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )

    def __init__(self, *args: Any, me: Staff, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "acc-%s")
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = [("", "—"), *_staff_choices(me)]  # type: ignore[attr-defined]


@require_http_methods(["GET", "POST"])
@staff_view("accountability.record")
def record_new(request: ConsoleRequest) -> HttpResponse:
    me = request.staff
    form = ManualForm(me=me)
    status = 200
    if request.method == "POST":
        form = ManualForm(request.POST, me=me)
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                rec = actions.do_record_manual(
                    request.user,
                    int(d["staff"]),
                    d["summary"],
                    d["severity"],
                    d["occurred_at"],
                    order_key=d.get("order") or "",
                )
            except KefuError as exc:
                add_kefu_error(form, exc, {"occurred_at": "occurred_at", "workorder": "order"})
                status = exc.status if exc.status in (403, 409) else 400
            else:
                messages.success(request, _("Accountability record created."))
                return redirect("console:supervision_record", record_id=rec.pk)
    return render(request, "supervision/new.html", {"form": form}, status=status)


class StatementForm(forms.Form):
    statement = forms.CharField(
        label=gettext_lazy("Your statement"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "stmt-%s")
        super().__init__(*args, **kwargs)


class DecisionForm(forms.Form):
    severity = forms.ChoiceField(label=gettext_lazy("Severity"), choices=SeverityChoices.choices)
    retaliation = forms.BooleanField(label=gettext_lazy("Retaliated against the customer"), required=False)
    obstruction = forms.BooleanField(label=gettext_lazy("Obstructed the investigation"), required=False)
    apologised_forgiven = forms.BooleanField(
        label=gettext_lazy("Apologised and the customer forgave"), required=False
    )
    harm_prevented = forms.BooleanField(label=gettext_lazy("Prevented the harm"), required=False)
    loss_recovered = forms.BooleanField(label=gettext_lazy("Recovered the loss"), required=False)
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=OutcomeChoices.choices)
    penalty = forms.DecimalField(
        label=gettext_lazy("Penalty (yuan)"), min_value=0, max_digits=10, decimal_places=2, required=False
    )
    decision = forms.CharField(
        label=gettext_lazy("Decision and its grounds"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
        required=False,  # not for the preview; the action requires it to decide
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "dec-%s")
        super().__init__(*args, **kwargs)

    def factors(self) -> rules.Factors:
        d = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return rules.Factors(**{k: bool(d.get(k)) for k in rules.Factors.__dataclass_fields__})


def _decision_initial(rec: AccountabilityRecord, proposal: rules.Proposal) -> dict[str, Any]:
    f = rec.factors
    initial: dict[str, Any] = {k: getattr(f, k) for k in rules.Factors.__dataclass_fields__}
    initial.update(severity=rec.severity, outcome=proposal.outcome.value, penalty=proposal.penalty)
    return initial


@require_http_methods(["GET", "POST"])
@staff_view
def record_detail(request: ConsoleRequest, record_id: int) -> HttpResponse:
    me = request.staff
    rec = access_record(request.user, record_id)
    now = clock.now()
    is_open = rec.status != AccountabilityRecord.Status.CLOSED
    may_state = is_open and rec.staff_id == me.pk and rec.statement_at is None
    may_decide_role = (
        is_open
        and me.can("accountability.decide")
        and rec.staff_id != me.pk
        and (me.sees_all_branches or rec.branch_id == me.branch_id)
    )
    heard = rules.may_decide(rec.statement_at is not None, rec.statement_due, now)
    statement_form = StatementForm() if may_state else None
    proposal = actions.proposal_for(rec)
    decision_form = DecisionForm(initial=_decision_initial(rec, proposal)) if may_decide_role else None
    status = 200
    if request.method == "POST":
        what = request.POST.get("form", "")
        status = 400
        if what == "statement" and may_state:
            statement_form = StatementForm(request.POST)
            if statement_form.is_valid():
                try:
                    actions.do_give_statement(request.user, rec.pk, statement_form.cleaned_data["statement"])
                except KefuError as exc:
                    add_kefu_error(statement_form, exc)
                    status = exc.status if exc.status in (403, 409) else 400
                else:
                    messages.success(request, _("Your statement is recorded."))
                    return redirect("console:supervision_record", record_id=rec.pk)
        elif what == "decision" and may_decide_role:
            decision_form = DecisionForm(request.POST)
            if decision_form.is_valid():
                d = decision_form.cleaned_data
                if "preview" in request.POST:
                    proposal = actions.proposal_for(rec, decision_form.factors(), d["severity"])
                    status = 200
                else:
                    try:
                        actions.do_decide(
                            request.user,
                            rec.pk,
                            actions.DecisionInput(
                                outcome=d["outcome"],
                                decision=d.get("decision") or "",
                                penalty=d.get("penalty") or Decimal("0"),
                                severity=d["severity"],
                                factors=decision_form.factors(),
                            ),
                        )
                    except KefuError as exc:
                        add_kefu_error(decision_form, exc)
                        status = exc.status if exc.status in (403, 409) else 400
                    else:
                        messages.success(request, _("Decision recorded; the record is closed."))
                        return redirect("console:supervision_record", record_id=rec.pk)
        else:
            raise Http404
    ctx = {
        "rec": rec,
        "statement_form": statement_form,
        "decision_form": decision_form,
        "heard": heard,
        "proposal": proposal,
        "proposal_label": OutcomeChoices(proposal.outcome.value).label,
        "proposal_reasons": [reason_text(r) for r in proposal.reasons],
        "prior": len(actions.prior_dates(rec)),
        "now": now,
    }
    return render(request, "supervision/record.html", ctx, status=status)


# --- sent away ------------------------------------------------------------------------------------------


@require_POST
@staff_view
def report_sent_away(request: ConsoleRequest, transfer_id: int) -> HttpResponse:
    try:
        rec = actions.do_report_sent_away(request.user, transfer_id, request.POST.get("note", ""))
    except KefuError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
        number = request.POST.get("order", "")
        if number:
            return redirect("console:order_detail", key=number)
        return redirect("console:supervision_list")
    messages.success(request, _("Recorded as sending the customer away."))
    return redirect("console:supervision_record", record_id=rec.pk)


# --- supervision notices -----------------------------------------------------------------------------------


NOTICE_STATUSES = ("open", "overdue", "answered", "all")
NOTICE_SORTS = ("due", "order", "priority", "age", "branch")
NOTICE_COLUMNS: list[tuple[str, Any]] = [
    ("due", gettext_lazy("Due")),
    ("order", pgettext_lazy("work order", "Order")),
    ("priority", gettext_lazy("Priority")),
    ("age", gettext_lazy("Issued")),
    ("branch", gettext_lazy("Branch")),
]
ORDER_PRIORITY_RANK = Case(
    When(workorder__priority="urgent", then=Value(0)),
    When(workorder__priority="high", then=Value(1)),
    When(workorder__priority="normal", then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def _notice_filters(request: ConsoleRequest) -> inbox.Filters:
    f = inbox.read_filters(
        request,
        statuses=NOTICE_STATUSES,
        default_status="open",
        sorts=NOTICE_SORTS,
        branches=inbox.branch_choices(request.staff),
        kinds=False,
    )
    legacy = request.GET.get("show", "")  # the former tab parameter, kept for bookmarks
    if "status" not in request.GET and legacy in NOTICE_STATUSES:
        f.status = legacy
    return f


def filtered_notices(
    request: ConsoleRequest, f: inbox.Filters, now: dt.datetime
) -> QuerySet[SupervisionNotice]:
    """The visible notices the filters select; default order: urgent orders first, then the earliest due."""
    qs = notices_shown(request.user, f.status, now)
    qs = inbox.by_age(qs, "issued_at", f.age, now)
    if f.priority:
        qs = qs.filter(workorder__priority=f.priority)
    if f.branch:
        qs = qs.filter(branch_id=f.branch)
    qs = qs.annotate(prio_rank=ORDER_PRIORITY_RANK)
    key, desc = f.sort.lstrip("-"), f.sort.startswith("-")
    if not key and f.status == "answered":
        return qs  # newest answer first (notices_shown)
    order: list[str] = {
        "": ["prio_rank", "due_at", "pk"],
        "due": ["due_at", "pk"],
        "order": ["workorder__number", "pk"],
        "priority": ["prio_rank", "due_at", "pk"],
        "age": ["issued_at", "pk"],
        "branch": ["branch__code", "due_at", "pk"],
    }[key]
    if desc:
        order = [o[1:] if o.startswith("-") else f"-{o}" for o in order]
    return qs.order_by(*order)


@require_http_methods(["GET"])
@staff_view
def notice_list(request: ConsoleRequest) -> HttpResponseBase:
    me = request.staff
    now = clock.now()
    f = _notice_filters(request)
    qs = filtered_notices(request, f, now)
    fmt = exports.requested(request)
    if fmt:
        return _export_notices(fmt, qs, f.status)
    page = Paginator(qs, settings.KEFU_PAGE_SIZE).get_page(f.page or None)
    rows = list(page.object_list)
    for n in rows:
        n.may_answer = n.status == SupervisionNotice.Status.OPEN and actions.may_answer(me, n)  # type: ignore[attr-defined]
    can_assign = me.can("order.transfer")
    ctx = {
        "page": page,
        "rows": rows,
        "f": f,
        "show": f.status,
        "cols": inbox.columns(f, NOTICE_COLUMNS),
        "statuses": [
            ("open", _("open")),
            ("overdue", pgettext_lazy("time limit", "overdue")),
            ("answered", pgettext_lazy("supervision notice", "answered")),
            ("all", _("all")),
        ],
        "ages": inbox.AGE_CHOICES,
        "priorities": inbox.PRIORITY_CHOICES,
        "branches": list(inbox.branch_choices(me)),
        "can_assign": can_assign,
        "people": _assignable(me) if can_assign else [],
        "now": now,
        "query_string": f.query(),
        "here": request.get_full_path(),
        "export_links": exports.links(request),
    }
    return render(request, "supervision/notices.html", ctx)


@require_POST
@staff_view
def notices_bulk(request: ConsoleRequest) -> HttpResponse:
    """Answer the selected notices with one text, or assign their orders to a staff member (a transfer
    with the text as its reason); one use-case call per notice, each audited."""
    action = request.POST.get("action", "")
    ids = inbox.selected_ids(request)
    numbers = dict(visible_notices(request.user).filter(pk__in=ids).values_list("pk", "workorder__number"))
    text = request.POST.get("answer", "")
    back = inbox.back_url(request, reverse("console:supervision_notices"))
    if action == "answer":
        result = inbox.run_bulk(
            ids,
            lambda pk: numbers.get(pk) or f"#{pk}",
            lambda pk: actions.do_answer_notice(request.user, pk, text),
        )
        inbox.report_bulk(request, result, _("Answered: %(done)s of %(total)s."))
    elif action == "assign":
        to_staff = request.POST.get("to_staff", "")

        def assign(pk: int) -> None:
            n = access_notice(request.user, pk)
            if not to_staff.isdecimal():
                raise ValidationFailed("to_staff", _("Choose whom to assign the order to."), "to_staff")
            do_transfer(request.user, n.workorder_id, to_staff_id=int(to_staff), reason=text)

        result = inbox.run_bulk(ids, lambda pk: numbers.get(pk) or f"#{pk}", assign)
        inbox.report_bulk(request, result, _("Assigned: %(done)s of %(total)s."))
    else:
        messages.error(request, _("Choose an action."))
    return redirect(back)


def _export_notices(fmt: str, qs: Any, show: str) -> HttpResponseBase:
    label = partial(exports.field_label, SupervisionNotice)
    header = [label("workorder"), _("Title"), label("branch"), label("issued_by"), label("issued_at"),
              label("due_at"), label("text"), label("status"), label("answered_at"), label("answered_by"),
              label("answered_how"), label("answer"), label("overdue_reported_at"), label("reported_to")]  # fmt: skip

    def rows() -> Iterator[list[Any]]:
        for n in qs.iterator(chunk_size=2000):
            yield [
                n.workorder.number, n.workorder.title, n.branch.name, n.issued_by.name,
                n.issued_at, n.due_at, n.text, n.get_status_display(), n.answered_at,
                n.answered_by.name if n.answered_by else "", n.get_answered_how_display(), n.answer,
                n.overdue_reported_at, n.reported_to.name if n.reported_to else "",
            ]  # fmt: skip

    return exports.respond(fmt, exports.filename(f"supervision-notices-{show}"), _("Supervision notices"),
                           header, rows())  # fmt: skip


class NoticeForm(forms.Form):
    due_at = forms.DateTimeField(
        label=gettext_lazy("Due"), widget=DateTimeLocalInput(), input_formats=["%Y-%m-%dT%H:%M"]
    )
    text = forms.CharField(
        label=gettext_lazy("What must be done"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


@require_POST
@staff_view
def notice_issue(request: ConsoleRequest, number: str) -> HttpResponse:
    order = access_workorder(request.user, number)
    form = NoticeForm(request.POST)
    if form.is_valid():
        try:
            actions.do_issue_notice(
                request.user, order.pk, form.cleaned_data["text"], form.cleaned_data["due_at"]
            )
        except KefuError as exc:
            if exc.status == 404:
                raise
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Supervision notice issued."))
    else:
        messages.error(request, _("Give a due time and what must be done."))
    return redirect("console:order_detail", key=order.number)


@require_POST
@staff_view
def notice_answer(request: ConsoleRequest, notice_id: int) -> HttpResponse:
    try:
        n = actions.do_answer_notice(request.user, notice_id, request.POST.get("answer", ""))
    except KefuError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
        return redirect(inbox.back_url(request, reverse("console:supervision_notices")))
    messages.success(request, _("Answer recorded."))
    return redirect(
        inbox.back_url(request, reverse("console:order_detail", kwargs={"key": n.workorder.number}))
    )


# --- service areas (R-30) ---------------------------------------------------------------------------------


class AssignForm(forms.Form):
    staff = forms.MultipleChoiceField(label=gettext_lazy("Responsible staff"), choices=[], required=False)
    from_date = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    published = forms.BooleanField(label=gettext_lazy("Publish on the disclosure page"), required=False)

    def __init__(self, *args: Any, area: ServiceArea, people: list[Staff], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"area{area.pk}-%s")
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = [  # type: ignore[attr-defined]
            (str(s.pk), str(s)) for s in people if s.branch_id in (None, area.branch_id)
        ]


def _assignable(me: Staff) -> list[Staff]:
    qs = Staff.objects.filter(is_active=True).order_by("name").only("id", "name", "badge_no", "branch_id")
    if not me.sees_all_branches:
        qs = qs.filter(branch=me.branch) | qs.filter(branch__isnull=True)
    return list(qs)


def _export_areas(
    fmt: str,
    areas: list[ServiceArea],
    verdicts: dict[int, rules.AreaVerdict],
    loads: list[tuple[Staff, rules.StaffVerdict]],
) -> HttpResponseBase:
    """The areas with their households, responsible staff and load against the guidance; in XLSX a second
    sheet with each responsible person's households and load (``loads`` in the page's order)."""
    header = [_("Service area"), _("Code"), _("Branch"), _("Kind"), _("Households"), _("Responsible"),
              _("Per person"), _("Guidance"), _("Above the guidance")]  # fmt: skip
    rows = []
    for a in areas:
        v = verdicts[a.pk]
        who = ", ".join(s.name for s in a.responsible.all())
        rows.append([a.name, a.code, a.branch.name, a.get_kind_display(), a.households, who, v.per_person,
                     v.guidance, _("yes") if v.over else _("no")])  # fmt: skip
    name = exports.filename("service-areas")
    if fmt == "csv":
        return exports.csv_response(name, header, rows)
    staff_header = [_("Staff member"), _("Badge number"), _("Households"), _("Load (1.00 = guidance)"),
                    _("Above the guidance")]  # fmt: skip
    staff_rows = [
        [p.name, p.badge_no, v.households, v.load, _("yes") if v.over else _("no")] for p, v in loads
    ]
    return exports.xlsx_response(
        name,
        [
            (_("Service areas"), header, rows),
            (_("Responsible staff"), staff_header, staff_rows),
        ],
    )


@require_http_methods(["GET", "POST"])
@staff_view("area.assign", "accountability.view")
def area_list(request: ConsoleRequest) -> HttpResponseBase:
    me = request.staff
    status = 200
    failed: tuple[int, AssignForm] | None = None
    assignable = _assignable(me) if me.can("area.assign") else []
    if request.method == "POST":
        if not me.can("area.assign"):
            raise Http404
        try:
            area = areas_of(me).get(pk=int(request.POST.get("area", "")))
        except (ValueError, ServiceArea.DoesNotExist):
            raise Http404 from None
        form = AssignForm(request.POST, area=area, people=assignable)
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                actions.do_assign_area(
                    request.user,
                    area.pk,
                    [int(s) for s in d["staff"]],
                    d["from_date"],
                    published=d["published"],
                )
            except KefuError as exc:
                add_kefu_error(form, exc)
            else:
                messages.success(request, _("Responsible staff of %(area)s changed.") % {"area": area.name})
                return redirect("console:supervision_areas")
        failed = (area.pk, form)
    areas = list(
        areas_of(me).prefetch_related(
            Prefetch("responsible", queryset=Staff.objects.order_by("badge_no")),
            Prefetch(
                "assignments",
                queryset=AreaAssignment.objects.select_related("staff").order_by("-created_at", "-id"),
            ),
        )
    )
    area_v, staff_v = actions.area_loads(areas)
    people = {s.pk: s for a in areas for s in a.responsible.all()}
    staff_rows = sorted(
        ((people[s], v) for s, v in staff_v.items() if s in people), key=lambda x: (-x[1].load, x[0].name)
    )
    fmt = exports.requested(request) if request.method == "GET" else None
    if fmt:
        return _export_areas(fmt, areas, area_v, staff_rows)
    today = clock.localdate()
    for a in areas:
        a.verdict = area_v[a.pk]  # type: ignore[attr-defined]
        a.history = list(a.assignments.all())[:10]  # type: ignore[attr-defined]
        if me.can("area.assign"):
            if failed and failed[0] == a.pk:
                a.form = failed[1]  # type: ignore[attr-defined]
            else:
                a.form = AssignForm(  # type: ignore[attr-defined]
                    area=a,
                    people=assignable,
                    initial={
                        "staff": [str(s.pk) for s in a.responsible.all()],
                        "from_date": today,
                        "published": True,
                    },
                )
    ctx = {
        "areas": areas,
        "staff_rows": staff_rows,
        "guidance": rules.HOUSEHOLDS_PER_PERSON,
        "warnings": len([a for a in areas if a.verdict.over])  # type: ignore[attr-defined]
        + len([v for _p, v in staff_rows if v.over]),
    }
    return render(request, "supervision/areas.html", ctx, status=status)
