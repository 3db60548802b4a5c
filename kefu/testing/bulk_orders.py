"""Many open work orders with running clocks, written with bulk_create (breach-sweep test and benchmark).

Each order is a general fault (24 calendar hours) in the world's north branch, owned by the world's agent,
with one running resolution clock whose due time and warning time are stored as ``commitments.clocks``
would store them. ``due`` orders are overdue at ``now`` (started 25 h before), ``near`` orders are past
their warning point but not overdue (started 20 h before), the others started 1 h before ``now``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from kefu.commitments import clocks
from kefu.commitments.models import OrderClock
from kefu.customers.models import Customer
from kefu.testing.factories import World, build_world
from kefu.workorders.models import WorkOrder

LIMIT = dt.timedelta(hours=24)


def build_open_orders(
    n: int,
    *,
    now: dt.datetime,
    due: int = 0,
    near: int = 0,
    world: World | None = None,
    chunk: int = 5000,
) -> World:
    world = world or build_world()
    clocks.ensure_defaults()
    calendar_id = clocks.calendar_id_for_branch(world.north)
    n_customers = max(1, min(n, n // 10))
    with transaction.atomic():
        customers = Customer.objects.bulk_create(
            (
                Customer(
                    number=f"BENCH-C{i:07d}",
                    name=f"客户{i}",
                    phone=f"138{i:08d}",
                    branch=world.north,
                    customer_since=dt.date(2020, 1, 1),
                    created_at=now,
                    updated_at=now,
                )
                for i in range(n_customers)
            ),
            batch_size=chunk,
        )
    for first in range(0, n, chunk):
        starts = []
        for i in range(first, min(n, first + chunk)):
            if i < due:
                starts.append(now - dt.timedelta(hours=25))
            elif i < due + near:
                starts.append(now - dt.timedelta(hours=20))
            else:
                starts.append(now - dt.timedelta(hours=1))
        with transaction.atomic():
            orders = WorkOrder.objects.bulk_create(
                WorkOrder(
                    number=f"BENCH-{first + j:08d}",
                    order_type="fault_general",
                    channel="phone",
                    customer=customers[(first + j) % n_customers],
                    branch=world.north,
                    title="宽带无法上网",
                    description="批量测试工单",
                    status="in_progress",
                    owner=world.agent,
                    received_at=start,
                    created_at=start,
                    updated_at=start,
                    due_at=start + LIMIT,
                )
                for j, start in enumerate(starts)
            )
            OrderClock.objects.bulk_create(
                OrderClock(
                    workorder=o,
                    kind="resolution",
                    round=1,
                    unit="calendar_hours",
                    amount=Decimal(24),
                    calendar_id=calendar_id,
                    started_at=start,
                    due_at=start + LIMIT,
                    warn_at=start + LIMIT * 0.75,
                    status="running",
                    remaining_seconds=int((start + LIMIT - now).total_seconds()),
                    created_at=start,
                    updated_at=start,
                )
                for o, start in zip(orders, starts, strict=True)
            )
    return world
