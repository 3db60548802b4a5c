"""The embedded default measured: Kefu on SQLite with N orders, agents working and e-mail arriving.

Usage:

    .venv/bin/python bench/sqlite_embedded.py --quick      # 10,000 orders (a few minutes)
    .venv/bin/python bench/sqlite_embedded.py --full       # 100,000 orders (the issue's scale)
    .venv/bin/python bench/sqlite_embedded.py --full --reuse --agents 40   # same data set, more agents

Steps:

1. ``bench/generate.py --orders N`` builds the data set in ``var/bench/kefu_bench_sqlite_<N>.sqlite3``
   (kept; ``--reuse`` skips this step when the file is there);
2. the file is copied to ``…_run.sqlite3``, so that every run starts from the same state;
3. ``bench/concurrency.py`` on that copy: ``kefu serve`` exactly as the embedded default runs (2 web worker
   processes, the job runner in the server: the breach sweep, the outbox, …), with the SQLite settings of
   ``kefu/settings.py`` (WAL, ``synchronous=NORMAL``, ``busy_timeout`` ``KEFU_SQLITE_BUSY_TIMEOUT_MS`` =
   15 s, ``BEGIN IMMEDIATE``); ``--agents`` agents (20) read an order, then reply (70 %) or change its title
   (30 %) with ``If-Match``, ``--hot`` of them (5) on one shared order; e-mail arrives meanwhile through the
   real intake in the bench process (a second writer process): replies on the shared order, new requests,
   10 % delivered twice.

Prints throughput (requests/s of real work), p50/p95/p99 per request kind, and every "database is locked"
(in a response, the server's log, or the e-mail feed) — there must be none; the run fails otherwise.
Result: ``var/bench/sqlite-<N>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BENCH, ROOT, loadavg, machine

VAR = ROOT / "var" / "bench"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="10,000 orders")
    size.add_argument("--full", action="store_true", help="100,000 orders (default)")
    size.add_argument("--orders", type=int, help="another number of orders")
    parser.add_argument("--reuse", action="store_true", help="reuse the data set built before, if present")
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--hot", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--mails", type=int, default=120, help="distinct e-mails during the run")
    parser.add_argument("--port", type=int, default=18461)
    args = parser.parse_args()
    orders = args.orders or (10_000 if args.quick else 100_000)
    VAR.mkdir(parents=True, exist_ok=True)
    base = VAR / f"kefu_bench_sqlite_{orders}.sqlite3"
    work = VAR / f"kefu_bench_sqlite_{orders}_run.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.pop("KEFU_FAST_PASSWORD_HASHER", None)
    print(f"machine: {machine()}; load average {loadavg()}")
    if not (args.reuse and base.exists()):
        subprocess.run(
            [sys.executable, str(BENCH / "generate.py"), "--orders", str(orders)],
            env=dict(env, DATABASE_URL=f"sqlite:///{base}"),
            check=True,
        )
    with sqlite3.connect(base) as db:  # everything in the main file before it is copied
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("", "-wal", "-shm"):
        Path(str(work) + suffix).unlink(missing_ok=True)
    shutil.copyfile(base, work)
    print(f"data set: {orders:,} orders, {base.stat().st_size / 2**20:.0f} MiB ({base.name})")
    out = f"sqlite-{orders}.json"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "concurrency.py"),
            "--agents",
            str(args.agents),
            "--hot",
            str(args.hot),
            "--seconds",
            str(args.seconds),
            "--mails",
            str(args.mails),
            "--port",
            str(args.port),
            "--out",
            out,
        ],
        env=dict(env, DATABASE_URL=f"sqlite:///{work}"),
        check=False,
    )
    result = json.loads((VAR / out).read_text(encoding="utf-8"))
    result["orders"] = orders
    result["file_mib"] = round(base.stat().st_size / 2**20)
    (VAR / out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    lat = result["latency"]
    print(
        f"SQLite, {orders:,} orders, {args.agents} agents: {result['work_req_s']} req/s of real work; p95 read "
        f"{lat['read']['p95']:.0f} ms, reply {lat['reply']['p95']:.0f} ms, update {lat['update']['p95']:.0f} ms; "
        f'"database is locked": {sum(result["database_locked"].values())}'
    )
    sys.exit(done.returncode)


if __name__ == "__main__":
    main()
