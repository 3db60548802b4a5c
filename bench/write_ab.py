"""Create and reply against django-helpdesk, A/B against an earlier version of Kefu, interleaved.

For a shared or noisy machine: each round runs, back to back, ``http_bench.py --only create,reply`` from
the earlier tree (``--before``, e.g. ``git archive main`` unpacked), the same from this checkout, and
django-helpdesk's ticket create and follow-up (``helpdesk/bench_helpdesk.py --skip-load --only``), then
``hot_paths_cpu.py`` from both trees (statements and CPU time per request, in-process); the order of the two
Kefu versions alternates from round to round. Prints every run with the load average before it, then the
medians and the ratios the issue asks for (create ≥ 1.5×, reply ≥ 3× django-helpdesk).

    git archive main | tar -x -C /tmp/kefu-main
    DATABASE_URL=postgres://kefu@127.0.0.1:54329/perfwrite_bench_http \\
    HD_DATABASE_URL=postgres://kefu@127.0.0.1:54329/perfwrite_helpdesk_bench \\
        .venv/bin/python bench/write_ab.py --before /tmp/kefu-main --rounds 3

Both databases must have been built (``generate.py --scale quick``; ``bench_helpdesk.py --load-only``).
The two Kefu versions share the database (their migrations must be the same); created orders and replies
accumulate over the rounds. Writes ``var/bench/write_ab.json``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, loadavg, machine

OUT = ROOT / "var" / "bench"
HD_PYTHON = ROOT / "bench" / ".venv-helpdesk" / "bin" / "python"
NAMES = {"create": ("create order (API)", "create ticket (API)"), "reply": ("reply (API)", "follow-up (API)")}
CPU_LINE = re.compile(r"^(create \(API\)|reply \(API\))\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$")


def run(cmd: list[str], env: dict[str, str], log: Path) -> str:
    with log.open("w") as fh:
        proc = subprocess.run(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, check=False)
    text = log.read_text(encoding="utf-8", errors="replace")
    if proc.returncode != 0:
        print(f"  failed ({proc.returncode}): {' '.join(cmd)}; see {log}")
    return text


def kefu_http(tree: Path, port: int, args: Any, tag: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE")}
    cmd = [sys.executable, str(tree / "bench" / "http_bench.py"), "--only", "create,reply"]
    cmd += ["--requests", str(args.requests), "--seconds", str(args.seconds), "--port", str(port)]
    result = tree / "var" / "bench" / "http.json"
    result.unlink(missing_ok=True)  # a failed run (e.g. the server did not come up) leaves none: skipped
    run(cmd, env, OUT / f"write_ab-{tag}.log")
    if not result.exists():
        return {}
    data = json.loads(result.read_text(encoding="utf-8"))
    return {r["name"]: r for r in data["scenarios"]}


def helpdesk(port: int, args: Any) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE")}
    cmd = [str(HD_PYTHON), str(ROOT / "bench" / "helpdesk" / "bench_helpdesk.py"), "--skip-load"]
    cmd += ["--only", "create,follow-up", "--requests", str(args.requests), "--seconds", str(args.seconds)]
    cmd += ["--port", str(port)]
    (OUT / "helpdesk.json").unlink(missing_ok=True)
    run(cmd, env, OUT / "write_ab-helpdesk.log")
    if not (OUT / "helpdesk.json").exists():
        return {}
    data = json.loads((OUT / "helpdesk.json").read_text(encoding="utf-8"))
    return {r["name"]: r for r in data["operations"]}


def cpu(tree: Path, args: Any, tag: str) -> dict[str, dict[str, float]]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(tree)
    text = run(
        [sys.executable, str(ROOT / "bench" / "hot_paths_cpu.py"), "--runs", str(args.cpu_runs)],
        env,
        OUT / f"write_ab-cpu-{tag}.log",
    )
    out = {}
    for line in text.splitlines():
        m = CPU_LINE.match(line.strip())
        if m:
            out[m.group(1)] = {"statements": int(m.group(2)), "cpu_median": float(m.group(3))}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", type=Path, required=True, help="the earlier tree (git archive, unpacked)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--cpu-runs", type=int, default=30)
    ap.add_argument("--port", type=int, default=19871, help="after: port, before: +10, helpdesk: +20")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; before = {args.before}")
    runs: list[dict[str, Any]] = []
    for r in range(args.rounds):
        order = [("after", ROOT, args.port), ("before", args.before, args.port + 10)]
        if r % 2:
            order.reverse()
        for tag, tree, port in order:
            load = loadavg()
            res = kefu_http(tree, port, args, tag)
            runs.append({"round": r + 1, "variant": tag, "load": load, "http": res})
            print(f"round {r + 1} {tag:<8} load {load}: " + "; ".join(_line(res, k) for k in NAMES))
        load = loadavg()
        res = helpdesk(args.port + 20, args)
        runs.append({"round": r + 1, "variant": "helpdesk", "load": load, "http": res})
        print(f"round {r + 1} helpdesk load {load}: " + "; ".join(_line(res, k, 1) for k in NAMES))
        for tag, tree, _port in order:
            load = loadavg()
            c = cpu(tree, args, tag)
            runs.append({"round": r + 1, "variant": f"cpu-{tag}", "load": load, "cpu": c})
            print(
                f"round {r + 1} cpu {tag:<6} load {load}: "
                + "; ".join(
                    f"{k} {v['statements']} statements {v['cpu_median']:.1f} ms" for k, v in c.items()
                )
            )
    summary = _summary(runs)
    (OUT / "write_ab.json").write_text(
        json.dumps({"runs": runs, "summary": summary}, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    print(f"load average after: {loadavg()}; results in {OUT / 'write_ab.json'}")


def _line(res: dict[str, Any], key: str, side: int = 0) -> str:
    row = res.get(NAMES[key][side])
    if row is None:
        return f"{key} —"
    return f"{key} {row['throughput']:.1f} req/s p95 {row['p95']:.0f} ms {row.get('statuses')}"


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    def med(variant: str, key: str, field: str, side: int = 0) -> float:
        values = [
            run["http"][NAMES[key][side]][field]
            for run in runs
            if run["variant"] == variant and NAMES[key][side] in run["http"]
        ]
        return statistics.median(values) if values else float("nan")

    out: dict[str, Any] = {}
    print(
        f"\n{'medians':<10} {'after req/s':>12} {'before req/s':>13} {'helpdesk req/s':>15} {'after/hd':>9} {'before/hd':>10} {'after/before':>13}"
    )
    for key in NAMES:
        a, b, h = (
            med("after", key, "throughput"),
            med("before", key, "throughput"),
            med("helpdesk", key, "throughput", 1),
        )
        out[key] = {
            "after": a,
            "before": b,
            "helpdesk": h,
            "after_hd": a / h,
            "before_hd": b / h,
            "after_before": a / b,
        }
        out[key]["p95"] = {
            "after": med("after", key, "p95"),
            "before": med("before", key, "p95"),
            "helpdesk": med("helpdesk", key, "p95", 1),
        }
        print(f"{key:<10} {a:>12.1f} {b:>13.1f} {h:>15.1f} {a / h:>9.2f} {b / h:>10.2f} {a / b:>13.2f}")
    for variant in ("cpu-after", "cpu-before"):
        for name in ("create (API)", "reply (API)"):
            values = [
                run["cpu"][name]["cpu_median"]
                for run in runs
                if run["variant"] == variant and name in run["cpu"]
            ]
            stmts = [
                run["cpu"][name]["statements"]
                for run in runs
                if run["variant"] == variant and name in run["cpu"]
            ]
            if values:
                out.setdefault(variant, {})[name] = {
                    "cpu_median": statistics.median(values),
                    "statements": stmts[-1],
                }
                print(
                    f"{variant:<10} {name:<14} statements {stmts[-1]:>3}  CPU ms (median of rounds) {statistics.median(values):6.1f}"
                )
    return out


if __name__ == "__main__":
    main()
