"""Survey invitations and answers (R-22). The only writers of Invitation, Response and Answer.

- ``on_transition`` (a work-order transition listener, registered in apps.py) invites the customer when an
  order is resolved; ``invite_after_followup`` does the same when a follow-up is done. Both run inside the
  caller's transaction, so a rolled-back change invites nobody.
- One invitation per order, occasion and round (``round`` = the resolution clock's round, which a reopen
  increases): the unique constraint ``surveys_invitation_round`` refuses a second one.
- ``do_submit_response`` stores one answer per invitation: the invitation row is locked and the response
  is unique per invitation, so two submissions at the same time store one answer and refuse the other.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.channels import outbox
from kefu.channels.models import MessageClass, OutboxChannel
from kefu.channels.models.endpoints import SmsTemplateCode
from kefu.channels.outbox import sms_templates
from kefu.commitments.models import OrderClock
from kefu.customers.models import Customer
from kefu.lib import clock, links
from kefu.lib.errors import NotFound, ValidationFailed
from kefu.organization.access import Actor, require_staff
from kefu.organization.leaders import LeaderPicker
from kefu.organization.models import Outlet, Staff
from kefu.surveys import rules
from kefu.surveys.access import visible_recovery
from kefu.surveys.models import (
    Answer,
    Invitation,
    InvitationChannel,
    Question,
    QuestionKind,
    RecoveryTask,
    Response,
    SatisfactionRecord,
    SatisfactionSource,
    Survey,
    SurveyRule,
    Trigger,
)
from kefu.workorders import hooks
from kefu.workorders.hooks import StaffEventKind, TransitionEvent, staff_event
from kefu.workorders.models import WorkOrder

MOBILE_PREFIXES = ("+861", "1")


def has_mobile(customer: Customer) -> str:
    """The customer's mobile number (a Chinese mobile: +86 1xx…), or ""."""
    phone = customer.phone_e164 or ""
    if phone.startswith("+861") and len(phone) == 14:
        return phone
    raw = "".join(ch for ch in (customer.phone or "") if ch.isdigit())
    if len(raw) == 11 and raw.startswith("1"):
        return phone or raw
    return ""


def invitation_route(order: WorkOrder, customer: Customer) -> tuple[str, str]:
    """E-mail for e-mail customers (the order came by e-mail, or they have no mobile), else SMS to the
    mobile, else the invitation is only shown on the portal."""
    mobile = has_mobile(customer)
    if customer.email and (order.channel == "email" or not mobile):
        return InvitationChannel.EMAIL, customer.email
    if mobile:
        return InvitationChannel.SMS, mobile
    return InvitationChannel.PORTAL, ""


def choose_rule(order: WorkOrder, trigger: str) -> SurveyRule | None:
    """The most specific active rule for this order and occasion (see SurveyRule)."""
    candidates = (
        SurveyRule.objects.filter(trigger=trigger, active=True, survey__active=True)
        .filter(Q(order_type="") | Q(order_type=order.order_type))
        .filter(Q(service__isnull=True) | Q(service_id=order.service_id))
        .filter(Q(branch__isnull=True) | Q(branch_id=order.branch_id))
        .select_related("survey")
    )

    def specificity(r: SurveyRule) -> tuple[int, int, int, int]:
        kind = 2 if r.service_id else 1 if r.order_type else 0
        return (-kind, 0 if r.branch_id else 1, r.priority, r.pk)

    ranked = sorted(candidates, key=specificity)
    return ranked[0] if ranked else None


def order_round(order: WorkOrder) -> int:

    top = OrderClock.objects.filter(workorder=order, kind="resolution").aggregate(m=Max("round"))["m"]
    return int(top or 1)


def survey_url(token: str) -> str:
    return links.absolute(reverse("portal:survey_answer", args=[token]))


def invitation_text(inv: Invitation, order: WorkOrder) -> tuple[str, str]:
    url = survey_url(inv.token)
    subject = _("How did we do? Your request %(number)s") % {"number": order.number}
    body = "\n".join(
        [
            _("Dear %(name)s,") % {"name": order.customer.name},
            "",
            _("Your request %(number)s (%(title)s) has been handled. Please tell us how satisfied you are:")
            % {"number": order.number, "title": order.title},
            url,
            "",
            _("The link is valid until %(date)s and can be used once.")
            % {"date": timezone.localtime(inv.expires_at).strftime("%Y-%m-%d")},
        ]
    )
    return subject, body


def invite(
    order: WorkOrder, trigger: str, *, actor: Any = None, now: dt.datetime | None = None
) -> Invitation | None:
    """Invite the order's customer to the survey the rules choose for this occasion (inside the caller's
    transaction). Returns None when no rule applies or this round was already invited."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("surveys.invite must be called inside the transaction of the change")
    rule = choose_rule(order, trigger)
    if rule is None or not rule.survey.questions.exists():
        return None
    rnd = order_round(order)
    if Invitation.objects.filter(workorder=order, trigger=trigger, round=rnd).exists():
        return None
    now = now or clock.now()
    customer = order.customer
    channel, recipient = invitation_route(order, customer)
    try:
        with transaction.atomic():
            inv = Invitation.objects.create(
                token=secrets.token_urlsafe(32),
                survey=rule.survey,
                workorder=order,
                customer=customer,
                trigger=trigger,
                round=rnd,
                staff_id=order.assignee_id or order.owner_id,
                channel=channel,
                recipient=recipient,
                created_at=now,
                expires_at=now + dt.timedelta(days=rule.expiry_days),
            )
    except IntegrityError:
        return None  # invited at the same moment by someone else
    if channel != InvitationChannel.PORTAL:
        with translation.override(customer.language_code):  # the customer's language, not the agent's
            subject, body = invitation_text(inv, order)
            sms = sms_templates.Rendered(body, {})
            if channel == OutboxChannel.SMS:  # the provider's registered template, when configured
                values = {
                    "customer_name": customer.name,
                    "order_number": order.number,
                    "url": survey_url(inv.token),
                }
                sms = sms_templates.render_current(SmsTemplateCode.SURVEY, body, values)
        msg, _created = outbox.enqueue(
            channel=channel,
            recipient=recipient,
            subject=subject,
            body=sms.body,
            template=sms.template,
            idempotency_key=f"survey-invite:{inv.pk}",
            customer=customer,
            workorder=order,
            # not needed for the service: the customer may refuse invitations (opt-out text, one-click)
            message_class=MessageClass.REMINDER,
        )
        inv.outbox = msg
        inv.save(update_fields=["outbox"])
    return inv


def on_transition(event: TransitionEvent) -> None:
    """Work-order transition listener: a resolved order invites its customer (R-22)."""
    if event.to_status == "resolved":
        invite(event.order, Trigger.RESOLUTION, actor=event.user, now=event.at)


def invite_after_followup(task_or_order: Any, actor: Any = None) -> Invitation | None:
    """Registered with ``kefu.workorders.hooks.register_followup_done``: runs inside the transaction that
    finished a follow-up task. Accepts the order or a task (``workorder``, ``status``, ``reopened_order``);
    a task that did not reach the customer or reopened the order invites nobody."""
    if isinstance(task_or_order, WorkOrder):
        order: WorkOrder | None = task_or_order
    else:
        order = getattr(task_or_order, "workorder", None)
        # only a follow-up that reached the customer and found the problem solved
        if getattr(task_or_order, "status", "done") != "done" or getattr(
            task_or_order, "reopened_order", False
        ):
            return None
    if order is None or order.resolved_at is None:
        return None
    return invite(order, Trigger.FOLLOWUP, actor=actor)


def on_followup_done(task: Any) -> None:
    """Follow-up listener: the call's satisfaction answer becomes a satisfaction record (a low one opens a
    recovery task); then the invitation of the "after follow-up" rules (see ``invite_after_followup``)."""
    record_followup(task)
    invite_after_followup(task, actor=getattr(getattr(task, "done_by", None), "user", None))


# --- answering ---------------------------------------------------------------------------------------


def open_invitation(token: str, *, for_update: bool = False) -> Invitation:
    """The invitation of ``token`` (NotFound if there is none; expiry and use are checked by the caller)."""
    if not token or len(token) > 64:
        raise NotFound("not_found", _("This survey link is not valid."))
    qs = Invitation.objects.select_related("survey", "workorder", "customer")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(token=token)
    except Invitation.DoesNotExist:
        raise NotFound("not_found", _("This survey link is not valid.")) from None


def invitation_state(inv: Invitation, now: dt.datetime | None = None) -> str:
    """ "open", "answered" or "expired"."""
    if inv.answered_at is not None:
        return "answered"
    if (now or clock.now()) >= inv.expires_at:
        return "expired"
    return "open"


@dataclass
class Submission:
    """Parsed answers (types only): question id → value."""

    values: dict[int, int] = field(default_factory=dict)  # CSAT, NPS
    choices: dict[int, str] = field(default_factory=dict)  # four-level
    pairs: dict[int, tuple[int, int]] = field(default_factory=dict)  # SERVQUAL (expectation, perception)
    texts: dict[int, str] = field(default_factory=dict)
    weights: dict[str, int] | None = None


def questions_of(survey: Survey) -> list[Question]:
    return list(survey.questions.order_by("position"))


def _scores(survey: Survey, questions: list[Question], sub: Submission) -> dict[str, Any]:
    out: dict[str, Any] = {}
    items: list[rules.ItemAnswer] = []
    for q in questions:
        if q.kind == QuestionKind.CSAT and q.pk in sub.values and "csat" not in out:
            out["csat"] = sub.values[q.pk]
        elif q.kind == QuestionKind.NPS and q.pk in sub.values and "nps" not in out:
            out["nps"] = sub.values[q.pk]
        elif q.kind == QuestionKind.SAT4 and q.pk in sub.choices and "sat4" not in out:
            out["sat4"] = sub.choices[q.pk]
        elif q.kind == QuestionKind.SERVQUAL and q.pk in sub.pairs and q.item_no:
            e, p = sub.pairs[q.pk]
            items.append(rules.ItemAnswer(q.item_no, e, p, q.reverse_scored))
    dims_asked = {
        rules.dimension_of(q.item_no) for q in questions if q.kind == QuestionKind.SERVQUAL and q.item_no
    }
    if items and dims_asked == set(rules.DIMENSIONS):
        result = rules.servqual(items, sub.weights if survey.ask_importance else None)
        for d, g in result.dimension_gaps.items():
            out[f"gap_{d.value}"] = g
        out["servqual_unweighted"] = result.unweighted
        out["servqual_weighted"] = result.weighted
    return out


def validate(survey: Survey, questions: list[Question], sub: Submission) -> None:
    """Raise ValidationFailed naming the first field that is wrong (field names as in the portal form)."""
    for q in questions:
        name = f"q{q.pk}"
        if q.kind in (QuestionKind.CSAT, QuestionKind.NPS):
            low, high = (1, 5) if q.kind == QuestionKind.CSAT else (0, 10)
            v = sub.values.get(q.pk)
            if v is None:
                if q.required:
                    raise ValidationFailed("required", _("Please answer this question."), name)
            elif not low <= v <= high:
                raise ValidationFailed("invalid_choice", _("Choose a score from the scale."), name)
        elif q.kind == QuestionKind.SAT4:
            c = sub.choices.get(q.pk)
            if not c:
                if q.required:
                    raise ValidationFailed("required", _("Please answer this question."), name)
            elif c not in {s.value for s in rules.Sat4}:
                raise ValidationFailed("invalid_choice", _("Choose one of the answers."), name)
        elif q.kind == QuestionKind.SERVQUAL:
            pair = sub.pairs.get(q.pk)
            if pair is None:
                raise ValidationFailed(
                    "required",
                    _("Please rate both what you expect and what you found."),
                    name,
                )
            if not all(1 <= x <= 7 for x in pair):
                raise ValidationFailed("invalid_choice", _("Choose a score from 1 to 7."), name)
        elif q.kind == QuestionKind.TEXT:
            t = sub.texts.get(q.pk, "").strip()
            if not t and q.required:
                raise ValidationFailed("required", _("Please answer this question."), name)
            if len(t) > 4000:
                raise ValidationFailed("too_long", _("Please keep it under 4,000 characters."), name)
    if survey.ask_importance and any(q.kind == QuestionKind.SERVQUAL for q in questions):
        try:
            rules.check_weights(sub.weights or {})
        except ValueError:
            total = sum((sub.weights or {}).values())
            raise ValidationFailed(
                "weights_total",
                _("Share exactly 100 points among the five aspects (now %(total)d).") % {"total": total},
                "weights",
            ) from None


def do_submit_response(token: str, sub: Submission, *, now: dt.datetime | None = None) -> Response:
    """Store the customer's answer to an invitation, once."""
    with transaction.atomic():
        inv = open_invitation(token, for_update=True)
        now = now or clock.now()
        state = invitation_state(inv, now)
        if state == "answered":
            raise ValidationFailed("already_answered", _("This survey has already been answered. Thank you!"))
        if state == "expired":
            raise ValidationFailed("expired", _("This survey link has expired."))
        questions = questions_of(inv.survey)
        if not questions:
            raise ValidationFailed("empty_survey", _("This survey has no questions."))
        validate(inv.survey, questions, sub)
        scores = _scores(inv.survey, questions, sub)
        comments = [
            sub.texts[q.pk].strip() for q in questions if q.kind == QuestionKind.TEXT and sub.texts.get(q.pk)
        ]
        try:
            with transaction.atomic():
                resp = Response.objects.create(
                    invitation=inv,
                    survey=inv.survey,
                    submitted_at=now,
                    weights=sub.weights or {},
                    comment="\n\n".join(comments),
                    **scores,
                )
        except IntegrityError:
            raise ValidationFailed(
                "already_answered", _("This survey has already been answered. Thank you!")
            ) from None
        Answer.objects.bulk_create(
            [
                Answer(
                    response=resp,
                    question=q,
                    value=sub.values.get(q.pk),
                    choice=sub.choices.get(q.pk, ""),
                    expectation=sub.pairs[q.pk][0] if q.pk in sub.pairs else None,
                    perception=sub.pairs[q.pk][1] if q.pk in sub.pairs else None,
                    text=sub.texts.get(q.pk, "").strip(),
                )
                for q in questions
                if q.pk in sub.values
                or q.pk in sub.choices
                or q.pk in sub.pairs
                or sub.texts.get(q.pk, "").strip()
            ]
        )
        inv.answered_at = now
        inv.save(update_fields=["answered_at"])
        record_response(resp, inv)
        audit.record(
            None,
            "survey.response",
            resp,
            after={k: v for k, v in scores.items() if v is not None},
            customer_id=inv.customer_id,
            workorder_id=inv.workorder_id,
            summary=inv.survey.code,
        )
        return resp


def open_invitations_of(customer: Customer, now: dt.datetime | None = None) -> list[Invitation]:
    """The customer's invitations not yet answered nor expired (portal home)."""
    now = now or clock.now()
    return list(
        Invitation.objects.filter(customer=customer, answered_at__isnull=True, expires_at__gt=now)
        .select_related("survey", "workorder")
        .order_by("-created_at")[:20]
    )


# --- satisfaction records: one per answer, from every source (docs/quality.md) -------------------------

SURVEY_SOURCE = {
    InvitationChannel.EMAIL.value: SatisfactionSource.SURVEY_EMAIL,
    InvitationChannel.SMS.value: SatisfactionSource.SURVEY_SMS,
    InvitationChannel.PORTAL.value: SatisfactionSource.SURVEY_PORTAL,
}


def served_by(order: WorkOrder | None) -> int | None:
    """Who served the customer on ``order``: its assignee, else its first-contact owner (as invitations)."""
    if order is None:
        return None
    return order.assignee_id or order.owner_id


def record_answer(
    *,
    key: str,
    source: str,
    at: dt.datetime,
    order: WorkOrder | None = None,
    customer: Customer | None = None,
    staff_id: int | None = None,
    outlet: Outlet | None = None,
    csat: int | None = None,
    sat4: str = "",
    nps: int | None = None,
    comment: str = "",
    response: Response | None = None,
) -> SatisfactionRecord | None:
    """Store one satisfaction answer (idempotent by ``key``) with where it counts, fixed now: the order's
    branch, area and receiving outlet (else the outlet's branch, the customer's branch and area). A low
    answer opens a recovery task. None when the answer holds no satisfaction score (e.g. SERVQUAL only)."""
    n = rules.normalise(csat, sat4 or None, nps)
    if n.csat is None and n.nps is None:
        return None
    existing = SatisfactionRecord.objects.filter(key=key).first()
    if existing is not None:
        return existing
    customer = customer if customer is not None else (order.customer if order is not None else None)
    outlet_id = (order.outlet_id if order is not None else None) or (outlet.pk if outlet else None)
    branch_id: int | None
    area_id: int | None
    if order is not None:
        branch_id, area_id = order.branch_id, order.area_id
    elif outlet is not None:
        branch_id, area_id = outlet.branch_id, customer.area_id if customer else None
    else:
        branch_id = customer.branch_id if customer else None
        area_id = customer.area_id if customer else None
    rec = SatisfactionRecord.objects.create(
        key=key,
        source=source,
        recorded_at=at,
        workorder=order,
        customer=customer,
        branch_id=branch_id,
        area_id=area_id,
        outlet_id=outlet_id,
        staff_id=staff_id,
        response=response,
        csat=n.csat,
        sat4=n.sat4,
        nps=n.nps,
        low=rules.is_low(n, settings.KEFU_SATISFACTION_LOW_AT),
        comment=comment[:2000],
    )
    if rec.low:
        open_recovery(rec, order)
    if order is not None:  # triggers and webhooks (kefu.automation) hear of it
        hooks.notify_order_event(
            hooks.OrderEvent(
                hooks.OrderEventKind.SATISFACTION,
                order,
                at,
                data={"source": source, "csat": n.csat, "sat4": n.sat4 or "", "nps": n.nps, "low": rec.low},
            )
        )
    return rec


def record_response(resp: Response, inv: Invitation) -> SatisfactionRecord | None:
    """A survey answer (portal, SMS or e-mail link) as a satisfaction record."""
    return record_answer(
        key=f"survey:{resp.pk}",
        source=SURVEY_SOURCE.get(inv.channel, SatisfactionSource.SURVEY_PORTAL),
        at=resp.submitted_at,
        order=inv.workorder,
        customer=inv.customer,
        staff_id=inv.staff_id,
        csat=resp.csat,
        sat4=resp.sat4,
        nps=resp.nps,
        comment=resp.comment,
        response=resp,
    )


def record_followup(task: Any) -> SatisfactionRecord | None:
    """A follow-up call that reached the customer and recorded a satisfaction answer (a
    ``followup.SatisfactionLevel``: one of the four levels by its code, else satisfied / dissatisfied by
    its "counts as satisfied" flag)."""
    level = getattr(task, "satisfaction", None)
    if getattr(task, "status", "") != "done" or level is None or task.finished_at is None:
        return None
    codes = {c.value for c in rules.Sat4}
    sat4 = level.code if level.code in codes else ("satisfied" if level.satisfied else "dissatisfied")
    order = getattr(task, "workorder", None)
    return record_answer(
        key=f"followup:{task.pk}",
        source=SatisfactionSource.FOLLOWUP,
        at=task.finished_at,
        order=order,
        customer=task.customer,
        staff_id=served_by(order),
        sat4=sat4,
        comment=getattr(task, "comments", ""),
    )


@transaction.atomic
def do_record_counter_evaluation(
    user: Actor, *, outlet_id: int, csat: int, order_number: str = "", at: dt.datetime | None = None
) -> SatisfactionRecord:
    """The customer's press on the counter's evaluation keypad (1–5) after being served at an outlet:
    counts for the outlet and the staff member at the counter (or, with an order, the order's)."""
    staff = require_staff(user, "order.create")
    try:
        outlet = Outlet.objects.get(pk=outlet_id)
    except Outlet.DoesNotExist:
        raise ValidationFailed("invalid_choice", _("Choose the outlet."), "outlet") from None
    if not staff.sees_all_branches and outlet.branch_id != staff.branch_id:
        raise ValidationFailed("invalid_choice", _("Choose the outlet."), "outlet")
    if not isinstance(csat, int) or isinstance(csat, bool) or not 1 <= csat <= 5:
        raise ValidationFailed("invalid_value", _("The evaluation is 1 to 5."), "csat")
    order = None
    if order_number:
        order = WorkOrder.objects.filter(number=order_number, merged_into__isnull=True).first()
        if order is None:
            raise ValidationFailed("not_found", _("There is no order with this number."), "order")
    now = at or clock.now()
    rec = record_answer(
        key=f"counter:{secrets.token_hex(12)}",
        source=SatisfactionSource.COUNTER,
        at=now,
        order=order,
        customer=order.customer if order is not None else None,
        staff_id=served_by(order) if order is not None else staff.pk,
        outlet=outlet,
        csat=csat,
    )
    assert rec is not None
    audit.record(
        user,
        "survey.counter_evaluation",
        rec,
        after={"csat": csat, "outlet": outlet.pk},
        workorder_id=order.pk if order is not None else None,
        customer_id=rec.customer_id,
        summary=outlet.name,
    )
    return rec


def open_recovery(rec: SatisfactionRecord, order: WorkOrder | None) -> RecoveryTask:
    """A low answer: a recovery task for the leader of the order's first-contact owner (else of the staff
    member who served), due ``KEFU_RECOVERY_HOURS`` later; the leader is told (staff event
    "escalation", with the reason)."""
    who = order.owner if order is not None else Staff.objects.filter(pk=rec.staff_id or 0).first()
    leader = LeaderPicker()(who, rec.branch_id) if who is not None else None
    task = RecoveryTask.objects.create(
        record=rec,
        workorder=order,
        assignee=leader,
        created_at=rec.recorded_at,
        due_at=rec.recorded_at + dt.timedelta(hours=settings.KEFU_RECOVERY_HOURS),
    )
    reason = _("Low satisfaction answer (%(source)s): make it good by %(due)s.") % {
        "source": rec.get_source_display(),
        "due": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M"),
    }
    audit.record(
        None,
        "survey.recovery_opened",
        task,
        after={"assignee": leader.pk if leader else None, "due_at": task.due_at.isoformat()},
        customer_id=rec.customer_id,
        workorder_id=order.pk if order is not None else None,
        summary=reason,
    )
    if leader is not None:
        # "recovery": opening the notification goes to the service recovery page, not to the order
        staff_event(
            StaffEventKind.ESCALATION,
            [leader],
            order=order,
            at=rec.recorded_at,
            reason=reason,
            recovery=task.pk,
        )
    return task


@transaction.atomic
def do_finish_recovery(user: Actor, task_id: int, note: str) -> RecoveryTask:
    """The leader records what was done to make good a low answer: the assignee, a supervisor of the
    answer's branch or company-level staff (``access.visible_recovery``); another task is "not found"."""
    staff = require_staff(user, "order.create")
    task = visible_recovery(staff).select_for_update(of=("self",)).filter(pk=task_id).first()
    if task is None:
        raise NotFound("not_found", _("There is no such recovery task."))
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("required", _("Say what was done for the customer."), "note")
    if task.status == RecoveryTask.Status.DONE:
        raise ValidationFailed("already_done", _("This recovery task is already done."), "note")
    task.status, task.done_at, task.note = RecoveryTask.Status.DONE, clock.now(), note
    task.save(update_fields=["status", "done_at", "note"])
    audit.record(
        user,
        "survey.recovery_done",
        task,
        before={"status": RecoveryTask.Status.OPEN},
        after={"status": task.status, "note": note},
        workorder_id=task.workorder_id,
        customer_id=task.record.customer_id,
        summary=note[:200],
    )
    return task
