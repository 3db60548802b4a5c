"""The ``kefu`` command: serve, worker, demo, createadmin, token, check (and any manage.py command).

kefu serve [--bind 127.0.0.1:8000] [--workers N] [--no-worker]   (event streams on KEFU_LIVE_BIND, default the next port)
kefu worker [--once]
kefu demo [--orders N] [--customers N]
kefu createadmin [--username admin] [--password-file F]
kefu token create USERNAME NAME
kefu check
kefu import customers FILE.xlsx|FILE.csv [--branch CODE] [--dry-run] [--report FILE]
kefu manage <django command> ...
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    import django

    django.setup()


# PostgreSQL advisory lock key of "migrating" (any constant shared by all Kefu processes)
MIGRATE_LOCK = 0x4B4546550001


def _prepare_database(after: Callable[[], object] | None = None) -> None:
    """Apply migrations (then ``after``); create the data directory for the embedded database.

    On PostgreSQL the two run under an advisory lock: several ``kefu serve``/``kefu worker`` processes
    starting at once (after an upgrade) would otherwise race to apply the same migration and all but one
    would fail with "relation already exists"."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
    locked = connection.vendor == "postgresql"
    if locked:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK])
    try:
        call_command("migrate", interactive=False, verbosity=0)
        if after is not None:
            after()
    finally:
        if locked:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK])


def ensure_admin(username: str = "admin", password: str | None = None, *, quiet: bool = False) -> str | None:
    """Create the first administrator if no admin exists. Returns the password when one was generated."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from kefu.lib import clock
    from kefu.organization.models import Staff

    User = get_user_model()
    if User.objects.filter(is_superuser=True).exists() and password is None:
        return None
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    with transaction.atomic():
        user, _created = User.objects.get_or_create(username=username, defaults={"is_staff": True})
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        Staff.objects.get_or_create(
            user=user,
            defaults={
                "name": "管理员",
                "badge_no": f"ADMIN-{user.pk}",
                "role": "admin",
                "branch": None,
                "grade": 9,
                "hired_on": clock.localdate(),
            },
        )
    if generated:
        path = Path(settings.DATA_DIR) / "initial-admin-password.txt"
        path.write_text(f"{username}\n{password}\n", encoding="utf-8")
        path.chmod(0o600)
        if not quiet:
            print(f"\n  Kefu administrator created: username “{username}”, password “{password}”")
            print(f"  (also written to {path}; change it after the first login)\n")
    return password if generated else None


def live_bind_for(bind: str) -> str:
    """Where ``kefu serve`` listens for the consoles' event streams when ``KEFU_LIVE_BIND`` does not say:
    the host of ``bind`` and the next port (``127.0.0.1:8000`` → ``127.0.0.1:8001``)."""
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdecimal() or bind.startswith("unix:"):
        from kefu.conf import ConfigError

        raise ConfigError(f"KEFU_LIVE_BIND: set it (host:port of the event streams) when binding to {bind!r}")
    return f"{host}:{int(port) + 1}"


def serve_mode() -> str:
    """How ``kefu serve`` serves (``KEFU_SERVE``): ``split`` (default) — the pages on a WSGI server, the event
    streams on an ASGI server on a second port; ``asgi`` — one ASGI server on one port (pages on a thread
    pool inside it, kefu/asgi.py); ``wsgi`` — the WSGI server alone, no push (the pages poll)."""
    if os.environ.get("KEFU_SERVE_WSGI", "") in ("1", "true", "yes"):
        return "wsgi"
    mode = os.environ.get("KEFU_SERVE", "") or "split"
    if mode not in ("split", "asgi", "wsgi"):
        from kefu.conf import ConfigError

        raise ConfigError(f"KEFU_SERVE: one of split, asgi, wsgi (not {mode!r})")
    return mode


def _gunicorn(app: str, bind: str, workers: int, worker: list[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        app,
        "--bind",
        bind,
        "--workers",
        str(workers),
        *worker,
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


def cmd_serve(args: argparse.Namespace) -> int:
    _setup()
    from django.conf import settings

    mode = serve_mode()
    _prepare_database(after=ensure_admin)
    bind = args.bind or settings.KEFU_BIND
    sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
    workers = args.workers or int(os.environ.get("KEFU_WEB_WORKERS", "2" if sqlite else "4"))
    if settings.PRODUCTION:
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
    threads = os.environ.get("KEFU_WEB_THREADS", "4")
    # the pages: Django's WSGI handler in gunicorn's threaded workers (docs/adr/0006-live-updates.md)
    wsgi_worker = ["--worker-class", "gthread", "--threads", threads]
    # ASGI: uvicorn in gunicorn's processes holds the open event streams of the consoles (async); kefu.asgi
    # hands any other request to Django's WSGI handler on a pool of KEFU_WEB_THREADS threads (a2wsgi)
    asgi_worker = ["--worker-class", "uvicorn_worker.UvicornWorker"]
    env = dict(os.environ)
    servers: list[tuple[list[str], dict[str, str]]] = []
    live_bind = ""
    if mode == "wsgi":  # no server push: the consoles poll
        servers.append((_gunicorn("kefu.wsgi:application", bind, workers, wsgi_worker), env))
    elif mode == "asgi":  # one port: the page threads and the streams' sign-in checks share a pool
        servers.append(
            (_gunicorn("kefu.asgi:application", bind, workers, asgi_worker), env | {"KEFU_DB_POOL": "1"})
        )
    else:
        # two listeners: the pages exactly as the WSGI server serves them, the streams on their own port;
        # the browser reaches that port on the page's host name (KEFU_LIVE_PORT) unless the operator set
        # KEFU_LIVE_PORT=0 because a reverse proxy routes /live/ to it (docs/operations.md)
        live_bind = os.environ.get("KEFU_LIVE_BIND", "") or live_bind_for(bind)
        live_workers = int(os.environ.get("KEFU_LIVE_WORKERS", "1") or 1)
        page_env = dict(env)
        page_env.setdefault("KEFU_LIVE_PORT", live_bind.rpartition(":")[2])
        # a connection from the process's pool per request: no health-check round trip before each
        # request's first query, as a kept connection per thread needs (CONN_HEALTH_CHECKS)
        page_env.setdefault("KEFU_DB_POOL", "1")
        servers.append((_gunicorn("kefu.wsgi:application", bind, workers, wsgi_worker), page_env))
        live_env = env | {"KEFU_DB_POOL": "1", "KEFU_WEB_THREADS": "2"}  # no pages are served there
        servers.append((_gunicorn("kefu.asgi:application", live_bind, live_workers, asgi_worker), live_env))
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    how = {"wsgi": "WSGI, no push", "asgi": "ASGI", "split": f"WSGI pages; event streams on {live_bind}"}[
        mode
    ]
    print(f"Kefu listening on http://{bind}/  (database: {engine}, {workers} web workers, {how})", flush=True)
    procs = [subprocess.Popen(cmd, env=e) for cmd, e in servers]
    stop = threading.Event()

    def shutdown(signum: int, _frame: object) -> None:
        stop.set()
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    run_worker = settings.KEFU_WORKER_IN_SERVE and not args.no_worker
    if run_worker:
        from kefu.jobs.runner import run_forever

        thread = threading.Thread(target=run_forever, args=(stop,), name="kefu-worker", daemon=True)
        thread.start()
    # one server ending (a crash, or a signal) ends the other: `kefu serve` is one service
    while not stop.is_set() and all(p.poll() is None for p in procs):
        stop.wait(0.5)
    shutdown(signal.SIGTERM, None)
    codes = [p.wait() for p in procs]
    return next((c for c in codes if c), 0)


def cmd_worker(args: argparse.Namespace) -> int:
    _setup()
    from kefu.jobs.runner import load_job_modules, run_due_jobs, run_forever

    if args.once:
        load_job_modules()
        ran = run_due_jobs()
        print("ran:", ", ".join(ran) or "nothing due")
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    run_forever(stop)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    _setup()
    _prepare_database()
    ensure_admin()
    from kefu.demo import DEMO_PASSWORD, demo_logins, load_demo

    result = load_demo(orders=args.orders, customers=args.customers, stdout=sys.stdout)
    if result.get("skipped"):
        print("Demo data is already loaded; nothing changed.")
    else:
        print("Demo data loaded:", ", ".join(f"{k}={v}" for k, v in result.items()))
    print(f"Demo logins (password “{DEMO_PASSWORD}”): " + ", ".join(demo_logins()))
    return 0


def cmd_createadmin(args: argparse.Namespace) -> int:
    _setup()
    _prepare_database()
    password = None
    if args.password_file:
        password = Path(args.password_file).read_text(encoding="utf-8").strip()
    elif os.environ.get("KEFU_ADMIN_PASSWORD"):
        password = os.environ["KEFU_ADMIN_PASSWORD"]
    if password is not None:
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError

        try:
            validate_password(password)
        except ValidationError as exc:
            print("password: " + " ".join(exc.messages), file=sys.stderr)
            return 2
    generated = ensure_admin(args.username, password)
    if password is not None:
        print(f"Administrator “{args.username}” created/updated.")
    elif generated is None:
        print("An administrator already exists; pass --password-file to (re)set one.")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    _setup()
    from django.contrib.auth import get_user_model

    from kefu.organization.tokens import create_token

    user = get_user_model().objects.filter(username=args.username).first()
    if user is None:
        print(f"username: no user “{args.username}”", file=sys.stderr)
        return 2
    token, _row = create_token(user, args.name)
    print(token)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    _setup()
    from kefu.checks import run_checks

    problems = run_checks()
    for level, message in problems:
        print(f"{level.upper()}: {message}")
    errors = [p for p in problems if p[0] == "error"]
    if not problems:
        print("OK: no configuration problems found")
    return 1 if errors else 0


def cmd_manage(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kefu manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kefu", description="Kefu customer-service system")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="run the web app (and, embedded, the background worker)")
    p.add_argument("--bind", help="host:port (default 127.0.0.1:8000 or KEFU_BIND)")
    p.add_argument("--workers", type=int, help="web worker processes")
    p.add_argument(
        "--no-worker", action="store_true", help="do not run the background worker in this process"
    )
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("worker", help="run the background worker (periodic jobs, outbox)")
    p.add_argument("--once", action="store_true", help="run the due jobs once and exit")
    p.set_defaults(func=cmd_worker)
    p = sub.add_parser("demo", help="load the demo data set (idempotent)")
    p.add_argument("--orders", type=int, default=2000)
    p.add_argument("--customers", type=int, default=500)
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("createadmin", help="create the administrator account")
    p.add_argument("--username", default="admin")
    p.add_argument(
        "--password-file", help="read the password from this file (else KEFU_ADMIN_PASSWORD or generated)"
    )
    p.set_defaults(func=cmd_createadmin)
    p = sub.add_parser("token", help="API tokens")
    tsub = p.add_subparsers(dest="token_command", required=True)
    tc = tsub.add_parser("create", help="create a token for a user (printed once)")
    tc.add_argument("username")
    tc.add_argument("name")
    tc.set_defaults(func=cmd_token)
    p = sub.add_parser("check", help="report configuration problems (exit 1 on errors)")
    p.set_defaults(func=cmd_check)
    from kefu.cli.imports import add_parser as add_import_parser

    add_import_parser(sub)
    p = sub.add_parser("manage", help="run a Django management command")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from kefu.conf import ConfigError

    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
