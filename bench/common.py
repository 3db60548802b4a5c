"""Helpers shared by the benchmark scripts (not part of Kefu): databases, Kefu processes, percentiles, load average."""

from __future__ import annotations

import math
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

# KEFU_BENCH_CODE: the checkout whose ``kefu`` is measured (an exported tree of another commit, for A/B runs
# with this harness: bench/page_ab.py); its var/bench gets the outputs. Default: this checkout.
ROOT = Path(os.environ.get("KEFU_BENCH_CODE") or Path(__file__).resolve().parent.parent).resolve()
BENCH = Path(__file__).resolve().parent


def setup_path() -> None:
    for p in (str(ROOT), str(BENCH)):
        if p not in sys.path:
            sys.path.insert(0, p)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")


def db_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def recreate_database(url: str) -> None:
    """Drop and re-create the benchmark database of ``url`` (PostgreSQL or a SQLite file); its name must
    contain "bench" so that nobody's database is dropped by mistake."""
    name = db_name(url)
    if "bench" not in name:
        sys.exit(f"refusing to drop database {name!r}: use a database whose name contains 'bench'")
    if url.startswith("sqlite"):
        path = (
            Path(name if name.startswith("/") else "/" + name)
            if url.startswith("sqlite:////")
            else Path(name)
        )
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(
            f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' "
            "LC_CTYPE 'C.UTF-8'"
        )


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of ``values``; NaN for none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def machine() -> str:
    return f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}"


def kefu_process(
    args: list[str], url: str, log: Path, settings: str | None = None, *, worker_in_serve: bool = False
) -> subprocess.Popen[Any]:
    """``python -m kefu.cli <args>`` (``serve …`` or ``worker``) on the database ``url``, output to ``log``:
    ``bench/`` on the Python path, real password hashing, ``KEFU_WORKER_IN_SERVE=false`` (a server runs no
    periodic jobs; ``worker_in_serve``: it does, as the embedded default runs), Kefu's own settings unless
    ``settings`` names others (``floor_settings``)."""
    env = dict(
        os.environ,
        DATABASE_URL=url,
        KEFU_WORKER_IN_SERVE="true" if worker_in_serve else "false",
        PYTHONPATH=str(BENCH),
    )
    env.pop("KEFU_FAST_PASSWORD_HASHER", None)
    if settings:
        env["DJANGO_SETTINGS_MODULE"] = settings
    else:
        env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.Popen(
        [sys.executable, "-m", "kefu.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def serve_mode() -> str:
    """``KEFU_SERVE`` as ``kefu serve`` reads it: split (default), asgi or wsgi."""
    if os.environ.get("KEFU_SERVE_WSGI", "") in ("1", "true", "yes"):
        return "wsgi"
    return os.environ.get("KEFU_SERVE", "") or "split"


def live_port(port: int) -> int:
    """The port of the event streams of a ``kefu serve --bind 127.0.0.1:<port>`` started with this
    environment: the next port when it splits pages and streams (its default), else the same."""
    return port + 1 if serve_mode() == "split" else port


def serving() -> str:
    """How ``kefu serve`` serves with this environment (the variants bench/push_ab.py compares)."""
    mode = serve_mode()
    if mode == "wsgi":
        return "WSGI (gthread)"
    if mode == "asgi" and os.environ.get("KEFU_ASGI_PAGES", "") == "asgi":
        return "ASGI, every request through Django's ASGI handler (before)"
    if mode == "asgi":
        return "ASGI on one port: pages on a2wsgi threads, /live/events/ async"
    return "split: pages on the WSGI server (gthread), /live/events/ on the ASGI server on the next port"
