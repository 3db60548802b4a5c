"""The API contract run of scripts/test (docs/api.md): schemathesis against a live Kefu on loopback.

1. A fresh PostgreSQL database (``--db``, default ``kefu_api_contract``) on the test server
   (``scripts/pg-test-server``), with a seeded demo data set (``kefu demo --orders 80 --customers 40``:
   every kind of record, clocks with pending extensions, accountability records, portal customers) plus a
   mailbox for inbound mail.
2. ``kefu serve`` on 127.0.0.1 (a free port), the SMS gateway secret set.
3. schemathesis, once per persona with its own API token: the supervisor (every phase: examples, coverage,
   fuzzing and the stateful phase that follows the OpenAPI links), the agent and a portal customer; all
   checks (plus ``api_contract_hooks``); a fixed seed, then a short run with a random seed (printed:
   ``--seed`` repeats it).
Any failure makes the exit status non-zero. Reports (JUnit) in test-artifacts/.

    .venv/bin/python scripts/api_contract.py [--pg URL] [--db NAME] [--seed N] [--examples N] [--random-examples N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
SMS_SECRET = "contract-run-sms-secret"  # noqa: S105 — a test secret for the loopback server
PERSONAS = {"supervisor": "sup_north", "agent": "agent1", "customer": "cust1"}
# what a customer's token may reach: the rest answers 403/404, checked in the supervisor's run
CUSTOMER_PATHS = r"^/api/v1/(orders|customers)"


def log(message: str) -> None:
    print(f"[api-contract] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fresh_database(pg: str, name: str) -> None:
    import psycopg

    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise SystemExit(f"not a database name: {name}")
    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def seed(env: dict[str, str], orders: int, customers: int) -> dict[str, str]:
    """Load the demo data set and return the tokens and the ids the run starts from (JSON from a child
    process, so this script itself never imports Django)."""
    subprocess.run(
        [str(VENV / "kefu"), "demo", "--orders", str(orders), "--customers", str(customers)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    code = f"""
import json
from kefu.channels.models.mail import Mailbox
from kefu.organization.models import Branch
from kefu.organization.tokens import create_token
from django.contrib.auth import get_user_model

User = get_user_model()
out = {{}}
for persona, username in {PERSONAS!r}.items():
    out[persona], _row = create_token(User.objects.get(username=username), "api-contract")
branch = Branch.objects.order_by("id").first()
box, _ = Mailbox.objects.get_or_create(address="service@contract.example.cn", defaults={{"branch": branch}})
# realistic path values (schemathesis mixes them with generated ones): the first branch's open orders with
# clocks, pending extension requests, customers, calendars, services, accountability records
from kefu.commitments.models import BusinessCalendar, ExtensionRequest, OrderClock, Service
from kefu.customers.models import Customer
from kefu.supervision.models import AccountabilityRecord
from kefu.workorders.models import WorkOrder

clocks = list(
    OrderClock.objects.filter(workorder__branch=branch, stopped_at__isnull=True)
    .order_by("id").values_list("id", "workorder__number")[:6]
)
portal = WorkOrder.objects.filter(customer__user__username="{PERSONAS["customer"]}").order_by("id")
out["values"] = {{
    "key": sorted({{n for _i, n in clocks}} | set(portal.values_list("number", flat=True)[:2])),
    "clock_id": [i for i, _n in clocks],
    "request_id": list(ExtensionRequest.objects.filter(status="pending").values_list("id", flat=True)[:4]),
    "customer_id": list(Customer.objects.filter(branch=branch).order_by("id").values_list("id", flat=True)[:4]),
    "calendar_id": list(BusinessCalendar.objects.values_list("id", flat=True)),
    "code": list(Service.objects.filter(is_active=True).values_list("code", flat=True)[:4]),
    "record_id": list(AccountabilityRecord.objects.filter(branch=branch).values_list("id", flat=True)[:4]),
    "mailbox_id": [box.pk],
}}
print("CONTRACT-SEED " + json.dumps(out))
"""
    done = subprocess.run(
        [str(VENV / "python"), "manage.py", "shell", "-c", code],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("CONTRACT-SEED "))
    return json.loads(line.split(" ", 1)[1])


def wait_for(url: str, server: subprocess.Popen[bytes], seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=60) as r:  # noqa: S310 — loopback (first answer: slow)
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"no answer from {url} within {seconds} s")


CONFIG = """\
# written by scripts/api_contract.py
hooks = "api_contract_hooks"
color = false

[checks]
# a schema-valid request may still be refused by a business rule (400 with its own code) or need the
# version (428); api_contract_hooks checks that it is never refused as not matching the schema
positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409", "428"]
# schemathesis' list and the API's own size limits (413 body, 414 query string)
negative_data_rejection.expected-statuses = [
  "400", "401", "403", "404", "405", "406", "409", "413", "414", "415", "422", "428", "429", "5xx"
]

[generation]
# the database is PostgreSQL: text never holds NUL (the API refuses it; the schema cannot say so)
allow-x00 = false

[output.sanitization]
enabled = false
"""


def config_text(values: dict[str, list[object]]) -> str:
    """The configuration: CONFIG, and each path parameter drawn from the seeded values most of the time."""
    lines = [CONFIG]
    for name, items in values.items():
        if items:
            lines.append(f"[dictionaries.{name}]\nvalues = {json.dumps(items, ensure_ascii=False)}\n")
    lines.append("[parameters]")
    for name, items in values.items():
        if items:
            lines.append(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.8 }}')
    return "\n".join(lines) + "\n"


def run_schemathesis(
    base: str,
    token: str,
    name: str,
    *,
    seed: int,
    examples: int,
    phases: str,
    include: str | None,
    env: dict[str, str],
    config_toml: str,
) -> tuple[int, int]:
    """One schemathesis run; returns (exit status, generated test cases)."""
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    config = artifacts / "schemathesis.toml"
    config.write_text(config_toml, encoding="utf-8")
    cmd = [
        str(VENV / "schemathesis"),
        "--config-file",
        str(config),
        "run",
        f"{base}/api/v1/openapi.json",
        "--checks",
        "all",
        "--phases",
        phases,
        "--max-examples",
        str(examples),
        "--seed",
        str(seed),
        "--workers",
        "1",  # CPython 3.11.7 may fail parsing in two threads at once (hypothesis' lambda sources)
        "--header",
        f"Authorization: Bearer {token}",
        "--report",
        "junit",
        "--report-junit-path",
        str(artifacts / f"schemathesis-{name}.xml"),
        "--suppress-health-check",
        "all",
    ]
    if include:
        cmd += ["--include-path-regex", include]
    log(
        f"{name}: "
        + " ".join(c if not c.startswith("Authorization") else "Authorization: Bearer …" for c in cmd)
    )
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    output = done.stdout + done.stderr
    summary = output[output.rfind("SUMMARY") - 40 :] if "SUMMARY" in output else output[-3000:]
    print(output if done.returncode else summary, flush=True)
    m = re.search(r"(\d+) generated", output)
    return done.returncode, int(m.group(1)) if m else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg", help="PostgreSQL server URL (default: scripts/pg-test-server)")
    parser.add_argument("--db", default="kefu_api_contract")
    parser.add_argument("--seed", type=int, default=20260301, help="seed of the fixed run")
    parser.add_argument("--examples", type=int, default=5, help="examples per operation (fixed run)")
    parser.add_argument("--random-seed", type=int, help="seed of the random run (default: random)")
    parser.add_argument("--random-examples", type=int, default=3, help="examples per operation (random run)")
    parser.add_argument(
        "--keep-data", action="store_true", help="reuse the database of the last run (the demo loads once)"
    )
    parser.add_argument("--orders", type=int, default=80)
    parser.add_argument("--customers", type=int, default=40)
    args = parser.parse_args()

    started = time.monotonic()
    pg = (
        args.pg
        or subprocess.run(
            [str(ROOT / "scripts" / "pg-test-server")], check=True, capture_output=True, text=True
        ).stdout.strip()
    )
    data_dir = ROOT / "var" / "api-contract"
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": f"{pg}/{args.db}",
        "KEFU_DATA_DIR": str(data_dir),
        "KEFU_SMS_HTTP_SECRET": SMS_SECRET,
        "KEFU_WORKER_IN_SERVE": "0",
        "DJANGO_SETTINGS_MODULE": "kefu.settings",
        "PYTHONPATH": f"{ROOT / 'scripts'}{os.pathsep}{ROOT}",
    }
    if not args.keep_data:
        fresh_database(pg, args.db)
    seeded = seed(env, args.orders, args.customers)
    log(f"seeded in {time.monotonic() - started:.0f} s")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(VENV / "kefu"), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--no-worker"],
        env=env,
        stdout=(ROOT / "test-artifacts" / "api-contract-server.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=ROOT,
    )
    status = 0
    cases = 0
    try:
        wait_for(f"{base}/api/v1/openapi.json", server)
        st_env = {**env, "SCHEMATHESIS_HOOKS": "api_contract_hooks"}
        random_seed = args.random_seed if args.random_seed is not None else random.randrange(1, 2**31)
        # every phase for the supervisor (the coverage phase alone is ~3,500 cases: each parameter's
        # boundaries and violations); the agent and the customer add what their roles change
        runs = [
            ("supervisor", "examples,coverage,fuzzing,stateful", None, args.seed, args.examples),
            ("agent", "examples,fuzzing,stateful", None, args.seed, max(2, args.examples // 2)),
            ("customer", "examples,fuzzing,stateful", CUSTOMER_PATHS, args.seed, max(2, args.examples // 2)),
            ("supervisor-random", "fuzzing,stateful", None, random_seed, args.random_examples),
        ]
        for name, phases, include, seed_value, examples in runs:
            began = time.monotonic()
            persona = name.split("-")[0]
            rc, generated = run_schemathesis(
                base,
                seeded[persona],
                name,
                seed=seed_value,
                examples=examples,
                phases=phases,
                include=include,
                env=st_env,
                config_toml=config_text(seeded["values"]),
            )
            cases += generated
            log(
                f"{name}: seed {seed_value}, {generated} test cases in {time.monotonic() - began:.0f} s, "
                f"exit status {rc}"
            )
            if rc != 0:
                status = 1
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    log(
        f"{'FAILED' if status else 'passed'}: {cases} test cases in {time.monotonic() - started:.0f} s "
        f"(server log: test-artifacts/api-contract-server.log)"
    )
    return status


if __name__ == "__main__":
    sys.exit(main())
