"""One satisfaction record per answer from every source (R-22, R-23): follow-up calls, survey answers by
link (portal, SMS, e-mail) and counter evaluations; the stated mapping between the scales; a low answer
opens a recovery task for the leader of the order's owner and tells them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from kefu.audit.models import AuditRecord
from kefu.commitments import clocks
from kefu.followup import actions as followup_actions
from kefu.followup.models import FollowupTask
from kefu.lib.errors import ValidationFailed
from kefu.notifications.models import Notification
from kefu.organization.models import Outlet
from kefu.surveys import actions, reports, rules
from kefu.surveys.models import Invitation, RecoveryTask, SatisfactionRecord
from kefu.testing.factories import World
from kefu.workorders.actions import do_transition
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _defaults(db: Any) -> None:
    clocks.ensure_defaults()
    followup_actions.ensure_satisfaction_levels()


def resolved(world: World, **customer: Any) -> WorkOrder:
    o = world.order(world.customer(**customer))
    do_transition(world.agent.user, o.pk, "in_progress")
    return do_transition(world.agent.user, o.pk, "resolved", resolution="已修复")


def answer(inv: Invitation, score: int) -> None:
    q = inv.survey.questions.get(kind="csat")
    actions.do_submit_response(inv.token, actions.Submission(values={q.pk: score}))


# --- the mapping (pure) -------------------------------------------------------------------------------


def test_the_two_scales_map_as_stated() -> None:
    assert rules.normalise(None, "very_satisfied", None) == rules.Normalised(5, "very_satisfied", None)
    assert rules.normalise(None, "basically_satisfied", None).csat == 3  # neutral: not CSAT-satisfied
    assert rules.normalise(None, "dissatisfied", None).csat == 2
    assert rules.normalise(4, None, 9) == rules.Normalised(4, "satisfied", 9)
    assert rules.normalise(1, None, None).sat4 == "dissatisfied"
    assert rules.normalise(None, None, 7) == rules.Normalised(None, "", 7)
    assert rules.is_low(rules.normalise(2, None, None)) and not rules.is_low(rules.normalise(3, None, None))
    assert rules.is_low(rules.normalise(3, None, None), low_at=3)
    assert rules.is_low(rules.normalise(None, "dissatisfied", None))
    with pytest.raises(ValueError):
        rules.normalise(6, None, None)


# --- the sources --------------------------------------------------------------------------------------


def test_a_follow_up_call_becomes_a_record_and_counts_in_the_quality_scores(world: World) -> None:
    o = resolved(world)
    t = FollowupTask.objects.get(workorder=o, status="open")
    followup_actions.do_record_followup(
        world.followup.user, t.pk, outcome="reached", solved=True, satisfaction="very_satisfied"
    )
    rec = SatisfactionRecord.objects.get(key=f"followup:{t.pk}")
    assert (rec.source, rec.csat, rec.sat4, rec.nps, rec.low) == (
        "followup",
        5,
        "very_satisfied",
        None,
        False,
    )
    assert (rec.workorder_id, rec.branch_id, rec.area_id) == (o.pk, o.branch_id, o.area_id)
    assert rec.staff_id == (o.assignee_id or o.owner_id)  # who served, not who called
    s = reports.scores(reports.Filters())
    assert (s.csat_n, s.csat_satisfied, s.csat) == (1, 1, 100.0)
    assert reports.by_source(reports.Filters())["followup"].csat_n == 1
    assert reports.levels(reports.Filters())["unrated"] == 0  # graded by the follow-up's answer


def test_survey_answers_record_their_link_channel(world: World) -> None:
    o_sms = resolved(world, phone="13800138000")
    o_mail = resolved(world, name="邮件客户", phone="", email="wang@example.com")
    inv_sms, inv_mail = Invitation.objects.get(workorder=o_sms), Invitation.objects.get(workorder=o_mail)
    answer(inv_sms, 4)
    answer(inv_mail, 5)
    by_order = {r.workorder_id: r for r in SatisfactionRecord.objects.all()}
    assert (by_order[o_sms.pk].source, by_order[o_sms.pk].csat) == ("survey_sms", 4)
    assert (by_order[o_mail.pk].source, by_order[o_mail.pk].sat4) == ("survey_email", "very_satisfied")
    assert by_order[o_sms.pk].response_id == inv_sms.response.pk
    assert not RecoveryTask.objects.exists()


def test_a_low_answer_opens_a_recovery_task_for_the_owners_leader(world: World) -> None:
    o = resolved(world)
    inv = Invitation.objects.get(workorder=o)
    answer(inv, 2)
    rec = SatisfactionRecord.objects.get(workorder=o)
    assert rec.low
    task = RecoveryTask.objects.get(record=rec)
    assert task.workorder_id == o.pk and task.status == "open"
    assert task.assignee_id == world.supervisor.pk  # the leader of the first-contact owner (李客服)
    assert task.due_at - rec.recorded_at == dt.timedelta(hours=48)
    note = Notification.objects.get(recipient=world.supervisor, kind="escalation", workorder=o)
    assert note is not None
    assert AuditRecord.objects.filter(action="survey.recovery_opened", workorder_id=o.pk).exists()
    actions.do_finish_recovery(world.supervisor.user, task.pk, "上门致歉，赠送一次免费检修")
    task.refresh_from_db()
    assert task.status == "done" and task.done_at is not None
    with pytest.raises(ValidationFailed):
        actions.do_finish_recovery(world.supervisor.user, task.pk, "again")


@override_settings(KEFU_SATISFACTION_LOW_AT=3, KEFU_RECOVERY_HOURS=24)
def test_the_low_threshold_and_the_deadline_are_configurable(world: World) -> None:
    o = resolved(world)
    answer(Invitation.objects.get(workorder=o), 3)
    task = RecoveryTask.objects.get(workorder=o)
    assert task.due_at - task.record.recorded_at == dt.timedelta(hours=24)


def test_a_dissatisfied_follow_up_opens_a_recovery_task(world: World) -> None:
    o = resolved(world)
    t = FollowupTask.objects.get(workorder=o, status="open")
    followup_actions.do_record_followup(
        world.followup.user, t.pk, outcome="reached", solved=True, satisfaction="dissatisfied"
    )
    rec = SatisfactionRecord.objects.get(key=f"followup:{t.pk}")
    assert (rec.csat, rec.low) == (2, True)
    assert RecoveryTask.objects.get(record=rec).assignee_id == world.supervisor.pk


def test_counter_evaluation_counts_for_the_outlet(world: World) -> None:
    outlet = Outlet.objects.create(branch=world.north, name="和平里营业厅", address="和平里1号")
    rec = actions.do_record_counter_evaluation(world.agent.user, outlet_id=outlet.pk, csat=5)
    assert (rec.source, rec.outlet_id, rec.branch_id, rec.staff_id, rec.csat) == (
        "counter",
        outlet.pk,
        world.north.pk,
        world.agent.pk,
        5,
    )
    assert AuditRecord.objects.filter(action="survey.counter_evaluation").count() == 1
    with pytest.raises(ValidationFailed) as exc:
        actions.do_record_counter_evaluation(world.agent.user, outlet_id=outlet.pk, csat=6)
    assert exc.value.field == "csat"
    south = Outlet.objects.create(branch=world.south, name="南站营业厅", address="南站3号")
    with pytest.raises(ValidationFailed) as exc:
        actions.do_record_counter_evaluation(world.agent.user, outlet_id=south.pk, csat=4)
    assert exc.value.field == "outlet"


def test_the_quality_page_shows_every_source_with_one_rounding(world: World) -> None:
    for score in (5, 4, 4):
        answer(Invitation.objects.get(workorder=resolved(world)), score)
    o = resolved(world)
    t = FollowupTask.objects.get(workorder=o, status="open")
    followup_actions.do_record_followup(
        world.followup.user, t.pk, outcome="reached", solved=True, satisfaction="basically_satisfied"
    )
    c = Client()
    c.force_login(world.supervisor.user)
    html = c.get(reverse("console:quality_reports"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="quality-csat">75.0%' in html  # 3 of 4 answers of every source are 4–5
    assert 'id="source-followup"' in html and 'id="source-survey_sms"' in html
    resp = c.get(reverse("console:quality_reports") + "?format=csv", HTTP_ACCEPT_LANGUAGE="en")
    body = b"".join(resp.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert "CSAT %,75.0,4" in body
