"""Inspections over the database: creation and validation, branch scoping, mystery-shopping visibility,
corrective actions (owner marks done, overdue flagged once), plans and their progress."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from kefu.audit.models import AuditRecord
from kefu.channels.models.gateways import Call
from kefu.inspections import actions
from kefu.inspections.access import visible_inspections
from kefu.inspections.actions import InspectionInput
from kefu.inspections.models import CorrectiveAction, Inspection, InspectionScore, ScoreItem, ScoreSheet
from kefu.lib.errors import Conflict, Errors, NotFound, PermissionDenied, ValidationFailed
from kefu.organization.models import Outlet

pytestmark = pytest.mark.django_db


@pytest.fixture
def sheet(db: Any) -> ScoreSheet:
    s = ScoreSheet.objects.create(name="测试检查表")
    ScoreItem.objects.create(sheet=s, category="language", text="文明用语", max_points=10, position=1)
    ScoreItem.objects.create(sheet=s, category="attitude", text="态度", max_points=10, position=2)
    ScoreItem.objects.create(sheet=s, category="appearance", text="着装", max_points=5, position=3)
    return s


def scores(sheet: ScoreSheet, *points: int) -> dict[int, int]:
    return dict(zip(sheet.items.order_by("position").values_list("pk", flat=True), points, strict=True))


def inspect(world: Any, sheet: ScoreSheet, actor: Any = None, **kw: Any) -> Inspection:
    data: dict[str, Any] = {
        "kind": "spot",
        "sheet_id": sheet.pk,
        "inspected_on": timezone.localdate(),
        "scores": scores(sheet, 8, 10, 3),
        "staff_id": world.agent.pk,
    }
    data.update(kw)
    return actions.do_create_inspection((actor or world.inspector).user, InspectionInput(**data))


def test_seeded_sheets_total_100() -> None:
    names = set(ScoreSheet.objects.values_list("name", flat=True))
    assert {"营业厅柜台服务检查表", "热线电话服务检查表"} <= names
    for s in ScoreSheet.objects.filter(name__in=["营业厅柜台服务检查表", "热线电话服务检查表"]):
        assert sum(s.items.values_list("max_points", flat=True)) == 100
        cats = set(s.items.values_list("category", flat=True))
        assert {"language", "attitude", "facilities", "quality"} <= cats


def test_create_stores_scores_total_and_percentage(world: Any, sheet: ScoreSheet) -> None:
    insp = inspect(world, sheet, findings="未佩戴工号牌", comments="整体良好")
    insp.refresh_from_db()
    assert (insp.points, insp.max_points, insp.percentage) == (21, 25, Decimal("84.0"))
    assert insp.branch_id == world.north.pk and insp.subject_kind == "staff" and insp.published
    assert list(InspectionScore.objects.filter(inspection=insp).values_list("points", flat=True)) == [
        8,
        10,
        3,
    ]
    rec = AuditRecord.objects.get(action="inspection.create")
    assert rec.object_id == str(insp.pk) and "84.0%" in rec.summary


def test_scores_out_of_range_and_missing_are_refused(world: Any, sheet: ScoreSheet) -> None:
    ids = list(sheet.items.order_by("position").values_list("pk", flat=True))
    with pytest.raises(Errors) as exc:
        inspect(world, sheet, scores={ids[0]: 11, ids[1]: 5})
    fields = [e.field for e in exc.value.errors]
    assert fields == [f"score_{ids[0]}", f"score_{ids[2]}"]
    with pytest.raises(ValidationFailed) as one:
        inspect(world, sheet, staff_id=None)
    assert one.value.field == "subject"
    with pytest.raises(ValidationFailed):
        inspect(world, sheet, inspected_on=timezone.localdate() + dt.timedelta(days=1))
    assert not Inspection.objects.exists()


def test_subjects_outlet_order_and_call(world: Any, sheet: ScoreSheet) -> None:
    outlet = Outlet.objects.create(branch=world.south, name="城南营业厅", address="南湖路1号")
    a = inspect(world, sheet, staff_id=None, outlet_id=outlet.pk)
    assert (a.subject_kind, a.branch_id, a.subject) == ("outlet", world.south.pk, outlet)
    o = world.order(world.customer())
    b = inspect(world, sheet, staff_id=None, order_number=o.number.lower())
    assert (b.subject_kind, b.workorder_id, b.staff_id, b.branch_id) == (
        "order",
        o.pk,
        o.owner_id,
        world.north.pk,
    )
    call = Call.objects.create(
        call_id="cti-1",
        caller="13800138000",
        staff=world.agent,
        branch=world.north,
        started_at=timezone.now(),
    )
    c = inspect(world, sheet, staff_id=None, call_id="cti-1", kind="self")
    assert (c.subject_kind, c.call_id, c.staff_id) == ("call", call.pk, world.agent.pk)
    with pytest.raises(ValidationFailed) as exc:
        inspect(world, sheet, staff_id=None, call_id="nope")
    assert exc.value.field == "call_id"


def test_who_may_inspect_where(world: Any, sheet: ScoreSheet) -> None:
    with pytest.raises(PermissionDenied):
        inspect(world, sheet, actor=world.agent)
    inspect(world, sheet, actor=world.supervisor)  # own branch
    with pytest.raises(ValidationFailed) as exc:
        inspect(world, sheet, actor=world.supervisor, staff_id=world.agent_south.pk)
    assert exc.value.code == "other_branch"
    inspect(world, sheet, actor=world.inspector, staff_id=world.agent_south.pk)  # anywhere
    inspect(world, sheet, actor=world.admin, staff_id=world.agent_south.pk)
    assert Inspection.objects.count() == 3


def test_branch_scoping_of_the_list(world: Any, sheet: ScoreSheet) -> None:
    north = inspect(world, sheet)
    south = inspect(world, sheet, staff_id=world.agent_south.pk)
    assert set(visible_inspections(world.supervisor)) == {north}
    assert set(visible_inspections(world.supervisor_south)) == {south}
    assert set(visible_inspections(world.inspector)) == {north, south}
    assert set(visible_inspections(world.agent)) == {north}  # about themselves
    assert set(visible_inspections(world.agent_senior)) == set()
    with pytest.raises(NotFound):
        actions.access_inspection(world.supervisor.user, south.pk)


def test_mystery_shopping_hidden_from_the_inspected_until_published(world: Any, sheet: ScoreSheet) -> None:
    insp = inspect(world, sheet, kind="mystery")
    assert insp.published is False
    assert list(visible_inspections(world.agent)) == []
    with pytest.raises(NotFound):
        actions.access_inspection(world.agent.user, insp.pk)
    assert list(visible_inspections(world.supervisor)) == [insp]  # the branch's supervisor sees it
    act = actions.do_add_corrective_action(
        world.inspector.user,
        insp.pk,
        description="复训服务用语",
        owner_id=world.agent.pk,
        due_on=timezone.localdate(),
    )
    with pytest.raises(NotFound):  # the owner cannot even see it before publication
        actions.do_complete_action(world.agent.user, act.pk)
    with pytest.raises(PermissionDenied):
        actions.do_publish_inspection(world.agent.user, insp.pk)
    actions.do_publish_inspection(world.inspector.user, insp.pk)
    assert list(visible_inspections(world.agent)) == [insp]
    with pytest.raises(Conflict):
        actions.do_publish_inspection(world.inspector.user, insp.pk)
    assert AuditRecord.objects.filter(action="inspection.publish").count() == 1


def test_corrective_action_done_only_by_its_owner(world: Any, sheet: ScoreSheet) -> None:
    insp = inspect(world, sheet)
    with pytest.raises(Errors):
        actions.do_add_corrective_action(
            world.inspector.user, insp.pk, description="", owner_id=None, due_on=None
        )
    with pytest.raises(ValidationFailed) as exc:
        actions.do_add_corrective_action(
            world.inspector.user,
            insp.pk,
            description="整改",
            owner_id=world.agent_south.pk,
            due_on=timezone.localdate(),
        )
    assert exc.value.field == "owner"
    with pytest.raises(PermissionDenied):
        actions.do_add_corrective_action(
            world.agent.user,
            insp.pk,
            description="整改",
            owner_id=world.agent.pk,
            due_on=timezone.localdate(),
        )
    act = actions.do_add_corrective_action(
        world.supervisor.user,
        insp.pk,
        description="佩戴工号牌",
        owner_id=world.agent_senior.pk,
        due_on=timezone.localdate() + dt.timedelta(days=3),
    )
    # the owner sees the inspection although it is not about them; someone else does not
    assert list(visible_inspections(world.agent_senior)) == [insp]
    with pytest.raises(NotFound):
        actions.do_complete_action(world.agent.user, act.pk)  # sees the inspection, but is not the owner
    with pytest.raises(NotFound):
        actions.do_complete_action(world.supervisor.user, act.pk)
    done = actions.do_complete_action(world.agent_senior.user, act.pk, note="已佩戴")
    assert (done.status, done.done_note) == ("done", "已佩戴") and done.done_at is not None
    with pytest.raises(Conflict):
        actions.do_complete_action(world.agent_senior.user, act.pk)
    assert AuditRecord.objects.filter(action="inspection.action_done", object_id=str(act.pk)).count() == 1


def test_overdue_flagged_once(world: Any, sheet: ScoreSheet) -> None:
    insp = inspect(world, sheet, inspected_on=timezone.localdate() - dt.timedelta(days=10))
    today = timezone.localdate()
    late = actions.do_add_corrective_action(
        world.inspector.user,
        insp.pk,
        description="A",
        owner_id=world.agent.pk,
        due_on=today - dt.timedelta(days=1),
    )
    due_today = actions.do_add_corrective_action(
        world.inspector.user, insp.pk, description="B", owner_id=world.agent.pk, due_on=today
    )
    done_late = actions.do_add_corrective_action(
        world.inspector.user,
        insp.pk,
        description="C",
        owner_id=world.agent.pk,
        due_on=today - dt.timedelta(days=2),
    )
    actions.do_complete_action(world.agent.user, done_late.pk)
    assert late.overdue and late.display_status == "overdue" and not due_today.overdue
    assert actions.flag_overdue_actions() == 1
    assert actions.flag_overdue_actions() == 0  # once
    assert actions.flag_overdue_actions(today + dt.timedelta(days=1)) == 1  # B is late tomorrow
    late.refresh_from_db()
    assert late.overdue_flagged_at is not None
    recs = AuditRecord.objects.filter(action="inspection.action_overdue")
    assert sorted(int(r.object_id) for r in recs) == [late.pk, due_today.pk]
    assert CorrectiveAction.objects.get(pk=done_late.pk).overdue_flagged_at is None


def test_overdue_job_is_registered() -> None:
    from kefu.jobs import runner
    from kefu.jobs.registry import JOBS

    runner.load_job_modules()
    assert JOBS["inspections.overdue_actions"].interval == dt.timedelta(hours=1)


def test_plans_and_progress(world: Any, sheet: ScoreSheet) -> None:
    d = dt.date(2026, 3, 10)
    for _ in range(3):
        inspect(world, sheet, inspected_on=d)  # north
    inspect(world, sheet, inspected_on=d, staff_id=world.agent_south.pk)  # south
    inspect(world, sheet, inspected_on=d, kind="mystery")  # another kind
    inspect(world, sheet, inspected_on=dt.date(2026, 5, 1))  # outside the period
    north = actions.do_create_plan(
        world.supervisor.user,
        name="城北抽查",
        scope="branch",
        branch_id=world.south.pk,  # a supervisor's branch plan is always their own branch
        kind="spot",
        starts_on=dt.date(2026, 3, 1),
        ends_on=dt.date(2026, 4, 30),
        per_month=2,
    )
    assert north.branch_id == world.north.pk
    with pytest.raises(ValidationFailed):
        actions.do_create_plan(
            world.supervisor.user,
            name="全公司",
            scope="company",
            branch_id=None,
            kind="spot",
            starts_on=dt.date(2026, 3, 1),
            ends_on=dt.date(2026, 3, 31),
            per_month=2,
        )
    company = actions.do_create_plan(
        world.inspector.user,
        name="全公司抽查",
        scope="company",
        branch_id=None,
        kind="spot",
        starts_on=dt.date(2026, 3, 1),
        ends_on=dt.date(2026, 3, 31),
        per_month=5,
    )
    from kefu.inspections.models import InspectionPlan

    rows = {p.pk: pr for p, pr in actions.plans_with_progress(InspectionPlan.objects.all())}
    assert (rows[north.pk].done, rows[north.pk].target, rows[north.pk].percentage) == (3, 4, Decimal("75.0"))
    assert (rows[company.pk].done, rows[company.pk].target, rows[company.pk].percentage) == (
        4,
        5,
        Decimal("80.0"),
    )
    assert AuditRecord.objects.filter(action="inspection.plan_create").count() == 2
