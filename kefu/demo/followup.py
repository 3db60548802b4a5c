"""Demo follow-up: the satisfaction answers, the follow-up call of each resolved order (R-19) as it is
played, and quarterly visit plans for business customers (R-20), two of them due."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from kefu.customers.actions import record_contact
from kefu.customers.models import Channel, Contact, Customer, Relationship
from kefu.demo import data as D
from kefu.demo.loader import Loader
from kefu.followup.actions import do_record_followup, ensure_satisfaction_levels, run_plans
from kefu.followup.models import FollowupPlan, FollowupTask
from kefu.surveys.actions import Submission, do_submit_response, invitation_state
from kefu.surveys.models import Invitation, Survey, SurveyRule, Trigger
from kefu.workorders.models import WorkOrder
from kefu.workorders.rules import Status

if TYPE_CHECKING:
    from kefu.demo.workorders import Play


# the customers' survey answers, chosen by the order's key rather than the random generator (so the rest of
# the demo stays as it was): CSAT on the invitation after resolution, NPS on the one after the follow-up
CSAT_ANSWERS = (5, 4, 5, 4, 3, 4, 5, 2, 4, 5, 4, 5)
NPS_ANSWERS = (10, 9, 8, 9, 6, 10, 7, 9, 3, 10, 8, 9)


def ensure_defaults() -> None:
    """The follow-up answers (migration data), should they have been deleted; the survey rule that asks
    the recommendation question (NPS) after a follow-up call."""
    ensure_satisfaction_levels()
    nps = Survey.objects.filter(code="nps").first()
    if nps is not None and not SurveyRule.objects.filter(trigger=Trigger.FOLLOWUP).exists():
        SurveyRule.objects.create(survey=nps, trigger=Trigger.FOLLOWUP, expiry_days=14)


def call(play: Play) -> None:
    """The follow-up call after the resolution: recorded on the task (or as a note) and in the contact history."""
    text = play.rng.choice(D.FOLLOWUP_NOTES)
    if not _record(play, text):
        play.note(play.followup, text)
    _answer_surveys(play)
    record_contact(
        Customer(pk=play.p.customer.pk),  # only the keys are needed: no extra queries
        Channel.PHONE,
        staff=play.L.staff[play.followup],
        workorder=WorkOrder(pk=play.p.pk),
        direction=Contact.Direction.OUTBOUND,
        summary=text,
    )


def _record(play: Play, text: str) -> bool:
    """The follow-up task of the resolution (R-19): the customer reached and satisfied; an order that
    will be reopened gets one unanswered call (its task is cancelled by the reopening)."""
    if play.p.pk is None:
        return False
    task = FollowupTask.objects.filter(workorder_id=play.p.pk, status="open").only("id").first()
    if task is None:
        return False
    if play.p.final == Status.REOPENED:
        do_record_followup(play.u(play.followup), task.pk, outcome="no_answer", note="无人接听，稍后再拨")
        return False
    level = play.rng.choice(["very_satisfied", "satisfied", "satisfied", "basically_satisfied"])
    do_record_followup(
        play.u(play.followup), task.pk, outcome="reached", solved=True, satisfaction=level, comments=text
    )
    return True


def _answer_surveys(play: Play) -> None:
    """Two customers in three answer their survey links (SMS, e-mail or portal) at the time of the call:
    the satisfaction records of the surveys next to those of the follow-up calls."""
    if play.p.pk is None or play.p.pk % 3 == 0:
        return
    for inv in Invitation.objects.filter(workorder_id=play.p.pk, answered_at__isnull=True).select_related(
        "survey"
    ):
        questions = {q.kind: q for q in inv.survey.questions.all()}
        values = {}
        if "csat" in questions:
            values[questions["csat"].pk] = CSAT_ANSWERS[(play.p.pk + inv.pk) % len(CSAT_ANSWERS)]
        if "nps" in questions:
            values[questions["nps"].pk] = NPS_ANSWERS[(play.p.pk + inv.pk) % len(NPS_ANSWERS)]
        if values and invitation_state(inv) == "open":
            do_submit_response(inv.token, Submission(values=values))


def plans(L: Loader, today: dt.date) -> None:
    """R-20: quarterly follow-up visits to six business customers; two are due, so visits are created."""
    business = Customer.objects.filter(relationship=Relationship.BUSINESS).order_by("-id")[:6]
    FollowupPlan.objects.bulk_create(
        FollowupPlan(
            customer=c,
            period=FollowupPlan.Period.QUARTERLY,
            next_visit=today + dt.timedelta(days=-2 if i < 2 else 10 * i),
            assignee=L.staff["followup1" if c.branch.code == "north" else "followup2"],
            note="大客户季度走访：用气安全、账单与服务意见",
        )
        for i, c in enumerate(business.select_related("branch"))
    )
    L.say(f"follow-up plans: {FollowupPlan.objects.count()}, visits created: {run_plans(today)}")
