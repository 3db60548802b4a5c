"""The demo data set: each branch's supervisor shares macros and queue views; a demo macro applies."""

from __future__ import annotations

import io

import pytest

from kefu.demo import load_demo
from kefu.macros import actions, saved
from kefu.macros.models import Macro, SavedView
from kefu.organization.models import Branch, Staff
from kefu.workorders.access import visible_workorders

pytestmark = pytest.mark.django_db


def test_demo_has_shared_macros_and_views_per_branch() -> None:
    load_demo(customers=20, orders=40, stdout=io.StringIO())
    branches = Branch.objects.count()
    assert Macro.objects.filter(owner__isnull=True, branch__isnull=False).count() == 4 * branches
    assert SavedView.objects.filter(owner__isnull=True).count() == 2 * branches
    agent = Staff.objects.filter(role="agent", branch__isnull=False, is_active=True).order_by("id").first()
    assert agent is not None
    names = {m.name for m in actions.visible_macros(agent)}
    assert {"已受理，安排上门", "已解决并回复"} <= names
    menu = saved.menu(agent.user, agent)
    assert [r["name"] for r in menu] == ["紧急工单", "已超时"] and all(r["count"] >= 0 for r in menu)
    order = visible_workorders(agent.user).filter(status="new").order_by("id").first()
    if order is not None:
        m = actions.visible_macros(agent).get(name="升为紧急并交维修班")
        assert actions.apply_to_order(agent.user, agent, m, order.pk) == ["note", "priority", "assign"]
