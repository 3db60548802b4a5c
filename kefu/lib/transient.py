"""Temporary failures: the database or the attachment directory is unavailable for a while.

A message or request that fails for one of these reasons is not wrong and must not be dropped: the
inbound e-mail endpoint answers 503 with ``Retry-After`` (the MTA delivers again), the IMAP poller leaves
the message in the folder for the next poll, and a page answers 503 with the form as typed. Only a
permanent problem of the message itself (unreadable, too large, nobody to receive it) is a dead letter.

Temporary: any ``django.db.OperationalError`` or ``InterfaceError`` (a locked SQLite database, a full disk,
a lost or terminated PostgreSQL connection, a lock or statement timeout), the same errors of the drivers
when they are not wrapped, and an ``OSError`` (the attachment directory missing, not writable, full).
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import InterfaceError, OperationalError

RETRY_AFTER_SECONDS = 30

_DRIVER_ERRORS: tuple[type[BaseException], ...] = (sqlite3.OperationalError, sqlite3.InterfaceError)
try:  # PostgreSQL driver errors that escaped Django's wrapper (e.g. raised while connecting)
    import psycopg

    _DRIVER_ERRORS += (psycopg.OperationalError, psycopg.InterfaceError)
except ImportError:  # pragma: no cover - psycopg is a dependency
    pass


def is_temporary(exc: BaseException) -> bool:
    """True for a failure that goes away by itself or when an operator fixes the machine (see above)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:  # the cause chain: wrapped driver errors
        seen.add(id(current))
        if isinstance(current, (OperationalError, InterfaceError, OSError, *_DRIVER_ERRORS)):
            return True
        current = current.__cause__
    return False


def is_connection_error(exc: BaseException) -> bool:
    """A database error after which the connection itself may be broken (retrying a read can help)."""
    return isinstance(exc, (OperationalError, InterfaceError, *_DRIVER_ERRORS))


def media_problem() -> str:
    """Why attachments cannot be stored now ("" when they can): the directory ``MEDIA_ROOT`` must exist
    (it is created when missing, as the first upload would) and take a new file."""
    media = Path(settings.MEDIA_ROOT)
    try:
        media.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=media, prefix=".kefu-check-"):
            pass
    except OSError as exc:
        return f"{media}: {exc.strerror or exc}"
    return ""
