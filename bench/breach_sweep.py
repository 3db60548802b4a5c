"""Benchmark of the breach sweep (R-16; quality bar: < 2 s over 100,000 open orders on PostgreSQL).

Usage (its own database, dropped and re-created on every run; the name must contain "bench"):

    DATABASE_URL=postgres://kefu@127.0.0.1:54329/kefu_bench .venv/bin/python bench/breach_sweep.py
    DATABASE_URL=... .venv/bin/python bench/breach_sweep.py --scale small      # 10,000 orders
    DATABASE_URL=... .venv/bin/python bench/breach_sweep.py --n 250000

Steps: create the database, ``manage.py migrate``, bulk-create N open orders with one running 24-hour
resolution clock each (all started an hour ago: nothing due), ANALYZE, then time

1. the steady state: ``sweep()`` with nothing to do (5 runs);
2. a first run with 1 % overdue: 1 % of the clocks get a due time a minute ago (as if time had passed),
   then one ``sweep()`` records and escalates them all;
3. a run with 1 % past the warning point (another 1 %): one ``sweep()`` warns them all;
4. the steady state again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import recreate_database, setup_path

setup_path()
os.environ.setdefault("KEFU_FAST_PASSWORD_HASHER", "true")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=["full", "small"], default="full")
    parser.add_argument("--n", type=int, help="number of open orders (overrides --scale)")
    args = parser.parse_args()
    n = args.n or (10_000 if args.scale == "small" else 100_000)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit(
            "set DATABASE_URL to a PostgreSQL database of its own, e.g. postgres://kefu@127.0.0.1:54329/kefu_bench"
        )
    recreate_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from kefu.commitments import sweep
    from kefu.commitments.models import Breach, OrderClock
    from kefu.testing.bulk_orders import build_open_orders
    from kefu.workorders.models import Escalation, TimelineEntry

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.perf_counter() - t0:.1f} s")

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    t0 = time.perf_counter()
    build_open_orders(n, now=now)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE commitments_orderclock")
        cur.execute("VACUUM ANALYZE workorders_workorder")
        cur.execute("SELECT version()")
        version = cur.fetchone()[0].split(",")[0]
    print(f"built {n:,} open orders with running clocks in {time.perf_counter() - t0:.1f} s ({version})")

    def timed(label: str, runs: int = 1) -> sweep.SweepResult:
        times = []
        result = sweep.SweepResult(0, 0)
        for _ in range(runs):
            t = time.perf_counter()
            result = sweep.sweep(now=now)
            times.append(time.perf_counter() - t)
        detail = f"median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms over {runs} runs"
        if runs == 1:
            detail = f"{times[0] * 1000:.1f} ms"
        print(f"{label:<42} {detail}  → warned {result.warned}, breached {result.breached}")
        return result

    timed("steady state (nothing due)", runs=5)

    ids = list(OrderClock.objects.order_by("id").values_list("id", flat=True))
    due_ids = ids[::100]
    near_ids = ids[50::100]
    OrderClock.objects.filter(pk__in=due_ids).update(
        due_at=now - dt.timedelta(minutes=1), warn_at=now - dt.timedelta(hours=6, minutes=1)
    )
    r = timed(f"first run, 1 % overdue ({len(due_ids):,})")
    assert r.breached == len(due_ids) == Breach.objects.count() == Escalation.objects.count()

    OrderClock.objects.filter(pk__in=near_ids).update(warn_at=now - dt.timedelta(minutes=1))
    r = timed(f"first run, 1 % past the warning ({len(near_ids):,})")
    assert r.warned == len(near_ids) == TimelineEntry.objects.filter(data__event="clock.warning").count()

    timed("steady state again", runs=5)
    with connection.cursor() as cur:
        cur.execute(
            "EXPLAIN ANALYZE SELECT id, workorder_id FROM commitments_orderclock WHERE breached_at IS NULL "
            "AND status IN ('running','breached','late') AND due_at < %s ORDER BY due_at, id LIMIT 1000",
            [now],
        )
        plan = [row[0] for row in cur.fetchall()]
    print("breach candidates plan:")
    print("\n".join("    " + line for line in plan))


if __name__ == "__main__":
    main()
