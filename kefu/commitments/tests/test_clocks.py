"""Order clocks over the database: started by creation / materials, paused by pending customer, stopped by
resolution and first reply, extensions (R-15), unreachable reports (R-14), missing calendar years."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kefu.audit.models import AuditRecord
from kefu.commitments import clocks, unreachable
from kefu.commitments.models import (
    BusinessCalendar,
    CalendarDay,
    CalendarYear,
    ExtensionRequest,
    OrderClock,
    TimeLimit,
    WorkingPeriod,
)
from kefu.lib.errors import PermissionDenied, ValidationFailed
from kefu.testing.clock import FakeClock, freeze, sh
from kefu.workorders.actions import do_customer_message, do_reply, do_transition, do_update_order
from kefu.workorders.models import TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _default_limits(db: Any) -> None:
    """Migration 0004's calendars and limits (tests elsewhere may have flushed the tables)."""
    clocks.ensure_defaults()
    # these tests follow the type's clocks; the per-channel first-response limits (migration 0010) are
    # tested in test_response_clocks.py
    clocks.TimeLimit.objects.filter(order_type="", kind="first_response").update(is_active=False)


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """A settable clock for every ``timezone.now()`` in the project."""
    return freeze(monkeypatch, sh(2025, 1, 27, 17, 45))


def clock(o: WorkOrder, kind: str = "resolution", rnd: int | None = None) -> OrderClock:
    qs = OrderClock.objects.filter(workorder=o, kind=kind).order_by("-round")
    return qs.get(round=rnd) if rnd else qs.first()  # type: ignore[return-value]


def test_migration_seeds_the_default_calendars_and_limits():
    import importlib

    from django.apps import apps

    TimeLimit.objects.all().delete()
    BusinessCalendar.objects.all().delete()
    migration = importlib.import_module("kefu.commitments.migrations.0004_default_calendars_limits")
    migration.forwards(apps, None)
    office = BusinessCalendar.objects.get(name="标准工作日")
    assert office.time_zone == "Asia/Shanghai" and not office.is_24x7
    assert office.periods.count() == 10
    years = set(CalendarYear.objects.filter(calendar=office).values_list("year", flat=True))
    assert {2024, 2025, 2026} <= years and 2027 not in years
    assert BusinessCalendar.objects.get(name="7×24小时").is_24x7
    limits = {(t.kind, t.order_type, t.tier): (t.unit, t.amount) for t in TimeLimit.objects.all()}
    assert limits[("resolution", "install_urban", "")] == ("working_days", Decimal("5"))
    assert limits[("resolution", "install_rural", "")] == ("working_days", Decimal("10"))
    assert limits[("resolution", "fault_general", "gold")] == ("calendar_hours", Decimal("12"))
    assert limits[("complaint_answer", "complaint", "")] == ("working_days", Decimal("3"))
    assert limits[("first_response", "complaint", "")] == ("calendar_hours", Decimal("4"))


def test_runtime_defaults_are_the_migrations_defaults():
    """``clocks.ensure_defaults`` re-creates what migration 0004 seeded; the migration keeps its own frozen
    copy (migrations must not import data that later changes), so the two lists are compared here."""
    import importlib

    migration = importlib.import_module("kefu.commitments.migrations.0004_default_calendars_limits")
    assert clocks.DEFAULT_LIMITS == migration.LIMITS
    assert (clocks.OFFICE_CALENDAR, clocks.AROUND_THE_CLOCK_CALENDAR) == (
        migration.OFFICE,
        migration.AROUND_THE_CLOCK,
    )


def test_installation_received_before_spring_festival(world, now):
    # Monday 27 Jan 2025 17:45, after the 17:30 close; Spring Festival 28 Jan – 4 Feb; make-up Sat 8 Feb
    o = world.order(world.customer(), order_type="install_urban", title="开户安装")
    c = clock(o)
    assert (c.unit, c.amount, c.started_at) == ("working_days", Decimal("5.00"), sh(2025, 1, 27, 17, 45))
    assert c.status == "running"
    assert c.due_at == sh(2025, 2, 11, 17, 30)
    o.refresh_from_db()
    assert o.due_at == sh(2025, 2, 11, 17, 30)
    assert c.calendar.name == "标准工作日"  # the branch has no calendar of its own


def test_general_fault_24_hours_and_vip_12_hours(world, now):
    now.set(sh(2025, 3, 3, 9, 0))
    o = world.order(world.customer())
    assert clock(o).due_at == sh(2025, 3, 4, 9, 0)
    gold = world.customer(name="金卡客户", phone="13900139000")
    gold.tier = "gold"
    gold.save()
    o2 = world.order(gold)
    assert clock(o2).due_at == sh(2025, 3, 3, 21, 0)
    assert not OrderClock.objects.filter(
        workorder=world.order(world.customer(), order_type="inquiry")
    ).exists()


def test_clock_starts_when_materials_are_complete(world, now):
    now.set(sh(2025, 3, 3, 10, 0))  # Monday
    o = world.order(world.customer(), order_type="install_urban")
    now.set(sh(2025, 3, 3, 10, 5))
    do_transition(world.agent.user, o.pk, "awaiting_materials")
    c = clock(o)
    assert c.status == "not_started" and c.started_at is None and c.due_at is None
    assert WorkOrder.objects.get(pk=o.pk).due_at is None
    now.set(sh(2025, 3, 5, 15, 0))  # Wednesday: materials complete
    do_transition(world.agent.user, o.pk, "in_progress")
    c = clock(o)
    assert c.started_at == sh(2025, 3, 5, 15, 0)
    assert c.due_at == sh(2025, 3, 12, 17, 30)  # 5 working days after Wednesday
    entry = TimelineEntry.objects.filter(workorder=o, kind="status").order_by("-id").first()
    assert entry is not None
    assert entry.data["clocks"] == [
        {
            "clock": "resolution",
            "round": 1,
            "event": "started",
            "status": "running",
            "due_at": "2025-03-12T09:30:00+00:00",
        }
    ]


def test_pending_customer_pauses_and_resume_keeps_the_remaining_time(world, now):
    now.set(sh(2025, 3, 3, 9, 0))
    o = world.order(world.customer())  # 24 calendar hours → due Tue 09:00
    now.set(sh(2025, 3, 3, 13, 0))
    do_transition(world.agent.user, o.pk, "pending_customer", reason="约上门时间")
    c = clock(o)
    assert c.status == "paused" and c.due_at is None
    assert c.remaining_seconds == 20 * 3600
    assert clocks.paused_since(c) == sh(2025, 3, 3, 13, 0)
    assert clocks.live_status(c, clocks.state(c, sh(2025, 3, 4, 12, 0))) == "paused"
    now.set(sh(2025, 3, 4, 13, 0))  # the customer answers 24 h later on the portal
    from kefu.testing.factories import make_portal_customer

    user = make_portal_customer(world, o.customer)
    do_customer_message(user, o.pk, "明天上午在家")
    c = clock(o)
    assert c.status == "running" and clocks.paused_since(c) is None
    assert c.due_at == sh(2025, 3, 5, 9, 0)  # 20 h left from Tue 13:00
    assert clocks.live_status(c, clocks.state(c, sh(2025, 3, 5, 9, 1))) == "breached"
    assert WorkOrder.objects.get(pk=o.pk).due_at == sh(2025, 3, 5, 9, 0)
    now.set(sh(2025, 3, 4, 15, 0))
    do_transition(world.agent.user, o.pk, "pending_customer", reason="再约")
    now.set(sh(2025, 3, 4, 16, 0))
    do_transition(world.agent.user, o.pk, "in_progress")
    assert clock(o).due_at == sh(2025, 3, 5, 10, 0)


def test_resolution_stops_the_clock_and_reopen_starts_a_new_round(world, now):
    now.set(sh(2025, 3, 3, 9, 0))
    o = world.order(world.customer())
    now.set(sh(2025, 3, 3, 20, 0))
    do_transition(world.agent.user, o.pk, "resolved", resolution="更换光猫")
    first = clock(o)
    assert (first.status, first.stopped_at) == ("met", sh(2025, 3, 3, 20, 0))
    assert WorkOrder.objects.get(pk=o.pk).due_at is None
    now.set(sh(2025, 3, 6, 10, 0))
    do_transition(world.agent.user, o.pk, "reopened", reason="回访未解决")
    second = clock(o)
    assert second.round == 2 and second.started_at == sh(2025, 3, 6, 10, 0)
    assert second.due_at == sh(2025, 3, 7, 10, 0)
    assert clock(o, rnd=1).status == "met"
    now.set(sh(2025, 3, 7, 11, 0))
    do_transition(world.agent.user, o.pk, "resolved", resolution="二次上门")
    assert clock(o).status == "late"


def test_withdrawn_order_cancels_its_clocks(world, now):
    now.set(sh(2025, 3, 3, 9, 0))
    o = world.order(world.customer())
    do_transition(world.agent.user, o.pk, "closed", reason="客户撤回", close_reason="withdrawn")
    assert clock(o).status == "cancelled"
    assert WorkOrder.objects.get(pk=o.pk).due_at is None


def test_complaint_first_reply_stops_the_first_response_clock(world, now):
    now.set(sh(2025, 10, 1, 22, 0))  # National Day, night: the hotline clock is 24×7
    o = world.order(world.customer(), order_type="complaint", title="投诉")
    first = clock(o, "first_response")
    assert first.due_at == sh(2025, 10, 2, 2, 0)
    assert first.calendar.is_24x7
    answer = clock(o, "complaint_answer")
    # holiday 1–8 Oct: receipt day Thu 9 Oct (not counted), then Fri 10, make-up Sat 11, Mon 13
    assert answer.due_at == sh(2025, 10, 13, 17, 30)
    # no resolution clock: the order's due time is the earliest open clock's
    assert WorkOrder.objects.get(pk=o.pk).due_at == first.due_at
    now.set(sh(2025, 10, 2, 1, 0))
    do_reply(world.agent.user, o.pk, "您好，已收到您的投诉", channel="sms")
    assert clock(o, "first_response").status == "met"
    assert clock(o, "complaint_answer").status == "running"


def test_extension_approved_by_leader_moves_the_due_time(world, now):
    now.set(sh(2025, 3, 3, 10, 0))
    o = world.order(world.customer(), order_type="install_urban")
    c = clock(o)
    assert c.due_at == sh(2025, 3, 10, 17, 30)
    now.set(sh(2025, 3, 6, 9, 0))
    with pytest.raises(ValidationFailed) as exc:
        clocks.do_request_extension(world.agent.user, c.pk, 2, "  ")
    assert exc.value.field == "reason"
    with pytest.raises(PermissionDenied):
        clocks.do_request_extension(world.technician.user, c.pk, 2, "缺设备")
    req = clocks.do_request_extension(world.agent.user, c.pk, 2, "光缆未到，需等待施工")
    assert clock(o).due_at == sh(2025, 3, 10, 17, 30)  # pending moves nothing
    with pytest.raises(PermissionDenied):
        clocks.do_decide_extension(world.agent_senior.user, req.pk, True)  # a colleague, not a leader
    assert [r.pk for r in clocks.pending_extensions_for(world.supervisor)] == [req.pk]
    assert clocks.pending_extensions_for(world.supervisor_south) == []
    clocks.do_decide_extension(world.supervisor.user, req.pk, True, "同意")
    req.refresh_from_db()
    assert (req.status, req.decided_by) == ("approved", world.supervisor)
    assert clock(o).due_at == sh(2025, 3, 12, 17, 30)
    assert WorkOrder.objects.get(pk=o.pk).due_at == sh(2025, 3, 12, 17, 30)
    assert AuditRecord.objects.filter(action="clock.extension_approved").count() == 1
    with pytest.raises(ValidationFailed):
        clocks.do_decide_extension(world.supervisor.user, req.pk, False)


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "-1", "0", "abc", "1.005"])
def test_extension_amount_that_is_not_a_positive_number_is_a_field_error(world, now, amount):
    now.set(sh(2025, 3, 3, 10, 0))
    o = world.order(world.customer(), order_type="install_urban")
    with pytest.raises(ValidationFailed) as exc:
        clocks.do_request_extension(world.agent.user, clock(o).pk, amount, "光缆未到")
    assert exc.value.field == "amount"
    assert not ExtensionRequest.objects.exists()


def test_rejected_extension_moves_nothing(world, now):
    now.set(sh(2025, 3, 3, 10, 0))
    o = world.order(world.customer(), order_type="install_urban")
    req = clocks.do_request_extension(world.agent.user, clock(o).pk, 1, "客户出差")
    clocks.do_decide_extension(world.admin.user, req.pk, False, "不批准")
    assert ExtensionRequest.objects.get(pk=req.pk).status == "rejected"
    assert clock(o).due_at == sh(2025, 3, 10, 17, 30)


def test_extension_refused_after_the_deadline(world, now):
    now.set(sh(2025, 3, 3, 9, 0))
    o = world.order(world.customer())
    c = clock(o)
    now.set(sh(2025, 3, 4, 8, 0))
    req = clocks.do_request_extension(world.agent.user, c.pk, 4, "等配件")
    now.set(sh(2025, 3, 4, 9, 1))  # one minute past the deadline
    with pytest.raises(ValidationFailed) as exc:
        clocks.do_decide_extension(world.supervisor.user, req.pk, True)
    assert exc.value.code == "deadline_passed"
    assert clock(o).due_at == sh(2025, 3, 4, 9, 0)
    clocks.do_decide_extension(world.supervisor.user, req.pk, False, "已超时")
    with pytest.raises(ValidationFailed) as exc:
        clocks.do_request_extension(world.agent.user, c.pk, 4, "等配件")
    assert exc.value.code == "deadline_passed"


def _three_attempts(world: Any, o: WorkOrder, now: FakeClock, day: int = 3) -> None:
    """The default policy's proof: phone calls at 09:30, 11:30 and 13:30 (2 hours apart)."""
    for hour in (9, 11, 13):
        now.set(sh(2025, 3, day, hour, 30))
        unreachable.do_record_attempt(world.technician.user, o.number, "phone", "无人接听")


def test_unreachable_report_before_the_deadline_counts_as_on_time(world, now):
    now.set(sh(2025, 3, 3, 9, 0))
    o = world.order(world.customer())
    c = clock(o)
    _three_attempts(world, o, now)
    now.set(sh(2025, 3, 4, 8, 30))
    with pytest.raises(ValidationFailed):
        clocks.do_report_unreachable(world.agent.user, c.pk, "")
    clocks.do_report_unreachable(world.technician.user, c.pk, "按约8:00上门，敲门无人，电话三次未接")
    c = clock(o)
    assert c.status == "running" and c.unreachable_status == "pending"  # the leader decides first
    now.set(sh(2025, 3, 4, 9, 30))  # after the due time: the report counts as of 08:30
    unreachable.do_decide_unreachable(world.supervisor.user, c.pk, True)
    c = clock(o)
    assert c.status == "met_unreachable"
    assert (c.unreachable_reported_by, c.unreachable_reported_at) == (world.technician, sh(2025, 3, 4, 8, 30))
    assert WorkOrder.objects.get(pk=o.pk).due_at is None


def test_unreachable_report_after_the_deadline_stays_overdue(world, now):
    now.set(sh(2025, 3, 3, 9, 0))
    o = world.order(world.customer())
    _three_attempts(world, o, now)
    now.set(sh(2025, 3, 4, 10, 0))
    clocks.do_report_unreachable(world.agent.user, clock(o).pk, "上门无人")
    unreachable.do_decide_unreachable(world.supervisor.user, clock(o).pk, True)
    c = clock(o)
    assert c.status == "breached" and c.unreachable_report == "上门无人"


def test_missing_calendar_year_is_flagged_with_a_provisional_due_time(world, now):
    now.set(sh(2026, 12, 28, 10, 0))  # 5 working days reach into 2027, which has no data
    o = world.order(world.customer(), order_type="install_urban")
    c = clock(o)
    assert c.calendar_missing_year == 2027 and c.provisional
    # Tue 29, Wed 30, Thu 31 December, then 2027 on weekdays only: Fri 1, Mon 4 January
    assert c.due_at == sh(2027, 1, 4, 17, 30) and c.status == "running"
    assert WorkOrder.objects.get(pk=o.pk).due_provisional
    # an extension counts on the provisional deadline too: +1 working day → Tue 5 January
    req = clocks.do_request_extension(world.agent.user, c.pk, 1, "等待")
    clocks.do_decide_extension(world.supervisor.user, req.pk, True)
    assert clock(o).due_at == sh(2027, 1, 5, 17, 30) and clock(o).provisional
    # calendar hours need no holiday data
    assert clock(world.order(world.customer()), "resolution").due_at == sh(2026, 12, 29, 10, 0)


def test_branch_calendar_is_used_when_set(world, now):
    cal = BusinessCalendar.objects.create(name="城北营业厅", time_zone="Asia/Shanghai")
    for wd in range(6):  # Monday–Saturday 09:00–18:00, holidays unknown except 2025
        WorkingPeriod.objects.create(calendar=cal, weekday=wd, start=dt.time(9), end=dt.time(18))
    CalendarYear.objects.create(calendar=cal, year=2025)
    world.north.calendar = cal
    world.north.save()
    now.set(sh(2025, 3, 3, 10, 0))  # Monday; Saturdays count here
    o = world.order(world.customer(), order_type="install_urban")
    assert clock(o).calendar_id == cal.pk
    assert clock(o).due_at == sh(2025, 3, 8, 18, 0)


def test_changing_the_order_type_applies_the_limit_that_matches_now(world, now):
    now.set(sh(2025, 3, 3, 10, 0))
    o = world.order(world.customer())  # general fault: 24 calendar hours
    now.set(sh(2025, 3, 3, 11, 0))
    do_update_order(world.agent.user, o.pk, {"order_type": "fault_major"})
    c = clock(o)
    assert (c.unit, c.amount, c.started_at) == ("calendar_hours", Decimal("72.00"), sh(2025, 3, 3, 10, 0))
    assert c.due_at == sh(2025, 3, 6, 10, 0)
    assert WorkOrder.objects.get(pk=o.pk).due_at == sh(2025, 3, 6, 10, 0)
    do_update_order(world.agent.user, o.pk, {"order_type": "inquiry"})  # no time limit for inquiries
    assert clock(o).status == "cancelled"
    assert WorkOrder.objects.get(pk=o.pk).due_at is None
    do_update_order(world.agent.user, o.pk, {"order_type": "fault_general"})  # back: a new round
    assert (clock(o).round, clock(o).due_at) == (2, sh(2025, 3, 4, 10, 0))


def test_unreachable_report_needs_a_started_clock(world, now):
    now.set(sh(2025, 3, 3, 10, 0))
    o = world.order(world.customer(), order_type="install_urban")
    do_transition(world.agent.user, o.pk, "awaiting_materials")
    with pytest.raises(ValidationFailed) as exc:
        clocks.do_report_unreachable(world.agent.user, clock(o).pk, "上门无人")
    assert exc.value.code == "not_started"
    assert clock(o).unreachable_reported_at is None


def test_default_calendar_id_is_looked_up_again_after_the_cache_time(world, monkeypatch):
    """Another process's change sends no signal here: the cached id of "标准工作日" expires like the calendars."""
    import types

    t = [1000.0]
    monkeypatch.setattr(clocks, "time", types.SimpleNamespace(monotonic=lambda: t[0]))
    clocks.clear_calendar_cache()
    assert world.north.calendar_id is None
    office = BusinessCalendar.objects.get(name=clocks.OFFICE_CALENDAR)
    assert clocks.calendar_id_for_branch(world.north) == office.pk
    # as another process would: the default calendar renamed and a new one made (bulk writes send no signal)
    BusinessCalendar.objects.filter(pk=office.pk).update(name="旧标准日历")
    BusinessCalendar.objects.bulk_create(
        [BusinessCalendar(name=clocks.OFFICE_CALENDAR, time_zone="Asia/Shanghai")]
    )
    new = BusinessCalendar.objects.get(name=clocks.OFFICE_CALENDAR)
    assert clocks.calendar_id_for_branch(world.north) == office.pk  # still cached
    t[0] += clocks.CACHE_SECONDS
    assert clocks.calendar_id_for_branch(world.north) == new.pk
    clocks.clear_calendar_cache()


def test_flagged_clock_gets_its_due_time_once_the_year_is_entered(
    world, now, django_capture_on_commit_callbacks
):
    now.set(sh(2026, 12, 28, 10, 0))  # Monday; 5 working days reach into 2027, which has no data yet
    o = world.order(world.customer(), order_type="install_urban")
    c = clock(o)
    assert c.calendar_missing_year == 2027 and c.due_at == sh(2027, 1, 4, 17, 30)  # provisional
    assert clocks.recompute_missing() == 0  # still missing: stays flagged (provisional)
    assert clock(o).calendar_missing_year == 2027
    # the administrator enters 2027: New Year's Day (Friday 1 January) is a holiday
    with django_capture_on_commit_callbacks(execute=True):
        CalendarDay.objects.create(
            calendar_id=c.calendar_id, date=dt.date(2027, 1, 1), kind="holiday", name="元旦"
        )
        CalendarYear.objects.create(calendar_id=c.calendar_id, year=2027)
    c = clock(o)
    assert c.calendar_missing_year is None
    # Tue 29, Wed 30, Thu 31 December, (Fri 1 January off), Mon 4, Tue 5 January: due at the end of the
    # 5th working day (the office calendar closes at 17:30)
    assert c.due_at == sh(2027, 1, 5, 17, 30)
    assert WorkOrder.objects.get(pk=o.pk).due_at == c.due_at
    assert TimelineEntry.objects.filter(workorder=o, data__event="clock.recomputed").count() == 1
    assert clocks.recompute_missing() == 0  # nothing left to do
