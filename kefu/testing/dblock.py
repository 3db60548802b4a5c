"""Real database outages for tests: a write lock held by another connection, a terminated connection.

SQLite: the test database is in memory, which another connection cannot lock the way a second process
locks the embedded database file. ``sqlite_on_file`` copies it into a file and moves the default
connection there (with the project's options: WAL, ``BEGIN IMMEDIATE``, a short busy timeout), and
``write_lock`` holds ``BEGIN IMMEDIATE`` on that file from a second sqlite3 connection. PostgreSQL: a
second connection holds ``FOR NO KEY UPDATE`` on a row (what an UPDATE of it takes) and the test's
connection waits at most ``lock_timeout``. Both need a transactional test (``django_db(transaction=True)``):
the other connection must see the test's rows.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connection

BUSY_MS = 300


@contextmanager
def sqlite_on_file(directory: Path, busy_ms: int = BUSY_MS) -> Iterator[Path]:
    """Move the default SQLite connection onto a file copy of the test database until the block ends."""
    assert connection.vendor == "sqlite"
    connection.ensure_connection()
    memory = connection.connection
    path = directory / "kefu-locked.sqlite3"
    target = sqlite3.connect(path)
    memory.backup(target)
    target.execute("PRAGMA journal_mode=WAL")  # as the embedded database runs (kefu.settings)
    target.close()
    saved_name, saved_options = connection.settings_dict["NAME"], connection.settings_dict["OPTIONS"]
    options = dict(saved_options)
    options["init_command"] = re.sub(r"busy_timeout=\d+", f"busy_timeout={busy_ms}", options["init_command"])
    options["timeout"] = busy_ms / 1000
    connection.connection = None  # closing would destroy the in-memory database: it is put back below
    connection.settings_dict["NAME"], connection.settings_dict["OPTIONS"] = str(path), options
    try:
        connection.ensure_connection()
        yield path
    finally:
        connection.close()
        connection.settings_dict["NAME"], connection.settings_dict["OPTIONS"] = saved_name, saved_options
        connection.connection = memory


@contextmanager
def sqlite_write_lock(path: Path) -> Iterator[sqlite3.Connection]:
    """Another process's writer: ``BEGIN IMMEDIATE`` on the database file, held until the block ends."""
    other = sqlite3.connect(path, isolation_level=None, timeout=5)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield other
    finally:
        other.rollback()
        other.close()


@contextmanager
def pg_lock_timeout(lock_timeout_ms: int = BUSY_MS) -> Iterator[None]:
    """The test's connections (also those opened again after an error) wait at most ``lock_timeout_ms``
    for a lock."""
    assert connection.vendor == "postgresql"
    options = connection.settings_dict["OPTIONS"]
    saved = options.get("options")
    options["options"] = f"{saved or ''} -c lock_timeout={int(lock_timeout_ms)}".strip()
    connection.close()
    try:
        yield
    finally:
        if saved is None:
            options.pop("options", None)
        else:
            options["options"] = saved
        connection.close()


@contextmanager
def pg_row_lock(table: str, pk: int, lock_timeout_ms: int = BUSY_MS) -> Iterator[Any]:
    """Another transaction holds the row ``table.id = pk`` (FOR NO KEY UPDATE, what an UPDATE takes);
    the test's connection gives up waiting for a lock after ``lock_timeout_ms``."""
    import psycopg

    assert connection.vendor == "postgresql"
    with pg_lock_timeout(lock_timeout_ms), psycopg.connect(**connection.get_connection_params()) as other:
        other.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR NO KEY UPDATE", [pk])  # noqa: S608
        try:
            yield other
        finally:
            other.rollback()


@contextmanager
def database_locked(tmp_path: Path, table: str, pk: int) -> Iterator[None]:
    """On either database: writing the row ``table.id = pk`` (SQLite: anything) fails with a lock error
    inside the block. On SQLite the caller must be inside ``sqlite_on_file``."""
    if connection.vendor == "sqlite":
        with sqlite_write_lock(Path(connection.settings_dict["NAME"])):
            yield
    else:
        with pg_row_lock(table, pk):
            yield


@contextmanager
def on_lockable_database(tmp_path: Path) -> Iterator[None]:
    """SQLite: ``sqlite_on_file``; PostgreSQL: nothing to do."""
    if connection.vendor == "sqlite":
        with sqlite_on_file(tmp_path):
            yield
    else:
        yield
