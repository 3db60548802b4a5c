"""Server CPU time per request of ordinary pages under each way of serving them, A/B interleaved.

On a shared, loaded machine throughput says more about the neighbours than about the server; the CPU time the
server's processes spend per request (utime + stime from /proc, summed over ``kefu serve`` and its workers)
hardly depends on them. Usage (the database of ``bench/generate.py``):

    DATABASE_URL=postgres://kefu@127.0.0.1:54329/kefu_bench_http .venv/bin/python bench/serve_cpu.py
    ... --rounds 3 --requests 300 --concurrency 4 --variants wsgi,before,after

Variants as in ``push_ab.py``: ``wsgi`` (``KEFU_SERVE_WSGI=1``, gthread), ``before`` (``KEFU_SERVE=asgi
KEFU_ASGI_PAGES=asgi``: every request through Django's ASGI handler), ``asgi`` (one ASGI port, pages on
a2wsgi's thread pool), ``after`` (``kefu serve`` as it is: pages on the gthread server, the streams on the
next port). Each run: ``kefu serve --workers 1 --no-worker``, a warm-up, then ``--requests`` requests of each
scenario (a trivial page that reads the session user, the API list of 50 orders, the order page, a reply)
from ``--concurrency`` client threads; prints CPU ms per request and throughput, then the medians."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, kefu_process, loadavg, machine, setup_path
from httpload import login, run_load, stop, wait_until_up
from live_consoles import cpu_seconds, tree_pids

setup_path()

VARIANTS = {
    "wsgi": {"KEFU_SERVE_WSGI": "1"},
    "before": {"KEFU_SERVE": "asgi", "KEFU_ASGI_PAGES": "asgi"},
    "asgi": {"KEFU_SERVE": "asgi"},
    "after": {},
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--requests", type=int, default=300)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--variants", default="wsgi,before,after")
    p.add_argument("--port", type=int, default=18471)
    a = p.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres") or "bench" not in url:
        sys.exit("set DATABASE_URL to the PostgreSQL benchmark database built by bench/generate.py")
    import django

    django.setup()
    from django.db import connection

    from kefu.testing.factories import PASSWORD
    from kefu.workorders.models import WorkOrder

    numbers = list(
        WorkOrder.objects.filter(branch__code="north", status="in_progress").values_list("number", flat=True)[
            :200
        ]
    )
    connection.close()
    scenarios = {
        "notifications page": lambda i: ("GET", "/notifications/", None),
        "API list 50 by due time": lambda i: (
            "GET",
            "/api/v1/orders?open=true&ordering=due_at&limit=50",
            None,
        ),
        "order page": lambda i: ("GET", f"/orders/{numbers[i % len(numbers)]}/", None),
        "reply (API)": lambda i: (
            "POST",
            f"/api/v1/orders/{numbers[(i * 7) % len(numbers)]}/replies",
            {"body": "好的"},
        ),
    }
    variants = [v for v in a.variants.split(",") if v]
    print(f"machine: {machine()}; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; load average {loadavg()}")
    print(f"{a.requests} requests per scenario, {a.concurrency} client threads, kefu serve --workers 1")
    cpu: dict[tuple[str, str], list[float]] = {}
    rps: dict[tuple[str, str], list[float]] = {}
    logdir = ROOT / "var" / "bench"
    logdir.mkdir(parents=True, exist_ok=True)
    for r in range(a.rounds):
        order = variants[r % len(variants) :] + variants[: r % len(variants)]
        for v in order:
            saved = {k: os.environ.pop(k, None) for k in ("KEFU_SERVE_WSGI", "KEFU_ASGI_PAGES", "KEFU_SERVE")}
            os.environ.update(VARIANTS[v])
            web = kefu_process(
                ["serve", "--bind", f"127.0.0.1:{a.port}", "--workers", "1", "--no-worker"],
                url,
                logdir / f"serve-cpu-{v}.log",
            )
            for k in VARIANTS[v]:
                os.environ.pop(k, None)
            os.environ.update({k: val for k, val in saved.items() if val is not None})
            try:
                wait_until_up(a.port)
                cookies = login(a.port, "agent", PASSWORD).cookies
                pids = tree_pids(web.pid)
                load = loadavg()
                for name, make in scenarios.items():
                    post = name.startswith("reply")
                    run_load("warm-up", a.port, cookies, make, n=20, concurrency=a.concurrency, ok=(200, 201))
                    c0 = cpu_seconds(pids)
                    res = run_load(
                        name,
                        a.port,
                        cookies,
                        make,
                        n=a.requests,
                        concurrency=a.concurrency,
                        ok=(201,) if post else (200,),
                    )
                    used = cpu_seconds(pids) - c0
                    cpu.setdefault((v, name), []).append(1000 * used / max(res.n, 1))
                    rps.setdefault((v, name), []).append(res.throughput)
                    bad = sum(n for s, n in res.statuses.items() if s not in (200, 201))
                    print(
                        f"  round {r + 1} {v:<6} {name:<30} {1000 * used / max(res.n, 1):6.1f} ms CPU/request  "
                        f"{res.throughput:6.1f} req/s  {bad} bad; load {load}",
                        flush=True,
                    )
            finally:
                stop(web)
                time.sleep(1)
    print()
    print(f"Summary: medians of {a.rounds} round(s); load average now {loadavg()}")
    print(
        "| scenario | "
        + " | ".join(f"{v} CPU ms/req" for v in variants)
        + " | "
        + " | ".join(f"{v} req/s" for v in variants)
        + " |"
    )
    print("|---|" + "---|" * (2 * len(variants)))
    for name in scenarios:
        c = [f"{statistics.median(cpu[(v, name)]):.1f}" for v in variants]
        t = [f"{statistics.median(rps[(v, name)]):.1f}" for v in variants]
        print(f"| {name} | " + " | ".join(c) + " | " + " | ".join(t) + " |")


if __name__ == "__main__":
    main()
