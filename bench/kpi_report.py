"""Benchmark of the monthly KPI report (R-31; quality bar: a monthly report over 1,000,000 orders in
under 1 s on PostgreSQL).

Usage (its own database, dropped and re-created on every run; the name must contain "bench"):

    DATABASE_URL=postgres://kefu@127.0.0.1:54329/kefu_bench_kpi .venv/bin/python bench/kpi_report.py
    DATABASE_URL=... .venv/bin/python bench/kpi_report.py --full        # 1,000,000 orders
    DATABASE_URL=... .venv/bin/python bench/kpi_report.py --n 250000

Data (bulk inserts): the test world (2 branches) plus 4 more branches, 60 service areas, 120 agents
responsible for them; N/5 customers with a subscription each (10 % expiring during the year, half of
those renewed); N orders received evenly over 2026 (8 % complaints, 80 % answered within 24 h), each
with a resolution clock (85 % met, 15 % late); a follow-up task for every fifth order, a survey answer for
every twentieth, a complaint cause for every classified complaint. Then ``VACUUM ANALYZE``.

Timed (median of 5 runs after one warm-up), counted live, from the snapshot the job
``reports.refresh_open`` makes of a month not closed yet, and once the month is closed: the monthly sheets for March 2026 — by area, by staff, by
branch — as ``kefu.reports.sheets.sheet`` computes them (every KPI, targets, ranks), the company row,
and the dashboard page rendered through Django's test client as the administrator. The indexes the
reports need are created by the migrations (workorders 0004, commitments 0009, followup 0003,
customers 0005); ``--reuse`` on a database built before them drops the same indexes an earlier version
of this script created by SQL and migrates.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import loadavg, machine, recreate_database, setup_path

setup_path()
os.environ.setdefault("KEFU_FAST_PASSWORD_HASHER", "true")

TZ = ZoneInfo("Asia/Shanghai")
BATCH = 5_000
# indexes an earlier version of this script created by SQL; the migrations create them now
OLD_SCRIPT_INDEXES = ["wo_received", "clock_kind_stopped", "followup_due", "sub_customer_dates"]


def build(n: int) -> None:
    from django.db import connection

    from kefu.commitments.models import BusinessCalendar, OrderClock
    from kefu.complaints.models import ComplaintCause, ComplaintRecord
    from kefu.complaints.taxonomy import ensure_causes
    from kefu.customers.models import Customer, Subscription
    from kefu.followup.models import FollowupTask
    from kefu.organization.models import Branch, ServiceArea, Staff
    from kefu.surveys.models import Invitation, Response, Survey
    from kefu.testing.factories import build_world
    from kefu.workorders.models import WorkOrder

    rnd = random.Random(42)
    world = build_world()
    ensure_causes()
    causes = list(ComplaintCause.objects.values_list("pk", flat=True))
    branches = [world.north, world.south] + [
        Branch.objects.create(code=f"b{i}", name=f"第{i}分公司") for i in range(3, 7)
    ]
    areas = ServiceArea.objects.bulk_create(
        [
            ServiceArea(
                branch=branches[i % len(branches)],
                code=f"a{i:03d}",
                name=f"片区{i:03d}",
                households=4000 + 37 * i,
            )
            for i in range(60)
        ]
    )
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [user_model(username=f"bench{i:03d}", password="!") for i in range(120)]  # noqa: S106 - unusable
    )
    staff = Staff.objects.bulk_create(
        [
            Staff(
                user=users[i],
                name=f"客服{i:03d}",
                badge_no=f"K{i:05d}",
                role="agent",
                branch=areas[i % 60].branch,
                grade=1 + i % 4,
                hired_on=dt.date(2020, 1, 1),
            )
            for i in range(120)
        ]
    )
    for i, a in enumerate(areas):
        a.responsible.add(staff[i], staff[i + 60])
    area_staff = {a.pk: [staff[i], staff[i + 60]] for i, a in enumerate(areas)}

    now = dt.datetime(2025, 1, 1, tzinfo=TZ)
    n_cust = max(100, n // 5)
    customers: list[Customer] = []
    for start in range(0, n_cust, BATCH):
        rows = []
        for i in range(start, min(n_cust, start + BATCH)):
            a = areas[i % 60]
            since = dt.date(2024, 1, 1) + dt.timedelta(days=rnd.randrange(0, 800))
            rows.append(Customer(number=f"KH{i:08d}", name=f"客户{i}", branch_id=a.branch_id, area=a,
                                 customer_since=since, created_at=now, updated_at=now))  # fmt: skip
        customers += Customer.objects.bulk_create(rows, batch_size=BATCH)
    subs = []
    for c in customers:
        expiring = rnd.random() < 0.10
        expiry = dt.date(2026, 1, 1) + dt.timedelta(days=rnd.randrange(0, 365)) if expiring else None
        subs.append(Subscription(customer=c, product="宽带", start_date=c.customer_since, expiry_date=expiry,
                                 created_at=now))  # fmt: skip
    subs = Subscription.objects.bulk_create(subs, batch_size=BATCH)
    renewals = [
        Subscription(customer_id=s.customer_id, product="宽带", start_date=s.expiry_date + dt.timedelta(days=1),
                     expiry_date=None, renewed_from=s, created_at=now)
        for s in subs if s.expiry_date and s.pk % 2 == 0
    ]  # fmt: skip
    Subscription.objects.bulk_create(renewals, batch_size=BATCH)
    print(f"  {len(customers):,} customers, {len(subs) + len(renewals):,} subscriptions")

    cal = BusinessCalendar.objects.order_by("pk").first()
    assert cal is not None
    survey = Survey.objects.order_by("pk").first() or Survey.objects.create(code="bench", name="满意度")
    year_start = dt.datetime(2026, 1, 1, tzinfo=TZ)
    seconds = 365 * 86400
    seq = 0
    for start in range(0, n, BATCH):
        orders = []
        for _i in range(start, min(n, start + BATCH)):
            seq += 1
            c = customers[rnd.randrange(len(customers))]
            received = year_start + dt.timedelta(seconds=rnd.randrange(seconds))
            complaint = rnd.random() < 0.08
            fr = received + dt.timedelta(hours=rnd.choice([1, 2, 5, 20] * 4 + [30, 50, 70, 90]))
            resolved = received + dt.timedelta(hours=rnd.randrange(2, 60))
            orders.append(
                WorkOrder(
                    number=f"GD-{received:%Y%m%d}-{seq:07d}",
                    order_type="complaint" if complaint else "fault_general",
                    channel="phone",
                    customer_id=c.pk,
                    branch_id=c.branch_id,
                    area_id=c.area_id,
                    title="宽带故障",
                    description="客户来电",
                    status="resolved",
                    owner=area_staff[c.area_id][seq % 2],
                    received_at=received,
                    created_at=received,
                    updated_at=resolved,
                    first_response_at=fr,
                    resolved_at=resolved,
                )
            )
        orders = WorkOrder.objects.bulk_create(orders, batch_size=BATCH)
        clocks, tasks, records = [], [], []
        for o in orders:
            late = rnd.random() < 0.15
            assert o.resolved_at is not None
            clocks.append(
                OrderClock(workorder=o, kind="resolution", unit="calendar_hours", amount=48, calendar=cal,
                           started_at=o.received_at, stopped_at=o.resolved_at,
                           due_at=o.resolved_at + dt.timedelta(hours=-1 if late else 5),
                           status="late" if late else "met", created_at=o.received_at, updated_at=o.resolved_at)
            )  # fmt: skip
            if o.pk % 5 == 0:
                done = rnd.random() < 0.9
                tasks.append(
                    FollowupTask(key=f"order:{o.pk}:1", kind="order", workorder=o, customer_id=o.customer_id,
                                 branch_id=o.branch_id, assignee=o.owner, status="done" if done else "open",
                                 created_at=o.resolved_at, resolved_at=o.resolved_at,
                                 due_at=o.resolved_at + dt.timedelta(hours=72),
                                 finished_at=o.resolved_at + dt.timedelta(hours=20) if done else None)
                )  # fmt: skip
            if o.order_type == "complaint" and rnd.random() < 0.9:
                records.append(
                    ComplaintRecord(workorder=o, cause_id=rnd.choice(causes[:8]), classified_at=o.received_at)
                )
        OrderClock.objects.bulk_create(clocks, batch_size=BATCH)
        FollowupTask.objects.bulk_create(tasks, batch_size=BATCH)
        ComplaintRecord.objects.bulk_create(records, batch_size=BATCH)
        invs = [
            Invitation(token=f"t{o.pk}", survey=survey, workorder=o, customer_id=o.customer_id, trigger="resolution",
                       staff=o.owner, channel="portal", created_at=o.resolved_at,
                       expires_at=o.resolved_at + dt.timedelta(days=30), answered_at=o.resolved_at)
            for o in orders if o.pk % 20 == 0
        ]  # fmt: skip
        invs = Invitation.objects.bulk_create(invs, batch_size=BATCH)
        Response.objects.bulk_create(
            [
                Response(
                    invitation=inv,
                    survey=survey,
                    submitted_at=inv.created_at + dt.timedelta(hours=3),
                    csat=rnd.choice([5, 5, 4, 4, 3, 2]),
                    nps=rnd.randrange(0, 11),
                )
                for inv in invs
            ],
            batch_size=BATCH,
        )
        if (start // BATCH) % 20 == 0:
            print(f"  {start + len(orders):,} orders …", flush=True)
    with connection.cursor() as cur:
        for table in ("workorders_workorder", "commitments_orderclock", "customers_customer",
                      "customers_subscription", "followup_followuptask", "surveys_response",
                      "complaints_complaintrecord"):  # fmt: skip
            cur.execute(f"VACUUM ANALYZE {table}")


def time_report(label: str) -> dict[str, float]:
    from django.test import Client
    from django.utils import timezone

    from kefu.reports import queries, sheets
    from kefu.reports.kpis import Dim, Period
    from kefu.testing.factories import PASSWORD

    march = Period(2026, 3)
    scope = queries.Scope(march, None, TZ)
    client = Client()
    assert client.login(username="admin", password=PASSWORD)

    def dashboard() -> None:
        resp = client.get("/reports/?period=2026-03")
        assert resp.status_code == 200, resp.status_code

    def kpi_page() -> None:
        resp = client.get("/reports/assessment/area/?period=2026-03")
        assert resp.status_code == 200, resp.status_code

    jobs = {
        "sheet by area (9 KPIs)": lambda: sheets.sheet(Dim.AREA, scope),
        "sheet by staff (9 KPIs)": lambda: sheets.sheet(Dim.STAFF, scope),
        "sheet by branch (9 KPIs)": lambda: sheets.sheet(Dim.BRANCH, scope),
        "company row (9 KPIs)": lambda: sheets.company(scope),
        "assessment page /reports/assessment/area/": kpi_page,
        "dashboard page /reports/ (7 charts, 12-month trend)": dashboard,
    }
    out = {}
    print(f"\n{label}")
    with timezone.override(TZ):
        for name, fn in jobs.items():
            fn()  # warm-up
            times = []
            for _ in range(5):
                t = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t)
            out[name] = statistics.median(times) * 1000
            print(f"  {name:<52} median {out[name]:8.1f} ms  (max {max(times) * 1000:.1f} ms)")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--full", action="store_true", help="1,000,000 orders")
    parser.add_argument("--n", type=int, help="number of orders (overrides the default 100,000)")
    parser.add_argument(
        "--reuse", action="store_true", help="time again on the data of the last run (no rebuild)"
    )
    args = parser.parse_args()
    n = args.n or (1_000_000 if args.full else 100_000)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit(
            "set DATABASE_URL to a PostgreSQL database of its own, e.g. postgres://kefu@127.0.0.1:54329/kefu_bench_kpi"
        )
    if not args.reuse:
        recreate_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    setup_test_environment()  # the test client needs it (allowed hosts, template rendering signals)
    if args.reuse:
        from django.db.migrations.recorder import MigrationRecorder

        if not MigrationRecorder.Migration.objects.filter(
            app="workorders", name="0004_report_indexes"
        ).exists():
            with connection.cursor() as cur:
                for name in OLD_SCRIPT_INDEXES:
                    cur.execute(f"DROP INDEX IF EXISTS {name}")
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.perf_counter() - t0:.1f} s")
    if not args.reuse:
        t0 = time.perf_counter()
        build(n)
        print(f"built in {time.perf_counter() - t0:.1f} s")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
        cur.execute("SELECT version()")
        version = cur.fetchone()[0].split(",")[0]
        cur.execute("SELECT count(*) FROM workorders_workorder")
        total = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM workorders_workorder WHERE received_at >= %s AND received_at < %s",
            [dt.datetime(2026, 3, 1, tzinfo=TZ), dt.datetime(2026, 4, 1, tzinfo=TZ)],
        )
        in_march = cur.fetchone()[0]
    print(f"{total:,} orders ({in_march:,} received in March 2026)")
    print(f"{version}; {machine()}; load average {loadavg()}")

    from kefu.reports import closing
    from kefu.reports.models import ClosedPeriod

    ClosedPeriod.objects.all().delete()  # counted live first
    time_report("counted live (an open month), with the indexes of the migrations")
    print(f"load average {loadavg()}")

    # what the job reports.refresh_open does on 20 March 2026: snapshots of March and of 2026
    t0 = time.perf_counter()
    with timezone.override(TZ):
        snapped = closing.refresh_open(dt.date(2026, 3, 20))
    took = time.perf_counter() - t0
    each = {(y, m): ms for y, m, ms in ClosedPeriod.objects.values_list("year", "month", "duration_ms")}
    print(
        f"\nsnapshots of {', '.join(map(str, snapped))} in {took:.1f} s "
        f"(March {each.get((2026, 3), 0):,} ms, the year {each.get((2026, 0), 0):,} ms)"
    )
    time_report("the current month, read from its snapshot (job reports.refresh_open, docs/kpis.md)")
    ClosedPeriod.objects.all().delete()

    # what the job reports.close_periods does on 23 November 2026: every month over for 7 days is closed
    t0 = time.perf_counter()
    with timezone.override(TZ):
        closed = closing.close_due(dt.date(2026, 11, 23))
    took = time.perf_counter() - t0
    per = ClosedPeriod.objects.filter(year=2026, month=3).values_list("duration_ms", "figures")[0]
    print(
        f"\nclosed {len(closed)} periods ({closed[0]} … {closed[-1]}) in {took:.1f} s; "
        f"March 2026: {per[0]:,} ms, {per[1]:,} figures"
    )
    time_report("a closed month (frozen figures, docs/kpis.md)")
    print(f"load average {loadavg()}")


if __name__ == "__main__":
    main()
