"""django-helpdesk side by side: the same data volume, the same server settings, the equivalent operations.

Run with the helpdesk virtual environment (``bench/helpdesk/setup_venv.sh`` creates it):

    bench/helpdesk/setup_venv.sh
    bench/.venv-helpdesk/bin/python bench/helpdesk/bench_helpdesk.py --scale quick

Steps: (re)create the PostgreSQL database ``HD_DATABASE_URL`` (default
postgres://kefu@127.0.0.1:54329/helpdesk_bench; the name must contain "bench"), migrate the minimal project
``hdproject``, load the volume of ``bench/generate.py``'s scale through django-helpdesk's models with
``bulk_create`` (staff users, 2 queues for the 2 branches with the same 60/40 split, tickets with the same
Chinese titles and descriptions, 10 % open with a due date, 3 follow-ups per ticket), start gunicorn with
the command line of ``kefu serve`` (gthread, 4 threads, timeout 60, access log, max-requests 5000 ± 500;
``--workers`` as for Kefu), log in through helpdesk's login form, then measure with the same client:

* ticket list for a queue: ``datatables_ticket_list`` (the JSON behind the ticket list page), open tickets
  of the queue, 50 rows sorted by due date — Kefu: API list of 50 open orders by due time;
* ticket page ``/helpdesk/tickets/<id>/`` — Kefu: the order page;
* ticket create ``POST /helpdesk/api/tickets/`` (its REST API) — Kefu: create order (API);
* follow-up ``POST /helpdesk/api/followups/`` — Kefu: reply (API);
* search ``search_string`` of the ticket list (2 and 4 Chinese characters) — Kefu: search.

The framework floor is a trivial view on the same server. Results go to ``var/bench/helpdesk.json``; if
``var/bench/http.json`` (bench/http_bench.py) exists, the Kefu / django-helpdesk throughput ratios are printed.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from common import ROOT, loadavg, machine, recreate_database  # noqa: E402
from httpload import login, run_load, stop, wait_until_up  # noqa: E402
from vocab import (  # noqa: E402
    OPEN_SHARE,
    SCALES,
    SEARCH_TERM_2,
    SEARCH_TERM_4,
    TITLES,
    Scale,
    chinese_name,
    description,
)

PASSWORD = "kefu-test-pass-42"  # noqa: S105 - the benchmark's login, as Kefu's test world
DEFAULT_URL = "postgres://kefu@127.0.0.1:54329/helpdesk_bench"
# Kefu scenario ↔ django-helpdesk operation (also read by bench/results_table.py)
PAIRS = [
    ("API list 50 by due time", "ticket list for a queue (50 by due date)"),
    ("order page", "ticket page"),
    ("create order (API)", "create ticket (API)"),
    ("reply (API)", "follow-up (API)"),
    (f"search 2 chars {SEARCH_TERM_2}", f"search 2 chars {SEARCH_TERM_2}"),
    (f"search 4 chars {SEARCH_TERM_4}", f"search 4 chars {SEARCH_TERM_4}"),
]


def load(scale: Scale, chunk: int = 10_000) -> dict[str, float]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction
    from helpdesk.models import FollowUp, Queue, Ticket, UserSettings

    n_tickets, n_customers, n_followups, n_staff = scale.orders, scale.customers, scale.timeline, scale.staff
    rng = random.Random(7)
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    timings = {"migrate": time.perf_counter() - t0}
    print(f"migrate: {timings['migrate']:.1f} s")
    t_all = time.perf_counter()
    User = get_user_model()
    hashed = make_password(PASSWORD)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with transaction.atomic():
        users = User.objects.bulk_create(
            [User(username="agent", password=hashed, is_staff=True, email="agent@example.com")]
            + [
                User(username=f"bench{i:04d}", password=hashed, is_staff=True, email=f"bench{i}@example.com")
                for i in range(n_staff - 1)
            ]
        )
        # bulk_create skips the post_save signal that gives every user helpdesk's settings row
        UserSettings.objects.bulk_create([UserSettings(user=u) for u in users])
        queues = Queue.objects.bulk_create(
            [
                Queue(title="城北分公司", slug="north", email_address="north@example.com"),
                Queue(title="城南分公司", slug="south", email_address="south@example.com"),
            ]
        )
    per = max(1, round(n_followups / n_tickets))
    for first in range(0, n_tickets, chunk):
        batch = []
        for i in range(first, min(n_tickets, first + chunk)):
            cust = rng.randrange(n_customers)
            queue = queues[0] if cust % 5 < 3 else queues[1]
            is_open = i % OPEN_SHARE == 0
            created = (
                now - dt.timedelta(minutes=rng.randint(5, 20 * 60))
                if is_open
                else now - dt.timedelta(days=1 + (i * 3650 // n_tickets), minutes=rng.randint(0, 1440))
            )
            batch.append(
                Ticket(
                    title=rng.choice(TITLES),
                    queue=queue,
                    created=created,
                    modified=created,
                    submitter_email=f"kh{cust:08d}@example.com",
                    assigned_to=rng.choice(users),
                    status=rng.choice([1, 1, 2]) if is_open else rng.choice([3, 4, 4]),
                    description=f"{chinese_name(rng)}：{description(rng)}",
                    resolution="" if is_open else "已上门处理，问题解决。",
                    priority=3,
                    due_date=created + dt.timedelta(hours=24),
                )
            )
        with transaction.atomic():
            tickets = Ticket.objects.bulk_create(batch)
            FollowUp.objects.bulk_create(
                FollowUp(
                    ticket=t,
                    date=t.created + dt.timedelta(minutes=10 * k),
                    title=("客户来信", "回复客户", "状态变更")[k % 3],
                    comment=(t.description, "您好，我们已安排师傅上门，请保持电话畅通。", "")[k % 3],
                    public=k % 3 != 2,
                    user=None if k % 3 == 0 else t.assigned_to,
                    new_status=t.status if k % 3 == 2 else None,
                )
                for t in tickets
                for k in range(per)
            )
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    timings["load"] = time.perf_counter() - t_all
    print(
        f"loaded {n_staff} staff, 2 queues, {n_tickets:,} tickets, {n_tickets * per:,} follow-ups in "
        f"{timings['load']:.1f} s"
    )
    return timings


def gunicorn(port: int, workers: int, url: str, log: Path) -> subprocess.Popen[Any]:
    """gunicorn with the command line ``kefu serve`` uses (kefu/cli/__init__.py: cmd_serve)."""
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "hdproject.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        "4",
        "--timeout",
        "60",
        "--graceful-timeout",
        "20",
        "--access-logfile",
        "-",
        "--max-requests",
        "5000",
        "--max-requests-jitter",
        "500",
    ]
    env = dict(os.environ, HD_DATABASE_URL=url, DJANGO_SETTINGS_MODULE="hdproject.settings")
    return subprocess.Popen(cmd, cwd=HERE, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def datatables(queue_id: int | None, search: str = "", length: int = 50) -> str:
    query = {
        "filtering": {"status__in": [1, 2], **({"queue__id__in": [queue_id]} if queue_id else {})},
        "sorting": "due_date",
        "sortreverse": False,
        "search_string": search,
    }
    if search:  # the ticket list's search covers every status
        query["filtering"] = {}
    b64 = base64.b64encode(json.dumps(query).encode()).decode()
    return f"/helpdesk/datatables_ticket_list/{quote(b64)}?draw=1&start=0&length={length}&order[0][column]=6&order[0][dir]=asc"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=sorted(SCALES), default="quick")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=18441)
    parser.add_argument("--seconds", type=float, default=5, help="at most this long per operation (quick: 5)")
    parser.add_argument("--skip-load", action="store_true", help="reuse the loaded database")
    parser.add_argument("--load-only", action="store_true", help="load the data set and stop")
    parser.add_argument("--only", help="comma-separated operation names (parts of), e.g. 'ticket page'")
    args = parser.parse_args()
    url = os.environ.get("HD_DATABASE_URL", DEFAULT_URL)
    os.environ["HD_DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "hdproject.settings"
    if not args.skip_load:
        recreate_database(url)
    import django

    django.setup()
    from django.db import connection
    from helpdesk.models import Queue, Ticket

    load_file = ROOT / "var" / "bench" / "helpdesk-load.json"
    timings = {} if args.skip_load else load(SCALES[args.scale])
    if args.skip_load and load_file.exists():
        timings = json.loads(load_file.read_text(encoding="utf-8"))
    if args.load_only:
        (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
        (ROOT / "var" / "bench" / "helpdesk-load.json").write_text(json.dumps(timings), encoding="utf-8")
        return
    north = Queue.objects.get(slug="north")
    open_ids = list(
        Ticket.objects.filter(queue=north, status__in=[1, 2]).order_by("?").values_list("id", flat=True)[:500]
    )
    n_tickets = Ticket.objects.count()
    connection.close()

    logdir = ROOT / "var" / "bench"
    logdir.mkdir(parents=True, exist_ok=True)
    server = gunicorn(args.port, args.workers, url, logdir / "helpdesk-serve.log")
    n, c = args.requests, args.concurrency
    rows = []
    print(f"machine: {machine()}; load average {loadavg()}; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"django-helpdesk: {n_tickets:,} tickets; {n} requests per operation, {c} client threads, {args.workers} workers"
    )
    try:
        wait_until_up(args.port, "/helpdesk/login/")
        cookies = login(args.port, "agent", PASSWORD, path="/helpdesk/login/").cookies
        floor_make = lambda i: ("GET", "/bench-floor/", None)  # noqa: E731
        run_load(
            "warm-up",
            args.port,
            cookies,
            lambda i: ("GET", datatables(north.pk), None),
            n=args.workers * 2,
            concurrency=c,
        )
        ops = [
            (
                "ticket list for a queue (50 by due date)",
                lambda i: ("GET", datatables(north.pk), None),
                (200,),
            ),
            (
                "ticket page",
                lambda i: ("GET", f"/helpdesk/tickets/{open_ids[i % len(open_ids)]}/", None),
                (200,),
            ),
            (
                "create ticket (API)",
                lambda i: (
                    "POST",
                    "/helpdesk/api/tickets/",
                    {
                        "queue": north.pk,
                        "title": "燃气表不走字",
                        "description": "用户来电反映家中燃气表不走字，希望尽快上门检查。",
                        "submitter_email": f"kh{i:08d}@example.com",
                        "priority": 3,
                    },
                ),
                (201,),
            ),
            (
                "follow-up (API)",
                lambda i: (
                    "POST",
                    "/helpdesk/api/followups/",
                    {
                        "ticket": open_ids[(i * 7) % len(open_ids)],
                        "title": "回复客户",
                        "comment": "您好，我们已经安排维修师傅今天下午上门检查，请保持电话畅通，谢谢您的耐心等待。",
                        "public": True,
                    },
                ),
                (201,),
            ),
            (
                f"search 2 chars {SEARCH_TERM_2}",
                lambda i: ("GET", datatables(None, SEARCH_TERM_2), None),
                (200,),
            ),
            (
                f"search 4 chars {SEARCH_TERM_4}",
                lambda i: ("GET", datatables(None, SEARCH_TERM_4), None),
                (200,),
            ),
        ]
        if args.only:
            ops = [op for op in ops if any(w in op[0] for w in args.only.split(","))]
        for name, make, ok in ops:
            # warm-up of this operation on every worker, as for Kefu; not measured
            run_load(
                "warm-up", args.port, cookies, make, n=args.workers * 4, concurrency=c, ok=ok, max_seconds=2
            )
            fl = run_load(
                "floor", args.port, cookies, floor_make, n=n, concurrency=c, max_seconds=args.seconds * 0.4
            )
            res = run_load(
                name, args.port, cookies, make, n=n, concurrency=c, ok=ok, max_seconds=args.seconds
            )
            print(res.line())
            print(f"      floor p95 {fl.p(95):6.1f} ms ({fl.throughput:.0f} req/s)")
            for e in res.errors[:3]:
                print("      error:", e)
            rows.append({**res.summary(), "floor": fl.summary()})
    finally:
        stop(server)
    out = {
        "date": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "machine": machine(),
        "load_after": loadavg(),
        "tickets": n_tickets,
        "timings": {k: round(v, 1) for k, v in timings.items()},
        "requests": n,
        "concurrency": c,
        "workers": args.workers,
        "operations": rows,
    }
    (logdir / "helpdesk.json").write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    compare(out, logdir / "http.json")


def compare(hd: dict[str, Any], kefu_path: Path) -> None:
    if not kefu_path.exists():
        print(f"(no {kefu_path}: run bench/http_bench.py for the Kefu side)")
        return
    kefu = json.loads(kefu_path.read_text(encoding="utf-8"))
    k_rows = {r["name"]: r for r in kefu["scenarios"]}
    h_rows = {r["name"]: r for r in hd["operations"]}
    print(
        f"\nKefu ({kefu['orders']:,} orders, {kefu['date']}) vs django-helpdesk ({hd['tickets']:,} tickets, {hd['date']}):"
    )
    print(
        f"{'operation':<44} {'Kefu req/s':>10} {'helpdesk req/s':>15} {'ratio':>6}  {'Kefu p95':>9} {'hd p95':>9}"
    )
    for k_name, h_name in PAIRS:
        k, h = k_rows.get(k_name), h_rows.get(h_name)
        if not k or not h:
            continue
        ratio = k["throughput"] / h["throughput"] if h["throughput"] else float("inf")
        print(
            f"{h_name:<44} {k['throughput']:>10.1f} {h['throughput']:>15.1f} {ratio:>6.2f}  "
            f"{k['p95']:>7.1f}ms {h['p95']:>7.1f}ms"
        )


if __name__ == "__main__":
    main()
