"""Helpers shared by the benchmark scripts (not part of Kefu): databases, timing, load average."""

from __future__ import annotations

import math
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PG_SERVER = "postgres://kefu@127.0.0.1:54329"


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


def timed_runs(fn: Callable[[], object], runs: int) -> list[float]:
    """Wall time in milliseconds of ``runs`` calls of ``fn``."""
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def ms(values: Sequence[float]) -> str:
    return (
        f"p50 {percentile(values, 50):.1f} ms, p95 {percentile(values, 95):.1f} ms, "
        f"p99 {percentile(values, 99):.1f} ms"
    )
