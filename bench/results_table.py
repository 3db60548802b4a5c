"""Markdown tables of the last run (var/bench/http.json, helpdesk.json, concurrency.json) for RESULTS.md.

.venv/bin/python bench/results_table.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "helpdesk"))
from bench_helpdesk import PAIRS
from common import ROOT

OUT = ROOT / "var" / "bench"


def read(name: str) -> dict[str, Any] | None:
    path = OUT / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def main() -> None:
    http = read("http.json")
    if http:
        print(f"Kefu, {http['orders']:,} orders, {http['date']}, load average after {http['load_after']}\n")
        print(
            "| scenario | requests | req/s | p50 ms | p95 ms | p99 ms | floor p95 ms | SQL p95 ms (statements) | p95 / (floor + SQL) |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for r in http["scenarios"]:
            bad = {k: v for k, v in r["statuses"].items() if k not in ("200", "201")}
            print(
                f"| {r['name']} | {r['n']}{' ' + str(bad) if bad else ''} | {r['throughput']} | {r['p50']} | {r['p95']} | {r['p99']} | "
                f"{r['floor']['p95']} | {r['sql']['p95']} ({r['sql']['statements']}) | **{r['ratio_p95']}** |"
            )
        s = http.get("sweep")
        if s:
            print(
                f"\nBreach sweep over {s['running_clocks']:,} running clocks: first run {s['first_ms']} ms "
                f"(warned {s['first_warned']}, breached {s['first_breached']}), steady state median "
                f"{s['steady_median_ms']} ms (max {s['steady_max_ms']} ms)."
            )
        k = http.get("kpi")
        if k and k.get("available"):
            print(
                f"Monthly KPI report per service area ({k['period']}, {k['kpis']} KPIs): median {k['median_ms']} ms, "
                f"max {k['max_ms']} ms."
            )
        elif k:
            print("Monthly KPI report: not available.")
    hd = read("helpdesk.json")
    if hd and http:
        k_rows = {r["name"]: r for r in http["scenarios"]}
        h_rows = {r["name"]: r for r in hd["operations"]}
        print(
            f"\ndjango-helpdesk 2.6.1, {hd['tickets']:,} tickets, {hd['date']}, load average after {hd['load_after']}\n"
        )
        print(
            "| operation (Kefu ↔ django-helpdesk) | Kefu req/s | helpdesk req/s | **Kefu / helpdesk** | Kefu p95 ms | helpdesk p95 ms | helpdesk floor p95 ms |"
        )
        print("|---|---|---|---|---|---|---|")
        for k_name, h_name in PAIRS:
            kr, hr = k_rows.get(k_name), h_rows.get(h_name)
            if not kr or not hr:
                continue
            ratio = kr["throughput"] / hr["throughput"] if hr["throughput"] else float("inf")
            bad = {k: v for k, v in hr["statuses"].items() if k not in ("200", "201")}
            print(
                f"| {k_name} ↔ {h_name}{' ' + str(bad) if bad else ''} | {kr['throughput']} | {hr['throughput']} | **{ratio:.2f}** | "
                f"{kr['p95']} | {hr['p95']} | {hr['floor']['p95']} |"
            )
    conc = read("concurrency.json")
    if conc:
        print(
            f"\nConcurrency, {conc['agents']} agents ({conc['hot']} on one order), {conc['seconds']} s, {conc['date']}, "
            f"load average after {conc['load_after']}\n"
        )
        print("| request | count | p50 ms | p95 ms | p99 ms | statuses |")
        print("|---|---|---|---|---|---|")
        for kind, v in conc["latency"].items():
            print(
                f"| {kind} | {v['n']} | {v['p50']:.1f} | {v['p95']:.1f} | {v['p99']:.1f} | {conc['statuses'][kind]} |"
            )
        print(
            f"\nReplies answered 201: {conc['replies_201']}, 409: {conc['replies_409']}; lost {conc['lost']}, "
            f"duplicated {conc['duplicated']}; e-mail {conc['mail']}."
        )
        for name, ok in conc["checks"].items():
            print(f"- {'OK' if ok else 'FAILED'}: {name}")


if __name__ == "__main__":
    main()
