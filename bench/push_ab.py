"""Server push against its targets (ADR 0006), measured A/B interleaved on a shared machine.

Usage (PostgreSQL; the concurrency database is the one ``bench/generate.py`` built, the live database is
dropped and re-created by ``live_consoles.py``):

    DATABASE_URL=postgres://kefu@127.0.0.1:54329/kefu_bench_http \\
    LIVE_DATABASE_URL=postgres://kefu@127.0.0.1:54329/kefu_bench_live \\
        .venv/bin/python bench/push_ab.py                        # 3 rounds, 200 agents, 500 consoles
    ... bench/push_ab.py --rounds 1 --agents 20 --hot 5 --seconds 20 --consoles 500   # a quick look

Each round runs, back to back (the order rotates from round to round so a drift of the machine's load
does not always hit the same variant):

- ``bench/concurrency.py`` (N agents replying and updating, 2 web + 2 worker processes) under
  ``wsgi`` (``KEFU_SERVE_WSGI=1``, the former gthread server: today's figure without push),
  ``before`` (``KEFU_SERVE=asgi KEFU_ASGI_PAGES=asgi``: every request through Django's ASGI handler),
  ``asgi`` (``KEFU_SERVE=asgi``: one ASGI port, pages on a2wsgi's thread pool inside it) and ``after``
  (``kefu serve`` as it is: pages on the WSGI server, the event streams on the ASGI server on the next
  port), each without and with ``--consoles`` connected (``--runs`` picks);
- ``bench/live_consoles.py`` (``--consoles`` streams: idle requests/s, commit → console latency, memory per
  connection) under ``before`` and ``after``.

It prints every run with the load average before it, then the medians per variant and the ratios the issue
asks for, and writes ``var/bench/push_ab.json``. Real work = reads + replies + updates per second."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, loadavg, machine

BENCH = Path(__file__).resolve().parent
OUT = ROOT / "var" / "bench"

VARIANTS = {
    "wsgi": {"KEFU_SERVE_WSGI": "1"},
    "before": {"KEFU_SERVE": "asgi", "KEFU_ASGI_PAGES": "asgi"},
    # one ASGI port, the pages on a2wsgi's thread pool inside it (kefu serve until the split)
    "asgi": {"KEFU_SERVE": "asgi"},
    # kefu serve as it is: the pages on the WSGI server, the event streams on the ASGI server, next port
    "after": {},
}


def env_for(variant: str, url: str) -> dict[str, str]:
    drop = ("KEFU_SERVE_WSGI", "KEFU_ASGI_PAGES", "KEFU_SERVE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return env | VARIANTS[variant] | {"DATABASE_URL": url}


def run(script: str, args: list[str], env: dict[str, str], result: str, log: Path) -> dict[str, Any] | None:
    (OUT / result).unlink(missing_ok=True)
    with log.open("w") as fh:
        code = subprocess.call(
            [sys.executable, str(BENCH / script), *args],
            env=env,
            cwd=ROOT,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    path = OUT / result
    if not path.exists():
        print(f"  {script} failed (exit {code}); see {log}", flush=True)
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    data["exit"] = code
    return data


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def fmt(v: float | None, digits: int = 1) -> str:
    return "—" if v is None else f"{v:,.{digits}f}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--agents", type=int, default=200)
    p.add_argument("--hot", type=int, default=20)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--mails", type=int, default=30)
    p.add_argument("--consoles", type=int, default=500)
    p.add_argument("--idle", type=float, default=20, help="idle seconds of live_consoles.py")
    p.add_argument("--events", type=int, default=60)
    p.add_argument("--skip-live", action="store_true")
    p.add_argument(
        "--port", type=int, default=0, help="the server's port (streams: the next one); default: the scripts'"
    )
    p.add_argument("--skip-concurrency", action="store_true")
    p.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME=KEY=VALUE[,KEY=VALUE]",
        help="define another serving variant by its environment, e.g. c250=KEFU_LIVE_COALESCE_MS=250",
    )
    p.add_argument(
        "--runs",
        default="",
        help="the concurrency runs of a round as variant:consoles[:views],… (views: real or team, default "
        "real; default runs: wsgi:0,before:0,before:N,after:0,after:N)",
    )
    p.add_argument("--live-variants", default="before,after", help="the live_consoles.py runs of a round")
    p.add_argument(
        "--summary-of",
        default="",
        metavar="JSON",
        help="only print the summary of a previous run's push_ab.json",
    )
    a = p.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    live_url = os.environ.get("LIVE_DATABASE_URL", "")
    if not a.skip_concurrency and ("bench" not in url or not url.startswith("postgres")):
        sys.exit(
            "DATABASE_URL: the PostgreSQL database built by bench/generate.py (its name contains 'bench')"
        )
    if not a.skip_live and ("bench" not in live_url or not live_url.startswith("postgres")):
        sys.exit("LIVE_DATABASE_URL: a PostgreSQL database whose name contains 'bench' (it is re-created)")
    OUT.mkdir(parents=True, exist_ok=True)
    for spec in a.variant:
        name, _, assignments = spec.partition("=")
        VARIANTS[name] = dict(kv.split("=", 1) for kv in assignments.split(",") if kv)
    conc_runs = [
        ("wsgi", 0, ""),
        ("before", 0, ""),
        ("before", a.consoles, "real"),
        ("after", 0, ""),
        ("after", a.consoles, "real"),
    ]
    if a.runs:
        conc_runs = []
        for spec in a.runs.split(","):
            v, n, *views = spec.split(":")
            conc_runs.append((v, int(n), (views or ["real"])[0] if int(n) else ""))
    live_runs = [v for v in a.live_variants.split(",") if v]
    a.conc_runs, a.live_runs = conc_runs, live_runs
    if a.summary_of:
        old = json.loads(Path(a.summary_of).read_text(encoding="utf-8"))
        for row in old:  # rows of a run made before server CPU per request was recorded
            if (
                row.get("server_cpu_s") is not None
                and row.get("work_req_s")
                and "server_cpu_ms_per_req" not in row
            ):
                row["server_cpu_ms_per_req"] = round(
                    1000 * row["server_cpu_s"] / (row["work_req_s"] * a.seconds), 2
                )
        summary(old, a)
        return
    print(f"machine: {machine()}; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; load average {loadavg()}")
    if not a.skip_concurrency:  # concurrency.py writes staff rows before its server migrates
        subprocess.check_call(
            [sys.executable, "-m", "kefu.cli", "manage", "migrate", "--verbosity", "0"],
            env=env_for("after", url),
            cwd=ROOT,
        )
    results: list[dict[str, Any]] = []
    for r in range(a.rounds):
        k = r % len(conc_runs)
        for variant, consoles, views in [] if a.skip_concurrency else conc_runs[k:] + conc_runs[:k]:
            load = loadavg()
            args = ["--agents", str(a.agents), "--hot", str(a.hot), "--seconds", str(a.seconds)]
            args += ["--mails", str(a.mails), "--consoles", str(consoles), "--direct-sessions"]
            if a.port:
                args += ["--port", str(a.port)]
            if views:
                args += ["--console-views", views]
            log = OUT / f"push_ab-conc-{r}-{variant}-{consoles}{views}.log"
            data = run("concurrency.py", args, env_for(variant, url), "concurrency.json", log)
            row = {
                "kind": "concurrency",
                "round": r,
                "variant": variant,
                "consoles": consoles,
                "views": views,
                "load": load,
            }
            if data:
                row |= {"work_req_s": data["work_req_s"], "checks_ok": all(data["checks"].values())}
                row["consoles_output"] = data.get("consoles_output", "")
                row["server_cpu_s"] = data.get("server_cpu_s")
                stats = data.get("consoles_stats") or {}
                row["client_cpu_s"], row["console_events"] = stats.get("cpu_s"), stats.get("events")
                if data.get("server_cpu_s") is not None and data["work_req_s"]:
                    # CPU the server's processes spent per request of real work: steadier than req/s when
                    # other processes share the cores
                    row["server_cpu_ms_per_req"] = round(
                        1000 * data["server_cpu_s"] / (data["work_req_s"] * data["seconds"]), 2
                    )
            results.append(row)
            print(
                f"  round {r + 1} concurrency {variant:<6} consoles {consoles:>4} {views or '-':<4}: "
                f"{fmt(row.get('work_req_s'))} req/s of real work (checks {'ok' if row.get('checks_ok') else 'FAILED'}); "
                f"server CPU {fmt(row.get('server_cpu_s'))} s, consoles' client CPU {fmt(row.get('client_cpu_s'))} s, "
                f"{row.get('console_events', '—')} events received; load before {load}",
                flush=True,
            )
        for variant in [] if a.skip_live else (live_runs if r % 2 == 0 else live_runs[::-1]):
            load = loadavg()
            args = ["--consoles", str(a.consoles), "--idle", str(a.idle), "--events", str(a.events)]
            if a.port:
                args += ["--port", str(a.port + 2)]
            log = OUT / f"push_ab-live-{r}-{variant}.log"
            data = run("live_consoles.py", args, env_for(variant, live_url), "live.json", log)
            row = {"kind": "live", "round": r, "variant": variant, "consoles": a.consoles, "load": load}
            if data:
                row |= {
                    k: data.get(k)
                    for k in (
                        "idle_server_req_s",
                        "idle_cpu_pct",
                        "p50_ms",
                        "p95_ms",
                        "p99_ms",
                        "kib_per_connection",
                        "missing",
                        "console_errors",
                        "connect_s",
                    )
                }
            results.append(row)
            print(
                f"  round {r + 1} live        {variant:<6} consoles {a.consoles:>4}: idle "
                f"{fmt(row.get('idle_server_req_s'), 2)} req/s, p95 {fmt(row.get('p95_ms'), 0)} ms, "
                f"{fmt(row.get('kib_per_connection'))} KiB/connection, missing {row.get('missing')}; load before {load}",
                flush=True,
            )
    (OUT / "push_ab.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    summary(results, a)


def summary(results: list[dict[str, Any]], a: argparse.Namespace) -> None:
    print()
    print(f"Summary: medians of {a.rounds} round(s); load average now {loadavg()}")
    conc = [r for r in results if r["kind"] == "concurrency"]
    med: dict[tuple[str, int], float | None] = {}
    if conc:
        print()
        print(
            f"Real work ({a.agents} agents, {a.hot} on one order, {a.seconds:.0f} s; reads + replies + updates)"
        )
        print(
            "| serving | consoles (views) | req/s (median) | runs | server CPU s (median) | server CPU ms per "
            "request (median) | client CPU s (median) | events received (median) | load averages before the runs |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for variant, consoles, views in a.conc_runs:
            rows = [
                r
                for r in conc
                if r["variant"] == variant and r["consoles"] == consoles and r.get("views", "") == views
            ]
            vals = [r["work_req_s"] for r in rows if r.get("work_req_s") is not None]
            key = (variant, consoles) if views in ("", "real") else (f"{variant}/{views}", consoles)
            med[key] = median(vals)

            def mcol(name: str, rows: list[dict[str, Any]] = rows) -> str:
                return fmt(median([float(r[name]) for r in rows if r.get(name) is not None]))

            print(
                f"| {variant} | {consoles}{f' ({views})' if views else ''} | {fmt(med[key])} | "
                f"{', '.join(fmt(v) for v in vals)} | {mcol('server_cpu_s')} | {mcol('server_cpu_ms_per_req')} | "
                f"{mcol('client_cpu_s')} | "
                f"{mcol('console_events')} | {'; '.join(r['load'] for r in rows)} |"
            )

        def ratio(x: tuple[str, int], y: tuple[str, int]) -> str:
            vx, vy = med.get(x), med.get(y)
            return "—" if not vx or not vy else f"{vx / vy:.2f}"

        n = a.consoles
        print()
        print("| ratio | value |")
        print("|---|---|")
        print(
            f"| after with {n} consoles / wsgi without (today's, target ≥ 1) | {ratio(('after', n), ('wsgi', 0))} |"
        )
        print(f"| after with {n} consoles / after without | {ratio(('after', n), ('after', 0))} |")
        print(f"| after without consoles / wsgi | {ratio(('after', 0), ('wsgi', 0))} |")
        print(f"| before without consoles / wsgi | {ratio(('before', 0), ('wsgi', 0))} |")
        print(f"| before with {n} consoles / wsgi without | {ratio(('before', n), ('wsgi', 0))} |")
        for v, c, views in a.conc_runs:
            if v not in ("wsgi", "before", "after"):
                print(f"| {v} with {c} consoles / after with {c} | {ratio((v, c), ('after', c))} |")
            if views == "team":
                print(
                    f"| {v} with {c} consoles all on the team queue / wsgi without | "
                    f"{ratio((f'{v}/team', c), ('wsgi', 0))} |"
                )
    live = [r for r in results if r["kind"] == "live"]
    if live:
        print()
        print(
            f"{a.consoles} connected consoles (bench/live_consoles.py; targets: idle ≈ 0 req/s, p95 ≤ 1,000 ms)"
        )
        print(
            "| serving | idle req/s | idle CPU % | p50 ms | p95 ms | RSS KiB per connection | missing | runs (p95) |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for variant in a.live_runs:
            rows = [r for r in live if r["variant"] == variant and r.get("p95_ms") is not None]

            def m(key: str, rows: list[dict[str, Any]] = rows) -> float | None:
                return median([float(r[key]) for r in rows if r.get(key) is not None])

            print(
                f"| {variant} | {fmt(m('idle_server_req_s'), 2)} | {fmt(m('idle_cpu_pct'))} | {fmt(m('p50_ms'), 0)} | "
                f"{fmt(m('p95_ms'), 0)} | {fmt(m('kib_per_connection'))} | {sum(int(r['missing'] or 0) for r in rows)} | "
                f"{', '.join(str(r['p95_ms']) for r in rows)} |"
            )


if __name__ == "__main__":
    main()
