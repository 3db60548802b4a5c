"""Supervision notices (督办): issued, answered by resolution or a written reply, overdue ones reported to the
next level exactly once with an escalation and an accountability record. Area contracting (R-30): dated
history of the responsible staff."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kefu.audit.models import AuditRecord
from kefu.lib.errors import NotFound, PermissionDenied, ValidationFailed
from kefu.organization.models import ServiceArea
from kefu.supervision import actions, jobs
from kefu.supervision.models import AccountabilityRecord, AreaAssignment, SupervisionNotice
from kefu.testing.clock import frozen_at, sh
from kefu.testing.threads import together
from kefu.workorders.actions import do_transition
from kefu.workorders.models import Escalation, TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db


def issue(world: Any, o: WorkOrder, by: Any = None, due: dt.datetime | None = None) -> SupervisionNotice:
    return actions.do_issue_notice(
        (by or world.supervisor).user, o.number, "请今天内上门处理", due or sh(2026, 3, 3, 17, 0)
    )


def test_issue_rules(world: Any, now: Any) -> None:
    o = world.order(world.customer())
    with pytest.raises(PermissionDenied):
        issue(world, o, by=world.agent_senior)
    with pytest.raises(NotFound):
        issue(world, o, by=world.supervisor_south)
    with pytest.raises(ValidationFailed) as e:
        issue(world, o, due=sh(2026, 3, 2, 8, 0))
    assert e.value.field == "due_at"
    n = issue(world, o, by=world.inspector)
    assert (n.branch, n.issued_by, n.status, n.due_at) == (
        world.north,
        world.inspector,
        "open",
        sh(2026, 3, 3, 17, 0),
    )
    assert TimelineEntry.objects.filter(workorder=o, data__event="supervision.notice").count() == 1
    assert AuditRecord.objects.filter(action="supervision.notice", workorder_id=o.pk).count() == 1


def test_resolving_the_order_answers_the_notice(world: Any, now: Any) -> None:
    o = world.order(world.customer())
    n = issue(world, o)
    now.set(sh(2026, 3, 2, 15, 0))
    do_transition(world.agent.user, o.pk, "resolved", resolution="更换光猫")
    n.refresh_from_db()
    assert (n.status, n.answered_how, n.answered_by, n.answered_at, n.answer) == (
        "answered",
        "resolved",
        world.agent,
        sh(2026, 3, 2, 15, 0),
        "更换光猫",
    )
    now.set(sh(2026, 3, 4, 9, 0))
    assert actions.report_overdue() == 0
    with pytest.raises(ValidationFailed):
        issue(world, o)  # resolved: nothing to supervise


def test_written_answer(world: Any, now: Any) -> None:
    o = world.order(world.customer())
    n = issue(world, o)
    with pytest.raises(PermissionDenied):
        actions.do_answer_notice(world.supervisor.user, n.pk, "我自己答")  # the issuer
    with pytest.raises(NotFound):
        actions.do_answer_notice(world.agent_south.user, n.pk, "?")
    with pytest.raises(ValidationFailed):
        actions.do_answer_notice(world.agent.user, n.pk, " ")
    n = actions.do_answer_notice(world.agent.user, n.pk, "已约客户明早上门")
    assert (n.status, n.answered_how, n.answer) == ("answered", "reply", "已约客户明早上门")
    with pytest.raises(ValidationFailed):
        actions.do_answer_notice(world.agent.user, n.pk, "again")


def test_overdue_notice_reported_once_to_the_next_level(world: Any, now: Any) -> None:
    o = world.order(world.customer())
    by_sup = issue(world, o)  # 王经理 → his leader, 总经理
    by_insp = issue(world, o, by=world.inspector)  # the inspector has no leader → company-level admin
    now.set(sh(2026, 3, 3, 16, 59))
    assert jobs.overdue_notices() == 0
    now.set(sh(2026, 3, 3, 17, 1))
    assert jobs.overdue_notices() == 2
    assert jobs.overdue_notices() == 0
    now.set(sh(2026, 3, 5, 9, 0))
    assert actions.report_overdue() == 0
    by_sup.refresh_from_db()
    by_insp.refresh_from_db()
    assert (by_sup.overdue_reported_at, by_sup.reported_to, by_sup.status) == (
        sh(2026, 3, 3, 17, 1),
        world.president,
        "open",
    )
    assert by_insp.reported_to == world.admin
    esc = Escalation.objects.filter(workorder=o, raised_by__isnull=True).order_by("pk")
    assert [e.leader for e in esc] == [world.president, world.admin]
    assert by_sup.escalation == esc[0]
    o.refresh_from_db()
    assert o.escalated
    recs = AccountabilityRecord.objects.filter(kind="notice_overdue").order_by("source_id")
    assert [(r.source_id, r.staff, r.manager) for r in recs] == [
        (by_sup.pk, world.agent, world.supervisor),
        (by_insp.pk, world.agent, world.supervisor),
    ]
    assert AuditRecord.objects.filter(action="supervision.overdue").count() == 2
    # answered late: still answered, not reported again
    actions.do_answer_notice(world.agent.user, by_sup.pk, "已处理")
    assert actions.report_overdue() == 0


def test_conditional_update_claims_a_notice_once(world: Any, now: Any) -> None:
    o = world.order(world.customer())
    n = issue(world, o)
    # another worker got there first
    SupervisionNotice.objects.filter(pk=n.pk).update(overdue_reported_at=sh(2026, 3, 3, 17, 0))
    now.set(sh(2026, 3, 4, 9, 0))
    assert actions.report_overdue() == 0
    assert not Escalation.objects.filter(workorder=o).exists()


# --- areas -------------------------------------------------------------------------------------------------


def test_area_assignment_history(world: Any, now: Any) -> None:
    area = world.area_n1
    area.responsible.set([world.agent])  # responsible before the history began
    with pytest.raises(PermissionDenied):
        actions.do_assign_area(world.agent.user, area.pk, [world.agent_senior.pk], dt.date(2026, 3, 1))
    with pytest.raises(NotFound):
        actions.do_assign_area(
            world.supervisor_south.user, area.pk, [world.agent_south.pk], dt.date(2026, 3, 1)
        )
    with pytest.raises(ValidationFailed) as e:
        actions.do_assign_area(world.supervisor.user, area.pk, [world.agent_south.pk], dt.date(2026, 3, 1))
    assert e.value.code == "other_branch"
    with pytest.raises(ValidationFailed) as e:
        actions.do_assign_area(world.supervisor.user, area.pk, [world.agent.pk], dt.date(2026, 3, 1))
    assert e.value.code == "unchanged"
    actions.do_assign_area(world.supervisor.user, area.pk, [world.agent_senior.pk], dt.date(2026, 3, 1))
    actions.do_assign_area(
        world.supervisor.user, area.pk, [world.agent_senior.pk, world.technician.pk], dt.date(2026, 6, 1)
    )
    with pytest.raises(ValidationFailed) as e:  # 赵客服 took over on 03-01
        actions.do_assign_area(world.supervisor.user, area.pk, [world.technician.pk], dt.date(2026, 2, 1))
    assert e.value.code == "before_start"
    actions.do_assign_area(
        world.admin.user, area.pk, [world.technician.pk], dt.date(2026, 9, 1), published=False
    )
    rows = [
        (a.staff.name, a.from_date, a.to_date, a.published)
        for a in AreaAssignment.objects.filter(area=area).order_by("staff__name", "from_date")
    ]
    assert rows == [
        ("孙师傅", dt.date(2026, 6, 1), None, True),
        ("李客服", None, dt.date(2026, 3, 1), True),
        ("赵客服", dt.date(2026, 3, 1), dt.date(2026, 9, 1), True),
    ]
    assert list(ServiceArea.objects.get(pk=area.pk).responsible.all()) == [world.technician]
    logs = AuditRecord.objects.filter(action="area.assign").order_by("pk")
    assert [(x.after or {}).get("responsible") for x in logs] == [
        [world.agent_senior.pk],
        sorted([world.agent_senior.pk, world.technician.pk]),
        [world.technician.pk],
    ]
    assert logs[0].before == {"responsible": [world.agent.pk]}
    changes = actions.recent_changes()
    assert all(c.published for c in changes) and len(changes) == 3


def test_the_worker_runs_the_supervision_jobs(world: Any, now: Any) -> None:
    from kefu.jobs import runner

    o = world.order(world.customer())
    issue(world, o)
    now.set(sh(2026, 3, 4, 9, 0))
    ran = runner.run_due_jobs("w1")
    assert {"supervision.accountability", "supervision.overdue_notices"} <= set(ran)
    assert SupervisionNotice.objects.get().overdue_reported_at == sh(2026, 3, 4, 9, 0)
    assert AccountabilityRecord.objects.filter(kind="notice_overdue").count() == 1


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_parallel_workers_report_each_overdue_notice_once(world: Any) -> None:

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("parallel claiming is exercised on PostgreSQL (SQLite serialises writers)")
    with frozen_at(sh(2026, 3, 2, 9, 0)):
        orders = [world.order(world.customer(phone=f"1380013{i:04d}")) for i in range(6)]
        notices = [issue(world, o, by=by) for o in orders for by in (world.supervisor, world.inspector)]
    at = sh(2026, 3, 4, 9, 0)

    def worker(_: int) -> list[int]:
        return [actions.report_overdue(now=at) for _ in range(2)]

    results = [n for ns in together(worker, range(4)) for n in ns]
    assert sum(results) == len(notices) == 12
    assert Escalation.objects.filter(raised_by__isnull=True).count() == 12
    assert AccountabilityRecord.objects.filter(kind="notice_overdue").count() == 12
    assert AuditRecord.objects.filter(action="supervision.overdue").count() == 12
