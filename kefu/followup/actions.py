"""Follow-up use cases (R-19, R-20): the only writers of follow-up tasks, attempts, results and misses.

- ``on_transition`` (registered in kefu.workorders.hooks): a resolved repair, complaint or installation
  gets a task, due on the branch's business calendar; a reopened order's open task is cancelled (the next
  resolution gets a new one).
- ``do_record_followup``: one attempt (reached or not); reached → the result; not solved or dissatisfied
  reopens the order to its first-contact owner; after N unreached attempts the task ends unreachable.
- ``sweep_misses`` / ``run_plans``: the periodic jobs (missed follow-ups; visits of follow-up plans).
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.audit import log as audit
from kefu.commitments import clocks
from kefu.commitments.rules import CalendarDataMissing
from kefu.followup import rules
from kefu.followup.models import (
    AssignmentChoices,
    FollowupAttempt,
    FollowupMiss,
    FollowupPlan,
    FollowupSettings,
    FollowupTask,
    SatisfactionLevel,
)
from kefu.lib import clock
from kefu.lib.errors import Conflict, KefuError, NotFound, ValidationFailed, raise_if
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import Branch, Staff
from kefu.organization.rules import Role
from kefu.workorders import hooks as order_hooks
from kefu.workorders import rules as order_rules
from kefu.workorders.actions import add_entry, do_transition, hand_over
from kefu.workorders.models import TimelineEntry, WorkOrder

log = logging.getLogger(__name__)

OPEN = FollowupTask.Status.OPEN

# --- settings, due time, assignment ------------------------------------------------------------------------


def settings_for(branch_id: int | None) -> FollowupSettings:
    """The branch's settings, else the default row (no branch), else the built-in defaults (unsaved)."""
    rows = {s.branch_id: s for s in FollowupSettings.objects.filter(Q(branch_id=branch_id) | Q(branch=None))}
    return rows.get(branch_id) or rows.get(None) or FollowupSettings()


def due_for(
    branch: Branch, start: dt.datetime, conf: FollowupSettings
) -> tuple[dt.datetime | None, int | None]:
    """(due time, missing calendar year): never a guess when the calendar lacks a year."""
    try:
        return rules.due_at(
            start, Decimal(conf.due_amount), conf.due_unit, clocks.calendar_for_branch(branch)
        ), None
    except CalendarDataMissing as exc:
        return None, exc.year


def candidates(branch_id: int) -> list[rules.Candidate]:
    """Active follow-up staff of the branch (with an active login) and their open tasks (one query)."""
    rows = (
        Staff.objects.filter(role=Role.FOLLOWUP, branch_id=branch_id, is_active=True, user__is_active=True)
        .annotate(n=Count("followup_tasks", filter=Q(followup_tasks__status=OPEN)))
        .values_list("pk", "n")
    )
    return [rules.Candidate(pk, n) for pk, n in rows]


def choose_assignee(
    branch_id: int, conf: FollowupSettings, exclude: tuple[int | None, ...] = ()
) -> int | None:
    if conf.assignment == AssignmentChoices.UNASSIGNED:
        return None
    return rules.choose_assignee(candidates(branch_id), () if conf.allow_worker else exclude)


# --- tasks from the order flow -----------------------------------------------------------------------------


def on_transition(event: order_hooks.TransitionEvent) -> None:
    """Listener of every status change (same transaction, the order row locked)."""
    if event.to_status == order_rules.Status.RESOLVED:
        create_order_task(event.order, event.at)
    elif event.to_status == order_rules.Status.REOPENED:
        cancel_open_tasks(event.order, event.at)


def create_order_task(o: WorkOrder, at: dt.datetime) -> FollowupTask | None:
    """The follow-up of a resolution (R-19). Idempotent: one open task per order, one task per resolution."""
    if not rules.needs_followup(o.order_type):
        return None
    if order_hooks.followup_waiver(o):  # e.g. a report of an incident outside its follow-up sample
        return None
    if FollowupTask.objects.filter(workorder=o, status=OPEN).exists():
        return None
    resolved_at = o.resolved_at or at
    key = f"order:{o.pk}:{resolved_at.astimezone(dt.UTC):%Y%m%dT%H%M%S.%f}"
    if FollowupTask.objects.filter(key=key).exists():
        return None
    conf = settings_for(o.branch_id)
    due, missing = due_for(o.branch, resolved_at, conf)
    task = FollowupTask.objects.create(
        key=key,
        kind=FollowupTask.Kind.ORDER,
        workorder=o,
        customer_id=o.customer_id,
        branch_id=o.branch_id,
        assignee_id=choose_assignee(o.branch_id, conf, (o.owner_id, o.assignee_id)),
        created_at=at,
        resolved_at=resolved_at,
        due_at=due,
        missing_year=missing,
    )
    audit.record(
        None,
        "followup.create",
        task,
        after=audit.snapshot(task, ["kind", "workorder", "assignee", "due_at", "missing_year"]),
        customer_id=o.customer_id,
        summary=o.number,  # not filed under the order: the order's own log keeps one record per change
    )
    return task


def cancel_open_tasks(o: WorkOrder, at: dt.datetime) -> int:
    """A reopened order is not followed up yet: its open task is cancelled; the next resolution gets one."""
    tasks = list(FollowupTask.objects.select_for_update().filter(workorder=o, status=OPEN))
    for task in tasks:
        task.status = FollowupTask.Status.CANCELLED
        task.finished_at = at
        task.save(update_fields=["status", "finished_at"])
        audit.record(
            None,
            "followup.cancel",
            task,
            after={"status": task.status, "workorder": o.pk},
            customer_id=o.customer_id,
            summary=f"{o.number} reopened",
        )
    return len(tasks)


# --- access ------------------------------------------------------------------------------------------------


def visible_tasks(staff: Staff) -> QuerySet[FollowupTask]:
    """Tasks of the staff member's branch (all branches for company-level staff and admins)."""
    qs = FollowupTask.objects.all()
    if staff.sees_all_branches:
        return qs
    return qs.filter(branch=staff.branch)


def access_task(user: Actor, task_id: int | str, *, for_update: bool = False) -> FollowupTask:
    staff = require_staff(user, "followup.record")
    qs = visible_tasks(staff)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.select_related("workorder", "customer", "branch", "assignee", "satisfaction").get(
            pk=int(task_id)
        )
    except (ValueError, TypeError, FollowupTask.DoesNotExist):
        raise NotFound("not_found", gettext_lazy("Follow-up task not found."), "task") from None


# --- recording ---------------------------------------------------------------------------------------------


DEFAULT_LEVELS = [  # as migration 0002 seeds them: (code, label, English label, position, satisfied)
    ("very_satisfied", "非常满意", "very satisfied", 10, True),
    ("satisfied", "满意", "satisfied", 20, True),
    ("basically_satisfied", "基本满意", "basically satisfied", 30, True),
    ("dissatisfied", "不满意", "dissatisfied", 40, False),
]


def ensure_satisfaction_levels() -> None:
    """The default answers when the table is empty (e.g. after tests that flush tables)."""
    if not SatisfactionLevel.objects.exists():
        SatisfactionLevel.objects.bulk_create(
            SatisfactionLevel(code=c, label=lb, label_en=en, position=p, satisfied=ok)
            for c, lb, en, p, ok in DEFAULT_LEVELS
        )


def satisfaction_levels() -> QuerySet[SatisfactionLevel]:
    return SatisfactionLevel.objects.filter(active=True).order_by("position", "id")


@transaction.atomic
def do_record_followup(
    user: Actor,
    task_id: int | str,
    *,
    outcome: str,
    note: str = "",
    solved: bool | None = None,
    satisfaction: str = "",
    comments: str = "",
) -> FollowupTask:
    """One attempt to reach the customer; when reached, the result of the follow-up.

    Not reached: the attempt is stored; after the configured number of such attempts the task ends as
    unreachable. Reached: whether the problem was really solved (order tasks), the satisfaction answer
    and comments; "not solved" or a dissatisfied answer reopens the order to its first-contact owner with
    the finding as the reason (R-19).
    """
    staff = require_staff(user, "followup.record")
    peek = access_task(user, task_id)
    if peek.workorder_id is not None:  # lock order of the project: the work order before its follow-up
        WorkOrder.objects.select_for_update().filter(pk=peek.workorder_id).first()
    task = access_task(user, task_id, for_update=True)
    if not task.is_open:
        raise Conflict("not_open", _("This follow-up is already finished."), "task")
    try:
        out = FollowupAttempt.Outcome(outcome)
    except ValueError:
        raise ValidationFailed("invalid_choice", _("Choose the outcome of the attempt."), "outcome") from None
    note = (note or "").strip()[:500]
    comments = (comments or "").strip()
    level: SatisfactionLevel | None = None
    if out == FollowupAttempt.Outcome.REACHED:
        errors: list[KefuError] = []
        if task.kind == FollowupTask.Kind.ORDER and solved is None:
            errors.append(
                ValidationFailed("required", _("Say whether the problem was really solved."), "solved")
            )
        level = satisfaction_levels().filter(code=satisfaction).first() if satisfaction else None
        if level is None:
            errors.append(
                ValidationFailed("required", _("Choose how satisfied the customer is."), "satisfaction")
            )
        if len(comments) > 5000:
            errors.append(ValidationFailed("too_long", _("The comments are too long."), "comments"))
        raise_if(errors)
    now = clock.now()
    FollowupAttempt.objects.create(task=task, at=now, by=staff, outcome=out.value, note=note)
    before = audit.snapshot(task, ["status", "solved", "satisfaction", "assignee"])
    o = task.workorder
    ids: dict[str, Any] = {"customer_id": task.customer_id, "workorder_id": task.workorder_id}
    if out != FollowupAttempt.Outcome.REACHED:
        unreached = task.attempts.exclude(outcome=FollowupAttempt.Outcome.REACHED).count()
        conf = settings_for(task.branch_id)
        if not rules.ends_unreachable(unreached, conf.max_attempts):
            audit.record(user, "followup.attempt", task, after={"outcome": out.value, "note": note}, **ids)
            return task
        task.status = FollowupTask.Status.UNREACHABLE
        _finish(task, staff, now)
        audit.record(
            user, "followup.unreachable", task, before=before, after=audit.snapshot(task, ["status"]), **ids
        )
        if o is not None:
            with translation.override(settings.LANGUAGE_CODE):
                body = _("Follow-up: the customer could not be reached after %(n)d attempts.") % {
                    "n": unreached
                }
            _note(o, staff, body, now, task)
        order_hooks.notify_followup_done(task)
        return task
    assert level is not None
    task.status = FollowupTask.Status.DONE
    task.solved = solved
    task.satisfaction = level
    task.comments = comments
    reopen = o is not None and rules.needs_reopen(solved, level.satisfied)
    task.reopened_order = bool(reopen and o is not None and o.status in _REOPENABLE)
    _finish(task, staff, now, extra=["solved", "satisfaction", "comments", "reopened_order"])
    audit.record(
        user,
        "followup.done",
        task,
        before=before,
        after=audit.snapshot(task, ["status", "solved", "satisfaction", "assignee", "reopened_order"]),
        summary=comments[:200],
        **ids,
    )
    if o is not None:
        finding = _finding(task, level)
        _note(o, staff, finding, now, task)
        if task.reopened_order:
            _reopen_to_owner(user, staff, o, finding, now)
    order_hooks.notify_followup_done(task)
    return task


_REOPENABLE = (order_rules.Status.RESOLVED.value, order_rules.Status.CLOSED.value)


def _finish(task: FollowupTask, staff: Staff, now: dt.datetime, extra: list[str] | None = None) -> None:
    task.finished_at = now
    task.finished_by = staff
    fields = ["status", "finished_at", "finished_by", *(extra or [])]
    if task.assignee_id is None:  # an unassigned task belongs to whoever followed it up
        task.assignee = staff
        fields.append("assignee")
    task.save(update_fields=fields)


def _finding(task: FollowupTask, level: SatisfactionLevel) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        parts = [_("Follow-up result")]
        if task.solved is not None:
            parts.append(_("problem solved") if task.solved else _("problem NOT solved"))
        parts.append(_("satisfaction: %(level)s") % {"level": level.label})
        text = "; ".join(str(p) for p in parts)
    return f"{text}. {task.comments}".strip() if task.comments else f"{text}."


def _note(o: WorkOrder, staff: Staff, body: str, at: dt.datetime, task: FollowupTask) -> None:
    """The follow-up's finding on the order's timeline (internal note)."""
    add_entry(
        o,
        TimelineEntry.Kind.NOTE,
        staff=staff,
        body=body,
        public=False,
        data={"followup": task.pk, "status": task.status},
        at=at,
    )


def _reopen_to_owner(user: Actor, staff: Staff, o: WorkOrder, finding: str, now: dt.datetime) -> None:
    """Reopen through the order flow (timeline, clocks, audit), then hand the work back to the owner."""

    o = do_transition(user, o.pk, order_rules.Status.REOPENED.value, reason=finding)
    order_hooks.staff_event(
        order_hooks.StaffEventKind.FOLLOWUP_FAILED, [o.owner_id], order=o, actor=staff, at=now, reason=finding
    )
    if o.owner_id is None or o.assignee_id == o.owner_id:
        return
    owner = Staff.objects.select_related("department").get(pk=o.owner_id)
    hand_over(
        user,
        staff,
        o,
        owner,
        None,
        finding,
        at=now,
        action="followup.hand_back",
        data={"followup": True},
        event=None,
    )


# --- periodic jobs -----------------------------------------------------------------------------------------


def sweep_misses(now: dt.datetime | None = None, batch: int = 500) -> int:
    """Open tasks whose due time has passed become a ``FollowupMiss`` (exactly once per task), for
    accountability (R-27). Returns how many were found."""
    now = now or clock.now()
    found = 0
    while True:
        with transaction.atomic():
            tasks = list(
                FollowupTask.objects.select_for_update(skip_locked=True)
                .filter(status=OPEN, due_at__lt=now, missed_at__isnull=True)
                .order_by("due_at", "id")[:batch]
            )
            if not tasks:
                return found
            for task in tasks:
                task.missed_at = now
            FollowupTask.objects.bulk_update(tasks, ["missed_at"])
            FollowupMiss.objects.bulk_create(
                [
                    FollowupMiss(
                        task=t,
                        branch_id=t.branch_id,
                        responsible_id=t.assignee_id,
                        due_at=t.due_at or now,
                        found_at=now,
                    )
                    for t in tasks
                ]
            )
            for t in tasks:
                audit.record(
                    None,
                    "followup.missed",
                    t,
                    after={"due_at": t.due_at, "responsible": t.assignee_id},
                    customer_id=t.customer_id,
                    workorder_id=t.workorder_id,
                )
            found += len(tasks)
        if len(tasks) < batch:
            return found


def run_plans(today: dt.date | None = None, batch: int = 200) -> int:
    """Due follow-up plans (R-20) become visit tasks: one per plan and visit date, however often it runs."""
    today = today or clock.localdate()
    created = 0
    due_ids = list(
        FollowupPlan.objects.filter(active=True, next_visit__lte=today)
        .order_by("id")
        .values_list("id", flat=True)[:batch]
    )
    for plan_id in due_ids:
        with transaction.atomic():
            plan = (
                FollowupPlan.objects.select_for_update()
                .select_related("customer__branch")
                .filter(pk=plan_id, active=True, next_visit__lte=today)
                .first()
            )
            if plan is None:  # another worker took it
                continue
            step = rules.plan_step(plan.next_visit, plan.period, today)
            day = step.visits[0]
            key = f"plan:{plan.pk}:{day.isoformat()}"
            if not FollowupTask.objects.filter(key=key).exists():
                branch = plan.customer.branch
                conf = settings_for(branch.pk)
                try:
                    due, missing = rules.visit_due_at(day, clocks.calendar_for_branch(branch)), None
                except CalendarDataMissing as exc:
                    due, missing = None, exc.year
                task = FollowupTask.objects.create(
                    key=key,
                    kind=FollowupTask.Kind.VISIT,
                    plan=plan,
                    customer=plan.customer,
                    branch=branch,
                    assignee_id=plan.assignee_id or choose_assignee(branch.pk, conf),
                    created_at=clock.now(),
                    due_at=due,
                    missing_year=missing,
                )
                audit.record(
                    None,
                    "followup.plan_visit",
                    task,
                    after={"plan": plan.pk, "visit": day, "due_at": due},
                    customer_id=plan.customer_id,
                )
                created += 1
            plan.next_visit = step.next_due
            plan.save(update_fields=["next_visit"])
    return created
