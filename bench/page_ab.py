"""The order page A/B against another commit, interleaved (for a shared or noisy machine), with
django-helpdesk's ticket page in every round.

Per round, back to back: ``http_bench.py --only "order page"`` with the other commit's ``kefu`` (an exported
tree, ``KEFU_BENCH_CODE``), the same with this checkout's, then ``helpdesk/bench_helpdesk.py --only "ticket
page"``; the same harness measures both commits. Prints each run with the load average before it, then the
medians: requests/s, p95, statements, and the ratio to django-helpdesk's ticket page.

    git archive main | tar -x -C /tmp/kefu-main
    DATABASE_URL=postgres://kefu@127.0.0.1:54329/x_bench_http \\
    HD_DATABASE_URL=postgres://kefu@127.0.0.1:54329/x_helpdesk_bench \\
        .venv/bin/python bench/page_ab.py --other /tmp/kefu-main --rounds 3

Both databases must be loaded first (``generate.py --scale quick``; ``bench_helpdesk.py --load-only``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
HERE = BENCH.parent
sys.path.insert(0, str(BENCH))
from common import loadavg  # noqa: E402


def kefu_run(code: Path, args: argparse.Namespace) -> dict[str, Any]:
    # the pages' server only (gthread, as in every mode of ``kefu serve``): the event-stream listener of the
    # split mode would take the next port, which http_bench.py gives the floor's server
    env = dict(os.environ, KEFU_BENCH_CODE=str(code), KEFU_SERVE_WSGI="1")
    cmd = [sys.executable, str(BENCH / "http_bench.py"), "--only", "order page", "--no-direct"]
    cmd += ["--requests", str(args.requests), "--port", str(args.port), "--seconds", str(args.seconds)]
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    out = json.loads((code / "var" / "bench" / "http.json").read_text(encoding="utf-8"))
    row = out["scenarios"][0]
    return {
        "req_s": row["throughput"],
        "p95": row["p95"],
        "statements": row["sql"]["statements"],
        "sql_p95": row["sql"]["p95"],
        "floor_p95": row["floor"]["p95"],
    }


def helpdesk_run(args: argparse.Namespace) -> dict[str, Any]:
    python = BENCH / ".venv-helpdesk" / "bin" / "python"
    cmd = [str(python), str(BENCH / "helpdesk" / "bench_helpdesk.py"), "--skip-load", "--only", "ticket page"]
    cmd += ["--requests", str(args.requests), "--port", str(args.port + 10), "--seconds", str(args.seconds)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, KEFU_BENCH_CODE=""))
    out = json.loads((HERE / "var" / "bench" / "helpdesk.json").read_text(encoding="utf-8"))
    row = out["operations"][0]
    return {"req_s": row["throughput"], "p95": row["p95"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--other", required=True, type=Path, help="an exported tree of the other commit")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--port", type=int, default=18851)
    args = ap.parse_args()
    runs: dict[str, list[dict[str, Any]]] = {"other": [], "this": [], "helpdesk": []}
    for r in range(1, args.rounds + 1):
        for name, fn in (
            ("other", lambda: kefu_run(args.other.resolve(), args)),
            ("this", lambda: kefu_run(HERE, args)),
            ("helpdesk", lambda: helpdesk_run(args)),
        ):
            load = loadavg()
            res = fn()
            res["load"] = load
            runs[name].append(res)
            print(f"round {r} {name:8} load {load}: {json.dumps(res)}", flush=True)
    hd = statistics.median(x["req_s"] for x in runs["helpdesk"])
    print(
        f"\n{'code':8} {'req/s (median)':>15} {'p95 ms':>8} {'statements':>10} {'÷ helpdesk ticket page':>23}"
    )
    for name in ("other", "this"):
        rs = statistics.median(x["req_s"] for x in runs[name])
        p95 = statistics.median(x["p95"] for x in runs[name])
        st = runs[name][-1]["statements"]
        print(f"{name:8} {rs:15.1f} {p95:8.0f} {st:10} {rs / hd:23.2f}")
    print(f"helpdesk {hd:15.1f} {statistics.median(x['p95'] for x in runs['helpdesk']):8.0f}")
    per_round = [t["req_s"] / h["req_s"] for t, h in zip(runs["this"], runs["helpdesk"], strict=True)]
    print("this ÷ helpdesk per round:", ", ".join(f"{x:.2f}" for x in per_round))
    (HERE / "var" / "bench").mkdir(parents=True, exist_ok=True)
    (HERE / "var" / "bench" / "page_ab.json").write_text(json.dumps(runs, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
