"""Temporary database failures on reads: a read that fails on a lost, terminated
or locked connection is run once more on a fresh connection, and answers 503 with ``Retry-After`` — never
500 — when the database is still unavailable. The database settings that make it so."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import close_old_connections, connection, transaction

from kefu.api.tests.conftest import api_for
from kefu.organization.models import ApiToken
from kefu.testing.dblock import database_locked, on_lockable_database, sqlite_on_file

pytestmark = pytest.mark.django_db(transaction=True)


def _terminate_backend() -> int:
    """Kill the test connection's server process from a second connection, as a restart of PostgreSQL does."""
    pid = connection.connection.info.backend_pid
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
        deadline = time.monotonic() + 10
        while other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, "the backend did not end"
            time.sleep(0.05)
    return pid


def test_read_while_the_database_is_locked_is_503_not_500(world: Any, tmp_path: Path, caplog: Any) -> None:
    api = api_for(world.supervisor.user)  # a new token: its first use writes last_used_at
    token = ApiToken.objects.get(user=world.supervisor.user)
    caplog.set_level(logging.WARNING, logger="kefu.db")
    with on_lockable_database(tmp_path):
        with database_locked(tmp_path, "organization_apitoken", token.pk):
            r = api.get("/orders")
        assert r.status_code == 503, r.content
        assert r["Retry-After"] == "30"
        assert r.body["error"]["code"] == "temporarily_unavailable"
        assert [m for m in caplog.messages if m.startswith("retrying GET /api/v1/orders")]  # read twice
        assert api.get("/orders").status_code == 200


def test_read_after_the_connection_was_terminated_is_answered(world: Any, caplog: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a terminated server connection is a PostgreSQL matter")
    api = api_for(world.supervisor.user)
    first = api.get("/orders")
    assert first.status_code == 200
    old_pid = _terminate_backend()
    caplog.set_level(logging.WARNING, logger="kefu.db")
    r = api.get("/orders")
    assert r.status_code == 200, r.content
    assert r.body == first.body
    assert [m for m in caplog.messages if m.startswith("retrying GET /api/v1/orders")]
    assert connection.connection.info.backend_pid != old_pid
    assert api.get("/orders").status_code == 200


def test_health_checks_replace_a_dead_pooled_connection(world: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite connections are not pooled (CONN_MAX_AGE 0)")
    assert connection.settings_dict["CONN_MAX_AGE"] > 0
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    _terminate_backend()
    close_old_connections()  # what Django runs when a request starts
    with connection.cursor() as cur:  # the health check finds the dead connection and opens a new one
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)


def test_sqlite_is_set_up_for_concurrent_use(tmp_path: Path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the embedded database's settings")
    with sqlite_on_file(tmp_path, busy_ms=250) as path, connection.cursor() as cur:
        cur.execute("PRAGMA journal_mode")
        assert cur.fetchone()[0] == "wal"
        cur.execute("PRAGMA synchronous")
        assert cur.fetchone()[0] == 1  # NORMAL
        cur.execute("PRAGMA busy_timeout")
        assert cur.fetchone()[0] == 250
        cur.execute("PRAGMA foreign_keys")
        assert cur.fetchone()[0] == 1
        # transaction_mode IMMEDIATE: a transaction holds the write lock from its start, even before it writes
        with transaction.atomic():
            cur.execute("SELECT count(*) FROM organization_branch")
            other = sqlite3.connect(path, isolation_level=None, timeout=0)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            other.close()


def _settings_in(env: dict[str, str], expr: str) -> str:
    code = f"import django; django.setup(); from django.conf import settings; print({expr})"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "kefu.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_database_settings_from_the_environment(tmp_path: Path) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    opts = _settings_in(
        {"DATABASE_URL": sqlite_url, "KEFU_SQLITE_BUSY_TIMEOUT_MS": "1234"},
        "settings.DATABASES['default']['OPTIONS']",
    )
    assert "busy_timeout=1234;" in opts and "journal_mode=WAL" in opts and "synchronous=NORMAL" in opts
    assert "'transaction_mode': 'IMMEDIATE'" in opts and "'timeout': 1.234" in opts
    pg_url = "postgres://kefu@127.0.0.1:5432/x"
    db = "settings.DATABASES['default']"
    assert _settings_in({"DATABASE_URL": pg_url}, f"{db}['CONN_HEALTH_CHECKS']") == "True"
    off = {"DATABASE_URL": pg_url, "KEFU_DB_CONN_MAX_AGE": "0"}
    assert _settings_in(off, f"{db}['CONN_HEALTH_CHECKS']") == "False"
