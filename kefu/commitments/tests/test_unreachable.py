"""Unreachable needs proof and a leader (R-14): the contact attempts of the policy first,
then the leader's decision; until it the clock runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation

from kefu.audit.models import AuditRecord
from kefu.commitments import clocks, contact, unreachable
from kefu.commitments.models import ContactAttempt, OrderClock
from kefu.commitments.rules_unreachable import Attempt, Policy, check_attempts
from kefu.lib.errors import PermissionDenied, ValidationFailed
from kefu.notifications.models import Notification
from kefu.testing.clock import FakeClock, freeze, sh
from kefu.workorders.actions import do_reply
from kefu.workorders.models import TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _defaults(db: Any) -> None:
    clocks.ensure_defaults()


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    return freeze(monkeypatch, sh(2025, 3, 3, 9, 0))  # Monday


def resolution(o: WorkOrder) -> OrderClock:
    return OrderClock.objects.get(workorder=o, kind="resolution")


def test_policy_rule_counts_attempts_two_hours_apart():
    p = Policy()
    start, end = sh(2025, 3, 3, 9, 0), sh(2025, 3, 3, 18, 0)
    v = check_attempts(
        [
            Attempt(sh(2025, 3, 3, 9, 30), "phone"),
            Attempt(sh(2025, 3, 3, 10, 0), "sms"),  # 30 minutes after the first: counts once
            Attempt(sh(2025, 3, 3, 11, 30), "sms"),
            Attempt(sh(2025, 3, 3, 12, 0), "visit"),  # not phone/SMS
            Attempt(sh(2025, 3, 3, 8, 0), "phone"),  # before the clock started
        ],
        p,
        start,
        end,
    )
    assert v.counted == (sh(2025, 3, 3, 9, 30), sh(2025, 3, 3, 11, 30))
    assert (v.missing, v.next_not_before) == (1, sh(2025, 3, 3, 13, 30))
    assert (v.ignored_method, v.ignored_outside, v.ignored_too_close) == (1, 1, 1)
    ok = check_attempts([Attempt(sh(2025, 3, 3, h, 0), "phone") for h in (9, 11, 13)], p, start, end)
    assert ok.ok and ok.next_not_before is None
    assert not check_attempts(
        [Attempt(sh(2025, 3, 3, h, 0), "phone") for h in (9, 10, 11)], p, start, end
    ).ok  # 1 h apart


def test_report_refused_before_the_attempts_then_decided_by_the_leader(world, now):
    o = world.order(world.customer())  # general fault, 24 calendar hours: due Tue 2025-03-04 09:00
    c = resolution(o)
    assert c.due_at == sh(2025, 3, 4, 9, 0)
    now.set(sh(2025, 3, 3, 9, 20))
    with pytest.raises(ValidationFailed) as exc:
        clocks.do_report_unreachable(world.agent.user, c.pk, "电话无人接听")
    assert exc.value.code == "attempts_missing" and exc.value.field == "text"
    # the message names the policy (3 phone/SMS attempts 2 hours apart) and what is missing, in the
    # language it is shown in
    assert contact.policy_text() in str(exc.value.message)
    with translation.override("en"):
        assert "3 contact attempts by" in contact.policy_text()

    for h, m, how in ((9, 30, "phone"), (10, 0, "sms"), (11, 30, "phone")):
        now.set(sh(2025, 3, 3, h, m))
        unreachable.do_record_attempt(world.agent.user, o.number, how, "无人接听")
    now.set(sh(2025, 3, 3, 11, 40))
    with pytest.raises(ValidationFailed) as exc, translation.override("en"):
        clocks.do_report_unreachable(world.agent.user, c.pk, "电话无人接听")
    message = str(exc.value.message)
    assert "2025-03-03 09:30, 2025-03-03 11:30" in message and "Missing: 1 more" in message
    assert "counts from 2025-03-03 13:30" in message

    now.set(sh(2025, 3, 3, 13, 0))
    unreachable.do_record_attempt(world.agent.user, o.number, "visit", "上门无人")  # not phone/SMS
    now.set(sh(2025, 3, 3, 13, 30))
    unreachable.do_record_attempt(world.agent.user, o.number, "sms", "短信未回")
    now.set(sh(2025, 3, 3, 13, 35))
    c = clocks.do_report_unreachable(world.agent.user, c.pk, "三次电话短信均未联系上")
    assert c.unreachable_status == "pending" and c.status == "running"  # the clock runs until decided
    assert c.due_at == sh(2025, 3, 4, 9, 0) and WorkOrder.objects.get(pk=o.pk).due_at == c.due_at
    assert Notification.objects.filter(recipient=world.supervisor, kind="unreachable_reported").count() == 1
    with pytest.raises(PermissionDenied):
        unreachable.do_decide_unreachable(world.agent.user, c.pk, True)  # not by the reporter

    now.set(sh(2025, 3, 3, 15, 0))
    c = unreachable.do_decide_unreachable(world.supervisor.user, c.pk, True, "核实通话记录")
    assert c.status == "met_unreachable" and c.unreachable_decided_at == sh(2025, 3, 3, 15, 0)
    assert c.stopped_at is None and c.unreachable_reported_at == sh(2025, 3, 3, 13, 35)
    assert Notification.objects.filter(recipient=world.agent, kind="unreachable_decided").count() == 1
    assert TimelineEntry.objects.filter(workorder=o, data__event="clock.unreachable_approved").count() == 1
    assert TimelineEntry.objects.filter(workorder=o, data__event="clock.contact_attempt").count() == 5
    assert AuditRecord.objects.filter(action="order.contact_attempt", workorder_id=o.pk).count() == 5
    assert AuditRecord.objects.filter(action="clock.unreachable_approved", workorder_id=o.pk).count() == 1


def test_rejected_report_leaves_the_clock_running(world, now):
    o = world.order(world.customer())
    for h in (9, 11, 13):
        now.set(sh(2025, 3, 3, h, 0))
        unreachable.do_record_attempt(world.agent.user, o.number, "phone")
    c = clocks.do_report_unreachable(world.agent.user, resolution(o).pk, "联系不上")
    now.set(sh(2025, 3, 3, 14, 0))
    c = unreachable.do_decide_unreachable(world.supervisor.user, c.pk, False, "通话记录只有两次")
    assert (c.unreachable_status, c.status, c.due_at) == ("rejected", "running", sh(2025, 3, 4, 9, 0))
    with pytest.raises(ValidationFailed):
        unreachable.do_decide_unreachable(world.supervisor.user, c.pk, True)  # already decided
    # a new report may be filed; the clock passes its deadline meanwhile and stays overdue
    now.set(sh(2025, 3, 4, 9, 30))
    c = clocks.do_report_unreachable(world.agent.user, c.pk, "再次联系不上")
    assert c.unreachable_status == "pending" and c.status == "breached"


def test_attempt_in_the_future_is_refused(world, now):
    o = world.order(world.customer())
    with pytest.raises(ValidationFailed) as exc:
        unreachable.do_record_attempt(world.agent.user, o.number, "phone", at=sh(2025, 3, 3, 10, 0))
    assert exc.value.field == "at"
    with pytest.raises(ValidationFailed):
        unreachable.do_record_attempt(world.agent.user, o.number, "fax")
    earlier = unreachable.do_record_attempt(world.agent.user, o.number, "phone", at=sh(2025, 3, 3, 9, 0))
    assert earlier.at == sh(2025, 3, 3, 9, 0) and earlier.at.tzinfo is not None
    assert dt.timedelta(0) == earlier.created_at - sh(2025, 3, 3, 9, 0)


def test_unanswered_call_backs_count_as_contact_attempts(world, now):
    """An agent who logs a call-back "no answer" need not record the attempt a second time."""
    o = world.order(world.customer(phone="13812341234"))  # general fault: due Tue 2025-03-04 09:00
    c = resolution(o)
    for hour, outcome in ((9, "no_answer"), (11, "busy"), (13, "no_answer")):
        now.set(sh(2025, 3, 3, hour, 0))
        do_reply(world.agent.user, o.pk, "", channel="callback", callback_outcome=outcome)
    now.set(sh(2025, 3, 3, 13, 10))
    c = clocks.do_report_unreachable(world.agent.user, c.pk, "三次回电均无人接听")
    assert c.unreachable_status == "pending"
    assert list(ContactAttempt.objects.filter(workorder=o).values_list("method", "at")) == [
        ("phone", sh(2025, 3, 3, 9, 0)),
        ("phone", sh(2025, 3, 3, 11, 0)),
        ("phone", sh(2025, 3, 3, 13, 0)),
    ]
    # a call-back that reached the customer is a response, not an attempt
    now.set(sh(2025, 3, 3, 14, 0))
    do_reply(world.agent.user, o.pk, "客户接听，约明天上门", channel="callback", callback_outcome="reached")
    assert ContactAttempt.objects.filter(workorder=o).count() == 3
