"""CPU time and statements per request of the hot paths, in-process: the console order page,
the queue, API create and API reply, through Django's test client on a data set built by ``generate.py``.

CPU time (``time.process_time``) hardly depends on what else runs on the machine, so two versions of the
code can be compared on a shared machine: run the script once from each checkout against the same
database (writes are rolled back). Statements are counted on a warm request (caches filled).

    DATABASE_URL=postgres://kefu@127.0.0.1:54329/kefu_bench_http .venv/bin/python bench/hot_paths_cpu.py
    # the code before, from an exported tree:  PYTHONPATH=/tmp/kefu-before .venv/bin/python bench/hot_paths_cpu.py
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

if not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument(
        "--profile",
        metavar="SCENARIO",
        help="instead of the table: cProfile of this scenario (e.g. 'order page') over the runs, top functions",
    )
    ap.add_argument("--top", type=int, default=40, help="with --profile: how many functions to print")
    args = ap.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test import Client

    import kefu
    from kefu.organization.models import Staff
    from kefu.organization.tokens import create_token
    from kefu.workorders.models import WorkOrder

    agent = (
        Staff.objects.filter(branch__isnull=False, user__is_active=True, role="agent")
        .annotate(n=Count("assigned_orders"))
        .order_by("-n")
        .first()
    )
    if agent is None:
        sys.exit("no agent: run bench/generate.py first")
    orders = list(
        WorkOrder.objects.filter(branch_id=agent.branch_id, status__in=("new", "assigned", "in_progress"))
        .order_by("pk")
        .values_list("number", "customer_id")[:20]
    )
    client = Client()
    client.force_login(agent.user)
    token, _row = create_token(agent.user, "hot-paths-cpu")
    api = {"HTTP_AUTHORIZATION": f"Bearer {token}", "content_type": "application/json"}

    def page(i: int) -> Any:
        return client.get(f"/orders/{orders[i % len(orders)][0]}/")

    def queue(i: int) -> Any:
        return client.get("/orders/?tab=team")

    def create(i: int) -> Any:
        body = {
            "customer_id": orders[i % len(orders)][1],
            "order_type": "fault_general",
            "title": "燃气灶打不着火",
            "description": "客户来电：燃气灶打不着火，请尽快上门检修。",
            "channel": "phone",
        }
        return client.post("/api/v1/orders", json.dumps(body), **api)

    def reply(i: int) -> Any:
        body = {"body": "您好，师傅明天上午上门检修，请保持电话畅通。", "channel": "sms"}
        return client.post(f"/api/v1/orders/{orders[i % len(orders)][0]}/replies", json.dumps(body), **api)

    scenarios = [("order page", page, False), ("queue page", queue, False), ("create (API)", create, True)]
    scenarios.append(("reply (API)", reply, True))
    print(f"code: {Path(kefu.__file__).parent}; staff {agent.pk}; {len(orders)} orders; {args.runs} runs")
    print(
        f"{'scenario':16} {'statements':>10} {'CPU ms median':>14} {'CPU ms p90':>11} {'wall ms median':>15}"
    )
    if args.profile:
        scenarios = [s for s in scenarios if s[0] == args.profile]
        if not scenarios:
            sys.exit(f"no scenario {args.profile!r}")
    for name, fn, write in scenarios:

        def once(i: int, fn: Any = fn, write: bool = write) -> Any:
            if not write:
                return fn(i)
            with transaction.atomic():
                resp = fn(i)
                transaction.set_rollback(True)
            return resp

        for i in range(5):  # warm: caches, templates, connections
            resp = once(i)
            assert resp.status_code in (200, 201), (name, resp.status_code, resp.content[:300])
        count = [0]

        def counted(
            execute: Any, sql: str, params: Any, many: bool, context: Any, count: list[int] = count
        ) -> Any:
            count[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            once(5)
        if args.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
            for i in range(args.runs):
                once(i)
            prof.disable()
            print(
                f"{name}: {count[0]} statements; cProfile over {args.runs} runs (cumulative, then own time)"
            )
            stats = pstats.Stats(prof).strip_dirs()
            stats.sort_stats("cumulative").print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)
            return
        cpu, wall = [], []
        for i in range(args.runs):
            c0, w0 = time.process_time(), time.perf_counter()
            once(i)
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
        cpu.sort()
        print(
            f"{name:16} {count[0]:10} {statistics.median(cpu):14.1f} "
            f"{cpu[int(0.9 * (len(cpu) - 1))]:11.1f} {statistics.median(wall):15.1f}"
        )


if __name__ == "__main__":
    main()
