"""Concurrency run: N agents replying to and updating orders (some on the same order) while e-mail arrives.

Usage (on the database that ``bench/generate.py`` built; it adds agents, replies and orders to it):

    DATABASE_URL=postgres://kefu@127.0.0.1:54329/kefu_bench_http .venv/bin/python bench/concurrency.py --quick
    DATABASE_URL=... .venv/bin/python bench/concurrency.py --agents 200 --hot 20 --seconds 180   # the issue's run

Setup: N agent logins in the north branch (``conc0000`` …), one open order shared by ``--hot`` of them
(quick: 5 of 20) and one open order of its own for each of the others; ``kefu serve --workers 2
--no-worker`` plus two ``kefu worker`` processes (2 web + 2 worker processes) on PostgreSQL.

Each agent (a client thread with its own session, logged in through the form) loops for ``--seconds``:
reads its order (``GET /api/v1/orders/<number>``, version from the ETag), waits 0–50 ms, then sends a reply
(70 %; unique body) or changes the title (30 %, ``PATCH``) with ``If-Match`` of the version it read. At the
same time e-mail arrives through ``channels.email_in.ingest`` (in this process, one message at a time, as
the poller does): replies of the shared order's customer (order number in the subject; they change the
order, so agents get stale versions), new requests, and 10 % delivered twice.

On SQLite (the embedded default, ``DATABASE_URL=sqlite:///…bench….sqlite3``; ``bench/sqlite_embedded.py``
builds the data set and runs this) the server is one ``kefu serve`` as installed — its default 2 web worker
processes and the job runner in the same process (no separate workers) — with Kefu's SQLite settings (WAL,
``busy_timeout``, ``BEGIN IMMEDIATE``); the e-mail feed in this process is a second writer process. Every
"database is locked" (in a response, in the server's log, or raised to the e-mail feed) is counted: there
must be none.

Checks: every reply answered 201 is in the timeline exactly once, no reply answered 409 is there, no
reply is there without a 201 (lost = 201 but missing; duplicated = more than once); the only refusals are
409 ``stale``; no 5xx; every distinct e-mail taken in once. Prints p50/p95/p99 per request kind.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import string
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, kefu_process, live_port, loadavg, machine, percentile, serving, setup_path
from httpload import Client, login, stop, wait_until_up

setup_path()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="20 agents, 5 on one order, 30 s (default)")
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--hot", type=int, default=5, help="agents working on the same order")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--mails", type=int, default=60, help="distinct e-mails during the run")
    parser.add_argument("--port", type=int, default=18451)
    parser.add_argument("--out", default="concurrency.json", help="result file name under var/bench/")
    parser.add_argument(
        "--direct-sessions",
        action="store_true",
        help="make the agents' sessions in the session table instead of logging in through the form",
    )
    parser.add_argument(
        "--consoles",
        type=int,
        default=0,
        help="staff consoles holding a live-update stream during the run (bench/live_consoles.py --hold)",
    )
    parser.add_argument(
        "--console-views",
        choices=("real", "team"),
        default="real",
        help="what the consoles show: 'real' (live_consoles.VIEW_MIXES: mostly the agent's own queue) or "
        "'team' (all on the branch queue, every queue event to every console)",
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres", "sqlite")) or "bench" not in url:
        sys.exit("set DATABASE_URL to the benchmark database built by bench/generate.py")
    sqlite = url.startswith("sqlite")

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from kefu.channels.mail import inbound as email_in
    from kefu.channels.models.mail import InboundMessage, Mailbox
    from kefu.organization.models import Branch, Staff
    from kefu.testing.factories import PASSWORD
    from kefu.workorders.models import TimelineEntry, WorkOrder

    north = Branch.objects.get(code="north")
    run = f"{time.time():.0f}"
    User = get_user_model()
    hashed = make_password(PASSWORD)
    with transaction.atomic():
        users = User.objects.bulk_create(
            [User(username=f"conc{run}-{i:04d}", password=hashed) for i in range(args.agents)]
        )
        Staff.objects.bulk_create(
            Staff(
                user=u,
                name=f"并发客服{i}",
                badge_no=f"C{run}-{i:04d}",
                role="agent",
                branch=north,
                grade=2,
                hired_on=dt.date(2020, 1, 1),
            )
            for i, u in enumerate(users)
        )
    open_orders = list(
        WorkOrder.objects.filter(branch=north, status="in_progress")
        .select_related("customer")
        .order_by("?")[: args.agents - args.hot + 1]
    )
    if len(open_orders) < args.agents - args.hot + 1:
        sys.exit("not enough open orders in the north branch")
    hot = open_orders[0]
    customer = hot.customer
    customer.email = f"hot{run}@example.cn"
    customer.save(update_fields=["email"])
    box, _ = Mailbox.objects.get_or_create(branch=north, address="kefu-bench@north.example.cn")
    settings.KEFU_OUTBOX_DIR = ROOT / "var" / "bench" / "outbox"
    targets = [hot.number] * args.hot + [o.number for o in open_orders[1 : args.agents - args.hot + 1]]
    connection.close()

    logdir = ROOT / "var" / "bench"
    logdir.mkdir(parents=True, exist_ok=True)
    serve_log = logdir / ("conc-sqlite-serve.log" if sqlite else "conc-serve.log")
    if sqlite:  # the embedded default as installed: kefu serve with its job runner, nothing else
        web = kefu_process(
            ["serve", "--bind", f"127.0.0.1:{args.port}"], url, serve_log, worker_in_serve=True
        )
        workers = []
    else:
        web = kefu_process(
            ["serve", "--bind", f"127.0.0.1:{args.port}", "--workers", "2", "--no-worker"], url, serve_log
        )
        workers = [kefu_process(["worker"], url, logdir / f"conc-worker{i}.log") for i in range(2)]
    locked: dict[str, int] = {"responses": 0, "server_log": 0, "mail_feed": 0}
    mail_errors: list[str] = []
    lock = threading.Lock()
    lat: dict[str, list[float]] = {"read": [], "reply": [], "update": []}
    statuses: dict[str, dict[int, int]] = {k: {} for k in lat}
    unexpected: list[str] = []
    replies_201: dict[str, int] = {}  # body -> entry id
    replies_409: set[str] = set()
    replies_unknown: set[str] = set()
    mails: dict[str, int] = {}
    holder_output = ""
    try:
        wait_until_up(args.port)
        if args.consoles:
            wait_until_up(live_port(args.port))
        load_before = loadavg()
        print(
            f"machine: {machine()}; load average {load_before}; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
        )
        print(f"serving: {serving()}; database: {'SQLite' if sqlite else 'PostgreSQL'}")
        processes = (
            "kefu serve (2 web worker processes, job runner in the server)"
            if sqlite
            else "2 web + 2 worker processes"
        )
        print(f"{args.agents} agents ({args.hot} on order {hot.number}), {args.seconds:.0f} s, {processes}")
        if args.direct_sessions:
            # sessions made in the session table (as live_consoles.py does): no N password hashes on the
            # server before the run; the CSRF secret is the client's own (Django accepts it as the token)
            from live_consoles import make_sessions

            alphabet = string.ascii_letters + string.digits
            clients = [
                Client(args.port, {"sessionid": key, "csrftoken": "".join(random.choices(alphabet, k=32))})
                for key in make_sessions(users)
            ]
        else:
            clients = [login(args.port, u.username, PASSWORD) for u in users]
        holder = None
        if args.consoles:
            # N open consoles (event streams of the agents' sessions) in their own process, connected first
            keys = logdir / "conc-sessions.txt"
            # each console is one of the agents' (its session; an order page shows the agent's own order)
            keys.write_text(
                "\n".join(f"{c.cookies['sessionid']} {targets[i]}" for i, c in enumerate(clients))
            )
            holder = subprocess.Popen(
                [
                    sys.executable,
                    str(Path(__file__).resolve().parent / "live_consoles.py"),
                    "--hold",
                    str(args.seconds + 90 + args.consoles / 50),  # connecting may take a while
                    "--sessions",
                    str(keys),
                    "--consoles",
                    str(args.consoles),
                    "--port",
                    str(live_port(args.port)),  # the streams' listener (the next port under `kefu serve`)
                    "--views",
                    args.console_views,
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            # the run starts once every console is connected (opening 500 streams is itself work for the
            # server: on a loaded machine it can take longer than a fixed wait, and would be measured)
            assert holder.stdout is not None
            line = ""
            while not line.startswith("READY") and holder.poll() is None:
                line = holder.stdout.readline()
            print(f"{args.consoles} consoles (live-update streams): {line.strip()}")
            time.sleep(2)
        from live_consoles import cpu_seconds, tree_pids

        server_pids = [p for w in [web, *workers] for p in tree_pids(w.pid)]
        server_cpu0 = cpu_seconds(server_pids)
        end = time.monotonic() + args.seconds

        def record(kind: str, status: int, ms: float, what: str, body: bytes) -> None:
            with lock:
                if b"database is locked" in body:
                    locked["responses"] += 1
                lat[kind].append(ms)
                statuses[kind][status] = statuses[kind].get(status, 0) + 1
                good = {"read": (200,), "reply": (201, 409), "update": (200, 409)}[kind]
                stale = status != 409 or b'"stale"' in body
                if (status not in good or not stale) and len(unexpected) < 20:
                    unexpected.append(f"{what} → {status}: {body[:200]!r}")

        def agent(i: int) -> None:
            rng = random.Random(i)
            c = clients[i]
            key = targets[i]
            seq = 0
            while time.monotonic() < end:
                t = time.perf_counter()
                status, body, headers = c.request("GET", f"/api/v1/orders/{key}")
                record("read", status, (time.perf_counter() - t) * 1000, f"GET {key}", body)
                if status != 200:
                    continue
                version = headers.get("etag", "").strip('W/"')
                time.sleep(rng.random() * 0.05)
                seq += 1
                if rng.random() < 0.7:
                    text = f"conc-{run}-{i}-{seq} 您好，师傅已经出发，预计半小时内到达。"
                    t = time.perf_counter()
                    try:
                        status, body, _ = c.request(
                            "POST",
                            f"/api/v1/orders/{key}/replies",
                            {"body": text, "channel": "sms"},  # phone orders: the agent picks a channel
                            headers={"If-Match": f'"{version}"'},
                        )
                    except OSError:
                        with lock:
                            replies_unknown.add(text)
                        continue
                    record("reply", status, (time.perf_counter() - t) * 1000, f"reply {key}", body)
                    with lock:
                        if status == 201:
                            replies_201[text] = json.loads(body)["id"]
                        elif status == 409:
                            replies_409.add(text)
                        else:
                            replies_unknown.add(text)
                else:
                    t = time.perf_counter()
                    status, body, _ = c.request(
                        "PATCH",
                        f"/api/v1/orders/{key}",
                        {"title": f"燃气表不走字（{i}-{seq}）"},
                        headers={"If-Match": f'"{version}"'},
                    )
                    record("update", status, (time.perf_counter() - t) * 1000, f"PATCH {key}", body)

        def mail_feed() -> None:
            rng = random.Random(99)
            pause = args.seconds / max(1, args.mails * 1.1)
            sent: list[bytes] = []
            k = 0
            while time.monotonic() < end and k < args.mails:
                m = EmailMessage()
                if k % 2 == 0:
                    m["From"] = customer.email
                    m["Subject"] = f"回复：{hot.number} 师傅什么时候到？"
                    m.set_content(f"请问师傅什么时候到？第 {k} 封")
                else:
                    m["From"] = f"newcomer{run}-{k}@example.cn"
                    m["Subject"] = f"报修 {k}"
                    m.set_content(f"厨房燃气灶打不着火，第 {k} 封。")
                m["Message-ID"] = f"<conc-{run}-{k}@example.cn>"
                raw = m.as_bytes()
                sent.append(raw)
                try:
                    r = email_in.ingest(box, raw)
                    mails[r.status] = mails.get(r.status, 0) + 1
                    if rng.random() < 0.1:  # delivered twice
                        r = email_in.ingest(box, raw)
                        mails["again:" + r.status] = mails.get("again:" + r.status, 0) + 1
                except Exception as exc:  # the poller would leave the message for the next poll
                    mail_errors.append(repr(exc)[:200])
                    if "database is locked" in str(exc):
                        locked["mail_feed"] += 1
                    connection.close()
                k += 1
                time.sleep(pause)
            mails["distinct"] = k
            connection.close()

        threads = [threading.Thread(target=agent, args=(i,)) for i in range(args.agents)]
        threads.append(threading.Thread(target=mail_feed))
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        server_cpu = cpu_seconds(server_pids) - server_cpu0
        if holder is not None:
            holder.terminate()  # the consoles end with the run (SIGTERM: they print what they received)
            holder_output = (holder.communicate(timeout=120)[0] or "").strip()
            print(holder_output)
    finally:
        stop(web)
        for w in workers:
            stop(w)

    log_text = serve_log.read_text(encoding="utf-8", errors="replace")
    locked["server_log"] = log_text.count("database is locked")
    # checks against the database
    in_db: dict[str, int] = {}
    for body in TimelineEntry.objects.filter(kind="reply", body__startswith=f"conc-{run}-").values_list(
        "body", flat=True
    ):
        in_db[body] = in_db.get(body, 0) + 1
    lost = [b for b in replies_201 if b not in in_db]
    duplicated = [b for b, n in in_db.items() if n > 1]
    written_409 = [b for b in replies_409 if b in in_db]
    without_201 = [b for b in in_db if b not in replies_201 and b not in replies_unknown]
    taken_in = InboundMessage.objects.filter(mailbox=box, message_id__contains=f"conc-{run}-").count()
    five_xx = sum(n for s in statuses.values() for code, n in s.items() if code >= 500)
    print(f"ran {wall:.1f} s; load average {loadavg()}; kefu serve + workers used {server_cpu:.1f} s of CPU")
    for kind, values in lat.items():
        n = len(values)
        print(
            f"{kind:<7} {n:>6} requests ({n / wall:.1f}/s)  p50 {percentile(values, 50):.1f}  p95 "
            f"{percentile(values, 95):.1f}  p99 {percentile(values, 99):.1f} ms  statuses {dict(sorted(statuses[kind].items()))}"
        )
    print(f"e-mail: {mails}; distinct messages taken in: {taken_in}; errors: {len(mail_errors)}")
    for e in mail_errors[:3]:
        print("  e-mail error:", e)
    print(f'"database is locked": {locked}')
    checks = {
        "no reply lost (201 but not in the timeline)": not lost,
        "no reply duplicated": not duplicated,
        "no reply answered 409 was written": not written_409,
        "no reply written without a 201": not without_201,
        "refusals only 409 stale, no 5xx": not unexpected and five_xx == 0,
        "every distinct e-mail taken in once": taken_in == mails.get("distinct", -1),
        'no "database is locked" (responses, server log, e-mail feed)': not any(locked.values()),
    }
    for name, ok in checks.items():
        print(f"  {'OK  ' if ok else 'FAIL'} {name}")
    for u in unexpected[:5]:
        print("  unexpected:", u)
    print(
        f"replies: {len(replies_201)} answered 201 ({len(in_db)} in the timeline), {len(replies_409)} answered 409"
    )
    out = {
        "date": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "machine": machine(),
        "load_before": load_before,
        "load_after": loadavg(),
        "serving": serving(),
        "consoles": args.consoles,
        "consoles_output": holder_output,
        "consoles_stats": next(
            (
                json.loads(line.split(" ", 1)[1])
                for line in holder_output.splitlines()
                if line.startswith("CONSOLES_JSON ")
            ),
            {},
        ),
        "console_views": args.console_views if args.consoles else "",
        "server_cpu_s": round(server_cpu, 1),
        "work_req_s": round(sum(len(v) for v in lat.values()) / wall, 1),
        "agents": args.agents,
        "hot": args.hot,
        "seconds": round(wall, 1),
        "latency": {
            k: {"n": len(v), "p50": percentile(v, 50), "p95": percentile(v, 95), "p99": percentile(v, 99)}
            for k, v in lat.items()
        },
        "statuses": {k: {str(c): n for c, n in v.items()} for k, v in statuses.items()},
        "replies_201": len(replies_201),
        "replies_409": len(replies_409),
        "lost": len(lost),
        "duplicated": len(duplicated),
        "mail": mails,
        "database": "sqlite" if sqlite else "postgresql",
        "database_locked": locked,
        "mail_errors": mail_errors[:20],
        "checks": checks,
    }
    (logdir / args.out).write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    if not all(checks.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
