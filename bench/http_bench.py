"""HTTP scenarios against ``kefu serve`` on PostgreSQL, each with its framework floor and its bare SQL.

Usage (after ``bench/generate.py`` filled the database):

    DATABASE_URL=postgres://kefu@127.0.0.1:54329/kefu_bench_http .venv/bin/python bench/http_bench.py --quick

What it does:

1. starts ``kefu serve`` (the production gunicorn command line: gthread workers, 4 threads each; here
   ``--workers 4`` by default, the PostgreSQL default of ``kefu serve``, and ``--no-worker``) on one port,
   and a second ``kefu serve`` with ``DJANGO_SETTINGS_MODULE=floor_settings`` (Kefu's settings plus one
   trivial view ``/bench-floor/`` that only touches ``request.user``) on another: the framework floor is
   the same server, middleware, session and user look-up, without Kefu's work;
2. logs in as the agent ``agent`` through the login form (session cookie; CSRF token for POSTs);
3. for every scenario: the bare SQL (every statement the view runs, captured once in-process with
   Django's test client and ``CaptureQueriesContext`` — less the session and user look-ups, which the floor
   has — replayed with psycopg on one connection, writes inside a transaction that is rolled back), the
   floor over HTTP with the same number of requests and threads, then Kefu over HTTP;
4. the breach sweep (``kefu.commitments.sweep.sweep``, in-process) over the open orders, and the monthly
   KPI sheet per service area (``kefu.reports.sheets.sheet(Dim.AREA, …)``, what the assessment page shows).

Figures: throughput (requests/s), p50/p95/p99 latency in ms; ratio = Kefu p95 / (floor p95 + SQL p95);
the issue's bar is ≤ 2. Results also go to ``var/bench/http.json`` (read by ``helpdesk/bench_helpdesk.py``
for the side-by-side ratio).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, kefu_process, loadavg, machine, percentile, setup_path
from httpload import LoadResult, login, run_load, stop, wait_until_up

setup_path()

SKIP_SQL = (
    'FROM "django_session"',
    'FROM "kefu_session"',
    'FROM "auth_user"',
    "SAVEPOINT",
    "RELEASE SAVEPOINT",
)
REPLY = "您好，我们已经安排维修师傅今天下午上门检查，请保持电话畅通，谢谢您的耐心等待。"


def start_kefu(port: int, url: str, workers: int, log: Path, settings: str | None = None) -> Any:
    args = ["serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--no-worker"]
    return kefu_process(args, url, log, settings)


class Scenario:
    def __init__(self, name: str, make: Any, ok: tuple[int, ...] = (200,), write: bool = False) -> None:
        self.name, self.make, self.ok, self.write = name, make, ok, write


def capture_sql(scenario: Scenario, user: Any) -> list[str]:
    """The statements the view runs for the scenario's first request (in-process, rolled back)."""
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    method, path, body = scenario.make(0)

    class Rollback(Exception):
        pass

    with CaptureQueriesContext(connection) as ctx:
        try:
            with transaction.atomic():
                if method == "GET":
                    resp = client.get(path)
                else:
                    resp = client.post(path, data=json.dumps(body), content_type="application/json")
                if resp.status_code not in scenario.ok:
                    raise RuntimeError(f"{scenario.name}: {resp.status_code} {resp.content[:300]!r}")
                raise Rollback
        except Rollback:
            pass
    return [q["sql"] for q in ctx.captured_queries if not any(s in q["sql"] for s in SKIP_SQL)]


def replay_sql(url: str, statements: list[str], runs: int) -> list[float]:
    import psycopg

    times: list[float] = []
    deadline = time.monotonic() + 2  # at most about 2 s per scenario
    with psycopg.connect(url) as conn:
        for _ in range(runs + 2):
            if len(times) >= 12 and time.monotonic() > deadline:
                break
            t = time.perf_counter()
            for sql in statements:
                conn.execute(sql).fetchall() if sql.lstrip().upper().startswith(
                    ("SELECT", "WITH")
                ) else conn.execute(sql)
            conn.rollback()
            times.append((time.perf_counter() - t) * 1000)
    return times[2:]  # the first two warm the connection's caches


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="quick mode (default)")
    parser.add_argument("--requests", type=int, default=200, help="requests per scenario (quick: 200)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=4, help="web worker processes of kefu serve")
    parser.add_argument("--port", type=int, default=18431)
    parser.add_argument("--seconds", type=float, default=5, help="at most this long per scenario (quick: 5)")
    parser.add_argument("--only", help="comma-separated scenario names")
    parser.add_argument(
        "--no-direct", action="store_true", help="skip the breach sweep and KPI report (A/B runs of pages)"
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres") or "bench" not in url:
        sys.exit("set DATABASE_URL to the PostgreSQL benchmark database built by bench/generate.py")

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from vocab import SEARCH_TERM_2, SEARCH_TERM_4

    from kefu.testing.factories import PASSWORD
    from kefu.workorders.models import WorkOrder

    User = get_user_model()
    agent_user = User.objects.get(username="agent")
    staff = agent_user.staff
    open_numbers = list(
        WorkOrder.objects.filter(branch=staff.branch, status__in=["new", "in_progress", "pending_customer"])
        .order_by("?")
        .values_list("number", flat=True)[:500]
    )
    from kefu.customers.models import Customer

    customer_ids = list(Customer.objects.filter(branch=staff.branch).values_list("pk", flat=True)[:500])
    if not open_numbers:
        sys.exit("no open orders in the agent's branch: run bench/generate.py first")

    n = args.requests
    q2 = f"/api/v1/orders?q={SEARCH_TERM_2}&limit=50"
    q4 = f"/api/v1/orders?q={SEARCH_TERM_4}&limit=50"
    scenarios = [
        Scenario("queue page (team, due)", lambda i: ("GET", "/orders/?tab=team&sort=due_at", None)),
        # the default order: urgent first, then due time (index wo_urgency)
        Scenario("queue page (team, urgency)", lambda i: ("GET", "/orders/?tab=team", None)),
        Scenario(
            "API list 50 by due time",
            lambda i: ("GET", "/api/v1/orders?open=true&ordering=due_at&limit=50", None),
        ),
        Scenario("API list 50 by urgency", lambda i: ("GET", "/api/v1/orders?open=true&limit=50", None)),
        Scenario("order page", lambda i: ("GET", f"/orders/{open_numbers[i % len(open_numbers)]}/", None)),
        Scenario(
            "create order (API)",
            lambda i: (
                "POST",
                "/api/v1/orders",
                {
                    "customer_id": customer_ids[i % len(customer_ids)],
                    "order_type": "fault_general",
                    "title": "燃气表不走字",
                    "description": "用户来电反映家中燃气表不走字，希望尽快上门检查。",
                    "channel": "phone",
                },
            ),
            ok=(201,),
            write=True,
        ),
        Scenario(
            "reply (API)",
            lambda i: (
                "POST",
                f"/api/v1/orders/{open_numbers[(i * 7) % len(open_numbers)]}/replies",
                {"body": REPLY, "channel": "sms"},  # phone orders: the agent picks a channel
            ),
            ok=(201,),
            write=True,
        ),
        Scenario(f"search 2 chars {SEARCH_TERM_2}", lambda i: ("GET", q2, None)),
        Scenario(f"search 4 chars {SEARCH_TERM_4}", lambda i: ("GET", q4, None)),
    ]
    if args.only:
        wanted = args.only.split(",")
        scenarios = [s for s in scenarios if any(w in s.name for w in wanted)]
    # URL-encode the Chinese query strings for http.client
    from urllib.parse import quote

    def encoded(make: Any) -> Any:
        return lambda i: (lambda m, p, b: (m, quote(p, safe="/?=&"), b))(*make(i))

    print(f"machine: {machine()}; load average {loadavg()}; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"data: {WorkOrder.objects.count():,} orders, {len(open_numbers)} sampled open orders of branch "
        f"{staff.branch.code}; {n} requests per scenario, {args.concurrency} client threads, "
        f"{args.workers} gunicorn workers"
    )

    # bare SQL first (writes are rolled back, so the numbers the HTTP runs allocate are not taken)
    sql_figures: dict[str, dict[str, Any]] = {}
    for s in scenarios:
        statements = capture_sql(s, agent_user)
        times = replay_sql(url, statements, runs=max(20, n // 5))
        sql_figures[s.name] = {
            "statements": len(statements),
            "p50": percentile(times, 50),
            "p95": percentile(times, 95),
        }
        print(
            f"SQL   {s.name:<28} {len(statements):>3} statements  p50 {percentile(times, 50):6.2f}  p95 {percentile(times, 95):6.2f} ms"
        )
    from django.db import connection

    connection.close()

    logdir = ROOT / "var" / "bench"
    logdir.mkdir(parents=True, exist_ok=True)
    kefu = start_kefu(args.port, url, args.workers, logdir / "kefu-serve.log")
    # kefu serve takes the next port for its event streams: the floor server goes two ports up
    floor_port = args.port + 2
    floor = start_kefu(floor_port, url, args.workers, logdir / "floor-serve.log", settings="floor_settings")
    rows: list[dict[str, Any]] = []
    try:
        wait_until_up(args.port)
        wait_until_up(floor_port)
        kc = login(args.port, "agent", PASSWORD).cookies
        fc = login(floor_port, "agent", PASSWORD).cookies
        # warm-up: every worker imports and renders once
        run_load(
            "warm-up", args.port, kc, scenarios[0].make, n=args.workers * 4, concurrency=args.concurrency
        )
        run_load("warm-up", floor_port, fc, lambda i: ("GET", "/bench-floor/", None), n=20, concurrency=2)
        for s in scenarios:
            # warm-up of this scenario on every worker (templates, caches, first queries); not measured
            run_load(
                "warm-up",
                args.port,
                kc,
                encoded(s.make),
                n=args.workers * 4,
                concurrency=args.concurrency,
                max_seconds=2,
            )
            fl = run_load(
                "floor",
                floor_port,
                fc,
                lambda i: ("GET", "/bench-floor/", None),
                n=n,
                concurrency=args.concurrency,
                max_seconds=args.seconds * 0.4,
            )
            res: LoadResult = run_load(
                s.name,
                args.port,
                kc,
                encoded(s.make),
                n=n,
                concurrency=args.concurrency,
                ok=s.ok,
                max_seconds=args.seconds,
            )
            sq = sql_figures[s.name]
            ratio = res.p(95) / (fl.p(95) + sq["p95"])
            print(res.line())
            print(
                f"      floor p95 {fl.p(95):6.1f} ms ({fl.throughput:.0f} req/s), SQL p95 {sq['p95']:.2f} ms → Kefu p95 / (floor + SQL) = {ratio:.2f}"
            )
            for e in res.errors[:3]:
                print("      error:", e)
            rows.append(
                {
                    **res.summary(),
                    "floor": fl.summary(),
                    "sql": {k: round(v, 2) if isinstance(v, float) else v for k, v in sq.items()},
                    "ratio_p95": round(ratio, 2),
                    "ratio_p50": round(res.p(50) / (fl.p(50) + sq["p50"]), 2),
                }
            )
    finally:
        stop(kefu)
        stop(floor)

    extra = {} if args.no_direct else in_process_figures()
    out = {
        "date": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "machine": machine(),
        "load_after": loadavg(),
        "orders": WorkOrder.objects.count(),
        "requests": n,
        "concurrency": args.concurrency,
        "workers": args.workers,
        "scenarios": rows,
        **extra,
    }
    (logdir / "http.json").write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"load average after: {loadavg()}; results in {logdir / 'http.json'}")


def in_process_figures() -> dict[str, Any]:
    """Breach sweep over the open orders and the monthly KPI report per area, called directly."""
    from django.utils import timezone

    from kefu.commitments import sweep
    from kefu.commitments.models import OrderClock

    figures: dict[str, Any] = {}
    now = timezone.now()
    running = OrderClock.objects.filter(status="running").count()
    t = time.perf_counter()
    first = sweep.sweep(now=now)
    first_ms = (time.perf_counter() - t) * 1000
    steady = []
    for _ in range(5):
        t = time.perf_counter()
        sweep.sweep(now=now)
        steady.append((time.perf_counter() - t) * 1000)
    figures["sweep"] = {
        "running_clocks": running,
        "first_ms": round(first_ms, 1),
        "first_warned": first.warned,
        "first_breached": first.breached,
        "steady_median_ms": round(sorted(steady)[2], 1),
        "steady_max_ms": round(max(steady), 1),
    }
    print(
        f"breach sweep over {running:,} running clocks: first run {first_ms:.0f} ms (warned {first.warned}, "
        f"breached {first.breached}); steady state median {sorted(steady)[2]:.1f} ms, max {max(steady):.1f} ms"
    )
    from kefu.reports.kpis import ALL_KPIS, Dim, Period
    from kefu.reports.queries import Scope
    from kefu.reports.sheets import sheet

    local = timezone.localtime(now)
    # the last full month (the generated orders spread over ten years, about 1/120 of them a month)
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    scope = Scope(Period(year, month))
    times = []
    for _ in range(3):
        t = time.perf_counter()
        report = sheet(Dim.AREA, scope)
        times.append((time.perf_counter() - t) * 1000)
    figures["kpi"] = {
        "available": True,
        "period": f"{year}-{month:02d}",
        "kpis": len(ALL_KPIS),
        "median_ms": round(sorted(times)[1], 1),
        "max_ms": round(max(times), 1),
    }
    print(
        f"monthly KPI sheet per area ({year}-{month:02d}, {len(ALL_KPIS)} KPIs, {len(report.rows)} areas): "
        f"median {sorted(times)[1]:.0f} ms, max {max(times):.0f} ms"
    )
    return figures


if __name__ == "__main__":
    main()
