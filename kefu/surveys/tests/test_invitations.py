"""Invitations after resolution: one per order round, through the customer's channel, in the same transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from kefu.audit.models import AuditRecord
from kefu.channels.models import OutboxMessage
from kefu.surveys import actions
from kefu.surveys.models import Invitation, Question, Survey, SurveyRule
from kefu.testing.factories import World
from kefu.workorders.actions import do_transition

pytestmark = pytest.mark.django_db


def resolve(world: World, order_pk: int) -> None:
    do_transition(world.agent.user, order_pk, "in_progress")
    do_transition(world.agent.user, order_pk, "resolved", resolution="更换光猫，已恢复上网")


def test_seeded_instruments() -> None:
    sq = Survey.objects.get(code="servqual")
    items = list(sq.questions.filter(kind="servqual").order_by("item_no"))
    assert [q.item_no for q in items] == list(range(1, 23))
    dims = [q.dimension for q in items]
    assert (
        dims
        == ["tangibles"] * 4
        + ["reliability"] * 5
        + ["responsiveness"] * 4
        + ["assurance"] * 4
        + ["empathy"] * 5
    )
    assert all(q.text and q.text_en for q in items)
    assert sq.ask_importance
    assert Survey.objects.get(code="csat").questions.filter(kind="csat").count() == 1
    assert Survey.objects.get(code="nps").questions.filter(kind="nps").count() == 1
    rule = SurveyRule.objects.get(trigger="resolution", order_type="", branch=None)
    assert rule.survey.code == "csat"


def test_resolving_an_order_invites_by_sms_with_a_portal_link(world: World) -> None:
    c = world.customer(phone="13800138000")
    o = world.order(c)
    resolve(world, o.pk)
    inv = Invitation.objects.get(workorder=o)
    assert inv.survey.code == "csat" and inv.trigger == "resolution" and inv.round == 1
    assert inv.channel == "sms" and inv.recipient.endswith("13800138000")
    assert len(inv.token) >= 40
    assert inv.expires_at - inv.created_at == dt.timedelta(days=14)
    assert inv.staff_id == (o.assignee_id or o.owner_id)
    assert inv.outbox_id is not None
    msg = OutboxMessage.objects.get(pk=inv.outbox_id)
    assert msg.channel == "sms" and msg.customer_id == c.pk and msg.workorder_id == o.pk
    assert f"/portal/surveys/{inv.token}/" in msg.body
    assert o.number in msg.body
    # the invitation is part of the resolution: no service-log entry of its own (the invitation row and,
    # once sent, the outbound contact record it)
    assert not AuditRecord.objects.filter(action="survey.invite").exists()


def test_email_customers_get_email_and_others_the_portal(world: World) -> None:
    c_mail = world.customer(name="邮件客户", phone="", email="wang@example.com")
    o1 = world.order(c_mail, channel="email")
    resolve(world, o1.pk)
    inv1 = Invitation.objects.get(workorder=o1)
    assert (inv1.channel, inv1.recipient) == ("email", "wang@example.com")
    assert inv1.outbox_id is not None
    assert OutboxMessage.objects.get(pk=inv1.outbox_id).channel == "email"

    c_none = world.customer(name="座机客户", phone="010-62345678")
    o2 = world.order(c_none)
    resolve(world, o2.pk)
    inv2 = Invitation.objects.get(workorder=o2)
    assert inv2.channel == "portal" and inv2.outbox_id is None


def test_mobile_preferred_unless_the_order_came_by_email(world: World) -> None:
    c = world.customer(name="双渠道", phone="13900139000", email="li@example.com")
    o_phone = world.order(c)
    resolve(world, o_phone.pk)
    assert Invitation.objects.get(workorder=o_phone).channel == "sms"
    o_mail = world.order(c, channel="email")
    resolve(world, o_mail.pk)
    assert Invitation.objects.get(workorder=o_mail).channel == "email"


def test_one_invitation_per_round_and_a_new_one_after_reopen(world: World) -> None:
    c = world.customer()
    o = world.order(c)
    resolve(world, o.pk)
    with transaction.atomic():
        assert actions.invite(o, "resolution") is None  # same round: not again
    assert Invitation.objects.filter(workorder=o).count() == 1
    do_transition(world.supervisor.user, o.pk, "reopened", reason="客户反映又断网")
    do_transition(world.agent.user, o.pk, "resolved", resolution="重新熔接光纤")
    rounds = sorted(Invitation.objects.filter(workorder=o).values_list("round", flat=True))
    assert rounds == [1, 2]
    assert OutboxMessage.objects.filter(idempotency_key__startswith="survey-invite:").count() == 2


def test_the_database_refuses_a_second_invitation_for_a_round(world: World) -> None:
    c = world.customer()
    o = world.order(c)
    resolve(world, o.pk)
    inv = Invitation.objects.get(workorder=o)
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(
            token="another-token",
            survey=inv.survey,
            workorder=o,
            customer=c,
            trigger="resolution",
            round=1,
            channel="portal",
            created_at=now,
            expires_at=now,
        )


def test_no_rule_no_invitation_and_rollback_leaves_nothing(world: World) -> None:
    SurveyRule.objects.update(active=False)
    c = world.customer()
    o = world.order(c)
    resolve(world, o.pk)
    assert not Invitation.objects.exists()
    SurveyRule.objects.update(active=True)
    o2 = world.order(c)
    do_transition(world.agent.user, o2.pk, "in_progress")
    with pytest.raises(RuntimeError), transaction.atomic():
        do_transition(world.agent.user, o2.pk, "resolved", resolution="ok")
        raise RuntimeError("the change fails later in the transaction")
    assert not Invitation.objects.filter(workorder=o2).exists()
    assert not OutboxMessage.objects.filter(idempotency_key__startswith="survey-invite:").exists()


def test_the_most_specific_rule_wins(world: World) -> None:
    nps = Survey.objects.get(code="nps")
    sq = Survey.objects.get(code="servqual")
    SurveyRule.objects.create(survey=nps, trigger="resolution", order_type="fault_general")
    SurveyRule.objects.create(
        survey=sq, trigger="resolution", service=world.service_fault, branch=world.south
    )
    c = world.customer()
    o = world.order(c)  # fault_general, north, no service
    assert actions.choose_rule(o, "resolution").survey.code == "nps"  # type: ignore[union-attr]
    o.service = world.service_fault
    assert actions.choose_rule(o, "resolution").survey.code == "nps"  # type: ignore[union-attr]  # south only
    o.branch = world.south
    assert actions.choose_rule(o, "resolution").survey.code == "servqual"  # type: ignore[union-attr]
    o.order_type = "inquiry"
    o.service = None
    o.branch = world.north
    assert actions.choose_rule(o, "resolution").survey.code == "csat"  # type: ignore[union-attr]
    assert actions.choose_rule(o, "followup") is None


def test_invite_after_followup(world: World) -> None:
    SurveyRule.objects.create(survey=Survey.objects.get(code="nps"), trigger="followup", expiry_days=7)
    c = world.customer()
    o = world.order(c)
    resolve(world, o.pk)
    o.refresh_from_db()

    class Task:
        workorder = o
        status = "done"

    with transaction.atomic():
        inv = actions.invite_after_followup(Task())
    assert inv is not None and inv.trigger == "followup" and inv.survey.code == "nps"
    assert inv.expires_at - inv.created_at == dt.timedelta(days=7)
    with transaction.atomic():
        assert actions.invite_after_followup(o) is None  # this round's follow-up invitation exists


def test_questions_have_english_and_chinese() -> None:
    q = Question.objects.get(survey__code="csat", kind="csat")
    from django.utils import translation

    with translation.override("en"):
        assert q.label.startswith("Overall")
    with translation.override("zh-hans"):
        assert q.label.startswith("您对")


def test_registered_with_the_followup_hook(world: World) -> None:
    """kefu.followup calls its done-listeners with the finished task; ours invites for a solved order only."""
    from kefu.workorders import hooks as followup_hooks

    SurveyRule.objects.create(survey=Survey.objects.get(code="nps"), trigger="followup")
    c = world.customer()
    o = world.order(c)
    resolve(world, o.pk)
    o.refresh_from_db()

    class Task:
        workorder = o
        status = "unreachable"
        reopened_order = False

    with transaction.atomic():
        followup_hooks.notify_followup_done(Task())
    assert not Invitation.objects.filter(workorder=o, trigger="followup").exists()
    Task.status = "done"
    Task.reopened_order = True
    with transaction.atomic():
        followup_hooks.notify_followup_done(Task())
    assert not Invitation.objects.filter(workorder=o, trigger="followup").exists()
    Task.reopened_order = False
    with transaction.atomic():
        followup_hooks.notify_followup_done(Task())
    assert Invitation.objects.get(workorder=o, trigger="followup").survey.code == "nps"


def test_sms_invitation_uses_the_registered_survey_template(world: World) -> None:
    from kefu.channels.models import SmsTemplate

    SmsTemplate.objects.create(
        code="survey",
        language="zh-hans",
        text="{customer_name}您好，请评价工单{order_number}的服务：{url} 拒收请回复R",
        signature="【城市燃气】",
        provider_template_id="SMS_990011",
    )
    # the provider's opt-out wording: the registered template carries it already, so it is not added twice
    SmsTemplate.objects.create(code="opt_out", language="zh-hans", text="拒收请回复R")
    c = world.customer(name="李华", phone="13800138000")
    o = world.order(c)
    resolve(world, o.pk)
    inv = Invitation.objects.get(workorder=o)
    assert inv.outbox_id is not None
    msg = OutboxMessage.objects.get(pk=inv.outbox_id)
    assert msg.body.startswith(f"【城市燃气】李华您好，请评价工单{o.number}的服务：")
    assert msg.body.endswith(f"/portal/surveys/{inv.token}/ 拒收请回复R")
    assert msg.body.count("拒收请回复R") == 1 and msg.message_class == "reminder"
    assert msg.template["id"] == "SMS_990011" and msg.template["params"]["order_number"] == o.number
