"""Notifications to staff: who is told of each event, one unread row per order
and kind, preferences, quiet hours, the outbox, the pages."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import translation

from kefu.channels.models import OutboxMessage
from kefu.commitments import clocks, sweep
from kefu.commitments.models import OrderClock
from kefu.followup import actions as followup
from kefu.inspections.actions import InspectionInput, do_create_inspection
from kefu.inspections.models import ScoreItem, ScoreSheet
from kefu.notifications import rules, texts
from kefu.notifications.delivery import record
from kefu.notifications.models import Notification, NotificationPreference, QuietHours
from kefu.supervision.actions import do_issue_notice, do_record_manual
from kefu.testing.clock import sh
from kefu.testing.factories import make_portal_customer, make_staff
from kefu.workorders import actions, hooks
from kefu.workorders.hooks import StaffEvent
from kefu.workorders.hooks import StaffEventKind as K

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _defaults(db: Any) -> None:
    clocks.ensure_defaults()
    # these tests follow the type's clocks; the per-channel first-response limits (migration 0010) are
    # tested in test_response_clocks.py
    clocks.TimeLimit.objects.filter(order_type="", kind="first_response").update(is_active=False)


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> Any:
    class Now:
        value = sh(2025, 3, 3, 9, 0)

        def set(self, moment: dt.datetime) -> None:
            self.value = moment

    clock = Now()
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock.value)
    return clock


def told(kind: str, **kw: Any) -> list[int]:
    return sorted(Notification.objects.filter(kind=kind, **kw).values_list("recipient_id", flat=True))


def client_for(staff: Any) -> Client:
    c = Client()
    c.force_login(staff.user)
    return c


# --- the pure rule -----------------------------------------------------------------------------------------


def test_quiet_end_wraps_midnight() -> None:
    q = (dt.time(22, 0), dt.time(7, 0))
    assert rules.quiet_end(sh(2026, 12, 7, 23, 10), *q) == sh(2026, 12, 8, 7, 0)
    assert rules.quiet_end(sh(2026, 12, 8, 6, 59), *q) == sh(2026, 12, 8, 7, 0)
    assert rules.quiet_end(sh(2026, 12, 8, 7, 0), *q) is None
    assert rules.quiet_end(sh(2026, 12, 7, 21, 59), *q) is None
    assert rules.quiet_end(sh(2026, 12, 7, 13, 0), dt.time(12, 0), dt.time(14, 0)) == sh(2026, 12, 7, 14, 0)
    assert rules.quiet_end(sh(2026, 12, 7, 14, 0), dt.time(12, 0), dt.time(14, 0)) is None
    assert rules.quiet_end(sh(2026, 12, 7, 14, 0), dt.time(9, 0), dt.time(9, 0)) is None
    assert rules.default_channels("breach") == (False, True, False)
    assert rules.default_channels("assigned") == (False, False, False)


# --- who is told -------------------------------------------------------------------------------------------


def test_assignment_and_transfer(world: Any) -> None:
    o = world.order(world.customer(), assignee_id=world.technician.pk)
    assert told(K.ASSIGNED, workorder=o) == [world.technician.pk]
    assert told(K.OWNER, workorder=o) == []  # the agent created it: nobody is told of their own act
    actions.do_transfer(world.technician.user, o.pk, to_staff_id=world.agent_senior.pk, reason="转交")
    n = Notification.objects.get(kind=K.ASSIGNED, recipient=world.agent_senior)
    assert (n.workorder_id, n.actor_id, n.params["reason"], n.params["number"]) == (
        o.pk,
        world.technician.pk,
        "转交",
        o.number,
    )


def test_first_contact_owner_of_an_order_created_for_a_more_senior_co_receiver(world: Any) -> None:
    o = world.order(world.customer(), co_receiver_ids=[world.agent_senior.pk])
    assert o.owner_id == world.agent_senior.pk
    assert told(K.OWNER, workorder=o) == [world.agent_senior.pk]


def test_escalation_to_the_president(world: Any) -> None:
    o = world.order(world.customer())
    actions.do_escalate(world.agent.user, o.pk, "客户要求总经理回复", to_president=True)
    n = Notification.objects.get(kind=K.ESCALATION)
    assert n.recipient_id == world.president.pk and n.params["to_president"] is True
    actions.do_escalate(world.agent_senior.user, o.pk, "仍未解决")
    assert told(K.ESCALATION) == sorted([world.president.pk, world.supervisor.pk])


def test_breach_tells_owner_assignee_and_leader_once_per_order(world: Any, now: Any) -> None:
    o = world.order(world.customer(), assignee_id=world.technician.pk)  # Mon 09:00, due Tue 09:00
    assert sweep.sweep(now=sh(2025, 3, 4, 3, 0)).warned == 1
    assert told(K.WARNING, workorder=o) == sorted([world.agent.pk, world.technician.pk, world.supervisor.pk])
    result = sweep.sweep(now=sh(2025, 3, 4, 9, 1))
    assert result.breached >= 1
    assert told(K.BREACH, workorder=o) == sorted([world.agent.pk, world.technician.pk, world.supervisor.pk])
    assert all(n.repeats == 1 for n in Notification.objects.filter(kind=K.BREACH))


def test_supervision_notice_to_the_unit(world: Any, now: Any) -> None:
    colleague = make_staff("tech2", "technician", world.north, department=world.repair_north, name="周师傅")
    o = world.order(world.customer())
    actions.do_transfer(world.agent.user, o.pk, to_staff_id=world.technician.pk, reason="上门")
    do_issue_notice(world.supervisor.user, o.number, "今天内处理完", sh(2025, 3, 4, 17, 0))
    assert told(K.SUPERVISION_NOTICE, workorder=o) == sorted(
        [world.agent.pk, world.technician.pk, colleague.pk]
    )


def test_extension_requested_to_the_leader_and_decided_to_the_requester(world: Any, now: Any) -> None:
    o = world.order(world.customer())
    c = OrderClock.objects.get(workorder=o, kind="resolution")
    now.set(sh(2025, 3, 3, 12, 0))
    req = clocks.do_request_extension(world.agent.user, c.pk, 8, "等待配件")
    n = Notification.objects.get(kind=K.EXTENSION_REQUESTED)
    assert (n.recipient_id, n.params["reason"]) == (world.supervisor.pk, "等待配件")
    clocks.do_decide_extension(world.supervisor.user, req.pk, True, "同意")
    n = Notification.objects.get(kind=K.EXTENSION_DECIDED)
    assert (n.recipient_id, n.params["approved"]) == (world.agent.pk, True)


def test_followup_failed_comes_back_to_the_owner(world: Any, now: Any) -> None:
    followup.ensure_satisfaction_levels()
    now.set(sh(2026, 9, 21, 10, 0))
    o = world.order(world.customer(), assignee_id=world.technician.pk)
    now.set(sh(2026, 9, 22, 10, 0))
    actions.do_transition(world.agent.user, o.pk, "resolved", resolution="更换光猫")
    t = followup.FollowupTask.objects.get(workorder=o, status="open")
    now.set(sh(2026, 9, 23, 9, 0))
    followup.do_record_followup(
        world.followup.user,
        t.pk,
        outcome="reached",
        solved=False,
        satisfaction="dissatisfied",
        comments="还是不通",
    )
    assert told(K.FOLLOWUP_FAILED, workorder=o) == [world.agent.pk]
    # the hand-back to the owner is not also an "assigned" notification
    assert told(K.ASSIGNED, workorder=o) == [world.technician.pk]


def test_customer_message_and_mention(world: Any) -> None:
    cust = world.customer()
    o = world.order(cust, assignee_id=world.technician.pk)
    portal_user = make_portal_customer(world, cust)
    actions.do_customer_message(portal_user, o.pk, "师傅什么时候到？")
    assert told(K.CUSTOMER_MESSAGE, workorder=o) == sorted([world.agent.pk, world.technician.pk])
    actions.do_note(
        world.agent.user, o.pk, f"@孙师傅 请今天上门，@{world.supervisor.badge_no} 知悉；邮件 a@b.cn"
    )
    assert told(K.MENTION, workorder=o) == sorted([world.technician.pk, world.supervisor.pk])


def test_inspection_and_statement(world: Any) -> None:
    sheet = ScoreSheet.objects.create(name="测试检查表")
    item = ScoreItem.objects.create(
        sheet=sheet, category="language", text="文明用语", max_points=10, position=1
    )
    do_create_inspection(
        world.inspector.user,
        InspectionInput(
            kind="spot",
            sheet_id=sheet.pk,
            inspected_on=dt.date(2025, 3, 3),
            scores={item.pk: 6},
            staff_id=world.agent.pk,
        ),
    )
    assert told(K.INSPECTION) == [world.agent.pk]
    do_record_manual(world.supervisor.user, world.agent.pk, "服务用语不规范", "minor", sh(2025, 3, 3, 10, 0))
    assert told(K.STATEMENT) == [world.agent.pk]
    # several statement requests in a row are told apart by their order's number
    with translation.override("en"):
        assert texts.describe("statement", {"number": "GD-20250303-000007"}) == (
            "Your statement is requested on an accountability record about GD-20250303-000007."
        )
        assert texts.describe("statement", {}) == "Your statement is requested on an accountability record."


# --- one unread row per order and kind ----------------------------------------------------------------------


def _event(world: Any, o: Any, at: dt.datetime, kind: str = K.BREACH, **kw: Any) -> StaffEvent:
    return StaffEvent(
        kind=kind,
        recipients=(world.agent.pk,),
        order_id=o.pk,
        actor_id=None,
        params={"number": o.number, **kw},
        at=at,
    )


def test_a_repeat_updates_the_unread_row_and_after_reading_a_new_row_appears(world: Any) -> None:
    o = world.order(world.customer())
    hooks.notify_staff_event(_event(world, o, sh(2026, 12, 7, 9, 0), clocks=["first_response"]))
    hooks.notify_staff_event(_event(world, o, sh(2026, 12, 7, 11, 0), clocks=["resolution"]))
    n = Notification.objects.get(kind=K.BREACH)
    assert (n.repeats, n.created_at, n.updated_at, n.params["clocks"]) == (
        2,
        sh(2026, 12, 7, 9, 0),
        sh(2026, 12, 7, 11, 0),
        ["resolution"],
    )
    # breach SMS by default: one per distinct event
    sms = OutboxMessage.objects.filter(channel="sms").order_by("id")
    assert list(sms) == []  # the agent has no phone number: nothing to send to
    client_for(world.agent).post(f"/notifications/{n.pk}/read/")
    hooks.notify_staff_event(_event(world, o, sh(2026, 12, 7, 15, 0)))
    assert Notification.objects.filter(kind=K.BREACH).count() == 2
    assert Notification.objects.filter(kind=K.BREACH, read_at__isnull=True).get().repeats == 1
    # another kind on the same order is its own row
    hooks.notify_staff_event(_event(world, o, sh(2026, 12, 7, 15, 0), kind=K.WARNING))
    assert Notification.objects.filter(read_at__isnull=True).count() == 2


def test_record_is_idempotent_per_unread_row(world: Any) -> None:
    o = world.order(world.customer())
    a = record(world.agent.pk, _event(world, o, sh(2026, 12, 7, 9, 0)))
    b = record(world.agent.pk, _event(world, o, sh(2026, 12, 7, 9, 5)))
    assert a.pk == b.pk and b.repeats == 2


# --- preferences and quiet hours ---------------------------------------------------------------------------


def _phone(staff: Any, phone: str = "13900139000", email: str = "") -> None:
    staff.phone = phone
    staff.save(update_fields=["phone"])
    if email:
        staff.user.email = email
        staff.user.save(update_fields=["email"])


def test_defaults_and_preferences(world: Any) -> None:
    _phone(world.technician, "13900139001", "sun@example.cn")
    o = world.order(world.customer())
    actions.do_transfer(world.agent.user, o.pk, to_staff_id=world.technician.pk, reason="上门")
    assert not OutboxMessage.objects.exists()  # assignment: console only by default
    NotificationPreference.objects.create(staff=world.technician, kind=K.ASSIGNED, email=True, sms=False)
    actions.do_transfer(world.agent.user, o.pk, to_staff_id=world.agent_senior.pk, reason="改派")
    actions.do_transfer(world.agent.user, o.pk, to_staff_id=world.technician.pk, reason="再派")
    m = OutboxMessage.objects.get()
    assert (m.channel, m.recipient, m.customer_id, m.workorder_id, m.log_contact) == (
        "email",
        "sun@example.cn",
        None,
        None,
        False,
    )
    n = Notification.objects.get(recipient=world.technician, read_at__isnull=True)
    assert n.repeats == 2 and m.idempotency_key == f"notify:{n.pk}:2:email"
    assert o.number in m.subject and "再派" in m.body
    # breach: SMS by default; switched off it is console only
    hooks.notify_staff_event(
        StaffEvent(K.BREACH, (world.technician.pk,), o.pk, None, {"number": o.number}, sh(2026, 12, 7, 9, 0))
    )
    assert OutboxMessage.objects.filter(channel="sms", recipient="13900139001").count() == 1
    NotificationPreference.objects.create(staff=world.technician, kind=K.BREACH, email=False, sms=False)
    hooks.notify_staff_event(
        StaffEvent(K.BREACH, (world.technician.pk,), o.pk, None, {"number": o.number}, sh(2026, 12, 7, 10, 0))
    )
    assert OutboxMessage.objects.filter(channel="sms").count() == 1


def test_absolute_link_with_public_url(world: Any, settings: Any) -> None:
    settings.KEFU_PUBLIC_URL = "https://kefu.example.cn"
    _phone(world.agent)
    o = world.order(world.customer())
    hooks.notify_staff_event(_event(world, o, sh(2026, 12, 7, 9, 0)))
    m = OutboxMessage.objects.get(channel="sms")
    assert f"https://kefu.example.cn/orders/{o.number}/" in m.body


def test_quiet_hours_defer_sms_to_their_end_except_emergencies(world: Any) -> None:
    _phone(world.agent)
    QuietHours.objects.create(staff=world.agent, start=dt.time(22, 0), end=dt.time(7, 0))
    o = world.order(world.customer())
    hooks.notify_staff_event(_event(world, o, sh(2026, 12, 7, 23, 10)))
    m = OutboxMessage.objects.get()
    assert m.next_attempt_at == sh(2026, 12, 8, 7, 0)
    urgent = world.order(world.customer(phone="13800138001"), priority="urgent")
    hooks.staff_event(K.BREACH, [world.agent], order=urgent, at=sh(2026, 12, 7, 23, 10))
    e = OutboxMessage.objects.exclude(pk=m.pk).get()
    assert Notification.objects.get(workorder=urgent).emergency is True
    assert e.next_attempt_at == e.created_at  # now, not 07:00
    # outside the quiet period: now
    hooks.notify_staff_event(_event(world, o, sh(2026, 12, 8, 8, 0), kind=K.ESCALATION))
    late = OutboxMessage.objects.order_by("-id").first()
    assert late is not None and late.next_attempt_at == late.created_at


def test_emergency_preference_adds_channels(world: Any) -> None:
    _phone(world.agent, email="li@example.cn")
    NotificationPreference.objects.create(staff=world.agent, kind=rules.EMERGENCY, email=True, sms=False)
    urgent = world.order(world.customer(), priority="urgent")
    hooks.staff_event(K.MENTION, [world.agent], order=urgent, at=sh(2026, 12, 7, 9, 0))
    assert list(OutboxMessage.objects.values_list("channel", flat=True)) == ["email"]


# --- pages -------------------------------------------------------------------------------------------------


def test_bell_list_mark_read_open_and_mark_all(world: Any) -> None:
    o1 = world.order(world.customer())
    o2 = world.order(world.customer(phone="13800138001"))
    for o in (o1, o2):
        hooks.notify_staff_event(_event(world, o, sh(2026, 12, 7, 9, 0)))
    c = client_for(world.agent)
    page = c.get("/orders/?tab=mine").content.decode()
    assert 'id="notification-bell"' in page and 'id="notification-count" data-live-bell>2<' in page
    page = c.get("/notifications/").content.decode()
    assert page.count('data-testid="notification"') == 2 and page.count("notification unread") == 2
    n1 = Notification.objects.get(workorder=o1)
    assert c.get(f"/notifications/{n1.pk}/open/").status_code == 405  # POST only
    resp = c.post(f"/notifications/{n1.pk}/open/")
    assert resp.status_code == 302 and resp["Location"] == f"/orders/{o1.number}/"
    n1.refresh_from_db()
    assert n1.read_at is not None
    assert 'id="notification-count" data-live-bell>1<' in c.get("/notifications/").content.decode()
    # someone else's notification is not found
    assert client_for(world.agent_senior).post(f"/notifications/{n1.pk}/read/").status_code == 404
    c.post("/notifications/read-all/")
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert 'id="notification-count" data-live-bell hidden>0<' in c.get("/notifications/").content.decode()


def test_csrf_is_required(world: Any) -> None:
    o = world.order(world.customer())
    hooks.notify_staff_event(_event(world, o, sh(2026, 12, 7, 9, 0)))
    c = Client(enforce_csrf_checks=True)
    c.force_login(world.agent.user)
    assert c.post("/notifications/read-all/").status_code == 403
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def _thirty_mentions(world: Any) -> None:
    """Thirty notifications for the agent, 09:00 … 09:29 on 7 December 2026 (Shanghai)."""
    for i in range(30):
        at = sh(2026, 12, 7, 9, 0) + dt.timedelta(minutes=i)
        hooks.notify_staff_event(StaffEvent(K.MENTION, (world.agent.pk,), None, None, {"i": i}, at))


def test_list_is_paginated_newest_first(world: Any) -> None:
    o = world.order(world.customer())
    _thirty_mentions(world)
    assert o  # (orders are optional for a notification)
    c = client_for(world.agent)
    first = c.get("/notifications/").content.decode()
    assert first.count('data-testid="notification"') == 25 and "09:29" in first and "09:00" not in first
    assert c.get("/notifications/?page=2").content.decode().count('data-testid="notification"') == 5


def test_unread_notifications_come_before_newer_read_ones(world: Any) -> None:
    _thirty_mentions(world)
    c = client_for(world.agent)
    c.post("/notifications/read-all/")
    # two older ones unread again (as if they had come before the others were read)
    older = list(Notification.objects.filter(recipient=world.agent).order_by("updated_at")[:2])
    Notification.objects.filter(pk__in=[n.pk for n in older]).update(read_at=None)
    first = c.get("/notifications/").content.decode()
    rows = re.findall(r'<li id="notification-(\d+)" class="notification( unread)?', first)
    assert [int(pk) for pk, _u in rows[:2]] == [older[1].pk, older[0].pk]  # unread, newest first
    assert [u for _pk, u in rows[:3]] == [" unread", " unread", ""]
    assert "09:29" in first and "09:00" in first  # the newest read one and the oldest unread one


def test_preferences_page(world: Any) -> None:
    c = client_for(world.agent)
    page = c.get("/notifications/preferences/").content.decode()
    assert 'id="sms-breach" checked' in page and 'id="email-assigned" aria' in page
    assert 'id="wecom-breach" aria' in page and 'id="wecom-missing"' in page  # no WeCom account recorded
    data = {
        "email-assigned": "on",
        "sms-escalation": "on",
        "wecom-breach": "on",
        "quiet_start": "22:00",
        "quiet_end": "07:00",
    }
    assert c.post("/notifications/preferences/", data).status_code == 302
    prefs = {
        p.kind: (p.email, p.sms, p.wecom) for p in NotificationPreference.objects.filter(staff=world.agent)
    }
    assert prefs[K.ASSIGNED] == (True, False, False) and prefs[K.BREACH] == (False, False, True)
    assert prefs[K.ESCALATION] == (False, True, False)
    page = c.get("/notifications/preferences/").content.decode()
    assert 'id="wecom-breach" checked' in page
    q = QuietHours.objects.get(staff=world.agent)
    assert (q.start, q.end) == (dt.time(22, 0), dt.time(7, 0))
    resp = c.post("/notifications/preferences/", {"quiet_start": "22:00"})
    assert resp.status_code == 200 and 'id="preferences-error"' in resp.content.decode()
    c.post("/notifications/preferences/", {})
    assert not QuietHours.objects.filter(staff=world.agent).exists()


def test_each_notification_and_reading_pushes_the_unread_count_to_the_open_consoles(world: Any) -> None:
    from kefu.live.models import LiveEvent

    o1 = world.order(world.customer(phone="13800138000"))
    o2 = world.order(world.customer(phone="13800138001"))
    topic = f"staff:{world.agent.pk}"
    start = LiveEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for o in (o1, o2):
        hooks.notify_staff_event(_event(world, o, sh(2026, 12, 7, 9, 0)))
    pushed = LiveEvent.objects.filter(id__gt=start, topic=topic, event="notification").order_by("id")
    assert [e.data["unread"] for e in pushed] == [1, 2]
    c = client_for(world.agent)
    c.post("/notifications/read-all/")
    last = LiveEvent.objects.filter(topic=topic, event="notification").order_by("-id").first()
    assert last is not None and last.data == {"unread": 0}


def test_history_played_on_the_simulated_clock_is_recorded_as_read_and_sent_nowhere(world: Any) -> None:
    from kefu.lib import clock
    from kefu.live.models import LiveEvent

    o = world.order(world.customer(phone="13800138000"))
    world.agent.phone = "13900139000"
    world.agent.save(update_fields=["phone"])
    world.agent.user.email = "agent@north.example.cn"
    world.agent.user.save(update_fields=["email"])
    NotificationPreference.objects.create(staff=world.agent, kind=K.BREACH, email=True, sms=True)
    outbox_before, live_before = OutboxMessage.objects.count(), LiveEvent.objects.count()
    past = sh(2026, 6, 1, 9, 0)
    with clock.simulated(past):
        hooks.notify_staff_event(_event(world, o, past))
    n = Notification.objects.get(recipient=world.agent, workorder=o)
    assert n.read_at == past
    assert OutboxMessage.objects.count() == outbox_before and LiveEvent.objects.count() == live_before
    hooks.notify_staff_event(_event(world, o, sh(2026, 12, 7, 9, 0)))  # today: unread, and sent
    assert Notification.objects.filter(recipient=world.agent, read_at__isnull=True).count() == 1
    assert OutboxMessage.objects.count() == outbox_before + 2
