"""Console pages of supervision: accountability records (list, record page with the statement and decision
forms, manual recording), supervision notices (list, issue/answer from the order page), the sent-away report,
and the service areas with their contractors' load and history."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kefu.lib import clock, exports
from kefu.lib.errors import KefuError
from kefu.organization.access import areas_of
from kefu.organization.models import ServiceArea, Staff
from kefu.supervision import actions, rules
from kefu.supervision.access import RECORD_RELATED, access_record, notices_shown, visible_records
from kefu.supervision.models import (
    AccountabilityRecord,
    AreaAssignment,
    KindChoices,
    OutcomeChoices,
    SeverityChoices,
    SupervisionNotice,
    reason_text,
)
from kefu.web.forms import add_kefu_error
from kefu.web.views import ConsoleRequest, staff_view
from kefu.workorders.access import access_workorder

PAGE_SIZE = 25


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


@require_http_methods(["GET"])
@staff_view
def record_list(request: ConsoleRequest) -> HttpResponseBase:
    me = request.staff
    qs = visible_records(me).select_related("staff", "branch", "workorder")
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    staff_id = request.GET.get("staff", "")
    if status in AccountabilityRecord.Status.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    if kind in KindChoices.values:
        qs = qs.filter(kind=kind)
    else:
        kind = ""
    if staff_id.isdecimal():
        qs = qs.filter(staff_id=int(staff_id))
    else:
        staff_id = ""
    qs = qs.order_by("-occurred_at", "-id")
    fmt = exports.requested(request)
    if fmt:
        return _export_records(fmt, qs)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {
        "page": page,
        "export_links": exports.links(request),
        "status": status,
        "kind": kind,
        "staff_id": staff_id,
        "statuses": AccountabilityRecord.Status.choices,
        "kinds": KindChoices.choices,
        "people": _staff_choices(me) if me.can("accountability.view") else [],
        "can_record": me.can("accountability.record"),
        "query_string": f"status={status}&kind={kind}&staff={staff_id}",
    }
    return render(request, "supervision/list.html", ctx)


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


@require_http_methods(["GET"])
@staff_view
def notice_list(request: ConsoleRequest) -> HttpResponseBase:
    show = request.GET.get("show", "open")
    if show not in ("open", "overdue", "answered"):
        show = "open"
    now = clock.now()
    qs = notices_shown(request.user, show, now)
    fmt = exports.requested(request)
    if fmt:
        return _export_notices(fmt, qs, show)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {
        "page": page,
        "show": show,
        "now": now,
        "query_string": f"show={show}",
        "export_links": exports.links(request),
    }
    return render(request, "supervision/notices.html", ctx)


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
        return redirect("console:supervision_notices")
    messages.success(request, _("Answer recorded."))
    return redirect("console:order_detail", key=n.workorder.number)


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
