"""Processes starting together do not race on migrations: ``kefu serve``/``worker``/``demo`` migrate under a
PostgreSQL advisory lock (found by bench/http_bench.py: two servers started at once after an upgrade, one
died with "relation already exists")."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from django.db import connection, connections

from kefu.cli import MIGRATE_LOCK, _prepare_database

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]


def test_migrate_waits_for_the_lock_held_by_another_process(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "media"
    done: list[float] = []
    after: list[bool] = []

    def start() -> None:
        try:
            _prepare_database(after=lambda: after.append(True))
            done.append(time.monotonic())
        finally:
            connections.close_all()

    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK])  # another process is migrating
        t = threading.Thread(target=start)
        t.start()
        time.sleep(1.0)
        assert done == [] and after == []  # waiting, not migrating alongside
        released = time.monotonic()
        other.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK])
        t.join(timeout=60)
    assert len(done) == 1 and done[0] >= released and after == [True]
    # and the lock is released again: another process can take it at once
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        assert other.execute("SELECT pg_try_advisory_lock(%s)", [MIGRATE_LOCK]).fetchone() == (True,)
