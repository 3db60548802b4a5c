"""The demo's supervision history: the deadline sweep, the accountability job and the overdue-notice job
run day by day on the simulated clock (as ``kefu serve`` would have run them), and the leaders and staff
work their inboxes as they go: automatic escalations are handled after a day or two, statements given,
records decided, a few 督办 notices issued and answered (or left to go overdue), a few extension requests
decided. The inboxes therefore show a believable month — a few new items a day, most of the older ones
dealt with — instead of hundreds created in one batch at the end.

Runs inside ``Loader.history()`` after the orders were played (their final state is known: only clocks of
orders still open can pass their deadline; each is found on the first day after it passed).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Min

from kefu.commitments import sweep
from kefu.commitments.clocks import do_decide_extension, do_request_extension
from kefu.commitments.models import (
    BREACH_CANDIDATE_STATUSES,
    OPEN_CLOCK_STATUSES,
    ExtensionRequest,
    ExtensionStatus,
    OrderClock,
)
from kefu.demo.loader import Loader
from kefu.lib import clock
from kefu.lib.errors import KefuError
from kefu.organization.models import Staff
from kefu.supervision import actions as sv
from kefu.supervision.models import AccountabilityRecord, SupervisionNotice
from kefu.workorders.actions import do_handle_escalation
from kefu.workorders.models import Escalation, WorkOrder

OPEN_ORDER = ("new", "in_progress", "awaiting_materials", "pending_customer", "reopened")
RESPONSES = [
    "已督促责任人当天处理，并向客户致歉说明原因。",
    "已电话联系客户，约定明天上午上门。",
    "已协调维修班加派人手，今日内完成。",
    "已了解情况：等待材料到货，已告知客户预计完成时间。",
]
STATEMENTS = [
    "当天外出抢修，未能及时回访，已补做。",
    "客户约定的时间有变，未及时在系统中登记，今后注意。",
    "工单量大，处理不及时，已向客户道歉。",
]
DECISIONS = ["情况属实，予以警告，纳入月度考核。", "经核实已整改，按规定处理。"]
NOTICE_TEXTS = [
    "客户多次来电催办，请今天内联系客户并反馈处理进度。",
    "该工单已超期，请责任班组明天中午前上门处理。",
    "请核实客户反映的重复收费问题，并书面答复。",
]
NOTICE_ANSWERS = ["已联系客户，明天上午上门。", "已上门处理完毕，客户认可。", "已核实并退还多收费用。"]
EXTENSION_REASONS = [
    "所需配件缺货，厂家预计两个工作日内到货。",
    "客户要求改约到下周，需延长办理时限。",
    "涉及公共管道，需物业协调施工时间。",
]


def _try(fn: object, *args: object) -> bool:
    """A step of a person: done, or skipped where the rules say no (the demo never forces a change)."""
    try:
        fn(*args)  # type: ignore[operator]
    except KefuError:
        return False
    return True


def play(L: Loader) -> None:
    """Replay the supervision jobs and the inbox work day by day, up to the present."""
    # the first deadline the sweep has to see: an open clock's, or one that ended late before any sweep
    first_due = OrderClock.objects.filter(
        status__in={*OPEN_CLOCK_STATUSES, *BREACH_CANDIDATE_STATUSES}, due_at__lt=L.now, breach__isnull=True
    ).aggregate(m=Min("due_at"))["m"]
    month_start = L.today - dt.timedelta(days=30)
    day = min(month_start, clock_local_date(L, first_due)) if first_due else month_start
    counts = {"notices": 0, "extensions": 0}
    while day <= L.today:
        for hour in (8, 14):
            at = L.local(day, hour, 30)
            if at >= L.now:
                break
            L.at(at)
            now = clock.now()
            sweep.sweep(now)
            sv.collect(now)
            sv.report_overdue(now)
            _work(L, now)
            if day >= month_start and hour == 8:
                _notices(L, now, counts)
                _extensions(L, now, counts)
        day += dt.timedelta(days=1)
    L.at(L.now)
    now = clock.now()
    sweep.sweep(now)
    sv.collect(now)
    sv.report_overdue(now)
    L.say(
        f"supervision: {Escalation.objects.filter(raised_by__isnull=True).count()} automatic escalations, "
        f"{AccountabilityRecord.objects.count()} accountability records, {counts['notices']} notices, "
        f"{counts['extensions']} extension requests, spread over the history"
    )


def clock_local_date(L: Loader, at: dt.datetime) -> dt.date:
    return at.astimezone(L.tz).date()


def _work(L: Loader, now: dt.datetime) -> None:
    """What the people do with their inboxes at this moment (older items first, most of them)."""
    rng = L.rng
    # automatic escalations: the leader handles them within one to three days
    for esc in (
        Escalation.objects.filter(
            raised_by__isnull=True, handled_at__isnull=True, created_at__lt=now - dt.timedelta(days=1)
        )
        .select_related("leader__user")
        .order_by("pk")
    ):
        if rng.random() < 0.45:
            _try(do_handle_escalation, esc.leader.user, esc.pk, rng.choice(RESPONSES))
    # accountability records: the staff member states their side, a leader decides after the hearing
    for rec in (
        AccountabilityRecord.objects.exclude(status=AccountabilityRecord.Status.CLOSED)
        .select_related("staff__user", "manager__user")
        .order_by("pk")
    ):
        age = now - rec.created_at
        if rec.statement_at is None and age > dt.timedelta(days=1) and rng.random() < 0.3:
            _try(sv.do_give_statement, rec.staff.user, rec.pk, rng.choice(STATEMENTS))
        elif (rec.statement_at is not None or now > rec.statement_due) and rng.random() < 0.4:
            decider = _decider(rec)
            if decider is not None:
                proposal = sv.proposal_for(rec)
                _try(
                    sv.do_decide,
                    decider.user,
                    rec.pk,
                    sv.DecisionInput(
                        outcome=proposal.outcome.value,
                        decision=rng.choice(DECISIONS),
                        penalty=proposal.penalty,
                    ),
                )
    # notices: those working on the order answer most within a day; some are left to go overdue
    for n in (
        SupervisionNotice.objects.filter(
            status=SupervisionNotice.Status.OPEN, issued_at__lt=now - dt.timedelta(hours=20)
        )
        .select_related("workorder__assignee__user", "workorder__owner__user")
        .order_by("pk")
    ):
        who = n.workorder.assignee or n.workorder.owner
        if who is not None and rng.random() < 0.35:
            _try(sv.do_answer_notice, who.user, n.pk, rng.choice(NOTICE_ANSWERS))
    # extension requests: decided by the requester's leader the next day, mostly approved
    for req in (
        ExtensionRequest.objects.filter(
            status=ExtensionStatus.PENDING, requested_at__lt=now - dt.timedelta(hours=20)
        )
        .select_related("requested_by__leader__user")
        .order_by("pk")
    ):
        leader = req.requested_by.leader
        if leader is not None and rng.random() < 0.7:
            approve = rng.random() < 0.7
            note = "同意，请提前告知客户新的完成时间。" if approve else "理由不充分，请按原时限办理。"
            _try(do_decide_extension, leader.user, req.pk, approve, note)


def _decider(rec: AccountabilityRecord) -> Staff | None:
    """The record's manager if they may decide, else a supervisor of its branch."""
    if (
        rec.manager is not None
        and rec.manager.can("accountability.decide")
        and rec.manager_id != rec.staff_id
    ):
        return rec.manager
    if rec.branch_id is None:
        return None
    return (
        Staff.objects.filter(role="supervisor", is_active=True, branch_id=rec.branch_id)
        .exclude(pk=rec.staff_id)
        .select_related("user")
        .order_by("pk")
        .first()
    )


def _open_orders(now: dt.datetime) -> list[WorkOrder]:
    """Orders received a day before ``now``, still open today (so also open at ``now``) and not yet
    supervised, by id."""
    return list(
        WorkOrder.objects.filter(
            received_at__lt=now - dt.timedelta(days=1),
            status__in=OPEN_ORDER,
            supervision_notices__isnull=True,
        )
        .select_related("branch")
        .order_by("pk")
    )


def _notices(L: Loader, now: dt.datetime, counts: dict[str, int]) -> None:
    """About one 督办 notice every two days, by a branch supervisor or the inspector."""
    if L.rng.random() >= 0.5:
        return
    orders = _open_orders(now)
    if not orders:
        return
    o = L.rng.choice(orders)
    north = L.branches["north"].pk if "north" in L.branches else None
    issuer = L.rng.choice(["sup_north" if o.branch_id == north else "sup_south", "inspector1"])
    if issuer not in L.staff:
        return
    due = now + dt.timedelta(hours=L.rng.choice([24, 30, 48]))
    if _try(sv.do_issue_notice, L.user(issuer), o.pk, L.rng.choice(NOTICE_TEXTS), due):
        counts["notices"] += 1


def _extensions(L: Loader, now: dt.datetime, counts: dict[str, int]) -> None:
    """About one extension request every three days, by the one working on an open order."""
    if L.rng.random() >= 0.35:
        return
    candidates = list(
        OrderClock.objects.filter(
            status="running",
            kind="resolution",
            due_at__gt=now,
            workorder__received_at__lt=now,
            workorder__status__in=OPEN_ORDER,
        )
        .exclude(extensions__isnull=False)
        .select_related("workorder__assignee__user", "workorder__owner__user")
        .order_by("pk")[:50]
    )
    if not candidates:
        return
    c = L.rng.choice(candidates)
    staff = c.workorder.assignee or c.workorder.owner
    if staff is None:
        return
    amount = 2 if c.unit == "working_days" else 24
    if _try(do_request_extension, staff.user, c.pk, amount, L.rng.choice(EXTENSION_REASONS)):
        counts["extensions"] += 1
