"""Follow-up (R-19, R-20) over the database: tasks from resolutions, due times on the business calendar,
assignment away from the worker, results that reopen the order, unreachable customers, misses, plans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kefu.audit.models import AuditRecord
from kefu.commitments import clocks
from kefu.followup import actions, rules, stats
from kefu.followup.models import (
    FollowupMiss,
    FollowupPlan,
    FollowupSettings,
    FollowupTask,
)
from kefu.lib.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kefu.organization.models import Staff
from kefu.testing.clock import FakeClock, freeze, sh
from kefu.testing.factories import make_staff
from kefu.workorders import hooks
from kefu.workorders.actions import do_transition
from kefu.workorders.models import TimelineEntry, Transfer, WorkOrder

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _defaults(db: Any) -> None:
    clocks.ensure_defaults()
    actions.ensure_satisfaction_levels()


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """A settable clock for every ``timezone.now()`` in the project."""
    return freeze(monkeypatch, sh(2026, 9, 24, 10, 0))


def resolved_order(world: Any, now: Any, at: dt.datetime, **kw: Any) -> WorkOrder:
    """A repair (general fault) of a north customer registered the day before and resolved at ``at``."""
    now.set(at - dt.timedelta(days=1))
    o = world.order(world.customer(), **kw)
    now.set(at)
    return do_transition(world.agent.user, o.pk, "resolved", resolution="更换光猫，已恢复")


def task_of(o: WorkOrder) -> FollowupTask:
    return FollowupTask.objects.get(workorder=o, status="open")


# --- due time on the business calendar -------------------------------------------------------------------


def test_due_on_the_calendar_across_mid_autumn_and_national_day(world: Any, now: Any) -> None:
    """Resolved Fri 2026-09-25 16:00 (Asia/Shanghai), default office calendar (Mon–Fri 08:30–12:00 and
    14:00–17:30, China's holidays). 2026-09-25 is the Mid-Autumn Festival (25–27 September off), so the
    count starts from the next working day, Mon 28 September (the receipt day, not counted, as for every
    working-day limit). The default, 3 working days, then counts Tue 29 (1), Wed 30 (2) — 1–7 October is
    the National Day holiday (chinesecalendar; 8 October is a working day again) — and Thu 8 October (3):
    due at the close of 8 October, 17:30."""
    o = resolved_order(world, now, sh(2026, 9, 25, 16, 0))
    t = task_of(o)
    assert t.kind == "order"
    assert t.resolved_at == sh(2026, 9, 25, 16, 0)
    assert t.due_at == sh(2026, 10, 8, 17, 30)
    assert (
        AuditRecord.objects.filter(action="followup.create", object_id=str(t.pk), summary=o.number).count()
        == 1
    )


def test_due_in_calendar_hours_and_working_hours_when_configured(world: Any, now: Any) -> None:
    """The same resolution with other settings: 72 calendar hours run through the holiday weekend (Mon 28
    September 16:00); 72 working hours count 7 hours a working day from Mon 28 September 08:30: 28, 29, 30
    September, 8, 9, Sat 10 (make-up working day) and 12–15 October give 70 hours, the last 2 hours end
    on Fri 16 October at 10:30."""
    FollowupSettings.objects.create(branch=world.north, due_amount=Decimal(72), due_unit="calendar_hours")
    o = resolved_order(world, now, sh(2026, 9, 25, 16, 0))
    assert task_of(o).due_at == sh(2026, 9, 28, 16, 0)
    # a default row (no branch) applies to branches without settings of their own; the branch's row wins
    FollowupSettings.objects.create(branch=None, due_amount=Decimal(72), due_unit="working_hours")
    FollowupSettings.objects.filter(branch=world.north).delete()
    o2 = resolved_order(world, now, sh(2026, 9, 25, 16, 0))
    assert task_of(o2).due_at == sh(2026, 10, 16, 10, 30)


def test_which_orders_are_followed_up(world: Any, now: Any) -> None:
    for order_type in ("fault_major", "complaint", "install_urban", "install_rural", "restoration"):
        o = resolved_order(world, now, sh(2026, 9, 22, 10, 0), order_type=order_type)
        # Tue 22 September 10:00: 23, 24 September, then Mon 28 (25–27 is the Mid-Autumn holiday)
        assert task_of(o).due_at == sh(2026, 9, 28, 17, 30)
    inquiry = resolved_order(world, now, sh(2026, 9, 22, 10, 0), order_type="inquiry")
    assert not FollowupTask.objects.filter(workorder=inquiry).exists()
    assert rules.needs_followup("fault_general") and not rules.needs_followup("praise")


def test_idempotent_and_one_open_task_per_order(world: Any, now: Any) -> None:
    o = resolved_order(world, now, sh(2026, 9, 22, 10, 0))
    assert actions.create_order_task(o, sh(2026, 9, 22, 10, 0)) is None  # a second call adds nothing
    assert FollowupTask.objects.filter(workorder=o).count() == 1
    # a manual reopen cancels the open task; the next resolution gets a new one
    now.set(sh(2026, 9, 22, 11, 0))
    do_transition(world.supervisor.user, o.pk, "reopened", reason="客户来电说还是不通")
    first = FollowupTask.objects.get(workorder=o)
    assert first.status == "cancelled"
    now.set(sh(2026, 9, 22, 15, 0))
    do_transition(world.agent.user, o.pk, "resolved", resolution="更换分线盒")
    assert FollowupTask.objects.filter(workorder=o).count() == 2
    assert task_of(o).resolved_at == sh(2026, 9, 22, 15, 0)
    # closing the resolved order keeps the follow-up open
    do_transition(world.agent.user, o.pk, "closed", close_reason="solved")
    assert task_of(o).status == "open"


# --- assignment ----------------------------------------------------------------------------------------


def test_assigned_away_from_the_worker_least_loaded(world: Any, now: Any) -> None:
    second = make_staff("followup2", "followup", world.north, name="吴回访")
    # the follow-up staff member with the lower id did the work themselves: the task goes to the other one
    o = resolved_order(world, now, sh(2026, 9, 22, 10, 0), assignee_id=world.followup.pk)
    assert task_of(o).assignee_id == second.pk
    # next order: world.followup has no open task, second has one → least loaded
    o2 = resolved_order(world, now, sh(2026, 9, 22, 11, 0))
    assert task_of(o2).assignee_id == world.followup.pk
    # equal load (one each): the lower id
    o3 = resolved_order(world, now, sh(2026, 9, 22, 12, 0))
    assert task_of(o3).assignee_id == min(world.followup.pk, second.pk)
    # configured: the worker may follow up their own work
    FollowupSettings.objects.create(branch=world.north, allow_worker=True)
    Staff.objects.filter(pk=second.pk).update(is_active=False)
    o4 = resolved_order(world, now, sh(2026, 9, 22, 13, 0), assignee_id=world.followup.pk)
    assert task_of(o4).assignee_id == world.followup.pk


def test_no_follow_up_staff_leaves_the_task_unassigned(world: Any, now: Any) -> None:
    now.set(sh(2026, 9, 21, 10, 0))
    c = world.customer(name="南湖客户", phone="13900139000", branch=world.south)
    o = world.order(c)
    now.set(sh(2026, 9, 22, 10, 0))
    do_transition(world.agent_south.user, o.pk, "resolved", resolution="已修复")
    t = task_of(o)
    assert t.assignee_id is None and t.branch_id == world.south.pk
    # branch scope: north follow-up staff do not see it; the south supervisor does
    with pytest.raises(NotFound):
        actions.access_task(world.followup.user, t.pk)
    assert actions.access_task(world.supervisor_south.user, t.pk).pk == t.pk
    assert rules.choose_assignee([rules.Candidate(5, 0)], exclude=[5]) is None


# --- results ------------------------------------------------------------------------------------------


def test_dissatisfied_reopens_to_the_first_contact_owner(world: Any, now: Any) -> None:
    seen: list[FollowupTask] = []
    hooks.register_followup_done("test", seen.append)
    try:
        o = resolved_order(world, now, sh(2026, 9, 22, 10, 0), assignee_id=world.technician.pk)
        assert o.owner_id == world.agent.pk
        t = task_of(o)
        now.set(sh(2026, 9, 23, 9, 0))
        done = actions.do_record_followup(
            world.followup.user,
            t.pk,
            outcome="reached",
            solved=True,
            satisfaction="dissatisfied",
            comments="师傅上门迟到两小时",
        )
    finally:
        hooks.unregister_followup_done("test")
    assert [x.pk for x in seen] == [t.pk]
    assert done.status == "done" and done.reopened_order and done.finished_at == sh(2026, 9, 23, 9, 0)
    o.refresh_from_db()
    assert o.status == "reopened"
    assert o.assignee_id == world.agent.pk  # back to the first-contact owner, not the technician
    reopen = TimelineEntry.objects.get(workorder=o, kind="status", data__to="reopened")
    assert "不满意" in reopen.body and "师傅上门迟到两小时" in reopen.body
    assert reopen.author_staff_id == world.followup.pk
    tr = Transfer.objects.get(workorder=o)
    assert tr.from_staff_id == world.technician.pk and tr.to_staff_id == world.agent.pk
    assert AuditRecord.objects.filter(workorder_id=o.pk, action="order.reopen").exists()
    assert AuditRecord.objects.filter(workorder_id=o.pk, action="followup.hand_back").exists()
    # solved again → a new follow-up
    now.set(sh(2026, 9, 23, 15, 0))
    do_transition(world.agent.user, o.pk, "resolved", resolution="致歉并回访确认")
    assert FollowupTask.objects.filter(workorder=o).count() == 2
    assert task_of(o).pk != t.pk


def test_not_solved_reopens_and_satisfied_does_not(world: Any, now: Any) -> None:
    o = resolved_order(world, now, sh(2026, 9, 22, 10, 0))
    actions.do_record_followup(
        world.followup.user, task_of(o).pk, outcome="reached", solved=False, satisfaction="satisfied"
    )
    o.refresh_from_db()
    assert o.status == "reopened" and o.assignee_id == world.agent.pk
    o2 = resolved_order(world, now, sh(2026, 9, 22, 11, 0))
    t2 = actions.do_record_followup(
        world.followup.user, task_of(o2).pk, outcome="reached", solved=True, satisfaction="very_satisfied"
    )
    o2.refresh_from_db()
    assert o2.status == "resolved" and not t2.reopened_order
    note = TimelineEntry.objects.get(workorder=o2, kind="note")
    assert "非常满意" in note.body


def test_unreachable_after_the_attempts(world: Any, now: Any) -> None:
    o = resolved_order(world, now, sh(2026, 9, 22, 10, 0))
    t = task_of(o)
    for i, outcome in enumerate(["no_answer", "busy"]):
        now.set(sh(2026, 9, 23, 9 + i, 0))
        assert actions.do_record_followup(world.followup.user, t.pk, outcome=outcome).status == "open"
    now.set(sh(2026, 9, 24, 16, 0))
    t = actions.do_record_followup(world.followup.user, t.pk, outcome="no_answer", note="三次未接")
    assert t.status == "unreachable" and t.finished_at == sh(2026, 9, 24, 16, 0)
    assert [(a.at, a.outcome) for a in t.attempts.all()] == [
        (sh(2026, 9, 23, 9, 0), "no_answer"),
        (sh(2026, 9, 23, 10, 0), "busy"),
        (sh(2026, 9, 24, 16, 0), "no_answer"),
    ]
    o.refresh_from_db()
    assert o.status == "resolved"  # nothing found, nothing reopened
    assert AuditRecord.objects.filter(action="followup.attempt", object_id=str(t.pk)).count() == 2
    assert AuditRecord.objects.filter(action="followup.unreachable", object_id=str(t.pk)).count() == 1
    with pytest.raises(Conflict):
        actions.do_record_followup(world.followup.user, t.pk, outcome="reached", satisfaction="satisfied")


def test_validation_and_permissions(world: Any, now: Any) -> None:
    o = resolved_order(world, now, sh(2026, 9, 22, 10, 0))
    t = task_of(o)
    with pytest.raises(ValidationFailed) as exc:
        actions.do_record_followup(world.followup.user, t.pk, outcome="reached")
    assert {e.field for e in exc.value.errors} == {"solved", "satisfaction"}  # type: ignore[attr-defined]
    with pytest.raises(ValidationFailed):
        actions.do_record_followup(world.followup.user, t.pk, outcome="teleported")
    with pytest.raises(PermissionDenied):
        actions.do_record_followup(world.technician.user, t.pk, outcome="no_answer")
    with pytest.raises(PermissionDenied):
        actions.do_record_followup(world.agent.user, t.pk, outcome="no_answer")
    assert task_of(o).attempts.count() == 0
    # an unassigned task belongs to whoever follows it up
    FollowupTask.objects.filter(pk=t.pk).update(assignee=None)
    done = actions.do_record_followup(
        world.supervisor.user, t.pk, outcome="reached", solved=True, satisfaction="basically_satisfied"
    )
    assert done.assignee_id == world.supervisor.pk


# --- misses, coverage -----------------------------------------------------------------------------------


def test_missed_follow_ups_are_recorded_once(world: Any, now: Any) -> None:
    o = resolved_order(world, now, sh(2026, 9, 22, 10, 0))
    t = task_of(o)
    assert t.due_at == sh(2026, 9, 28, 17, 30)
    assert actions.sweep_misses(t.due_at) == 0  # due, not yet passed
    assert actions.sweep_misses(t.due_at + dt.timedelta(seconds=1)) == 1
    assert actions.sweep_misses(t.due_at + dt.timedelta(hours=1)) == 0
    miss = FollowupMiss.objects.get(task=t)
    assert miss.responsible_id == t.assignee_id and miss.due_at == t.due_at
    assert AuditRecord.objects.filter(action="followup.missed", workorder_id=o.pk).count() == 1


def _task(world: Any, status: str, due: dt.datetime, finished: dt.datetime | None, n: list[int]) -> None:
    n[0] += 1
    FollowupTask.objects.create(
        key=f"test:{n[0]}",
        kind="order",
        customer=world.customer(phone=f"1380013{n[0]:04d}"),
        branch=world.north,
        assignee=world.followup,
        status=status,
        created_at=due - dt.timedelta(days=3),
        due_at=due,
        finished_at=finished,
    )


def test_coverage_and_on_time_rate(world: Any) -> None:
    n = [0]
    oct_due = sh(2026, 10, 15, 17, 30)
    _task(world, "done", oct_due, oct_due - dt.timedelta(hours=1), n)  # on time
    _task(world, "done", oct_due, oct_due + dt.timedelta(hours=1), n)  # late
    _task(world, "unreachable", oct_due, oct_due, n)  # ended unreachable exactly at the due time: on time
    _task(world, "open", oct_due, None, n)  # not followed up
    _task(world, "cancelled", oct_due, oct_due, n)  # reopened order: does not count
    _task(world, "done", sh(2026, 11, 2, 17, 30), sh(2026, 11, 2, 9, 0), n)  # due in November
    c = stats.period_counts(sh(2026, 10, 1, 0, 0), sh(2026, 11, 1, 0, 0), branch_id=world.north.pk)
    assert (c.due, c.followed_up, c.on_time, c.reached) == (4, 3, 2, 2)
    assert c.coverage == Decimal("0.75") and c.on_time_rate == Decimal("0.5")
    pure = rules.coverage(
        rules.TaskFacts(t.status, t.due_at, t.finished_at)
        for t in FollowupTask.objects.filter(due_at__lt=sh(2026, 11, 1, 0, 0))
    )
    assert pure == c
    assert (
        stats.period_counts(sh(2026, 10, 1, 0, 0), sh(2026, 11, 1, 0, 0), branch_id=world.south.pk).due == 0
    )
    assert (
        stats.period_counts(sh(2026, 10, 1, 0, 0), sh(2026, 11, 1, 0, 0), staff_id=world.agent.pk).coverage
        is None
    )


# --- plans (R-20) ----------------------------------------------------------------------------------------


def test_plan_generates_each_visit_once(world: Any) -> None:
    big = world.customer(name="华润置地", phone="13700137000")
    plan = FollowupPlan.objects.create(customer=big, period="monthly", next_visit=dt.date(2026, 10, 10))
    assert actions.run_plans(dt.date(2026, 10, 9)) == 0
    assert actions.run_plans(dt.date(2026, 10, 12)) == 1
    assert actions.run_plans(dt.date(2026, 10, 12)) == 0
    t = FollowupTask.objects.get(plan=plan)
    assert t.kind == "visit" and t.workorder is None and t.customer_id == big.pk
    assert t.due_at == sh(2026, 10, 10, 17, 30)  # Sat 10 October 2026 is a make-up working day
    assert t.assignee_id == world.followup.pk
    plan.refresh_from_db()
    assert plan.next_visit == dt.date(2026, 11, 10)
    # the same visit date is never generated twice, even if the plan is moved back by hand
    FollowupPlan.objects.filter(pk=plan.pk).update(next_visit=dt.date(2026, 10, 10))
    assert actions.run_plans(dt.date(2026, 10, 12)) == 0
    assert actions.run_plans(dt.date(2026, 11, 10)) == 1
    # a visit is followed up without the "solved" question
    visit = FollowupTask.objects.filter(plan=plan).order_by("due_at").first()
    assert visit is not None
    done = actions.do_record_followup(
        world.followup.user, visit.pk, outcome="reached", satisfaction="satisfied"
    )
    assert done.status == "done" and done.solved is None


def test_jobs_are_registered(world: Any) -> None:
    from kefu.jobs.registry import JOBS
    from kefu.jobs.runner import load_job_modules

    load_job_modules()
    assert {"followup.miss_sweep", "followup.plans"} <= set(JOBS)
    assert JOBS["followup.plans"].func() == 0 and JOBS["followup.miss_sweep"].func() == 0


def test_database_allows_one_open_task_per_order(world: Any, now: Any) -> None:
    from django.db import IntegrityError, transaction

    o = resolved_order(world, now, sh(2026, 9, 22, 10, 0))
    t = task_of(o)
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowupTask.objects.create(
            key="other",
            kind="order",
            workorder=o,
            customer_id=t.customer_id,
            branch=world.north,
            created_at=t.created_at,
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # the same resolution twice
        FollowupTask.objects.create(
            key=t.key, kind="order", customer_id=t.customer_id, branch=world.north, created_at=t.created_at
        )


def test_closed_complaint_found_unsolved_is_reopened(world: Any, now: Any) -> None:
    o = resolved_order(world, now, sh(2026, 9, 22, 10, 0), order_type="complaint", title="多收费用")
    t = task_of(o)
    from kefu.complaints.actions import do_classify_complaint  # a complaint closes only with its cause
    from kefu.complaints.models import ComplaintCause

    cause = ComplaintCause.objects.filter(is_active=True).first() or ComplaintCause.objects.create(
        category="service", name="收费差错"
    )
    do_classify_complaint(world.agent.user, o.pk, cause.pk)
    do_transition(world.agent.user, o.pk, "closed")
    now.set(sh(2026, 9, 23, 10, 0))
    actions.do_record_followup(
        world.followup.user,
        t.pk,
        outcome="reached",
        solved=False,
        satisfaction="dissatisfied",
        comments="退款未到账",
    )
    o.refresh_from_db()
    assert o.status == "reopened" and o.closed_at is None and o.assignee_id == o.owner_id
