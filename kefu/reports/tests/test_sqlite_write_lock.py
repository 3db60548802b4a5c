"""The embedded database has one write lock, taken when a transaction begins (``BEGIN IMMEDIATE``): the long
counting of the background jobs must run outside it, so that a reply or an e-mail arriving meanwhile is not
kept waiting — past ``busy_timeout`` it failed with "database is locked" (bench/sqlite_embedded.py).

While the month close counts, and while the nightly tier job computes a customer's tier, another process
takes the write lock at once (``timeout=0``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from kefu.customers import jobs as customer_jobs
from kefu.reports import closing
from kefu.reports.kpis import Period
from kefu.reports.models import ClosedPeriod
from kefu.testing.dblock import sqlite_on_file

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's single write lock"),
]


def _other_writer_gets_the_lock(path: Path) -> bool:
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    finally:
        other.close()


def test_the_month_close_counts_without_holding_the_write_lock(
    world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.order(world.customer(), title="燃气表不走字")
    seen: list[bool] = []
    count = closing._count
    with sqlite_on_file(tmp_path) as path:

        def counting(scope: Any) -> Any:
            seen.append(_other_writer_gets_the_lock(path))
            return count(scope)

        monkeypatch.setattr(closing, "_count", counting)
        cp = closing.close_period(Period(2026, 11))
        assert seen == [True]
        assert ClosedPeriod.objects.filter(pk=cp.pk, year=2026, month=11).exists()


def test_the_tier_job_computes_without_holding_the_write_lock(
    world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.customer(name="王芳")
    seen: list[bool] = []
    compute = customer_jobs.compute_tier
    with sqlite_on_file(tmp_path) as path:

        def computing(c: Any, rule: Any = None, today: Any = None) -> Any:
            seen.append(_other_writer_gets_the_lock(path))
            return compute(c, rule, today)

        monkeypatch.setattr(customer_jobs, "compute_tier", computing)
        done = customer_jobs.recompute_all_tiers()
        assert done >= 1 and seen and all(seen)
