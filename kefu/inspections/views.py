"""Console pages of inspections and training (R-28, R-29).

Inspections: the list (branch-scoped, paginated, filter by kind and state), the score-sheet form, the
inspection page (scores by category, findings, corrective actions), plans with progress.
Training: the handbook, courses with their exams, the exam page, the supervisors' training overview.
Each POST calls one action.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from itertools import groupby
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_http_methods, require_POST

from kefu.inspections import actions, training
from kefu.inspections.access import (
    access_inspection,
    inspects,
    visible_inspections,
    visible_plans,
    visible_staff,
)
from kefu.inspections.models import (
    ActionStatus,
    Category,
    CorrectiveAction,
    Course,
    Exam,
    ExamAttempt,
    HandbookPage,
    Inspection,
    InspectionKind,
    InspectionScore,
    PlanScope,
    ScoreSheet,
    SubjectKind,
    TrainingRecord,
)
from kefu.lib import clock, exports
from kefu.lib.errors import KefuError
from kefu.organization.access import branches_of
from kefu.organization.models import Outlet, Staff
from kefu.web.forms import add_kefu_error
from kefu.web.views import ConsoleRequest, staff_view

PAGE_SIZE = 25
STATES = [
    ("open", gettext_lazy("corrective actions open")),
    ("overdue", gettext_lazy("corrective actions overdue")),
    ("closed", gettext_lazy("nothing open")),
    ("unpublished", gettext_lazy("not published (mystery shopping)")),
]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _inspector(request: ConsoleRequest) -> Staff:
    if not inspects(request.staff):
        raise Http404
    return request.staff


# --- inspections list --------------------------------------------------------------------------------------


@require_http_methods(["GET"])
@staff_view
def inspection_list(request: ConsoleRequest) -> HttpResponseBase:
    staff = request.staff
    qs = visible_inspections(staff).select_related(
        "staff", "outlet", "workorder", "call", "inspector", "sheet"
    )
    kind = request.GET.get("kind", "")
    state = request.GET.get("state", "")
    if kind in InspectionKind.values:
        qs = qs.filter(kind=kind)
    else:
        kind = ""
    cond = actions.inspection_status_filter(state, clock.localdate())
    if cond is not None:
        qs = qs.filter(cond)
    else:
        state = ""
    today = clock.localdate()
    qs = qs.annotate(
        open_actions=Count("actions", filter=Q(actions__status=ActionStatus.OPEN)),
        overdue_actions=Count(
            "actions", filter=Q(actions__status=ActionStatus.OPEN, actions__due_on__lt=today)
        ),
    ).order_by("-inspected_on", "-id")
    fmt = exports.requested(request)
    if fmt:
        return _export_inspections(fmt, qs)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    my_actions = list(
        CorrectiveAction.objects.filter(
            owner=staff, status=ActionStatus.OPEN, inspection__in=visible_inspections(staff)
        ).select_related("inspection")[:50]
    )
    ctx = {
        "page": page,
        "kind": kind,
        "state": state,
        "kinds": InspectionKind.choices,
        "states": STATES,
        "inspector": inspects(staff),
        "sheets": list(ScoreSheet.objects.filter(active=True)) if inspects(staff) else [],
        "my_actions": my_actions,
        "query_string": f"kind={kind}&state={state}",
        "export_links": exports.links(request),
    }
    return render(request, "inspections/list.html", ctx)


def _subject_text(i: Inspection) -> str:
    """The inspected subject as the list shows it."""
    if i.subject_kind == SubjectKind.STAFF and i.staff:
        return i.staff.name
    if i.subject_kind == SubjectKind.OUTLET and i.outlet:
        return i.outlet.name
    if i.subject_kind == SubjectKind.ORDER and i.workorder:
        who = f" · {i.staff.name}" if i.staff else ""
        return f"{pgettext('work order', 'order')} {i.workorder.number}{who}"
    if i.subject_kind == SubjectKind.CALL and i.call:
        who = f" · {i.staff.name}" if i.staff else ""
        return f"{_('call')} {i.call.call_id}{who}"
    return ""


def _export_inspections(fmt: str, qs: Any) -> HttpResponseBase:
    """The filtered inspections, one row each; in XLSX also every item's score and the corrective actions."""
    header = [_("Date"), _("Kind"), _("Score sheet"), _("Subject"), _("Branch"), _("Inspector"), _("Points"),
              _("Points possible"), _("Score %"), _("Published"), _("Comments"), _("Findings"),
              _("Open corrective actions"), _("Overdue corrective actions")]  # fmt: skip

    def rows() -> Iterator[list[Any]]:
        for i in qs.select_related("branch").iterator(chunk_size=2000):
            yield [i.inspected_on, i.get_kind_display(), i.sheet.display_name, _subject_text(i),
                   i.branch.name if i.branch else "", i.inspector.name, i.points, i.max_points, i.percentage,
                   _("yes") if i.published else _("no"), i.comments, i.findings, i.open_actions,
                   i.overdue_actions]  # fmt: skip

    name = exports.filename("inspections")
    if fmt == "csv":
        return exports.csv_response(name, header, rows())
    ids = qs.values("pk")
    labels = dict(Category.choices)
    score_header = [_("Date"), _("Subject"), _("Category"), _("Item"), _("Points"), _("Points possible"),
                    _("Note")]  # fmt: skip
    related = ("inspection__staff", "inspection__outlet", "inspection__workorder", "inspection__call")

    def scores() -> Iterator[list[Any]]:
        qs_ = InspectionScore.objects.filter(inspection__in=ids).select_related("item", *related)
        order = ("-inspection__inspected_on", "-inspection_id", "item__position", "item_id")
        for sc in qs_.order_by(*order).iterator(chunk_size=2000):
            category = labels.get(sc.item.category, sc.item.category)
            yield [sc.inspection.inspected_on, _subject_text(sc.inspection), category, sc.item.display_text,
                   sc.points, sc.item.max_points, sc.comment]  # fmt: skip

    action_header = [_("Date"), _("Subject"), _("Corrective action"), _("Owner"), _("Due"), _("Status"),
                     _("Done at"), _("What was done")]  # fmt: skip

    def corrective() -> Iterator[list[Any]]:
        qs_ = CorrectiveAction.objects.filter(inspection__in=ids).select_related("owner", *related)
        for ac in qs_.order_by("due_on", "id").iterator(chunk_size=2000):
            yield [ac.inspection.inspected_on, _subject_text(ac.inspection), ac.description, ac.owner.name,
                   ac.due_on, ac.get_status_display(), ac.done_at, ac.done_note]  # fmt: skip

    sheets = [
        (_("Inspections"), header, rows()),
        (_("Scores"), score_header, scores()),
        (_("Corrective actions"), action_header, corrective()),
    ]
    return exports.xlsx_response(name, sheets)


# --- the score-sheet form ----------------------------------------------------------------------------------


class InspectionForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=InspectionKind.choices)
    inspected_on = forms.DateField(label=gettext_lazy("Date"), widget=DATE)
    staff = forms.ModelChoiceField(
        label=gettext_lazy("Staff member"), queryset=Staff.objects.none(), required=False
    )
    outlet = forms.ModelChoiceField(
        label=gettext_lazy("Outlet"), queryset=Outlet.objects.none(), required=False
    )
    order_number = forms.CharField(label=gettext_lazy("Work order number"), max_length=30, required=False)
    call_id = forms.CharField(
        label=gettext_lazy("Recorded call (CTI call id)"), max_length=100, required=False
    )

    def __init__(self, *args: Any, actor: Staff, items: list[Any], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "insp-%s")
        super().__init__(*args, **kwargs)
        scope_all = actor.sees_all_branches or actor.role == "inspector"
        people = Staff.objects.filter(is_active=True).order_by("name")
        outlets = Outlet.objects.select_related("branch").order_by("branch__code", "name")
        if not scope_all:
            people = people.filter(branch=actor.branch)
            outlets = outlets.filter(branch=actor.branch)
        self.fields["staff"].queryset = people  # type: ignore[attr-defined]
        self.fields["outlet"].queryset = outlets  # type: ignore[attr-defined]
        self.items = items
        for item in items:
            self.fields[f"score_{item.pk}"] = forms.IntegerField(
                label=item.text, min_value=0, max_value=item.max_points, required=True
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=gettext_lazy("Note"), max_length=500, required=False
            )
        self.fields["comments"] = forms.CharField(
            label=gettext_lazy("Comments"), required=False, widget=forms.Textarea(attrs={"rows": 3})
        )
        self.fields["findings"] = forms.CharField(
            label=gettext_lazy("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 3})
        )

    def groups(self) -> list[dict[str, Any]]:
        """The score fields grouped by category, in the sheet's order."""
        labels = dict(Category.choices)
        out = []
        for cat, items in groupby(self.items, key=lambda i: i.category):
            out.append(
                {
                    "label": labels.get(cat, cat),
                    "rows": [(i, self[f"score_{i.pk}"], self[f"note_{i.pk}"]) for i in items],
                }
            )
        return out


@require_http_methods(["GET", "POST"])
@staff_view
def inspection_new(request: ConsoleRequest) -> HttpResponse:
    actor = _inspector(request)
    sheets = list(ScoreSheet.objects.filter(active=True))
    sheet_id = request.POST.get("sheet") or request.GET.get("sheet") or ""
    sheet = next((s for s in sheets if str(s.pk) == sheet_id), sheets[0] if sheets else None)
    if sheet is None:
        raise Http404
    items = sorted(
        actions.sheet_items(sheet.pk), key=lambda i: (list(Category.values).index(i.category), i.position)
    )
    initial = {"inspected_on": clock.localdate(), "kind": request.GET.get("kind", InspectionKind.SPOT)}
    if request.GET.get("staff", "").isdecimal():
        initial["staff"] = int(request.GET["staff"])
    form = InspectionForm(initial=initial, actor=actor, items=items)
    status = 200
    if request.method == "POST":
        form = InspectionForm(request.POST, actor=actor, items=items)
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            data = actions.InspectionInput(
                kind=d["kind"],
                sheet_id=sheet.pk,
                inspected_on=d["inspected_on"],
                scores={i.pk: d[f"score_{i.pk}"] for i in items},
                item_comments={i.pk: d.get(f"note_{i.pk}") or "" for i in items},
                staff_id=d["staff"].pk if d.get("staff") else None,
                outlet_id=d["outlet"].pk if d.get("outlet") else None,
                order_number=d.get("order_number") or "",
                call_id=d.get("call_id") or "",
                comments=d.get("comments") or "",
                findings=d.get("findings") or "",
            )
            try:
                insp = actions.do_create_inspection(request.user, data)
            except KefuError as exc:
                add_kefu_error(form, exc, {"subject": "", "staff_id": "staff"})
                status = exc.status if exc.status in (403, 409) else 400
            else:
                messages.success(request, _("Inspection recorded: %(pct)s%%.") % {"pct": insp.percentage})
                return redirect("console:inspection_detail", inspection_id=insp.pk)
    ctx = {"form": form, "sheet": sheet, "sheets": sheets}
    return render(request, "inspections/form.html", ctx, status=status)


# --- the inspection page -----------------------------------------------------------------------------------


class ActionForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("What must be corrected"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
    )
    owner = forms.ModelChoiceField(label=gettext_lazy("Owner"), queryset=Staff.objects.none())
    due_on = forms.DateField(label=gettext_lazy("Due"), widget=DATE)

    def __init__(self, *args: Any, branch_id: int | None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "ca-%s")
        super().__init__(*args, **kwargs)
        people = Staff.objects.filter(is_active=True).order_by("name")
        if branch_id is not None:
            people = people.filter(Q(branch_id=branch_id) | Q(branch__isnull=True))
        self.fields["owner"].queryset = people  # type: ignore[attr-defined]


def _detail(
    request: ConsoleRequest, inspection_id: int, action_form: ActionForm | None = None, status: int = 200
) -> HttpResponse:
    staff = request.staff
    insp = access_inspection(request.user, inspection_id)
    scores = list(insp.scores.select_related("item"))
    labels = dict(Category.choices)
    order = list(Category.values)
    scores.sort(
        key=lambda s: (order.index(s.item.category) if s.item.category in order else 99, s.item.position)
    )
    groups = []
    for cat, rows in groupby(scores, key=lambda s: s.item.category):
        rows_l = list(rows)
        groups.append(
            {
                "label": labels.get(cat, cat),
                "rows": rows_l,
                "points": sum(r.points for r in rows_l),
                "max": sum(r.item.max_points for r in rows_l),
            }
        )
    can_manage = inspects(staff)
    if can_manage and action_form is None:
        action_form = ActionForm(
            branch_id=insp.branch_id, initial={"due_on": clock.localdate() + dt.timedelta(days=7)}
        )
    ctx = {
        "insp": insp,
        "groups": groups,
        "corrective": list(insp.actions.select_related("owner")),
        "action_form": action_form if can_manage else None,
        "can_manage": can_manage,
        "me": staff,
    }
    return render(request, "inspections/detail.html", ctx, status=status)


@require_http_methods(["GET"])
@staff_view
def inspection_detail(request: ConsoleRequest, inspection_id: int) -> HttpResponse:
    return _detail(request, inspection_id)


@require_POST
@staff_view
def inspection_add_action(request: ConsoleRequest, inspection_id: int) -> HttpResponse:
    _inspector(request)
    insp = access_inspection(request.user, inspection_id)
    form = ActionForm(request.POST, branch_id=insp.branch_id)
    if form.is_valid():
        d = form.cleaned_data
        try:
            actions.do_add_corrective_action(
                request.user,
                insp.pk,
                description=d["description"],
                owner_id=d["owner"].pk,
                due_on=d["due_on"],
            )
        except KefuError as exc:
            add_kefu_error(form, exc)
        else:
            messages.success(request, _("Corrective action assigned."))
            return redirect("console:inspection_detail", inspection_id=insp.pk)
    return _detail(request, insp.pk, form, status=400)


@require_POST
@staff_view
def inspection_publish(request: ConsoleRequest, inspection_id: int) -> HttpResponse:
    _inspector(request)
    try:
        actions.do_publish_inspection(request.user, inspection_id)
    except KefuError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Published: the inspected staff can see the result now."))
    return redirect("console:inspection_detail", inspection_id=inspection_id)


@require_POST
@staff_view
def action_done(request: ConsoleRequest, action_id: int) -> HttpResponse:
    act = actions.access_action(request.user, action_id)
    try:
        actions.do_complete_action(request.user, action_id, note=request.POST.get("note", ""))
    except KefuError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Corrective action marked done."))
    return redirect("console:inspection_detail", inspection_id=act.inspection_id)


# --- plans -------------------------------------------------------------------------------------------------


class PlanForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    scope = forms.ChoiceField(label=gettext_lazy("Level"), choices=PlanScope.choices)
    branch = forms.ChoiceField(label=gettext_lazy("Branch"), choices=[], required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=InspectionKind.choices)
    starts_on = forms.DateField(label=gettext_lazy("From"), widget=DATE)
    ends_on = forms.DateField(label=gettext_lazy("Until"), widget=DATE)
    per_month = forms.IntegerField(label=gettext_lazy("Inspections per month"), min_value=1, max_value=1000)

    def __init__(self, *args: Any, actor: Staff, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "plan-%s")
        super().__init__(*args, **kwargs)
        self.fields["branch"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (b.pk, b.name) for b in branches_of(actor)
        ]
        if not actor.sees_all_branches:
            self.fields["scope"].choices = [(PlanScope.BRANCH.value, PlanScope.BRANCH.label)]  # type: ignore[attr-defined]


@require_http_methods(["GET", "POST"])
@staff_view
def plan_list(request: ConsoleRequest) -> HttpResponse:
    actor = _inspector(request)
    today = clock.localdate()
    first = today.replace(day=1)
    form = PlanForm(
        actor=actor,
        initial={
            "scope": PlanScope.BRANCH,
            "branch": actor.branch_id,
            "starts_on": first,
            "ends_on": (first + dt.timedelta(days=92)).replace(day=1) - dt.timedelta(days=1),
            "per_month": 4,
            "kind": InspectionKind.SPOT,
        },
    )
    status = 200
    if request.method == "POST":
        form = PlanForm(request.POST, actor=actor)
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                actions.do_create_plan(
                    request.user,
                    name=d["name"],
                    scope=d["scope"],
                    branch_id=int(d["branch"]) if d.get("branch") else None,
                    kind=d["kind"],
                    starts_on=d["starts_on"],
                    ends_on=d["ends_on"],
                    per_month=d["per_month"],
                )
            except KefuError as exc:
                add_kefu_error(form, exc)
            else:
                messages.success(request, _("Plan created."))
                return redirect("console:inspection_plans")
    rows = actions.plans_with_progress(visible_plans(actor).order_by("-starts_on", "id"))
    return render(request, "inspections/plans.html", {"rows": rows, "form": form}, status=status)


# --- training ----------------------------------------------------------------------------------------------


@require_http_methods(["GET"])
@staff_view
def handbook(request: ConsoleRequest) -> HttpResponse:
    pages = list(HandbookPage.objects.filter(published=True))
    return render(request, "inspections/handbook.html", {"pages": pages})


@require_http_methods(["GET"])
@staff_view
def course_list(request: ConsoleRequest) -> HttpResponse:
    staff = request.staff
    courses = training.courses_for(staff)
    ids = [c.pk for c in courses]
    exams: dict[int, list[Any]] = {}

    for e in Exam.objects.filter(course_id__in=ids, active=True).order_by("id"):
        exams.setdefault(e.course_id, []).append(e)
    records = {r.course_id: r for r in TrainingRecord.objects.filter(staff=staff, course_id__in=ids)}
    rows = [{"course": c, "exams": exams.get(c.pk, []), "record": records.get(c.pk)} for c in courses]
    missing = {c.pk for c in training.missing_for(staff)}
    return render(request, "inspections/courses.html", {"rows": rows, "missing": missing})


@require_http_methods(["GET", "POST"])
@staff_view
def exam_page(request: ConsoleRequest, exam_id: int) -> HttpResponse:
    exam = training.access_exam(request.user, exam_id)
    questions = training.exam_questions(exam)
    result: ExamAttempt | None = None
    status = 200
    if request.method == "POST":
        answers: dict[int, int | None] = {}
        for q in questions:
            raw = request.POST.get(f"q{q.pk}", "")
            answers[q.pk] = int(raw) if raw.isdecimal() else None
        try:
            result = training.do_submit_exam(request.user, exam.pk, answers)
        except KefuError as exc:
            messages.error(request, str(exc.message))
            status = 400
    attempts = list(ExamAttempt.objects.filter(exam=exam, staff=request.staff)[:10])
    ctx = {"exam": exam, "questions": questions, "result": result, "attempts": attempts}
    return render(request, "inspections/exam.html", ctx, status=status)


def _export_training(fmt: str, rows: list[training.OverviewRow]) -> HttpResponseBase:
    """Each staff member with their training status and the required courses still missing; in XLSX also
    every training record (course, completion, exam score, passed)."""

    def record_text(rec: TrainingRecord) -> str:
        state = _("passed") if rec.passed else _("not passed")
        score = f" ({rec.exam_score}%)" if rec.exam_score is not None else ""
        return f"{rec.course.title}: {state}{score}"

    header = [_("Staff member"), _("Badge number"), _("Role"), _("Branch"), _("Status"),
              _("Required courses missing"), _("Records")]  # fmt: skip
    lines = [
        [
            r.staff.name,
            r.staff.badge_no,
            r.staff.get_role_display(),
            r.staff.branch.name if r.staff.branch else "",
            _("untrained") if r.untrained else _("trained"),
            ", ".join(c.title for c in r.missing),
            "; ".join(record_text(rec) for rec in r.records),
        ]
        for r in rows
    ]
    name = exports.filename("training")
    if fmt == "csv":
        return exports.csv_response(name, header, lines)
    record_header = [_("Staff member"), _("Badge number"), _("Course"), _("Completed at"), _("Exam score %"),
                     _("Passed")]  # fmt: skip
    records = [
        [
            r.staff.name,
            r.staff.badge_no,
            rec.course.title,
            rec.completed_at,
            rec.exam_score,
            _("yes") if rec.passed else _("no"),
        ]
        for r in rows
        for rec in r.records
    ]
    return exports.xlsx_response(
        name, [(_("Training overview"), header, lines), (_("Training records"), record_header, records)]
    )


@require_http_methods(["GET", "POST"])
@staff_view("training.overview")
def training_overview(request: ConsoleRequest) -> HttpResponseBase:
    viewer = request.staff
    if request.method == "POST":
        try:
            training.do_record_training(
                request.user, int(request.POST.get("staff") or 0), int(request.POST.get("course") or 0)
            )
        except (KefuError, ValueError) as exc:
            if isinstance(exc, KefuError) and exc.status == 404:
                raise
            messages.error(request, str(getattr(exc, "message", exc)))
        else:
            messages.success(request, _("Training recorded."))
        return redirect("console:training_overview")
    only = request.GET.get("only") == "untrained"
    rows = training.overview(viewer, visible_staff(viewer).order_by("branch__code", "name"))
    n_untrained = sum(1 for r in rows if r.untrained)
    if only:
        rows = [r for r in rows if r.untrained]
    fmt = exports.requested(request)
    if fmt:
        return _export_training(fmt, rows)
    courses = list(Course.objects.filter(active=True))
    ctx = {
        "rows": rows,
        "only": only,
        "n_untrained": n_untrained,
        "courses": courses,
        "export_links": exports.links(request),
    }
    return render(request, "inspections/training.html", ctx)
