"""Build a realistic Kefu data set at a chosen scale, with bulk inserts, and report the time.

Usage (the database is dropped and re-created; its name must contain "bench"):

    DATABASE_URL=postgres://kefu@127.0.0.1:54329/kefu_bench_http .venv/bin/python bench/generate.py
    DATABASE_URL=sqlite:///var/kefu_bench.sqlite3 .venv/bin/python bench/generate.py --scale quick
    DATABASE_URL=... .venv/bin/python bench/generate.py --scale full     # 1,000,000 orders

Scales (orders / customers / timeline entries / staff):

    tiny    2,000 /     400 /     6,000 /  20   (debugging)
    quick  10,000 /   2,000 /    30,000 /  30   (default; part of run_all.sh --quick)
    full 1,000,000 / 200,000 / 3,000,000 / 300

The base organisation is ``kefu.testing.factories.build_world()`` (company, branches 城北/城南, areas,
departments, the logins ``agent``, ``agent2``, ``sup`` … with the test password), plus generated staff
(agents, technicians, supervisors; one precomputed password hash). Customers and orders have Chinese
names, addresses, titles and descriptions; ``search_text`` is filled as the actions fill it, so the
PostgreSQL generated bigram column (and on SQLite the FTS tables, written with ``search.sync_many``) make
search work. 10 % of the orders are open (new / in progress / pending customer) with a running
resolution clock (``commitments.OrderClock``, as ``kefu.testing.bulk_orders`` writes them) and a due time;
the others are resolved or closed. Every order has 3 timeline entries (customer message, reply, status).
About 60 % of everything is in the north branch, where the ``agent`` login works; ``agent`` is the
assignee of about 1 in 12 of the open north orders.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import recreate_database, setup_path
from vocab import OPEN_SHARE, SCALES, STREETS, TITLES, Scale, chinese_name, description

setup_path()


def generate(scale: Scale, *, seed: int = 7, chunk: int = 10_000, out=print) -> dict[str, float]:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from kefu.commitments import clocks
    from kefu.commitments.models import OrderClock
    from kefu.customers.actions import customer_search_text
    from kefu.customers.models import Customer
    from kefu.lib import search
    from kefu.organization.models import NumberSequence, Staff
    from kefu.testing.factories import PASSWORD, build_world
    from kefu.workorders.actions import order_search_text
    from kefu.workorders.models import TimelineEntry, WorkOrder

    rng = random.Random(seed)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    timings["migrate"] = time.perf_counter() - t0
    out(f"migrate: {timings['migrate']:.1f} s")

    t_all = time.perf_counter()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    world = build_world()
    clocks.ensure_defaults()
    branches = [world.north, world.south]
    calendar_ids = {b.pk: clocks.calendar_id_for_branch(b) for b in branches}
    areas = {world.north.pk: [world.area_n1, world.area_n2], world.south.pk: [world.area_s1]}

    # staff: one password hash for all generated logins
    t0 = time.perf_counter()
    User = get_user_model()
    hashed = make_password(PASSWORD)
    n_extra = max(0, scale.staff - Staff.objects.count())
    roles = ["agent"] * 6 + ["technician"] * 3 + ["supervisor"]
    with transaction.atomic():
        users = User.objects.bulk_create(
            [User(username=f"bench{i:04d}", password=hashed) for i in range(n_extra)], batch_size=chunk
        )
        Staff.objects.bulk_create(
            [
                Staff(
                    user=u,
                    name=chinese_name(rng),
                    badge_no=f"BENCH{i:05d}",
                    role=roles[i % len(roles)],
                    branch=world.north if i % 5 < 3 else world.south,
                    grade=1 + i % 4,
                    hired_on=dt.date(2015, 1, 1) + dt.timedelta(days=i * 7),
                    department=(world.repair_north if i % 5 < 3 else world.repair_south)
                    if roles[i % len(roles)] == "technician"
                    else None,
                )
                for i, u in enumerate(users)
            ],
            batch_size=chunk,
        )
    agents: dict[int, list[int]] = {
        b.pk: list(Staff.objects.filter(branch=b, role="agent").values_list("pk", flat=True))
        for b in branches
    }
    timings["staff"] = time.perf_counter() - t0

    # customers
    t0 = time.perf_counter()
    customer_rows: list[tuple[int, int, str, str, str]] = []  # pk, branch, name, phone, number
    for first in range(0, scale.customers, chunk):
        batch = []
        for i in range(first, min(scale.customers, first + chunk)):
            branch = branches[0] if i % 5 < 3 else branches[1]
            c = Customer(
                number=f"KH{i + 1:08d}",
                name=chinese_name(rng),
                phone=f"13{i % 10}{i:08d}"[:11],
                phone_e164=f"+8613{i % 10}{i:08d}"[:14],
                address=f"{rng.choice(STREETS)}{rng.randint(1, 300)}号{rng.randint(1, 30)}栋{rng.randint(101, 2808)}室",
                branch=branch,
                area=rng.choice(areas[branch.pk]),
                customer_since=dt.date(2010, 1, 1) + dt.timedelta(days=i % 5000),
                created_at=now - dt.timedelta(days=i % 3000),
                updated_at=now,
            )
            c.search_text = customer_search_text(c)
            batch.append(c)
        with transaction.atomic():
            created = Customer.objects.bulk_create(batch)
            search.sync_many(Customer, [(c.pk, c.search_text) for c in created])
        customer_rows.extend((c.pk, c.branch_id, c.name, c.phone, c.number) for c in created)
    timings["customers"] = time.perf_counter() - t0
    out(f"customers: {scale.customers:,} in {timings['customers']:.1f} s")

    # orders, their timeline and (open ones) clocks
    t0 = time.perf_counter()
    per_order = max(1, round(scale.timeline / scale.orders))
    n_timeline = n_clocks = 0
    limit = dt.timedelta(hours=24)
    agent_pk = world.agent.pk
    tz = timezone.get_default_timezone()
    per_day: dict[str, int] = {}

    def number_for(at: dt.datetime) -> str:
        # GD-YYYYMMDD-NNNNNN counted per day in the company time zone, as workorders.actions.order_number
        day = timezone.localtime(at, tz).strftime("%Y%m%d")
        per_day[day] = per_day.get(day, 0) + 1
        return f"GD-{day}-{per_day[day]:06d}"

    for first in range(0, scale.orders, chunk):
        batch = []
        for i in range(first, min(scale.orders, first + chunk)):
            cpk, cbranch, cname, cphone, cnumber = customer_rows[rng.randrange(len(customer_rows))]
            is_open = i % OPEN_SHARE == 0
            if is_open:
                received = now - dt.timedelta(minutes=rng.randint(5, 20 * 60))
                status = rng.choice(["new", "in_progress", "in_progress", "pending_customer"])
            else:
                received = now - dt.timedelta(
                    days=1 + (i * 3650 // scale.orders), minutes=rng.randint(0, 1440)
                )
                status = "closed" if i % 3 else "resolved"
            branch_agents = agents[cbranch]
            assignee = None
            if is_open:
                assignee = (
                    agent_pk if cbranch == world.north.pk and i % 12 == 0 else rng.choice(branch_agents)
                )
            o = WorkOrder(
                number=number_for(received),
                order_type="fault_general",
                channel=rng.choice(["phone", "phone", "portal", "email", "counter"]),
                customer_id=cpk,
                branch_id=cbranch,
                title=rng.choice(TITLES),
                description=description(rng),
                status=status,
                owner_id=rng.choice(branch_agents),
                assignee_id=assignee,
                received_at=received,
                created_at=received,
                updated_at=received,
                first_response_at=received + dt.timedelta(minutes=30),
                resolved_at=None if is_open else received + dt.timedelta(hours=5),
                closed_at=received + dt.timedelta(days=1) if status == "closed" else None,
                close_reason="solved" if status == "closed" else "",
                resolution="" if is_open else "已上门处理，问题解决。",
                due_at=received + limit,
                last_reply_at=received + dt.timedelta(minutes=30),
            )
            o.search_text = order_search_text(o, Customer(name=cname, phone=cphone, number=cnumber))
            batch.append(o)
        with transaction.atomic():
            orders = WorkOrder.objects.bulk_create(batch)
            search.sync_many(WorkOrder, [(o.pk, o.search_text) for o in orders])
            entries = []
            for o in orders:
                for k in range(per_order):
                    kind = ("customer", "reply", "status")[k % 3]
                    entries.append(
                        TimelineEntry(
                            workorder_id=o.pk,
                            kind=kind,
                            author_staff_id=None if kind == "customer" else o.owner_id,
                            author_customer_id=o.customer_id if kind == "customer" else None,
                            body={
                                "customer": o.description,
                                "reply": "您好，我们已安排师傅上门，请保持电话畅通。",
                            }.get(kind, ""),
                            public=kind != "status",
                            data={"from": "new", "to": o.status} if kind == "status" else {},
                            created_at=o.received_at + dt.timedelta(minutes=10 * k),
                        )
                    )
            TimelineEntry.objects.bulk_create(entries)
            n_timeline += len(entries)
            clock_rows = [
                OrderClock(
                    workorder_id=o.pk,
                    kind="resolution",
                    round=1,
                    unit="calendar_hours",
                    amount=Decimal(24),
                    calendar_id=calendar_ids[o.branch_id],
                    started_at=o.received_at,
                    due_at=o.received_at + limit,
                    warn_at=o.received_at + limit * 0.75,
                    status="running",
                    remaining_seconds=int((o.received_at + limit - now).total_seconds()),
                    created_at=o.received_at,
                    updated_at=o.received_at,
                )
                for o in orders
                if o.status in ("new", "in_progress", "pending_customer")
            ]
            OrderClock.objects.bulk_create(clock_rows)
            n_clocks += len(clock_rows)
        done = min(scale.orders, first + chunk)
        if done % (chunk * 10) == 0 or done == scale.orders:
            out(f"  orders: {done:,} ({time.perf_counter() - t0:.1f} s)")
    timings["orders"] = time.perf_counter() - t0
    out(
        f"orders: {scale.orders:,} ({n_clocks:,} open with clocks), timeline entries: {n_timeline:,} "
        f"in {timings['orders']:.1f} s"
    )
    # the counters continue after the generated numbers, so new customers and orders get fresh ones
    NumberSequence.objects.bulk_create(
        [NumberSequence(key="customer", value=scale.customers)]
        + [NumberSequence(key="GD-" + day, value=n) for day, n in per_day.items()],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["value"],
        batch_size=chunk,
    )
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("VACUUM ANALYZE")
        else:
            cur.execute("ANALYZE")
    timings["analyze"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - t_all
    out(f"analyze: {timings['analyze']:.1f} s; data set built in {timings['total']:.1f} s (without migrate)")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=sorted(SCALES), default="quick")
    parser.add_argument("--orders", type=int, help="override the number of orders (others scale with it)")
    parser.add_argument("--chunk", type=int, default=10_000, help="rows per bulk insert")
    args = parser.parse_args()
    scale = SCALES[args.scale]
    if args.orders:
        f = args.orders / scale.orders
        scale = Scale(args.orders, max(10, int(scale.customers * f)), int(scale.timeline * f), scale.staff)
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("set DATABASE_URL to a database of its own whose name contains 'bench'")
    os.environ.setdefault("KEFU_WORKER_IN_SERVE", "false")
    recreate_database(url)
    print(f"scale {args.scale}: {scale}")
    generate(scale, chunk=args.chunk)


if __name__ == "__main__":
    main()
