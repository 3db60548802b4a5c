"""A first-response clock on every order from every inbound channel (defaults per
channel in the time-limit table), and a new round of the clocks on every way an order is reopened."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import pytest

from kefu.channels.mail import inbound as email_in
from kefu.channels.models.mail import Mailbox
from kefu.commitments import clocks, sweep
from kefu.commitments.models import OrderClock, TimeLimit
from kefu.followup import actions as followup
from kefu.followup.models import FollowupTask
from kefu.notifications.models import Notification
from kefu.testing.clock import FakeClock, freeze, sh
from kefu.testing.factories import make_portal_customer
from kefu.workorders.actions import do_customer_message, do_reply, do_transition
from kefu.workorders.models import TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _defaults(db: Any) -> None:
    clocks.ensure_defaults()
    followup.ensure_satisfaction_levels()


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    return freeze(monkeypatch, sh(2026, 12, 7, 10, 0))  # Monday


def clock(o: WorkOrder, kind: str, rnd: int | None = None) -> OrderClock:
    qs = OrderClock.objects.filter(workorder=o, kind=kind).order_by("-round")
    return qs.get(round=rnd) if rnd else qs.first()  # type: ignore[return-value]


def inquiry(world: Any, channel: str, **kw: Any) -> WorkOrder:
    return world.order(world.customer(), order_type="inquiry", channel=channel, title="咨询", **kw)


def test_runtime_defaults_are_migration_0010s():
    """``clocks.ensure_defaults`` re-creates what migration 0010 seeded (the migration keeps its own copy)."""
    import importlib

    migration = importlib.import_module("kefu.commitments.migrations.0010_emergency_channel_limits")
    assert clocks.DEFAULT_CHANNEL_LIMITS == migration.LIMITS
    assert clocks.DEFAULT_EMERGENCY_KEYWORDS == migration.KEYWORDS
    seeded = set(
        TimeLimit.objects.filter(order_type="").values_list("kind", "channel", "area_kind", "emergency")
    )
    assert ("first_response", "chat", "", False) in seeded and ("arrival", "", "rural", True) in seeded


# --- first response on every channel -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "received", "unit", "amount", "due"),
    [
        # hotline / counter: 4 calendar hours on the 24×7 calendar (Saturday night counts)
        ("phone", sh(2026, 12, 5, 22, 0), "calendar_hours", 4, sh(2026, 12, 6, 2, 0)),
        ("counter", sh(2026, 12, 7, 10, 0), "calendar_hours", 4, sh(2026, 12, 7, 14, 0)),
        # e-mail: 1 working day; received Friday 16:00 (receipt day Friday) → Monday's close
        ("email", sh(2026, 12, 4, 16, 0), "working_days", 1, sh(2026, 12, 7, 17, 30)),
        # portal: received Friday 18:00, after the close → receipt day Monday → Tuesday's close
        ("portal", sh(2026, 12, 4, 18, 0), "working_days", 1, sh(2026, 12, 8, 17, 30)),
        ("sms", sh(2026, 12, 7, 10, 0), "working_days", 1, sh(2026, 12, 8, 17, 30)),
        ("social", sh(2026, 12, 7, 10, 0), "working_days", 1, sh(2026, 12, 8, 17, 30)),
        # chat: within the chat window, 10 minutes of clock time
        ("chat", sh(2026, 12, 7, 10, 0), "calendar_minutes", 10, sh(2026, 12, 7, 10, 10)),
    ],
)
def test_every_channel_starts_a_first_response_clock_for_an_inquiry(
    world, now, channel, received, unit, amount, due
):
    now.set(received)
    o = inquiry(world, channel)
    c = clock(o, "first_response")
    assert (c.unit, c.amount, c.started_at, c.status) == (unit, Decimal(amount), received, "running")
    assert c.due_at == due
    o.refresh_from_db()
    assert o.due_at == due  # no resolution clock: the first response is the order's deadline
    assert (c.calendar_id == clocks.around_the_clock_calendar_id()) is (
        channel in ("phone", "counter", "chat")
    )


def test_the_complaints_own_limit_beats_the_channels(world, now):
    o = world.order(world.customer(), order_type="complaint", channel="email", title="投诉")
    c = clock(o, "first_response")
    assert (c.unit, c.amount, c.due_at) == ("calendar_hours", Decimal("4"), sh(2026, 12, 7, 14, 0))


def test_first_reply_meets_the_clock_and_clears_the_due_time(world, now):
    o = inquiry(world, "sms")
    now.set(sh(2026, 12, 8, 9, 0))
    do_reply(world.agent.user, o.pk, "您好，已为您查询。")
    c = clock(o, "first_response")
    assert (c.status, c.stopped_at) == ("met", sh(2026, 12, 8, 9, 0))
    assert WorkOrder.objects.get(pk=o.pk).due_at is None


def test_warning_at_75_percent_and_breach_like_the_other_clocks(world, now):
    o = inquiry(world, "phone")  # Monday 10:00, due 14:00
    c = clock(o, "first_response")
    assert c.warn_at == sh(2026, 12, 7, 13, 0)
    assert sweep.sweep(now=sh(2026, 12, 7, 12, 59)) == sweep.SweepResult(warned=0, breached=0)
    assert sweep.sweep(now=sh(2026, 12, 7, 13, 0)) == sweep.SweepResult(warned=1, breached=0)
    assert sweep.sweep(now=sh(2026, 12, 7, 14, 0, 1)) == sweep.SweepResult(warned=0, breached=1)
    c.refresh_from_db()
    assert c.status == "breached"
    assert Notification.objects.filter(workorder=o, kind="breach", recipient=world.agent).exists()


def test_channel_limits_are_editable(world, now):
    limit = TimeLimit.objects.get(kind="first_response", channel="email", order_type="")
    limit.unit, limit.amount = "working_hours", Decimal("2")
    limit.save()
    o = inquiry(world, "email")  # Monday 10:00 + 2 working hours
    assert clock(o, "first_response").due_at == sh(2026, 12, 7, 12, 0)


# --- every round gets its clock -----------------------------------------------------------------------


def resolved(world: Any, now: FakeClock, **kw: Any) -> WorkOrder:
    """Registered Monday 2026-12-07 09:00, answered and resolved Tuesday 16:00."""
    now.set(sh(2026, 12, 7, 9, 0))
    o = world.order(world.customer(email="wang@example.com"), **kw)
    now.set(sh(2026, 12, 7, 9, 30))
    do_reply(world.agent.user, o.pk, "您好，已受理。", channel="email")
    now.set(sh(2026, 12, 8, 16, 0))
    return do_transition(world.agent.user, o.pk, "resolved", resolution="已处理")


REOPEN = sh(2026, 12, 9, 10, 0)  # Wednesday


def test_reopened_by_a_supervisor_a_complaint_gets_new_rounds(world, now):
    """The issue's case: a reopened complaint had no deadline. Complaint answer: 3 working days from
    Wed 10:00 (receipt day Wed, then Thu 10, Fri 11, Mon 14) → Mon 2026-12-14 17:30; first response again
    4 calendar hours → Wed 14:00, which is the order's due time (no resolution clock)."""
    o = resolved(world, now, order_type="complaint", title="投诉服务态度")
    assert clock(o, "complaint_answer").status == "met"
    now.set(REOPEN)
    o = do_transition(world.supervisor.user, o.pk, "reopened", reason="客户不认可处理结果")
    answer = clock(o, "complaint_answer")
    assert (answer.round, answer.started_at, answer.status) == (2, REOPEN, "running")
    assert answer.due_at == sh(2026, 12, 14, 17, 30)
    first = clock(o, "first_response")
    assert (first.round, first.due_at) == (2, sh(2026, 12, 9, 14, 0))
    assert clock(o, "complaint_answer", 1).status == "met"  # the first round keeps its result
    assert WorkOrder.objects.get(pk=o.pk).due_at == sh(2026, 12, 9, 14, 0)


def test_reopened_by_the_follow_up_not_solved(world, now):
    """General fault: resolution 24 calendar hours from Wed 10:00 → Thu 2026-12-10 10:00."""
    o = resolved(world, now)
    task = FollowupTask.objects.get(workorder=o, status="open")
    now.set(REOPEN)
    followup.do_record_followup(
        world.followup.user, task.pk, outcome="reached", solved=False, satisfaction="satisfied"
    )
    o.refresh_from_db()
    assert o.status == "reopened"
    res = clock(o, "resolution")
    assert (res.round, res.started_at, res.due_at) == (2, REOPEN, sh(2026, 12, 10, 10, 0))
    assert clock(o, "first_response").round == 2
    assert o.due_at == sh(2026, 12, 10, 10, 0)


def test_reopened_by_the_customer_on_the_portal(world, now):
    """Urban installation: 5 working days from Wed 10:00 → Thu 10, Fri 11, Mon 14, Tue 15, Wed 16 17:30."""
    o = resolved(world, now, order_type="install_urban", title="开户安装")
    user = make_portal_customer(world, o.customer)
    now.set(REOPEN)
    do_customer_message(user, o.number, "还是没有通气，请再来看看")
    o.refresh_from_db()
    assert (o.status, o.resolved_at) == ("reopened", None)
    res = clock(o, "resolution")
    assert (res.round, res.due_at) == (2, sh(2026, 12, 16, 17, 30))
    assert o.due_at == sh(2026, 12, 16, 17, 30)
    entry = TimelineEntry.objects.get(workorder=o, kind="status", data__to="reopened")
    assert entry.public and entry.data["by"] == "customer"
    assert not FollowupTask.objects.filter(workorder=o, status="open").exists()  # listeners ran


def test_reopened_by_the_customers_e_mail_reply(world, now):
    """Rural installation: 10 working days from Wed 10:00 → Wed 2026-12-23 17:30."""
    box = Mailbox.objects.create(branch=world.north, address="kefu@north.example.cn", imap_host="127.0.0.1")
    o = resolved(world, now, order_type="install_rural", title="农村开户安装")
    now.set(REOPEN)
    m = EmailMessage()
    m["From"] = "wang@example.com"
    m["To"] = "kefu@north.example.cn"
    m["Subject"] = f"Re: {o.number}"
    m["Message-ID"] = "<reopen-1@example.com>"
    m.set_content("装好后第二天又不通了")
    email_in.ingest(box, m.as_bytes())
    o.refresh_from_db()
    assert o.status == "reopened"
    res = clock(o, "resolution")
    assert (res.round, res.started_at, res.due_at) == (2, REOPEN, sh(2026, 12, 23, 17, 30))


def test_a_message_while_open_does_not_start_a_round(world, now):
    o = world.order(world.customer(), order_type="install_urban", channel="portal")
    user = make_portal_customer(world, o.customer)
    now.set(now() + dt.timedelta(hours=1))
    do_customer_message(user, o.number, "请问什么时候来？")
    assert OrderClock.objects.filter(workorder=o, kind="resolution").count() == 1
