"""Several workers on one PostgreSQL: each missed follow-up and each planned visit happens exactly once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from kefu.commitments import clocks
from kefu.followup import actions
from kefu.followup.models import FollowupMiss, FollowupPlan, FollowupTask
from kefu.testing.threads import together

SH = ZoneInfo("Asia/Shanghai")


def in_parallel(fn: Callable[[], int], threads: int = 4) -> list[int]:
    return [n for ns in together(lambda _: [fn() for _ in range(2)], range(threads)) for n in ns]


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_parallel_workers_record_misses_and_plan_visits_once(world: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("parallel claiming is exercised on PostgreSQL (SQLite serialises writers)")
    clocks.ensure_defaults()
    due = dt.datetime(2026, 10, 9, 17, 30, tzinfo=SH)
    customers = [world.customer(phone=f"1380013{i:04d}") for i in range(30)]
    FollowupTask.objects.bulk_create(
        FollowupTask(
            key=f"t:{i}",
            kind="order",
            customer=c,
            branch=world.north,
            assignee=world.followup,
            created_at=due - dt.timedelta(days=3),
            due_at=due,
        )
        for i, c in enumerate(customers)
    )
    after = due + dt.timedelta(minutes=1)
    assert sum(in_parallel(lambda: actions.sweep_misses(after, batch=4))) == 30
    assert FollowupMiss.objects.count() == 30
    FollowupPlan.objects.bulk_create(
        FollowupPlan(customer=c, period="monthly", next_visit=dt.date(2026, 10, 12)) for c in customers[:12]
    )
    assert sum(in_parallel(lambda: actions.run_plans(dt.date(2026, 10, 12)))) == 12
    assert FollowupTask.objects.filter(kind="visit").count() == 12
