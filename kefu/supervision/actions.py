"""Use cases of supervision: accountability records (R-27), supervision notices (督办), area contracting
(R-30). Each ``do_*`` validates, authorises, writes and logs (service log, and the order's timeline where
there is an order) in one transaction. The automatic parts (records from breaches, missed follow-ups,
forbidden phrases; overdue notices) are run by ``kefu.supervision.jobs``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.audit.log import record as audit
from kefu.commitments.models import Breach
from kefu.followup.models import FollowupMiss
from kefu.lib import clock
from kefu.lib.errors import NotFound, PermissionDenied, ValidationFailed
from kefu.organization.access import Actor, areas_of, require_staff
from kefu.organization.leaders import LeaderPicker
from kefu.organization.models import ServiceArea, Staff
from kefu.standards.models import StandardsViolation
from kefu.supervision import rules
from kefu.supervision.access import access_notice, access_record
from kefu.supervision.models import (
    AccountabilityRecord,
    AreaAssignment,
    KindChoices,
    SourceWatermark,
    SupervisionNotice,
)
from kefu.workorders import hooks
from kefu.workorders.access import access_workorder
from kefu.workorders.actions import add_entry, escalate
from kefu.workorders.models import TimelineEntry, Transfer, WorkOrder

SETTLE = dt.timedelta(minutes=10)  # source rows younger than this are scanned again (late commits)
BATCH = 500


def statement_days() -> int:
    return int(getattr(settings, "KEFU_ACCOUNTABILITY_STATEMENT_DAYS", 5))


def default_penalty() -> Decimal:
    return Decimal(str(getattr(settings, "KEFU_ACCOUNTABILITY_PENALTY", "200")))


# --- who is the manager / the next level ------------------------------------------------------------------
# The manager of a record is ``organization.rules.leader_of`` (through ``organization.leaders.LeaderPicker``).


def next_level(issuer: Staff) -> Staff | None:
    """Who hears of an overdue notice: the issuer's active leader, else a company-level admin (highest grade),
    else a company-level supervisor."""
    lead = issuer.leader if issuer.leader_id else None
    if lead is not None and lead.is_active and lead.pk != issuer.pk:
        return lead
    top = (
        Staff.objects.filter(is_active=True, branch__isnull=True, role__in=["admin", "supervisor"])
        .exclude(pk=issuer.pk)
        .order_by(F("role").asc(), "-grade", "id")  # "admin" sorts before "supervisor"
        .first()
    )
    return top


# --- accountability records ---------------------------------------------------------------------------------


def _local_date(at: dt.datetime) -> dt.date:
    return timezone.localdate(at, timezone.get_default_timezone())


def prior_dates(rec: AccountabilityRecord) -> list[dt.date]:
    """Dates of the staff member's other violations in the 12 months up to this one — not counting those
    decided as "no sanction" (found not at fault)."""
    at = _local_date(rec.occurred_at)
    start = rules.window_start(at)
    qs = (
        AccountabilityRecord.objects.filter(
            staff_id=rec.staff_id,
            occurred_at__gte=timezone.make_aware(
                dt.datetime.combine(start, dt.time()), timezone.get_default_timezone()
            )
            - dt.timedelta(days=1),
            occurred_at__lte=rec.occurred_at + dt.timedelta(days=1),
        )
        .exclude(pk=rec.pk)
        .exclude(status=AccountabilityRecord.Status.CLOSED, outcome="none")
    )
    return [_local_date(d) for d in qs.values_list("occurred_at", flat=True)]


def proposal_for(
    rec: AccountabilityRecord, factors: rules.Factors | None = None, severity: str | None = None
) -> rules.Proposal:
    dates = prior_dates(rec)
    prior = rules.prior_count(_local_date(rec.occurred_at), dates)
    return rules.propose(
        rec.kind, severity or rec.severity, factors or rec.factors, prior, penalty=default_penalty()
    )


def _new_record(
    *,
    kind: str,
    source_id: int | None,
    staff: Staff,
    manager: Staff | None,
    branch_id: int | None,
    workorder: WorkOrder | None,
    occurred_at: dt.datetime,
    summary: str,
    now: dt.datetime,
    actor: Any = None,
    created_by: Staff | None = None,
    severity: str | None = None,
) -> AccountabilityRecord | None:
    """Create one record (inside the caller's transaction) and log it; None if the source already has one."""
    if source_id is not None and AccountabilityRecord.objects.filter(kind=kind, source_id=source_id).exists():
        return None
    rec = AccountabilityRecord(
        kind=kind,
        source_id=source_id,
        staff=staff,
        manager=manager,
        branch_id=branch_id,
        workorder=workorder,
        customer_id=workorder.customer_id if workorder is not None else None,
        summary=summary,
        severity=severity or rules.default_severity(kind).value,
        occurred_at=occurred_at,
        created_at=now,
        created_by=created_by,
        statement_due=now + dt.timedelta(days=statement_days()),
    )
    try:
        with transaction.atomic():  # savepoint: a concurrent creator loses on the unique constraint
            rec.save()
    except IntegrityError:
        if source_id is None:
            raise
        return None
    audit(
        actor,
        "accountability.create",
        rec,
        after={
            "kind": kind,
            "source": source_id,
            "staff": staff.pk,
            "manager": manager.pk if manager else None,
            "severity": rec.severity,
        },
        workorder_id=workorder.pk if workorder is not None else None,
        customer_id=rec.customer_id,
        summary=f"{KindChoices(kind).label} · {staff}"[:500],
    )
    hooks.staff_event(
        hooks.StaffEventKind.STATEMENT,
        [staff],
        order=workorder,
        actor=created_by,
        at=now,
        record=rec.pk,
        due=rec.statement_due.isoformat(),
    )
    return rec


def _scope_check(me: Staff, staff: Staff) -> None:
    if not me.sees_all_branches and staff.branch_id != me.branch_id:
        raise NotFound("not_found", _("Staff member not found."), "staff")


@transaction.atomic
def do_record_manual(
    user: Actor,
    staff_id: int,
    summary: str,
    severity: str,
    occurred_at: dt.datetime,
    order_key: str = "",
) -> AccountabilityRecord:
    """A supervisor or inspector records a violation they found (kind "manual")."""
    me = require_staff(user, "accountability.record")
    try:
        staff = Staff.objects.select_related("leader").get(pk=int(staff_id))
    except (ValueError, TypeError, Staff.DoesNotExist):
        raise NotFound("not_found", _("Staff member not found."), "staff") from None
    _scope_check(me, staff)
    if staff.pk == me.pk:
        raise ValidationFailed("self", _("You cannot record a violation against yourself."), "staff")
    if not summary.strip():
        raise ValidationFailed("summary_required", _("Describe what happened."), "summary")
    if severity not in rules.Severity.__members__.values():
        raise ValidationFailed("bad_severity", _("Choose a severity."), "severity")
    now = clock.now()
    if occurred_at > now:
        raise ValidationFailed("future", _("The violation cannot lie in the future."), "occurred_at")
    order = access_workorder(user, order_key.strip()) if order_key.strip() else None
    branch_id = order.branch_id if order is not None else staff.branch_id
    rec = _new_record(
        kind=rules.Kind.MANUAL.value,
        source_id=None,
        staff=staff,
        manager=LeaderPicker()(staff, branch_id),
        branch_id=branch_id,
        workorder=order,
        occurred_at=occurred_at,
        summary=summary.strip(),
        now=now,
        actor=user,
        created_by=me,
        severity=severity,
    )
    assert rec is not None
    return rec


@transaction.atomic
def do_report_sent_away(user: Actor, transfer_id: int | str, note: str) -> AccountabilityRecord:
    """推诿: a supervisor or inspector finds that a transfer passed the customer on instead of helping them.
    The record is against the person who made the transfer; one per transfer."""
    me = require_staff(user, "accountability.record")
    try:
        tr = Transfer.objects.select_related("by__leader").get(pk=int(transfer_id))
    except (ValueError, TypeError, Transfer.DoesNotExist):
        raise NotFound("not_found", _("Transfer not found."), "transfer") from None
    order = access_workorder(user, tr.workorder_id)
    if not note.strip():
        raise ValidationFailed("note_required", _("Say why this transfer sent the customer away."), "note")
    if tr.by_id == me.pk:
        raise ValidationFailed("self", _("You cannot record a violation against yourself."), "note")
    now = clock.now()
    rec = _new_record(
        kind=rules.Kind.SENT_AWAY.value,
        source_id=tr.pk,
        staff=tr.by,
        manager=LeaderPicker()(tr.by, order.branch_id),
        branch_id=order.branch_id,
        workorder=order,
        occurred_at=tr.created_at,
        summary=_("Transfer of %(when)s (reason given: %(reason)s) sent the customer away: %(note)s")
        % {
            "when": timezone.localtime(tr.created_at).strftime("%Y-%m-%d %H:%M"),
            "reason": tr.reason,
            "note": note.strip(),
        },
        now=now,
        actor=user,
        created_by=me,
    )
    if rec is None:
        raise ValidationFailed(
            "already_reported", _("This transfer has already been reported as sending away."), "transfer"
        )
    return rec


@transaction.atomic
def do_give_statement(user: Actor, record_id: int | str, text: str) -> AccountabilityRecord:
    """申辩: the staff member concerned states their side (once, before the decision)."""
    me = require_staff(user)
    rec = access_record(user, record_id, for_update=True)
    if rec.staff_id != me.pk:
        raise PermissionDenied("not_concerned", _("Only the staff member concerned can give the statement."))
    if rec.status == AccountabilityRecord.Status.CLOSED:
        raise ValidationFailed("closed", _("The record is already decided."), "statement")
    if rec.statement_at is not None:
        raise ValidationFailed("already_stated", _("You have already given your statement."), "statement")
    if not text.strip():
        raise ValidationFailed("statement_required", _("Write your statement."), "statement")
    now = clock.now()
    rec.statement = text.strip()
    rec.statement_at = now
    rec.status = AccountabilityRecord.Status.HEARD
    rec.save(update_fields=["statement", "statement_at", "status"])
    audit(
        user,
        "accountability.statement",
        rec,
        after={"statement": rec.statement},
        workorder_id=rec.workorder_id,
        customer_id=rec.customer_id,
    )
    return rec


@dataclass(frozen=True)
class DecisionInput:
    outcome: str
    decision: str
    penalty: Decimal | str = Decimal("0")
    severity: str = ""
    factors: rules.Factors = field(default_factory=rules.Factors)


@transaction.atomic
def do_decide(user: Actor, record_id: int | str, data: DecisionInput) -> AccountabilityRecord:
    """The decision by an authorised leader, after the staff member was heard (or let the deadline pass)."""
    me = require_staff(user, "accountability.decide")
    rec = access_record(user, record_id, for_update=True)
    if not me.sees_all_branches and rec.branch_id != me.branch_id:
        raise PermissionDenied("other_branch", _("Only a leader of the record's branch can decide."))
    if rec.staff_id == me.pk:
        raise PermissionDenied("self", _("You cannot decide on a record against yourself."))
    if rec.status == AccountabilityRecord.Status.CLOSED:
        raise ValidationFailed("closed", _("The record is already decided."), "outcome")
    now = clock.now()
    if not rules.may_decide(rec.statement_at is not None, rec.statement_due, now):
        raise ValidationFailed(
            "not_heard",
            _("The staff member must be heard first: wait for the statement or until %(due)s.")
            % {"due": timezone.localtime(rec.statement_due).strftime("%Y-%m-%d %H:%M")},
            "outcome",
        )
    if data.outcome not in rules.Outcome.__members__.values():
        raise ValidationFailed("bad_outcome", _("Choose an outcome."), "outcome")
    severity = data.severity or rec.severity
    if severity not in rules.Severity.__members__.values():
        raise ValidationFailed("bad_severity", _("Choose a severity."), "severity")
    try:
        penalty = Decimal(str(data.penalty or "0")).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValidationFailed("bad_penalty", _("Enter an amount in yuan."), "penalty") from None
    if penalty < 0 or penalty > Decimal("99999999"):
        raise ValidationFailed("bad_penalty", _("Enter an amount in yuan."), "penalty")
    if penalty and data.outcome != rules.Outcome.CRITICISM:
        raise ValidationFailed(
            "penalty_without_criticism", _("A penalty goes only with public criticism."), "penalty"
        )
    if not data.decision.strip():
        raise ValidationFailed("decision_required", _("Write the decision and its grounds."), "decision")
    proposal = proposal_for(rec, data.factors, severity)
    before = {"status": rec.status, "outcome": rec.outcome}
    f = data.factors
    rec.severity = severity
    rec.retaliation, rec.obstruction = f.retaliation, f.obstruction
    rec.apologised_forgiven, rec.harm_prevented, rec.loss_recovered = (
        f.apologised_forgiven,
        f.harm_prevented,
        f.loss_recovered,
    )
    rec.proposed_outcome = proposal.outcome.value
    rec.proposal_reasons = [{"code": r.code, "params": dict(r.params)} for r in proposal.reasons]
    rec.outcome = data.outcome
    rec.penalty = penalty
    rec.decision = data.decision.strip()
    rec.decided_by = me
    rec.decided_at = now
    rec.status = AccountabilityRecord.Status.CLOSED
    rec.save()
    audit(
        user,
        "accountability.decide",
        rec,
        before=before,
        after={
            "status": rec.status,
            "outcome": rec.outcome,
            "proposed": rec.proposed_outcome,
            "penalty": rec.penalty,
            "severity": rec.severity,
            "factors": {k: getattr(f, k) for k in f.__dataclass_fields__},
            "decision": rec.decision,
        },
        workorder_id=rec.workorder_id,
        customer_id=rec.customer_id,
    )
    return rec


# --- the automatic sources (job accountability.collect) -----------------------------------------------------


def _watermark(source: str) -> SourceWatermark:
    wm, _created = SourceWatermark.objects.select_for_update().get_or_create(source=source)
    return wm


def _scan(source: str, model: Any, at_field: str, rows_of: Any, make: Any, now: dt.datetime) -> int:
    """Create records for the source rows above the watermark that have none (``rows_of`` is the anti-join),
    then move the watermark up to just below the first row younger than ``SETTLE`` — younger rows are looked
    at again next time, in case a row with a lower id commits late."""
    created = 0
    with transaction.atomic():
        wm = _watermark(source)
        last = wm.last_id
        while True:
            rows = list(rows_of(last)[:BATCH])
            if not rows:
                break
            picker = LeaderPicker()
            for row in rows:
                if make(row, picker, now) is not None:
                    created += 1
            if len(rows) < BATCH:
                break
            last = rows[-1].pk
        above = model.objects.filter(pk__gt=wm.last_id)
        young = above.filter(**{f"{at_field}__gt": now - SETTLE}).aggregate(m=Min("pk"))["m"]
        top = (young - 1) if young is not None else above.aggregate(m=Max("pk"))["m"]
        if top is not None and top > wm.last_id:
            wm.last_id = top
        wm.updated_at = now
        wm.save()
    return created


def _from_breach(b: Any, picker: LeaderPicker, now: dt.datetime) -> AccountabilityRecord | None:
    o = b.workorder
    return _new_record(
        kind=rules.Kind.BREACH.value,
        source_id=b.pk,
        staff=b.responsible,
        manager=b.leader or picker(b.responsible, o.branch_id),
        branch_id=o.branch_id,
        workorder=o,
        occurred_at=b.detected_at,
        summary=_("%(order)s: the %(clock)s time limit was due at %(due)s and passed.")
        % {
            "order": o.number,
            "clock": b.get_kind_display(),
            "due": timezone.localtime(b.due_at).strftime("%Y-%m-%d %H:%M"),
        },
        now=now,
    )


def _from_miss(m: Any, picker: LeaderPicker, now: dt.datetime) -> AccountabilityRecord | None:
    task = m.task
    o = task.workorder
    staff = m.responsible or (o.owner if o is not None else None)
    if staff is None:
        return None  # a planned visit nobody was assigned to: nobody to hold responsible
    return _new_record(
        kind=rules.Kind.MISSED_FOLLOWUP.value,
        source_id=m.pk,
        staff=staff,
        manager=picker(staff, m.branch_id),
        branch_id=m.branch_id,
        workorder=o,
        occurred_at=m.due_at,  # when the follow-up became missed, not when the job noticed
        summary=_("Follow-up #%(task)s was due at %(due)s and not done.")
        % {"task": task.pk, "due": timezone.localtime(m.due_at).strftime("%Y-%m-%d %H:%M")},
        now=now,
    )


def _from_violation(v: Any, picker: LeaderPicker, now: dt.datetime) -> AccountabilityRecord | None:
    phrases = "、".join(str(p.get("phrase", "")) for p in (v.phrases or []) if isinstance(p, dict))
    if v.source == "one_time_notice":  # materials asked for after the one-time notice
        summary = _(
            "One-time notice rule (R-11) broken: asked for %(items)s after the notice; reason given: %(reason)s"
        ) % {"items": v.excerpt[:300], "reason": v.reason[:300]}
    else:
        summary = _(
            "Reply sent with a forbidden phrase (%(phrases)s): “%(excerpt)s”; reason given: %(reason)s"
        ) % {"phrases": phrases, "excerpt": v.excerpt[:300], "reason": v.reason[:300]}
    return _new_record(
        kind=rules.Kind.FORBIDDEN_PHRASE.value,
        source_id=v.pk,
        staff=v.staff,
        manager=picker(v.staff, v.branch_id),
        branch_id=v.branch_id if v.branch_id is not None else v.workorder.branch_id,
        workorder=v.workorder,
        occurred_at=v.at,
        summary=summary,
        now=now,
    )


def collect(now: dt.datetime | None = None) -> dict[str, int]:
    """R-16, R-27: each breach, missed follow-up and recorded forbidden phrase becomes one accountability
    record. Idempotent (watermark + anti-join + the unique constraint)."""

    now = now or clock.now()

    def breaches(last: int) -> QuerySet[Any]:
        done = AccountabilityRecord.objects.filter(kind=rules.Kind.BREACH, source_id__gt=last).values(
            "source_id"
        )
        return (
            Breach.objects.filter(pk__gt=last)
            .exclude(pk__in=done)
            .select_related("workorder", "responsible__leader", "leader")
            .order_by("pk")
        )

    def misses(last: int) -> QuerySet[Any]:
        done = AccountabilityRecord.objects.filter(
            kind=rules.Kind.MISSED_FOLLOWUP, source_id__gt=last
        ).values("source_id")
        return (
            FollowupMiss.objects.filter(pk__gt=last)
            .exclude(pk__in=done)
            .select_related("task__workorder__owner__leader", "responsible__leader")
            .order_by("pk")
        )

    def violations(last: int) -> QuerySet[Any]:
        done = AccountabilityRecord.objects.filter(
            kind=rules.Kind.FORBIDDEN_PHRASE, source_id__gt=last
        ).values("source_id")
        return (
            StandardsViolation.objects.filter(pk__gt=last)
            .exclude(pk__in=done)
            .select_related("workorder", "staff__leader")
            .order_by("pk")
        )

    return {
        "breach": _scan("breach", Breach, "detected_at", breaches, _from_breach, now),
        "missed_followup": _scan("missed_followup", FollowupMiss, "found_at", misses, _from_miss, now),
        "forbidden_phrase": _scan(
            "forbidden_phrase", StandardsViolation, "at", violations, _from_violation, now
        ),
    }


# --- supervision notices (督办) ---------------------------------------------------------------------------


@transaction.atomic
def do_issue_notice(user: Actor, order_key: int | str, text: str, due_at: dt.datetime) -> SupervisionNotice:
    me = require_staff(user, "supervision.notice")
    o = access_workorder(user, order_key, for_update=True)
    if o.status in ("resolved", "closed"):
        raise ValidationFailed("not_open", _("Only an open order can be supervised."), "text")
    if not text.strip():
        raise ValidationFailed("text_required", _("Say what must be done."), "text")
    now = clock.now()
    if due_at <= now:
        raise ValidationFailed("due_past", _("The due time must lie in the future."), "due_at")
    n = SupervisionNotice.objects.create(
        workorder=o, branch_id=o.branch_id, issued_by=me, issued_at=now, due_at=due_at, text=text.strip()
    )
    add_entry(
        o,
        TimelineEntry.Kind.NOTE,
        staff=me,
        body=_("Supervision notice (督办), due %(due)s: %(text)s")
        % {"due": timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M"), "text": n.text},
        data={"event": "supervision.notice", "notice": n.pk},
        at=now,
    )
    audit(
        user,
        "supervision.notice",
        n,
        after={"due_at": due_at, "text": n.text},
        workorder_id=o.pk,
        customer_id=o.customer_id,
        summary=o.number,
    )
    hooks.staff_event(
        hooks.StaffEventKind.SUPERVISION_NOTICE,
        notice_recipients(o),
        order=o,
        actor=me,
        at=now,
        notice=n.pk,
        due=due_at.isoformat(),
        text=n.text[:200],
    )
    return n


def notice_recipients(o: WorkOrder) -> list[int]:
    """The unit a 督办 notice goes to: the owner, the assignee and the active members of the order's
    department."""
    unit = [o.owner_id, o.assignee_id]
    if o.department_id:
        unit += Staff.objects.filter(department_id=o.department_id, is_active=True).values_list(
            "pk", flat=True
        )
    return [pk for pk in unit if pk is not None]


def may_answer(staff: Staff, notice: SupervisionNotice) -> bool:
    o = notice.workorder
    return notice.issued_by_id != staff.pk and (
        staff.pk in (o.owner_id, o.assignee_id) or staff.can("order.work")
    )


@transaction.atomic
def do_answer_notice(user: Actor, notice_id: int | str, answer: str) -> SupervisionNotice:
    """A written reply to a notice (by the people working on the order, not the issuer)."""
    me = require_staff(user)
    n = access_notice(user, notice_id, for_update=True)
    if not may_answer(me, n):
        raise PermissionDenied("forbidden", _("Only the people working on the order can answer the notice."))
    if n.status != SupervisionNotice.Status.OPEN:
        raise ValidationFailed("answered", _("The notice is already answered."), "answer")
    if not answer.strip():
        raise ValidationFailed("answer_required", _("Write the answer."), "answer")
    now = clock.now()
    _answer(n, me, now, SupervisionNotice.AnsweredHow.REPLY, answer.strip(), user)
    add_entry(
        n.workorder,
        TimelineEntry.Kind.NOTE,
        staff=me,
        body=_("Answer to the supervision notice: %(text)s") % {"text": n.answer},
        data={"event": "supervision.answer", "notice": n.pk},
        at=now,
    )
    return n


def _answer(n: SupervisionNotice, by: Staff, now: dt.datetime, how: str, text: str, actor: Any) -> None:
    n.status = SupervisionNotice.Status.ANSWERED
    n.answered_at, n.answered_by, n.answered_how, n.answer = now, by, how, text
    n.save(update_fields=["status", "answered_at", "answered_by", "answered_how", "answer"])
    audit(
        actor,
        "supervision.answer",
        n,
        after={"how": how, "answer": text, "late": now > n.due_at},
        workorder_id=n.workorder_id,
        customer_id=n.workorder.customer_id,
    )


def on_transition(event: Any) -> None:
    """Transition listener: resolving (or withdrawing) an order answers its open notices."""
    if event.to_status not in ("resolved", "closed"):
        return
    notices = list(
        SupervisionNotice.objects.select_for_update()
        .filter(workorder=event.order, status=SupervisionNotice.Status.OPEN)
        .order_by("pk")
    )
    for n in notices:
        n.workorder = event.order
        text = event.order.resolution if event.to_status == "resolved" else event.reason
        _answer(n, event.staff, event.at, SupervisionNotice.AnsweredHow.RESOLVED, text or "", event.user)


def report_overdue(now: dt.datetime | None = None) -> int:
    """Open notices past their due time go to the next level, exactly once each: a conditional UPDATE sets
    ``overdue_reported_at``; the winner writes the escalation, the timeline entry, the log and an
    accountability record against the order's responsible staff (assignee, else first-contact owner)."""
    now = now or clock.now()
    ids = list(
        SupervisionNotice.objects.filter(
            status=SupervisionNotice.Status.OPEN, due_at__lt=now, overdue_reported_at__isnull=True
        )
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    done = 0
    for pk in ids:
        with transaction.atomic():
            won = SupervisionNotice.objects.filter(
                pk=pk, status=SupervisionNotice.Status.OPEN, overdue_reported_at__isnull=True
            ).update(overdue_reported_at=now)
            if not won:
                continue
            n = SupervisionNotice.objects.select_related(
                "workorder__owner__leader", "workorder__assignee__leader", "issued_by__leader"
            ).get(pk=pk)
            _report_one(n, now)
            done += 1
    return done


def _report_one(n: SupervisionNotice, now: dt.datetime) -> None:
    o = n.workorder
    target = next_level(n.issued_by)
    n.reported_to = target
    reason = _("Supervision notice (督办) #%(n)s by %(by)s was due at %(due)s and is not answered.") % {
        "n": n.pk,
        "by": n.issued_by.name,
        "due": timezone.localtime(n.due_at).strftime("%Y-%m-%d %H:%M"),
    }
    if target is not None:
        # by the system; the priority is not raised here (unlike a staff escalation or a breach)
        n.escalation = escalate(
            o, leader=target, reason=reason, at=now, raise_priority=False, data={"notice": n.pk}
        )
    n.save(update_fields=["reported_to", "escalation"])
    audit(
        None,
        "supervision.overdue",
        n,
        after={"reported_to": target.pk if target else None, "due_at": n.due_at},
        workorder_id=o.pk,
        customer_id=o.customer_id,
        summary=o.number,
    )
    staff = o.assignee or o.owner
    _new_record(
        kind=rules.Kind.NOTICE_OVERDUE.value,
        source_id=n.pk,
        staff=staff,
        manager=LeaderPicker()(staff, o.branch_id),
        branch_id=o.branch_id,
        workorder=o,
        occurred_at=now,
        summary=reason,
        now=now,
    )


# --- area contracting (R-30) --------------------------------------------------------------------------------


@transaction.atomic
def do_assign_area(
    user: Actor, area_id: int | str, staff_ids: Iterable[int], from_date: dt.date, *, published: bool = True
) -> ServiceArea:
    """Change who is responsible for an area from ``from_date``: the assignments of those who leave end that
    day, the newcomers' begin; ``ServiceArea.responsible`` follows."""
    me = require_staff(user, "area.assign")
    try:
        area = areas_of(me).select_for_update(of=("self",)).get(pk=int(area_id))
    except (ValueError, TypeError, ServiceArea.DoesNotExist):
        raise NotFound("not_found", _("Service area not found."), "area") from None
    wanted = {int(s) for s in staff_ids}
    people = {s.pk: s for s in Staff.objects.filter(pk__in=wanted, is_active=True)}
    for pk in wanted:
        s = people.get(pk)
        if s is None or (s.branch_id is not None and s.branch_id != area.branch_id):
            raise ValidationFailed("other_branch", _("Choose active staff of the area's branch."), "staff")
    current = set(area.responsible.values_list("pk", flat=True))
    if wanted == current:
        raise ValidationFailed("unchanged", _("These are already the responsible staff."), "staff")
    open_rows = {a.staff_id: a for a in AreaAssignment.objects.filter(area=area, to_date__isnull=True)}
    for a in open_rows.values():
        if a.staff_id not in wanted and a.from_date is not None and a.from_date > from_date:
            raise ValidationFailed(
                "before_start",
                _("%(name)s took over on %(date)s; the change cannot be dated earlier.")
                % {"name": a.staff.name, "date": a.from_date.isoformat()},
                "from_date",
            )
    now = clock.now()
    for pk in sorted(current - wanted):
        row = open_rows.get(pk)
        if row is None:  # responsible from before the history began
            AreaAssignment.objects.create(
                area=area,
                staff_id=pk,
                from_date=None,
                to_date=from_date,
                published=published,
                created_by=me,
                created_at=now,
            )
        else:
            row.to_date = from_date
            row.save(update_fields=["to_date"])
    for pk in sorted(wanted - current):
        AreaAssignment.objects.create(
            area=area, staff_id=pk, from_date=from_date, published=published, created_by=me, created_at=now
        )
    area.responsible.set(sorted(wanted))
    audit(
        user,
        "area.assign",
        area,
        before={"responsible": sorted(current)},
        after={"responsible": sorted(wanted), "from_date": from_date, "published": published},
        summary=area.name,
    )
    return area


def recent_changes(limit: int = 20, *, published_only: bool = True) -> list[AreaAssignment]:
    qs = AreaAssignment.objects.select_related("area__branch", "staff").order_by("-created_at", "-id")
    if published_only:
        qs = qs.filter(published=True)
    return list(qs[:limit])


def area_loads(
    areas: list[ServiceArea],
) -> tuple[dict[int, rules.AreaVerdict], dict[int, rules.StaffVerdict]]:
    """Verdicts for areas whose ``responsible`` is prefetched."""
    loads = [
        rules.AreaLoad(a.pk, a.households, a.kind, tuple(s.pk for s in a.responsible.all())) for a in areas
    ]
    return {x.area_id: rules.area_verdict(x) for x in loads}, rules.staff_verdicts(loads)
