"""Emergency services and keywords → urgent priority, an arrival clock in minutes on the
24×7 calendar (per service and urban/rural), the on-duty technicians and the supervisor called out at once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from kefu.channels.models import OutboxMessage
from kefu.commitments import clocks, emergency
from kefu.commitments.models import EmergencyKeyword, OrderClock, OrderEmergency, Service, TimeLimit
from kefu.knowledge import duty
from kefu.knowledge.models import Shift
from kefu.notifications.models import Notification, QuietHours
from kefu.testing.clock import FakeClock, freeze, sh
from kefu.testing.factories import make_staff
from kefu.workorders.models import TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _defaults(db: Any) -> None:
    clocks.ensure_defaults()
    emergency.clear_cache()


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    return freeze(monkeypatch, sh(2026, 12, 9, 22, 15))  # Wednesday night


def arrival(o: WorkOrder) -> OrderClock:
    return OrderClock.objects.get(workorder=o, kind="arrival")


def test_keyword_makes_an_urgent_order_with_a_30_minute_arrival_clock(world, now):
    c = world.customer(area_id=world.area_n1.pk)
    o = world.order(c, title="厨房有味道", description="客户来电：厨房里有明显燃气味，已开窗")
    assert o.priority == "urgent"
    flag = OrderEmergency.objects.get(workorder=o)
    assert (flag.reason, flag.keyword) == ("keyword", "燃气味")
    a = arrival(o)
    assert (a.unit, a.amount, a.status) == ("calendar_minutes", Decimal("30"), "running")
    assert a.calendar_id == clocks.around_the_clock_calendar_id()
    assert a.due_at == sh(2026, 12, 9, 22, 45)  # 24×7: night time counts
    # answered within 15 minutes, whatever the channel's own first-response limit (phone: 4 hours)
    first = OrderClock.objects.get(workorder=o, kind="first_response")
    assert (first.unit, first.amount, first.due_at) == (
        "calendar_minutes",
        Decimal("15"),
        sh(2026, 12, 9, 22, 30),
    )
    assert TimelineEntry.objects.filter(workorder=o, data__event="emergency", data__keyword="燃气味").exists()
    # the order's due time stays the resolution clock's (24 calendar hours on the branch calendar)
    assert o.due_at == sh(2026, 12, 10, 22, 15)


def test_rural_area_gets_60_minutes_and_keywords_ignore_case_and_spaces(world, now):
    c = world.customer(branch=world.south, area_id=world.area_s1.pk)
    o = world.order(c, title="Gas  Leak in the kitchen", description="strong smell")
    assert o.priority == "urgent"
    a = arrival(o)
    assert (a.amount, a.due_at) == (Decimal("60"), sh(2026, 12, 9, 23, 15))


def test_no_keyword_no_emergency(world, now):
    o = world.order(world.customer(), title="宽带无法上网", description="灯不亮")
    assert o.priority == "normal"
    assert not OrderEmergency.objects.filter(workorder=o).exists()
    assert not OrderClock.objects.filter(workorder=o, kind="arrival").exists()


def test_emergency_service_and_its_own_arrival_limit(world, now):
    gas = Service.objects.create(
        code="gas-leak", name="燃气泄漏抢修", order_type="fault_major", is_emergency=True
    )
    TimeLimit.objects.create(
        kind="arrival", emergency=True, service=gas, unit="calendar_minutes", amount=20, around_the_clock=True
    )
    o = world.order(
        world.customer(area_id=world.area_n1.pk),
        order_type="fault_major",
        service_id=gas.pk,
        title="抢修",
        description="用户要求上门",
    )
    assert o.priority == "urgent"
    assert OrderEmergency.objects.get(workorder=o).reason == "service"
    assert arrival(o).due_at == sh(2026, 12, 9, 22, 35)  # the service's 20 minutes beat the urban 30


def test_keywords_are_editable_and_the_cache_is_dropped_on_change(world, now):
    assert emergency.keyword_in("楼道里有异味") == ""
    EmergencyKeyword.objects.create(language="zh-hans", keyword="异味")
    assert emergency.keyword_in("楼道里有异味") == "异味"
    EmergencyKeyword.objects.filter(keyword="燃气味").update(is_active=False)
    emergency.clear_cache()  # a queryset update sends no signal
    assert emergency.keyword_in("明显燃气味") == ""
    config = emergency.public_config()
    assert "燃气泄漏" in config["keywords"] and config["hotline"] == "96777"


def _shift(staff: Any, day: dt.date, start: dt.time, end: dt.time) -> Shift:
    return Shift.objects.create(staff=staff, date=day, start=start, end=end)


def test_on_duty_technician_of_the_area_and_the_supervisor_are_called_out_at_once(world, now):
    off_duty = make_staff("tech_off", "technician", world.north, name="休息师傅")
    night = make_staff("tech_night", "technician", world.north, name="夜班师傅")
    other = make_staff("tech_other", "technician", world.north, name="别区师傅")
    world.area_n1.responsible.add(world.technician, off_duty, night)
    # Wednesday 20:00 – Thursday 08:00 (past midnight) covers 22:15; the day shift does not
    _shift(night, dt.date(2026, 12, 9), dt.time(20, 0), dt.time(8, 0))
    _shift(off_duty, dt.date(2026, 12, 9), dt.time(8, 0), dt.time(17, 0))
    _shift(other, dt.date(2026, 12, 9), dt.time(18, 0), dt.time(23, 0))  # on duty, but not in this area
    night.phone = "13700000001"
    night.save()
    QuietHours.objects.create(staff=night, start=dt.time(22, 0), end=dt.time(7, 0))
    o = world.order(world.customer(area_id=world.area_n1.pk), title="漏气", description="楼道漏气")
    told = set(
        Notification.objects.filter(kind="emergency", workorder=o).values_list(
            "recipient__user__username", flat=True
        )
    )
    assert told == {"tech_night", "sup"}
    o.refresh_from_db()
    assert o.assignee_id == night.pk  # dispatched at once: in the night technician's own queue
    assert TimelineEntry.objects.filter(workorder=o, kind="transfer", data__emergency=True).exists()
    assert not Notification.objects.filter(workorder=o, recipient=night).exclude(kind="emergency").exists()
    n = Notification.objects.get(kind="emergency", workorder=o, recipient=night)
    assert n.emergency and n.params["keyword"] == "漏气"
    # SMS by default, at once although it is inside the technician's quiet hours
    sms = OutboxMessage.objects.get(channel="sms", recipient="13700000001")
    assert o.number in sms.body and sms.next_attempt_at <= sh(2026, 12, 9, 22, 15)


def test_branch_duty_then_area_technicians_as_fallback(world, now):
    other = make_staff("tech_other", "technician", world.north, name="别区师傅")
    world.area_n1.responsible.add(world.technician)
    _shift(other, dt.date(2026, 12, 9), dt.time(18, 0), dt.time(23, 0))
    o = world.order(world.customer(area_id=world.area_n1.pk), title="爆管", description="楼下水管爆管")
    assert duty.emergency_recipients(o, sh(2026, 12, 9, 22, 15)) == [other.pk, world.supervisor.pk]
    # nobody on duty at 23:30: the area's own technician
    assert duty.emergency_recipients(o, sh(2026, 12, 9, 23, 30)) == [world.technician.pk, world.supervisor.pk]


def test_edit_keeps_the_emergency_limits(world, now):
    from kefu.workorders.actions import do_update_order

    o = world.order(world.customer(area_id=world.area_n1.pk), title="燃气泄漏", description="紧急")
    now.set(sh(2026, 12, 9, 22, 20))
    o = do_update_order(world.agent.user, o.pk, {"area_id": world.area_n2.pk})
    a = arrival(o)
    assert a.status == "running" and a.due_at == sh(2026, 12, 9, 22, 45)
