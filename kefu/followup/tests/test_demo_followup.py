"""The demo data set includes follow-ups: tasks of resolved orders (results recorded, some open),
plans of business customers and their first visits."""

from __future__ import annotations

import io

import pytest

from kefu.demo import load_demo
from kefu.followup.models import FollowupAttempt, FollowupPlan, FollowupTask

pytestmark = pytest.mark.django_db


def test_demo_has_follow_ups() -> None:
    load_demo(customers=40, orders=120, stdout=io.StringIO())
    order_tasks = FollowupTask.objects.filter(kind="order")
    assert order_tasks.filter(status="done", satisfaction__isnull=False, solved=True).exists()
    assert order_tasks.filter(status="open").exists()  # resolved orders still waiting for their follow-up
    assert all(t.due_at is not None for t in order_tasks)
    assert (
        FollowupAttempt.objects.filter(outcome="reached").count() == order_tasks.filter(status="done").count()
    )
    assert FollowupPlan.objects.count() == 6
    visits = FollowupTask.objects.filter(kind="visit")
    assert visits.count() == 2 and all(v.assignee_id is not None for v in visits)
    # every order task belongs to a repair, complaint or installation
    types = set(order_tasks.values_list("workorder__order_type", flat=True))
    assert types <= {
        "fault_general",
        "fault_major",
        "restoration",
        "complaint",
        "install_urban",
        "install_rural",
    }
