"""Inspection use cases (R-28): the only writers of inspections, scores, corrective actions and plans.

- ``do_create_inspection``: a filled score sheet about one subject (staff member, outlet, work order or
  recorded call); supervisors only within their branch, inspectors and admins anywhere. Mystery shopping
  is stored unpublished (hidden from the inspected staff) until ``do_publish_inspection``.
- ``do_add_corrective_action`` / ``do_complete_action``: what must be corrected, by whom and when; only
  the owner marks it done.
- ``flag_overdue_actions``: the periodic job; an open action past its due date is flagged (audited) once.
- ``do_create_plan`` / ``plan_rows``: inspection plans and their progress.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.channels.models.gateways import Call
from kefu.inspections import rules
from kefu.inspections.access import access_inspection, visible_inspections
from kefu.inspections.models import (
    ActionStatus,
    CorrectiveAction,
    Inspection,
    InspectionKind,
    InspectionPlan,
    InspectionScore,
    PlanScope,
    ScoreItem,
    ScoreSheet,
    SubjectKind,
)
from kefu.lib import clock
from kefu.lib.errors import Conflict, KefuError, NotFound, ValidationFailed, raise_if
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import Branch, Outlet, Staff
from kefu.workorders import hooks as order_hooks
from kefu.workorders.models import WorkOrder

MAX_TEXT = 5000


@dataclass
class InspectionInput:
    kind: str
    sheet_id: int
    inspected_on: dt.date
    scores: dict[int, int]
    item_comments: dict[int, str] | None = None
    staff_id: int | None = None
    outlet_id: int | None = None
    order_number: str = ""
    call_id: str = ""
    comments: str = ""
    findings: str = ""


def _in_scope(actor: Staff, branch_id: int | None) -> bool:
    """Supervisors inspect within their branch; inspectors, admins and company-level staff anywhere."""
    return actor.sees_all_branches or actor.role == "inspector" or branch_id == actor.branch_id


def _subject(data: InspectionInput) -> tuple[str, dict[str, Any], int | None]:
    """(subject kind, the foreign key to set, the subject's branch). Exactly one subject is required."""
    given = [
        k
        for k, v in (
            ("staff", data.staff_id),
            ("outlet", data.outlet_id),
            ("order", (data.order_number or "").strip()),
            ("call", (data.call_id or "").strip()),
        )
        if v
    ]
    if len(given) != 1:
        raise ValidationFailed(
            "subject",
            _("Choose exactly one subject: a staff member, an outlet, an order or a call."),
            "subject",
        )
    kind = given[0]
    if kind == "staff":
        staff = Staff.objects.filter(pk=data.staff_id or 0, is_active=True).first()
        if staff is None:
            raise ValidationFailed("not_found", _("No such staff member."), "staff")
        return SubjectKind.STAFF, {"staff": staff}, staff.branch_id
    if kind == "outlet":
        outlet = Outlet.objects.filter(pk=data.outlet_id or 0).first()
        if outlet is None:
            raise ValidationFailed("not_found", _("No such outlet."), "outlet")
        return SubjectKind.OUTLET, {"outlet": outlet}, outlet.branch_id
    if kind == "order":
        order = WorkOrder.objects.filter(number=data.order_number.strip().upper()).first()
        if order is None:
            raise ValidationFailed("not_found", _("No work order with this number."), "order_number")
        return SubjectKind.ORDER, {"workorder": order, "staff_id": order.owner_id}, order.branch_id
    call = Call.objects.filter(call_id=data.call_id.strip()).first()
    if call is None:
        raise ValidationFailed("not_found", _("No recorded call with this id."), "call_id")
    return SubjectKind.CALL, {"call": call, "staff_id": call.staff_id}, call.branch_id


def sheet_items(sheet_id: int) -> list[ScoreItem]:
    return list(ScoreItem.objects.filter(sheet_id=sheet_id).order_by("position", "id"))


@transaction.atomic
def do_create_inspection(user: Actor, data: InspectionInput) -> Inspection:
    actor = require_staff(user, "inspection.create")
    errors: list[KefuError] = []
    if data.kind not in InspectionKind.values:
        errors.append(ValidationFailed("invalid_choice", _("Choose the kind of inspection."), "kind"))
    sheet = ScoreSheet.objects.filter(pk=data.sheet_id, active=True).first()
    if sheet is None:
        raise ValidationFailed("not_found", _("Choose a score sheet."), "sheet")
    if data.inspected_on > clock.localdate():
        errors.append(ValidationFailed("future", _("The date cannot be in the future."), "inspected_on"))
    for name in ("comments", "findings"):
        if len(getattr(data, name) or "") > MAX_TEXT:
            errors.append(ValidationFailed("too_long", _("This text is too long."), name))
    items = sheet_items(sheet.pk)
    result: rules.SheetResult | None = None
    score_errors = rules.check_scores([rules.SheetItem(i.pk, i.max_points) for i in items], data.scores)
    by_id = {i.pk: i for i in items}
    for err in score_errors:
        item = by_id.get(err.item_id)
        if err.reason == "missing":
            msg = _("Score this item.")
        elif err.reason == "range" and item is not None:
            msg = _("Between 0 and %(max)d points.") % {"max": item.max_points}
        else:
            msg = _("This item is not on the score sheet.")
        errors.append(ValidationFailed("score", msg, f"score_{err.item_id}"))
    try:
        kind, subject, branch_id = _subject(data)
    except ValidationFailed as exc:
        errors.append(exc)
    else:
        if not _in_scope(actor, branch_id):
            errors.append(
                ValidationFailed("other_branch", _("You inspect only within your branch."), "subject")
            )
    raise_if(errors)
    result = rules.score_sheet([rules.SheetItem(i.pk, i.max_points) for i in items], data.scores)
    now = clock.now()
    mystery = data.kind == InspectionKind.MYSTERY
    insp = Inspection.objects.create(
        kind=data.kind,
        sheet=sheet,
        subject_kind=kind,
        branch_id=branch_id,
        inspector=actor,
        inspected_on=data.inspected_on,
        comments=(data.comments or "").strip(),
        findings=(data.findings or "").strip(),
        points=result.points,
        max_points=result.max_points,
        percentage=result.percentage,
        published=not mystery,
        published_at=None if mystery else now,
        created_at=now,
        **subject,
    )
    comments = data.item_comments or {}
    InspectionScore.objects.bulk_create(
        InspectionScore(
            inspection=insp, item=i, points=data.scores[i.pk], comment=(comments.get(i.pk) or "")[:500]
        )
        for i in items
    )
    audit.record(
        user,
        "inspection.create",
        insp,
        after=audit.snapshot(
            insp,
            ["kind", "sheet", "subject_kind", "staff", "outlet", "workorder", "call", "points", "percentage"],
        ),
        workorder_id=insp.workorder_id,
        summary=f"{insp.get_kind_display()} {result.percentage}%",
    )
    if insp.published:
        _tell_published(insp, actor)
    return insp


@transaction.atomic
def do_publish_inspection(user: Actor, inspection_id: int | str) -> Inspection:
    staff = require_staff(user, "inspection.create")
    insp = access_inspection(user, inspection_id, for_update=True)
    if insp.published:
        raise Conflict("published", _("This inspection is already published."), "inspection")
    insp.published = True
    insp.published_at = clock.now()
    insp.save(update_fields=["published", "published_at"])
    audit.record(user, "inspection.publish", insp, after={"published": True})
    _tell_published(insp, staff)
    return insp


def _tell_published(insp: Inspection, actor: Staff) -> None:
    """The inspected staff member (or the order's owner, the call's agent) learns of the published result."""
    assert insp.published_at is not None
    order_hooks.staff_event(
        order_hooks.StaffEventKind.INSPECTION,
        [insp.staff_id],
        order=insp.workorder,
        actor=actor,
        at=insp.published_at,
        inspection=insp.pk,
        percentage=str(insp.percentage),
    )


@transaction.atomic
def do_add_corrective_action(
    user: Actor, inspection_id: int | str, *, description: str, owner_id: int | None, due_on: dt.date | None
) -> CorrectiveAction:
    actor = require_staff(user, "inspection.create")
    insp = access_inspection(user, inspection_id, for_update=True)
    errors: list[KefuError] = []
    description = (description or "").strip()
    if not description:
        errors.append(ValidationFailed("required", _("Say what must be corrected."), "description"))
    elif len(description) > MAX_TEXT:
        errors.append(ValidationFailed("too_long", _("This text is too long."), "description"))
    owner = Staff.objects.filter(pk=owner_id, is_active=True).first() if owner_id else None
    if owner is None:
        errors.append(ValidationFailed("required", _("Choose who corrects it."), "owner"))
    elif insp.branch_id is not None and owner.branch_id not in (None, insp.branch_id):
        errors.append(
            ValidationFailed("other_branch", _("The owner must work in the inspected branch."), "owner")
        )
    if due_on is None:
        errors.append(ValidationFailed("required", _("Give a due date."), "due_on"))
    elif due_on < insp.inspected_on:
        errors.append(ValidationFailed("too_early", _("The due date is before the inspection."), "due_on"))
    raise_if(errors)
    assert owner is not None and due_on is not None
    act = CorrectiveAction.objects.create(
        inspection=insp,
        description=description,
        owner=owner,
        due_on=due_on,
        created_by=actor,
        created_at=clock.now(),
    )
    audit.record(
        user,
        "inspection.action_add",
        act,
        after=audit.snapshot(act, ["inspection", "owner", "due_on", "description"]),
        summary=description[:200],
    )
    return act


def access_action(user: Actor, action_id: int | str, *, for_update: bool = False) -> CorrectiveAction:
    staff = require_staff(user)
    qs = CorrectiveAction.objects.filter(inspection__in=visible_inspections(staff))
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.select_related("owner", "inspection").get(pk=int(action_id))
    except (ValueError, TypeError, CorrectiveAction.DoesNotExist):
        raise NotFound("not_found", _("Corrective action not found."), "action") from None


@transaction.atomic
def do_complete_action(user: Actor, action_id: int | str, *, note: str = "") -> CorrectiveAction:
    """The owner marks the corrective action done (with what was done)."""
    staff = require_staff(user)
    act = access_action(user, action_id, for_update=True)
    if act.owner_id != staff.pk:
        raise NotFound("not_found", _("Corrective action not found."), "action")
    if act.status == ActionStatus.DONE:
        raise Conflict("done", _("This corrective action is already done."), "action")
    act.status = ActionStatus.DONE
    act.done_at = clock.now()
    act.done_note = (note or "").strip()[:500]
    act.save(update_fields=["status", "done_at", "done_note"])
    audit.record(
        user,
        "inspection.action_done",
        act,
        after={"status": act.status, "note": act.done_note, "late": act.due_on < clock.localdate()},
        summary=act.done_note[:200],
    )
    return act


def flag_overdue_actions(today: dt.date | None = None, batch: int = 500) -> int:
    """Open corrective actions past their due date are flagged once (audited for accountability)."""
    today = today or clock.localdate()
    flagged = 0
    while True:
        with transaction.atomic():
            acts = list(
                CorrectiveAction.objects.select_for_update(skip_locked=True)
                .filter(status=ActionStatus.OPEN, due_on__lt=today, overdue_flagged_at__isnull=True)
                .order_by("due_on", "id")[:batch]
            )
            if not acts:
                return flagged
            now = clock.now()
            for a in acts:
                a.overdue_flagged_at = now
            CorrectiveAction.objects.bulk_update(acts, ["overdue_flagged_at"])
            for a in acts:
                audit.record(
                    None,
                    "inspection.action_overdue",
                    a,
                    after={"due_on": a.due_on, "owner": a.owner_id, "inspection": a.inspection_id},
                )
            flagged += len(acts)
        if len(acts) < batch:
            return flagged


# --- plans --------------------------------------------------------------------------------------------------


@transaction.atomic
def do_create_plan(
    user: Actor,
    *,
    name: str,
    scope: str,
    branch_id: int | None,
    kind: str,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    per_month: int | None,
) -> InspectionPlan:
    actor = require_staff(user, "inspection.create")
    errors: list[KefuError] = []
    name = (name or "").strip()
    if not name:
        errors.append(ValidationFailed("required", _("Give the plan a name."), "name"))
    if kind not in InspectionKind.values:
        errors.append(ValidationFailed("invalid_choice", _("Choose the kind of inspection."), "kind"))
    if scope == PlanScope.COMPANY:
        branch_id = None
        if not actor.sees_all_branches:
            errors.append(
                ValidationFailed("forbidden", _("Only company-level staff plan for the company."), "scope")
            )
    elif scope == PlanScope.BRANCH:
        if not actor.sees_all_branches:
            branch_id = actor.branch_id
        if branch_id is None or not Branch.objects.filter(pk=branch_id).exists():
            errors.append(ValidationFailed("required", _("Choose the branch."), "branch"))
    else:
        errors.append(ValidationFailed("invalid_choice", _("Choose the level."), "scope"))
    if starts_on is None or ends_on is None or ends_on < starts_on:
        errors.append(ValidationFailed("period", _("Give a period that ends after it starts."), "ends_on"))
    if not per_month or per_month < 1:
        errors.append(ValidationFailed("required", _("At least one inspection per month."), "per_month"))
    raise_if(errors)
    assert starts_on is not None and ends_on is not None and per_month is not None
    plan = InspectionPlan.objects.create(
        name=name,
        scope=scope,
        branch_id=branch_id,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        per_month=per_month,
        created_by=actor,
        created_at=clock.now(),
    )
    audit.record(
        user,
        "inspection.plan_create",
        plan,
        after=audit.snapshot(plan, ["name", "scope", "branch", "kind", "starts_on", "ends_on", "per_month"]),
    )
    return plan


def _count(**outer: Any) -> Coalesce:
    qs = Inspection.objects.filter(
        kind=OuterRef("kind"), inspected_on__gte=OuterRef("starts_on"), inspected_on__lte=OuterRef("ends_on")
    )
    if outer:
        qs = qs.filter(**outer)
    sub = qs.order_by().values("kind").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


def plans_with_progress(plans: Any) -> list[tuple[InspectionPlan, rules.PlanProgress]]:
    """Each plan with its progress: inspections of its kind done in its period (in its branch for a
    branch plan) against per month × months — one query whatever the number of plans."""
    rows = plans.select_related("branch").annotate(
        n_branch=_count(branch_id=OuterRef("branch_id")), n_all=_count()
    )
    out = []
    for p in rows:
        done = p.n_all if p.scope == PlanScope.COMPANY else p.n_branch
        out.append((p, rules.plan_progress(done, p.starts_on, p.ends_on, p.per_month)))
    return out


def inspection_status_filter(status: str, today: dt.date) -> Q | None:
    """Inspections by the state of their corrective actions: open, overdue, closed (none open)."""
    open_q = Q(actions__status=ActionStatus.OPEN)
    if status == "open":
        return Q(pk__in=Inspection.objects.filter(open_q).values("pk"))
    if status == "overdue":
        return Q(pk__in=Inspection.objects.filter(open_q, actions__due_on__lt=today).values("pk"))
    if status == "closed":
        return ~Q(pk__in=Inspection.objects.filter(open_q).values("pk"))
    if status == "unpublished":
        return Q(published=False)
    return None
