"""A provincial deployment, simulated at reduced scale: 10 branches, 2,000 staff, 10,000,000 orders.

Usage (PostgreSQL; the database name must contain "bench"; it is dropped and re-built unless ``--reuse``):

    DATABASE_URL=postgres://kefu@127.0.0.1:54329/kefu_bench_province .venv/bin/python bench/province.py
    DATABASE_URL=... .venv/bin/python bench/province.py --factor 100 --reuse    # 1/100: 100,000 orders

What it measures at 1/``factor`` of the orders (``bench/generate.py --orders 10,000,000/factor``), and how
each figure is carried to full scale (printed side by side, with the limit it meets; written to
``var/bench/province.json``; the write-up is in docs/operations.md, "Sizing: a provincial deployment"):

- **disk**: the database's size per order (tables, indexes, timeline, audit) × 10,000,000;
- **breach sweep**: ``commitments.sweep.sweep()`` in its steady state over the data set's running clocks
  (10 % of the orders are open), per open clock × the open clocks at full scale, against its interval
  (``KEFU_BREACH_SWEEP_SECONDS``, 60 s);
- **queue queries**: the team queue of an agent (first page of 50, most urgent first, and its count) and the
  API list by due time, in-process; at full scale a branch holds 1,000,000 orders (the 1,000,000-order
  figures of bench/RESULTS.md are the reference, the generator puts 60 % in one branch);
- **connections and throughput**: ``kefu serve --workers 2`` (the pool of each process,
  ``KEFU_DB_POOL_SIZE``) under 16 client threads reading the API list and single orders: requests/s and the
  most connections the processes held at once (``pg_stat_activity``), hence the web processes and
  database connections 2,000 staff need at their peak;
- **push fan-out**: the hub's one read per wake-up (``bus.fetch_new``) and what the events of the peak cost
  every web process; memory per open console from bench/RESULTS.md.

Assumptions of the extrapolation (change them with the options): at the peak hour ``--online`` (60 %) of
the staff have a console open and each makes ``--per-minute`` (4) requests a minute — page views, replies,
searches —; 10 % of the orders open; the events of one order action reach every web process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BENCH, ROOT, db_name, kefu_process, loadavg, machine, percentile, setup_path
from httpload import run_load, stop, wait_until_up

setup_path()

FULL_ORDERS = 10_000_000
STAFF = 2_000
BRANCHES = 10
RSS_PER_CONSOLE_KIB = 112  # bench/RESULTS.md, "Server push on a quiet machine"


def timed(fn: Any, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--factor", type=int, default=100, help="reduced scale: 1/factor of the orders")
    parser.add_argument("--reuse", action="store_true", help="keep the database built before")
    parser.add_argument("--online", type=float, default=0.6, help="share of the staff online at the peak")
    parser.add_argument("--per-minute", type=float, default=4.0, help="requests per online staff member")
    parser.add_argument("--seconds", type=float, default=20, help="length of the load run")
    parser.add_argument("--port", type=int, default=18471)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres") or "bench" not in url:
        sys.exit("set DATABASE_URL to a PostgreSQL database of its own whose name contains 'bench'")
    orders_n = FULL_ORDERS // args.factor
    if not args.reuse:
        subprocess.run(
            [sys.executable, str(BENCH / "generate.py"), "--orders", str(orders_n)],
            env=dict(os.environ, DATABASE_URL=url),
            check=True,
        )

    import django

    django.setup()
    from django.db import connection

    from kefu.commitments import sweep
    from kefu.commitments.models import OrderClock
    from kefu.console.views_orders import filtered_queue
    from kefu.live import bus
    from kefu.organization.models import Staff
    from kefu.workorders import queries
    from kefu.workorders.access import visible_workorders
    from kefu.workorders.models import WorkOrder

    out: dict[str, Any] = {
        "date": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "machine": machine(),
        "load_before": loadavg(),
        "factor": args.factor,
    }
    print(f"machine: {machine()}; load average {loadavg()}; {out['date']}")
    orders = WorkOrder.objects.count()
    open_clocks = OrderClock.objects.filter(status="running").count()
    out["orders"], out["open_clocks"] = orders, open_clocks
    print(f"data set: {orders:,} orders (1/{args.factor} of {FULL_ORDERS:,}), {open_clocks:,} running clocks")

    # disk
    with connection.cursor() as cur:
        cur.execute("SELECT pg_database_size(current_database())")
        size = cur.fetchone()[0]
        cur.execute(
            "SELECT relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON "
            "n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 2 DESC LIMIT 5"
        )
        biggest = cur.fetchall()
    per_order = size / orders
    out["disk"] = {
        "bytes": size,
        "per_order": round(per_order),
        "full_gib": round(per_order * FULL_ORDERS / 2**30, 1),
        "biggest": {name: round(b / 2**20, 1) for name, b in biggest},
    }
    print(
        f"disk: {size / 2**20:.0f} MiB, {per_order / 1024:.1f} KiB per order → {out['disk']['full_gib']} GiB at "
        f"{FULL_ORDERS:,} orders; biggest (MiB): {out['disk']['biggest']}"
    )

    # breach sweep, steady state (a first run handles what the generator left due)
    sweep.sweep()
    runs = timed(sweep.sweep, 5)
    per_clock_us = statistics.median(runs) * 1000 / max(open_clocks, 1)
    full_clocks = open_clocks * args.factor
    out["sweep"] = {
        "median_ms": round(statistics.median(runs), 1),
        "max_ms": round(max(runs), 1),
        "per_clock_us": round(per_clock_us, 2),
        "full_open_clocks": full_clocks,
        "full_s": round(per_clock_us * full_clocks / 1e6, 2),
        "interval_s": 60,
    }
    print(
        f"breach sweep (steady): median {out['sweep']['median_ms']} ms over {open_clocks:,} clocks → "
        f"{out['sweep']['full_s']} s over {full_clocks:,} at full scale (interval 60 s)"
    )

    # queue queries (in-process, the agent of the biggest branch)
    agent = Staff.objects.select_related("user").get(user__username="agent")
    now = dt.datetime.now(dt.UTC)

    def team_queue() -> None:
        qs = filtered_queue(queries.queue_tabs(agent.user, agent)["team"], {}, now)
        list(qs[:50])
        qs.count()

    def api_list() -> None:
        list(visible_workorders(agent.user).filter(status__in=queries.OPEN).order_by("due_at")[:50])

    team_queue()
    q_runs = timed(team_queue, 20)
    a_runs = timed(api_list, 20)
    out["queue"] = {
        "team_p50_ms": round(percentile(q_runs, 50), 1),
        "team_p95_ms": round(percentile(q_runs, 95), 1),
        "api_p50_ms": round(percentile(a_runs, 50), 1),
        "api_p95_ms": round(percentile(a_runs, 95), 1),
        "branch_orders": WorkOrder.objects.filter(branch=agent.branch).count(),
    }
    print(
        f"queue: team queue + count p50 {out['queue']['team_p50_ms']} / p95 {out['queue']['team_p95_ms']} ms; "
        f"API list by due p50 {out['queue']['api_p50_ms']} ms ({out['queue']['branch_orders']:,} orders in the branch)"
    )

    # push fan-out: the hub's read per wake-up
    last = bus.latest_id()
    f_runs = timed(lambda: bus.fetch_new(max(0, last - 50), []), 20)
    out["fanout"] = {"fetch_p50_ms": round(percentile(f_runs, 50), 2)}

    # connections and throughput under load
    from django.contrib.auth import get_user_model
    from live_consoles import make_sessions

    users = list(get_user_model().objects.filter(staff__role="agent", staff__branch=agent.branch)[:16])
    keys = make_sessions(users)
    open_numbers = list(
        WorkOrder.objects.filter(branch=agent.branch, status="in_progress").values_list("number", flat=True)[
            :200
        ]
    )
    connection.close()
    logdir = ROOT / "var" / "bench"
    logdir.mkdir(parents=True, exist_ok=True)
    web = kefu_process(
        ["serve", "--bind", f"127.0.0.1:{args.port}", "--workers", "2", "--no-worker"],
        url,
        logdir / "province-serve.log",
    )
    peak_conns = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_conns
        import psycopg

        with psycopg.connect(url, autocommit=True) as c:
            while not done.is_set():
                n = c.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    [db_name(url)],
                ).fetchone()[0]
                peak_conns = max(peak_conns, n)
                time.sleep(0.2)

    try:
        wait_until_up(args.port)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        mix = []
        for i in range(len(open_numbers)):
            mix.append(("GET", "/api/v1/orders?ordering=due_at&open=true", None))
            mix.append(("GET", f"/api/v1/orders/{open_numbers[i]}", None))
        load = run_load(
            "API list + order (mixed)",
            args.port,
            {"sessionid": keys[0]},
            lambda i: mix[i % len(mix)],
            n=100_000,
            concurrency=16,
            max_seconds=args.seconds,
        )
        done.set()
        sampler.join(5)
    finally:
        done.set()
        stop(web)
    print(load.line())
    per_process = load.throughput / 2
    peak_rps = STAFF * args.online * args.per_minute / 60
    processes = max(1, int(-(-peak_rps // per_process)))
    conns_per_process = peak_conns / 2
    out["load"] = {
        **load.summary(),
        "peak_connections_2_processes": peak_conns,
        "per_process_rps": round(per_process, 1),
        "peak_rps_needed": round(peak_rps, 1),
        "processes_needed_on_this_cpu": processes,
        "connections_needed": int(processes * conns_per_process + 4),
    }
    consoles = int(STAFF * args.online)
    out["fanout"].update(
        {
            "consoles": consoles,
            "console_memory_mib": round(consoles * RSS_PER_CONSOLE_KIB / 1024),
        }
    )
    print(
        f"connections: {peak_conns} at once for 2 processes at {load.throughput:.1f} req/s; peak of "
        f"{STAFF:,} staff ({args.online:.0%} online, {args.per_minute}/min) = {peak_rps:.0f} req/s → "
        f"{processes} web processes of this machine's speed, ≈ {out['load']['connections_needed']} connections"
    )
    print(
        f"push fan-out: hub read p50 {out['fanout']['fetch_p50_ms']} ms per wake-up per process; {consoles:,} open "
        f"consoles ≈ {out['fanout']['console_memory_mib']} MiB of stream memory across the web processes"
    )
    out["load_after"] = loadavg()
    (logdir / "province.json").write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
