"""Server push at scale: N connected staff consoles (Server-Sent Events) against ``kefu serve`` on 2 cores.

Usage (its own PostgreSQL database, dropped and re-created; the name must contain "bench"):

    DATABASE_URL=postgres://kefu@127.0.0.1:54329/kefu_bench_live .venv/bin/python bench/live_consoles.py
    ... bench/live_consoles.py --consoles 500 --idle 30 --events 60      # the issue's run (default)

What it does:

1. builds the test world (branches, staff) and N more agents of the north branch, each with a session
   made directly in the session table (no N password hashes);
2. starts ``kefu serve --workers 2 --no-worker`` (ASGI, uvicorn workers) and measures the RSS of its
   processes; opens the N consoles' event streams (``/live/events/``) from **one** asyncio client process
   (raw asyncio sockets) and measures the RSS again: (after − before) / N = memory per connection;
3. idle: for ``--idle`` seconds nothing happens; counts the requests the server logged, the CPU time its
   processes used and the database transactions (``pg_stat_database.xact_commit``) — what N idle
   consoles cost;
4. latency: publishes ``--events`` events from this process (``kefu.live.publish`` inside a committed
   transaction, 4 a second), alternating the branch queue (every console receives it: fan-out to N) and
   one console's own staff topic; every receipt's time minus its commit time → p50/p95/p99/max, and
   checks that every console received every event meant for it.

``--hold SECONDS --sessions FILE``: only hold connected consoles (the session keys in FILE, one a line,
used round-robin for ``--consoles`` streams) on ``--port`` for SECONDS and print how many events they
received — used by ``bench/concurrency.py --consoles N``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    ROOT,
    kefu_process,
    live_port,
    loadavg,
    machine,
    percentile,
    recreate_database,
    serving,
    setup_path,
)
from httpload import stop, wait_until_up

setup_path()


def tree_pids(root: int) -> list[int]:
    """``root`` and all its descendants (the gunicorn master and its workers under ``kefu serve``)."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def rss_kib(pids: list[int]) -> int:
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def cpu_seconds(pids: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / tick


# What a real staff console page shows, and so which queue events it is sent (``?queue=``, kefu/static/kefu/
# live.js): 10 consoles in a row are 5 on "My queue" (the default tab), 1 on "My responsibilities", 2 on the
# branch's "Team queue" (every queue event of the branch), 2 on an order page (no queue; the order's own
# events; with --sessions lines "KEY ORDER-NUMBER" the agent's own order). "team": every console on the
# branch queue (the worst case; live_consoles.py's own latency run uses it).
VIEW_MIXES = {
    "real": ("mine", "mine", "mine", "mine", "mine", "owned", "team", "team", "order", "order"),
    "team": ("team",),
}


class Consoles:
    """N event streams in one asyncio loop on raw sockets (HTTP/1.1 written and read by hand: a client as
    cheap as possible, so that on the same 2 cores it takes little from the server it measures); every
    received event's (id, receive time) per console."""

    def __init__(
        self, port: int, sessions: list[str], n: int, mix: str = "team", orders: list[str] | None = None
    ) -> None:
        self.port = port
        self.sessions, self.n = sessions, n
        self.orders = orders or []
        self.views = [VIEW_MIXES[mix][i % len(VIEW_MIXES[mix])] for i in range(n)]
        self.connected = 0
        self.failed: list[str] = []
        self.received: list[dict[int, float]] = [{} for _ in range(n)]
        self.requests = 0  # requests the consoles made (the stream itself and reconnections)
        self.bytes = 0

    def path(self, i: int) -> str:
        view = self.views[i]
        if view == "order":
            order = self.orders[i % len(self.orders)] if self.orders else ""
            return "/live/events/?queue=none" + (f"&order={order}" if order else "")
        return f"/live/events/?queue={view}"

    async def one(self, i: int, stop_at: float) -> None:
        import re

        ids = re.compile(rb"^id: ?(\d+)", re.M)
        last = ""
        received = self.received[i]
        while time.monotonic() < stop_at:
            self.requests += 1
            writer = None
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                head = (
                    f"GET {self.path(i)} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                    f"Cookie: sessionid={self.sessions[i % len(self.sessions)]}\r\n"
                    + (f"Last-Event-ID: {last}\r\n" if last else "")
                    + "\r\n"
                )
                writer.write(head.encode())
                status = (await reader.readline()).split(b" ", 2)
                if len(status) < 2 or status[1] != b"200":
                    self.failed.append(f"console {i}: {status!r}")
                    return
                while (await reader.readline()) not in (b"\r\n", b""):  # the headers
                    pass
                self.connected += 1
                try:
                    buf = b""
                    while True:
                        chunk = await reader.read(65536)
                        if not chunk:
                            break
                        now = time.time()
                        self.bytes += len(chunk)
                        buf += chunk
                        # whole frames only (a frame ends with an empty line); the chunked encoding's size
                        # lines stand between frames, never inside one
                        end = max(buf.rfind(b"\n\n") + 2, buf.rfind(b"\r\n\r\n") + 4)
                        if end < 4:
                            continue
                        found = ids.findall(buf, 0, end)
                        for m in found:
                            received[int(m)] = now
                        if found:
                            last = found[-1].decode()
                        buf = buf[end:]
                finally:
                    self.connected -= 1
            except Exception as exc:
                if time.monotonic() < stop_at:
                    self.failed.append(f"console {i}: {exc!r}")
                    await asyncio.sleep(1)
            finally:
                if writer is not None:
                    writer.close()

    async def run(self, seconds: float, ready: threading.Event | None = None, on_term: bool = False) -> None:
        """Hold the streams for ``seconds`` (or until SIGTERM with ``on_term``: bench/concurrency.py ends the
        consoles when its run is over)."""
        stop_at = time.monotonic() + seconds
        stop = asyncio.Event()
        if on_term:
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        tasks = []
        for i in range(self.n):
            tasks.append(asyncio.create_task(self.one(i, stop_at)))
            if i % 50 == 49:
                await asyncio.sleep(0.2)  # connect in waves, as a shift logs in
        while self.connected < self.n and time.monotonic() < stop_at and not self.failed:
            await asyncio.sleep(0.2)
        if ready is not None:
            ready.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), max(0.0, stop_at - time.monotonic()))
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def fanout(
    args: argparse.Namespace, consoles: Consoles, staff: list[Any], world: Any, pids: list[int]
) -> dict[str, Any]:
    """Queue rows of the branch changing ``--rate`` times a second for ``--fanout`` seconds (the rate of
    title changes and new orders in the 20-agent concurrency run), each naming a random assignee and owner
    among the consoles' members: the server's CPU for the fan-out, and the client's, at that rate."""
    from django.db import transaction

    from kefu import live

    rng = random.Random(11)
    got0 = sum(len(r) for r in consoles.received)
    cpu0, client0 = cpu_seconds(pids), time.process_time()
    t0 = time.monotonic()
    k = 0
    while time.monotonic() - t0 < args.fanout:
        k += 1
        data = {
            "order": 10_000_000 + k,  # every event a different order: none coalesced away
            "version": 1,
            "assignee": staff[rng.randrange(len(staff))].pk,
            "owner": staff[rng.randrange(len(staff))].pk,
        }
        with transaction.atomic():
            live.publish(live.queue_topic(world.north.pk), "queue", data)
        time.sleep(max(0.0, t0 + k / args.rate - time.monotonic()))
    time.sleep(2)
    wall = time.monotonic() - t0
    server = cpu_seconds(pids) - cpu0
    client = time.process_time() - client0  # this process: the consoles' loop and the publishing
    got = sum(len(r) for r in consoles.received) - got0
    mix = {v: consoles.views.count(v) for v in dict.fromkeys(consoles.views)}
    print(
        f"fan-out: {k} queue events in {args.fanout:.0f} s ({args.rate:g}/s) to consoles {mix}: "
        f"{got} deliveries; server CPU {server:.2f} s ({100 * server / wall:.1f} % of one core), "
        f"client process CPU {client:.2f} s"
    )
    return {
        "fanout_events": k,
        "fanout_deliveries": got,
        "fanout_server_cpu_s": round(server, 2),
        "fanout_server_cpu_pct": round(100 * server / wall, 1),
        "fanout_client_cpu_s": round(client, 2),
    }


def make_sessions(users: list[Any]) -> list[str]:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # the configured engine

    keys = []
    for u in users:
        s = SessionStore()
        s[SESSION_KEY] = str(u.pk)
        s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        s[HASH_SESSION_KEY] = u.get_session_auth_hash()
        s.create()
        keys.append(s.session_key)
    return keys


def hold(args: argparse.Namespace) -> None:
    lines = [line.split() for line in Path(args.sessions).read_text().splitlines() if line.strip()]
    sessions = [parts[0] for parts in lines]
    orders = [parts[1] for parts in lines if len(parts) > 1]
    consoles = Consoles(args.port, sessions, args.consoles, args.views, orders)
    cpu0 = time.process_time()
    ready = threading.Event()
    t0 = time.monotonic()

    def announce() -> None:  # tells bench/concurrency.py when every console is connected
        ready.wait()
        print(f"READY {consoles.connected} connected in {time.monotonic() - t0:.1f} s", flush=True)

    threading.Thread(target=announce, daemon=True).start()
    asyncio.run(consoles.run(args.hold, ready, on_term=True))
    cpu = time.process_time() - cpu0
    held = time.monotonic() - t0
    got = sum(len(r) for r in consoles.received)
    mix = {v: consoles.views.count(v) for v in dict.fromkeys(consoles.views)}
    print(
        f"consoles: {args.consoles} held {held:.0f} s (views {mix}); {got} events received, "
        f"{consoles.bytes / 1024:.0f} KiB; {len(consoles.failed)} failures;"
        f" the client process used {cpu:.1f} s of CPU (on the same cores as the server)"
    )
    print(
        "CONSOLES_JSON "
        + json.dumps(
            {
                "events": got,
                "kib": round(consoles.bytes / 1024),
                "cpu_s": round(cpu, 2),
                "views": mix,
                "failures": len(consoles.failed),
            }
        )
    )
    for f in consoles.failed[:5]:
        print("  ", f)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--consoles", type=int, default=500)
    parser.add_argument("--idle", type=float, default=30, help="seconds of the idle measurement")
    parser.add_argument("--events", type=int, default=60)
    parser.add_argument("--port", type=int, default=18461)
    parser.add_argument("--hold", type=float, default=0)
    parser.add_argument("--sessions", default="")
    parser.add_argument(
        "--fanout",
        type=float,
        default=0,
        help="seconds of queue-row changes at --rate/s (server CPU of the fan-out)",
    )
    parser.add_argument("--rate", type=float, default=8, help="queue-row changes per second of --fanout")
    parser.add_argument(
        "--views",
        choices=sorted(VIEW_MIXES),
        default="team",
        help="what the consoles show (--hold): 'real' = the mix of VIEW_MIXES, 'team' = all the branch queue",
    )
    args = parser.parse_args()
    if args.hold:
        hold(args)
        return
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres") or "bench" not in url:
        sys.exit("set DATABASE_URL to a PostgreSQL database whose name contains 'bench' (it is re-created)")
    recreate_database(url)
    # migrate before the server starts (it migrates too, but on a loaded machine its port may answer before
    # that has finished)
    subprocess.check_call(
        [sys.executable, "-m", "kefu.cli", "manage", "migrate", "--verbosity", "0"],
        env=dict(os.environ, DATABASE_URL=url),
        cwd=ROOT,
    )
    logdir = ROOT / "var" / "bench"
    logdir.mkdir(parents=True, exist_ok=True)
    log = logdir / "live-serve.log"
    web = kefu_process(
        ["serve", "--bind", f"127.0.0.1:{args.port}", "--workers", "2", "--no-worker"], url, log
    )
    try:
        wait_until_up(args.port)  # `kefu serve` migrated the database
        wait_until_up(live_port(args.port))
        stream_port = live_port(args.port)
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.db import connection, transaction

        from kefu import live
        from kefu.organization.models import Staff
        from kefu.testing.factories import build_world

        User = get_user_model()
        User.objects.filter(username="admin").update(username="admin-serve")  # made by `kefu serve`
        world = build_world()
        users = User.objects.bulk_create([User(username=f"live{i:04d}") for i in range(args.consoles)])
        staff = Staff.objects.bulk_create(
            Staff(
                user=u,
                name=f"在线客服{i}",
                badge_no=f"L{i:04d}",
                role="agent",
                branch=world.north,
                grade=2,
                hired_on=dt.date(2020, 1, 1),
            )
            for i, u in enumerate(users)
        )
        sessions = make_sessions(users)
        print(f"machine: {machine()}; load average {loadavg()}; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
        print(f"{args.consoles} consoles, kefu serve --workers 2, {serving()}, PostgreSQL")
        # warm-up: every worker has served pages and streams once (imports, the hub), then the baseline
        warm = Consoles(stream_port, sessions, 20)
        asyncio.run(warm.run(4))
        time.sleep(2)
        pids = tree_pids(web.pid)
        rss_before = rss_kib(pids)

        consoles = Consoles(stream_port, sessions, args.consoles, args.views)
        ready = threading.Event()
        total = 75 + args.idle + args.events / 4 + 10 + (args.fanout + 5 if args.fanout else 0)
        client = threading.Thread(target=lambda: asyncio.run(consoles.run(total, ready)), daemon=True)
        t0 = time.monotonic()
        client.start()
        if not ready.wait(90) or consoles.connected < args.consoles:
            sys.exit(
                f"only {consoles.connected} of {args.consoles} consoles connected: {consoles.failed[:5]}"
            )
        out: dict[str, Any] = {
            "date": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
            "load_before": loadavg(),
            "consoles": args.consoles,
            "serving": serving(),
            "connect_s": round(time.monotonic() - t0, 1),
        }
        print(f"connected {args.consoles} streams in {time.monotonic() - t0:.1f} s")
        time.sleep(2)
        pids = tree_pids(web.pid)
        rss_after = rss_kib(pids)
        print(
            f"server RSS (kefu serve, all processes): {rss_before / 1024:.0f} MiB before, "
            f"{rss_after / 1024:.0f} MiB with {args.consoles} streams → "
            f"{(rss_after - rss_before) / args.consoles:.1f} KiB per connection"
        )
        out["rss_mib_before"], out["rss_mib_after"] = round(rss_before / 1024), round(rss_after / 1024)
        out["kib_per_connection"] = round((rss_after - rss_before) / args.consoles, 1)

        # idle
        def xacts() -> int:
            with connection.cursor() as cur:
                cur.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
                return int(cur.fetchone()[0])

        def logged() -> int:
            return sum(
                1
                for line in log.read_text(errors="replace").splitlines()
                if '"GET /' in line or '"POST /' in line
            )

        time.sleep(12)  # PostgreSQL flushes its transaction counters with a delay: let the connects' settle
        req0, cpu0, x0, creq0 = logged(), cpu_seconds(pids), xacts(), consoles.requests
        time.sleep(args.idle)
        req1, cpu1, x1, creq1 = logged(), cpu_seconds(pids), xacts(), consoles.requests
        print(
            f"idle {args.idle:.0f} s: {(req1 - req0) / args.idle:.2f} requests/s logged by the server, "
            f"{(creq1 - creq0) / args.idle:.2f} requests/s made by the consoles, "
            f"server CPU {100 * (cpu1 - cpu0) / args.idle:.1f} % of one core, "
            f"{(x1 - x0 - 2) / args.idle:.2f} database transactions/s (the hubs' safety poll; 2 are this probe's)"
        )
        out["idle_server_req_s"] = round((req1 - req0) / args.idle, 2)
        out["idle_console_req_s"] = round((creq1 - creq0) / args.idle, 2)
        out["idle_cpu_pct"] = round(100 * (cpu1 - cpu0) / args.idle, 1)
        out["idle_db_xact_s"] = round((x1 - x0 - 2) / args.idle, 2)

        # latency
        rng = random.Random(7)
        committed: dict[int, float] = {}
        expected: dict[int, list[int]] = {}
        # a "bench" event on the branch queue reaches the consoles showing the whole queue; "mine"/"owned"
        # views get only queue rows naming their member, order pages no queue
        everyone = [i for i, v in enumerate(consoles.views) if v in ("team", "escalated")]
        for k in range(args.events):
            if k % 2 == 0:
                topic, who = live.queue_topic(world.north.pk), everyone
            else:
                i = rng.randrange(args.consoles)
                topic, who = live.staff_topic(staff[i].pk), [i]
            with transaction.atomic():
                ev = live.publish(topic, "bench", {"k": k})
            committed[ev.pk] = time.time()
            expected[ev.pk] = who
            time.sleep(0.25)
        time.sleep(3)
        lat, missing = [], 0
        for ev_id, who in expected.items():
            for i in who:
                got = consoles.received[i].get(ev_id)
                if got is None:
                    missing += 1
                else:
                    lat.append((got - committed[ev_id]) * 1000)
        print(
            f"latency commit → console over {len(lat)} receipts of {args.events} events "
            f"({args.events // 2 + args.events % 2} to the {len(everyone)} on the branch queue, {args.events // 2} to one): "
            f"p50 {percentile(lat, 50):.0f} ms, p95 {percentile(lat, 95):.0f} ms, p99 {percentile(lat, 99):.0f} ms, "
            f"max {max(lat):.0f} ms; missing {missing}; console errors {len(consoles.failed)}"
        )
        print(f"client process RSS {rss_kib([os.getpid()]) / 1024:.0f} MiB; load average {loadavg()}")
        out |= {
            "receipts": len(lat),
            "p50_ms": round(percentile(lat, 50)),
            "p95_ms": round(percentile(lat, 95)),
            "p99_ms": round(percentile(lat, 99)),
            "max_ms": round(max(lat)),
            "missing": missing,
            "console_errors": len(consoles.failed),
            "load_after": loadavg(),
        }
        if args.fanout:
            out |= fanout(args, consoles, staff, world, pids)
        (logdir / "live.json").write_text(json.dumps(out, indent=1), encoding="utf-8")
    finally:
        stop(web)


if __name__ == "__main__":
    main()
