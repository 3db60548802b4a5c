"""Breach sweep (R-16): "deadline near" warnings at 75 %, breaches recorded and escalated to the responsible
staff's leader, each exactly once (also with parallel workers on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from kefu.audit.models import AuditRecord
from kefu.commitments import clocks, sweep
from kefu.commitments.models import Breach, OrderClock
from kefu.jobs import runner
from kefu.testing.clock import FakeClock, freeze, frozen_at, sh
from kefu.testing.threads import together
from kefu.workorders.actions import do_transfer, do_transition
from kefu.workorders.models import Escalation, TimelineEntry, WorkOrder

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _default_limits(db: Any) -> None:
    clocks.ensure_defaults()
    # these tests follow the type's clocks; the per-channel first-response limits (migration 0010) are
    # tested in test_response_clocks.py
    clocks.TimeLimit.objects.filter(order_type="", kind="first_response").update(is_active=False)


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """A settable clock for every ``timezone.now()`` in the project."""
    return freeze(monkeypatch, sh(2025, 3, 3, 9, 0))


def fault(world: Any, phone: str = "13800138000") -> WorkOrder:
    """A general fault registered Mon 2025-03-03 09:00: 24 calendar hours, due Tue 09:00, warning at 18 h
    (Tue 03:00)."""
    return world.order(world.customer(phone=phone))


def res(o: WorkOrder) -> OrderClock:
    return OrderClock.objects.get(workorder=o, kind="resolution")


@pytest.mark.django_db
def test_warning_at_75_percent_exactly_once(world, now):
    o = fault(world)
    c = res(o)
    assert (c.warn_at, c.due_at) == (sh(2025, 3, 4, 3, 0), sh(2025, 3, 4, 9, 0))
    assert sweep.sweep(now=sh(2025, 3, 4, 2, 59)) == sweep.SweepResult(warned=0, breached=0)
    assert sweep.sweep(now=sh(2025, 3, 4, 3, 0)) == sweep.SweepResult(warned=1, breached=0)
    assert sweep.sweep(now=sh(2025, 3, 4, 3, 30)) == sweep.SweepResult(warned=0, breached=0)
    c.refresh_from_db()
    assert c.warned_at == sh(2025, 3, 4, 3, 0) and c.breached_at is None and c.status == "running"
    entries = TimelineEntry.objects.filter(workorder=o, kind="system", data__event="clock.warning")
    assert entries.count() == 1
    assert entries.get().data["due_at"] == "2025-03-04T01:00:00+00:00"
    assert (
        AuditRecord.objects.filter(action="clock.warning", workorder_id=o.pk, actor_label="system").count()
        == 1
    )
    assert not Breach.objects.exists() and not Escalation.objects.exists()


@pytest.mark.django_db
def test_breach_exactly_once_escalated_to_the_owners_leader(world, now):
    o = fault(world)
    assert o.owner == world.agent and o.assignee is None
    # at the due time itself the commitment still holds (the rules say overdue only after it); the
    # warning that no sweep gave yet is given now
    assert sweep.sweep(now=sh(2025, 3, 4, 9, 0)) == sweep.SweepResult(warned=1, breached=0)
    detected = sh(2025, 3, 4, 9, 1)
    assert sweep.sweep(now=detected) == sweep.SweepResult(warned=0, breached=1)
    assert sweep.sweep(now=sh(2025, 3, 4, 9, 2)) == sweep.SweepResult(warned=0, breached=0)
    assert sweep.sweep(now=sh(2025, 3, 5, 9, 0)) == sweep.SweepResult(warned=0, breached=0)

    c = res(o)
    assert (c.status, c.breached_at) == ("breached", detected)
    assert c.warned_at == sh(2025, 3, 4, 9, 0)
    b = Breach.objects.get()
    assert (b.clock_id, b.workorder_id, b.kind, b.round) == (c.pk, o.pk, "resolution", 1)
    assert (b.due_at, b.detected_at) == (sh(2025, 3, 4, 9, 0), detected)
    assert (b.responsible, b.leader, b.escalated) == (world.agent, world.supervisor, True)
    esc = Escalation.objects.get()
    assert b.escalation == esc
    assert (esc.workorder_id, esc.leader, esc.raised_by, esc.created_at) == (
        o.pk,
        world.supervisor,
        None,
        detected,
    )
    assert "2025-03-04 09:00 (Asia/Shanghai)" in esc.reason
    o.refresh_from_db()
    assert o.escalated and o.priority == "high" and o.version == 2
    assert TimelineEntry.objects.filter(workorder=o, data__event="clock.breached").count() == 1
    assert TimelineEntry.objects.filter(workorder=o, kind="escalation", data__automatic=True).count() == 1
    assert AuditRecord.objects.filter(action="clock.breached", workorder_id=o.pk).count() == 1
    assert AuditRecord.objects.filter(action="order.escalate", workorder_id=o.pk).count() == 1
    # the stored status agrees with the live computation of the order page and the API
    now.set(sh(2025, 3, 4, 9, 5))
    st = clocks.state(c)
    assert st is not None and st.status.value == c.status == "breached"
    # a later change of the order (recomputing the clock) keeps it overdue and does not breach it again
    do_transition(world.agent.user, o.pk, "in_progress")
    assert res(o).status == "breached"
    assert sweep.sweep(now=sh(2025, 3, 4, 9, 6)).breached == 0
    do_transition(world.agent.user, o.pk, "resolved", resolution="更换光猫")
    assert res(o).status == "late"
    assert sweep.sweep(now=sh(2025, 3, 4, 10, 0)).breached == 0
    assert Breach.objects.count() == 1 and Escalation.objects.count() == 1


@pytest.mark.django_db
def test_order_page_and_leaders_escalation_list_show_the_breach(world, now):
    o = fault(world)
    sweep.sweep(now=sh(2025, 3, 4, 9, 1))
    now.set(sh(2025, 3, 4, 9, 30))
    client = Client()
    client.force_login(world.agent.user)
    page = client.get(reverse("console:order_detail", args=[o.number])).content.decode()
    assert 'data-testid="clock-breached"' in page
    assert 'data-testid="clock-breached-event"' in page and "2025-03-04 09:00" in page
    leader = Client()
    leader.force_login(world.supervisor.user)
    listing = leader.get(reverse("console:escalations")).content.decode()
    esc = Escalation.objects.get()
    assert f'id="escalation-{esc.pk}"' in listing and o.number in listing
    # another leader does not get it
    other = Client()
    other.force_login(world.supervisor_south.user)
    assert f'id="escalation-{esc.pk}"' not in other.get(reverse("console:escalations")).content.decode()


@pytest.mark.django_db
def test_warning_shows_on_the_order_timeline(world, now):
    o = fault(world)
    sweep.sweep(now=sh(2025, 3, 4, 3, 0))
    now.set(sh(2025, 3, 4, 3, 10))
    client = Client()
    client.force_login(world.agent.user)
    page = client.get(reverse("console:order_detail", args=[o.number])).content.decode()
    assert 'data-testid="clock-warning-event"' in page and "2025-03-04 09:00" in page


@pytest.mark.django_db
def test_responsible_is_the_assignee_and_the_escalation_goes_to_the_assignees_leader(world, now):
    tech = world.technician
    tech.leader = world.president
    tech.save()
    o = fault(world)
    do_transfer(world.agent.user, o.pk, to_staff_id=tech.pk, reason="上门维修")
    assert sweep.sweep(now=sh(2025, 3, 4, 10, 0)).breached == 1
    b = Breach.objects.get()
    assert (b.responsible, b.leader) == (tech, world.president)
    assert Escalation.objects.get().leader == world.president


@pytest.mark.django_db
def test_without_a_leader_the_branch_supervisor_receives_it(world, now):
    agent = world.agent
    agent.leader = None
    agent.save()
    fault(world)
    sweep.sweep(now=sh(2025, 3, 4, 10, 0))
    b = Breach.objects.get()
    assert (b.responsible, b.leader) == (agent, world.supervisor)  # organization.rules.leader_of


@pytest.mark.django_db
def test_paused_clock_never_breaches_while_paused(world, now):
    o = fault(world)
    now.set(sh(2025, 3, 3, 13, 0))  # 4 h used, 20 h left
    do_transition(world.agent.user, o.pk, "pending_customer", reason="约上门时间")
    assert res(o).status == "paused"
    assert sweep.sweep(now=sh(2025, 3, 10, 9, 0)) == sweep.SweepResult(warned=0, breached=0)
    now.set(sh(2025, 3, 10, 9, 0))  # a week later the customer answers: 20 h left → due Tue 05:00
    do_transition(world.agent.user, o.pk, "in_progress")
    c = res(o)
    assert (c.status, c.due_at, c.warn_at) == ("running", sh(2025, 3, 11, 5, 0), sh(2025, 3, 10, 23, 0))
    assert sweep.sweep(now=sh(2025, 3, 10, 23, 0)) == sweep.SweepResult(warned=1, breached=0)
    assert sweep.sweep(now=sh(2025, 3, 11, 5, 1)) == sweep.SweepResult(warned=0, breached=1)


@pytest.mark.django_db
def test_clock_stopped_in_time_never_breaches(world, now):
    o = fault(world)
    now.set(sh(2025, 3, 3, 20, 0))
    do_transition(world.agent.user, o.pk, "resolved", resolution="更换光猫")
    assert sweep.sweep(now=sh(2025, 3, 9, 0, 0)) == sweep.SweepResult(warned=0, breached=0)
    assert res(o).status == "met" and not Breach.objects.exists()


@pytest.mark.django_db
def test_clock_ended_late_between_sweeps_is_recorded_but_not_escalated(world, now):
    o = fault(world)
    now.set(sh(2025, 3, 4, 9, 0, 30))  # 30 s late, before the next sweep
    do_transition(world.agent.user, o.pk, "resolved", resolution="更换光猫")
    assert res(o).status == "late"
    assert sweep.sweep(now=sh(2025, 3, 4, 9, 1)).breached == 1
    b = Breach.objects.get()
    assert (b.responsible, b.escalated, b.escalation) == (world.agent, False, None)
    assert res(o).status == "late"
    assert not Escalation.objects.exists() and not WorkOrder.objects.get(pk=o.pk).escalated


@pytest.mark.django_db
def test_provisional_deadlines_are_watched_and_unstarted_clocks_skipped(world, now):
    # 5 working days from Mon 2026-12-28 need January 2027, which the calendar lacks: provisional due
    # Mon 2027-01-04 17:30 (weekdays only), watched like any other deadline
    now.set(sh(2026, 12, 28, 10, 0))
    provisional = world.order(world.customer(), order_type="install_urban", title="开户安装")
    c = res(provisional)
    assert c.calendar_missing_year == 2027 and c.due_at == sh(2027, 1, 4, 17, 30) and c.status == "running"
    # an installation still awaiting materials has not started
    waiting = world.order(world.customer(phone="13900139000"), order_type="install_urban", title="安装")
    do_transition(world.agent.user, waiting.pk, "awaiting_materials")
    assert res(waiting).status == "not_started"
    assert sweep.sweep(now=sh(2027, 1, 4, 17, 31)) == sweep.SweepResult(warned=0, breached=1)
    assert Breach.objects.get().workorder_id == provisional.pk


@pytest.mark.django_db
def test_no_warning_once_the_deadline_has_passed(world, now):
    o = fault(world)
    assert sweep.sweep(now=sh(2025, 3, 4, 9, 1)) == sweep.SweepResult(warned=0, breached=1)
    assert sweep.sweep(now=sh(2025, 3, 4, 9, 2)) == sweep.SweepResult(warned=0, breached=0)
    assert res(o).warned_at is None
    assert not TimelineEntry.objects.filter(data__event="clock.warning").exists()


@pytest.mark.django_db
def test_warning_fraction_is_configurable(world, now, settings):
    settings.KEFU_CLOCK_WARN_FRACTION = 0.5
    c = res(fault(world))
    assert c.warn_at == sh(2025, 3, 3, 21, 0)
    assert sweep.sweep(now=sh(2025, 3, 3, 21, 0)).warned == 1


@pytest.mark.django_db
def test_batches_cover_everything_due(world, now):
    orders = [fault(world, phone=f"1380013{i:04d}") for i in range(7)]
    assert sweep.sweep(now=sh(2025, 3, 4, 9, 1), batch=3) == sweep.SweepResult(warned=0, breached=7)
    assert Breach.objects.count() == 7 == Escalation.objects.count()
    assert set(Breach.objects.values_list("workorder_id", flat=True)) == {o.pk for o in orders}


@pytest.mark.django_db(transaction=True)
def test_worker_job_runs_the_sweep(world, now, settings):
    clocks.ensure_defaults()
    runner.load_job_modules()
    job = runner.JOBS["commitments.breach_sweep"]
    assert (
        job.interval == dt.timedelta(seconds=settings.KEFU_BREACH_SWEEP_SECONDS) == dt.timedelta(seconds=60)
    )
    fault(world)
    now.set(sh(2025, 3, 4, 9, 1))
    assert "commitments.breach_sweep" in runner.run_due_jobs("w1")
    assert Breach.objects.count() == 1


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_parallel_workers_breach_and_warn_exactly_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("parallel claiming is exercised on PostgreSQL (SQLite serialises writers)")
    clocks.ensure_defaults()

    with frozen_at(sh(2025, 3, 3, 9, 0)):
        late = [fault(world, phone=f"1380013{i:04d}") for i in range(24)]
    with frozen_at(sh(2025, 3, 3, 20, 0)):
        near = [fault(world, phone=f"1390013{i:04d}") for i in range(24)]
    # Tue 14:30: the first 24 are overdue (due Tue 09:00); the other 24 (due Tue 20:00) warn from 14:00
    at = sh(2025, 3, 4, 14, 30)

    def worker(_: int) -> list[sweep.SweepResult]:
        return [sweep.sweep(now=at, batch=5) for _ in range(3)]

    results = [r for rs in together(worker, range(4)) for r in rs]
    assert sum(r.breached for r in results) == 24
    assert sum(r.warned for r in results) == 24
    assert Breach.objects.count() == 24 == Escalation.objects.count()
    assert sorted(Breach.objects.values_list("workorder_id", flat=True)) == sorted(o.pk for o in late)
    assert TimelineEntry.objects.filter(data__event="clock.warning").count() == 24
    assert sorted(
        TimelineEntry.objects.filter(data__event="clock.warning").values_list("workorder_id", flat=True)
    ) == sorted(o.pk for o in near)
    assert AuditRecord.objects.filter(action="clock.breached").count() == 24
    assert WorkOrder.objects.filter(escalated=True).count() == 24


@pytest.mark.pg
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sweep_over_100k_open_orders_is_fast(world):
    """The sweep's quality bar: under 2 s on PostgreSQL for 100,000 open orders, nothing due."""
    if connection.vendor != "postgresql":
        pytest.skip("the figure is about PostgreSQL")
    from kefu.testing.bulk_orders import build_open_orders

    at = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
    build_open_orders(100_000, now=at, due=0, near=0, world=world)
    with connection.cursor() as cur:
        cur.execute("ANALYZE commitments_orderclock")
    t0 = time.perf_counter()
    result = sweep.sweep(now=at)
    elapsed = time.perf_counter() - t0
    assert result == sweep.SweepResult(warned=0, breached=0)
    assert elapsed < 2.0, elapsed


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_an_order_locked_by_another_transaction_waits_for_the_next_sweep(world):
    """Lock order work order → clocks: the sweep skips an order someone is changing instead of waiting."""
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's")
    clocks.ensure_defaults()

    from django.db import transaction

    with frozen_at(sh(2025, 3, 3, 9, 0)):
        busy, free = fault(world), fault(world, phone="13900139000")
    locked, release = threading.Event(), threading.Event()

    def holder() -> None:
        try:
            with transaction.atomic():
                WorkOrder.objects.select_for_update().get(pk=busy.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    t = threading.Thread(target=holder)
    t.start()
    try:
        assert locked.wait(timeout=10)
        started = time.perf_counter()
        assert sweep.sweep(now=sh(2025, 3, 4, 9, 1)).breached == 1
        assert time.perf_counter() - started < 5  # did not wait for the lock
        assert list(Breach.objects.values_list("workorder_id", flat=True)) == [free.pk]
    finally:
        release.set()
        t.join(timeout=30)
    assert sweep.sweep(now=sh(2025, 3, 4, 9, 2)).breached == 1
    assert sorted(Breach.objects.values_list("workorder_id", flat=True)) == sorted([busy.pk, free.pk])
