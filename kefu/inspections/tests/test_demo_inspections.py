"""The demo data set includes inspections (one mystery shopping unpublished, an overdue corrective action),
plans and a required course whose exam two counter staff have not passed."""

from __future__ import annotations

import io

import pytest

from kefu.demo import load_demo
from kefu.inspections import training
from kefu.inspections.models import CorrectiveAction, Inspection, InspectionPlan
from kefu.organization.models import Staff

pytestmark = pytest.mark.django_db


def test_demo_has_inspections_and_training() -> None:
    load_demo(customers=40, orders=120, stdout=io.StringIO())
    assert Inspection.objects.count() == 5
    assert Inspection.objects.filter(kind="mystery", published=False).count() == 1
    late = CorrectiveAction.objects.get(status="open")
    assert late.overdue and late.overdue_flagged_at is not None
    assert CorrectiveAction.objects.filter(status="done").count() == 1
    assert InspectionPlan.objects.count() == 2
    untrained = {s.user.username for s in Staff.objects.select_related("user") if training.missing_for(s)}
    assert untrained == {"agent3", "agent5"}
