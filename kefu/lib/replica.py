"""Reads that may go to a read replica (``DATABASE_REPLICA_URL``): reports, exports and search.

With a replica configured, ``settings.DATABASES`` has a second alias, ``replica`` (a PostgreSQL hot
standby of the primary). Nothing reads from it unless the code asks: every ordinary read and every write
goes to the primary (``default``), so a page shown after a change always sees that change. Code paths that
may read a slightly older state (a streaming replica is usually less than a second behind) opt in:

- ``@reads_from_replica`` on a view: its queries run on the replica for GET and HEAD requests (a request
  that writes never does);
- ``with replica_reads():`` around a block;
- ``qs.using(replica.alias())`` for a queryset evaluated later, e.g. the rows of a streamed export
  (the response is iterated after the view returned, outside any ``with``).

:class:`ReplicaRouter` (``DATABASE_ROUTERS``) sends reads to the replica only inside such a block, never
inside a transaction on the primary (what a transaction reads may be written back). Without a replica
configured all of this is a no-op: ``alias()`` is ``default``.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
SAFE_METHODS = ("GET", "HEAD")

_reading: ContextVar[bool] = ContextVar("kefu_replica_reads", default=False)

F = TypeVar("F", bound=Callable[..., Any])


def configured() -> bool:
    """Whether ``DATABASE_REPLICA_URL`` configured a replica."""
    return REPLICA in settings.DATABASES


def _primary_busy() -> bool:
    """A transaction is open on the primary: its reads must see its own writes."""
    return connections[DEFAULT_DB_ALIAS].in_atomic_block


def alias() -> str:
    """The database alias for a read that may be slightly behind: the replica when there is one and no
    transaction is open on the primary, else the primary."""
    if configured() and not _primary_busy():
        return REPLICA
    return DEFAULT_DB_ALIAS


@contextlib.contextmanager
def replica_reads() -> Iterator[None]:
    """Inside: the ORM's reads (not writes) go to the replica, when there is one (see the module)."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def reads_from_replica(view: F) -> F:
    """A view whose reads may go to the replica: reports, exports, search. Only GET and HEAD requests;
    put it below the decorators that check the login (the session and user are read on the primary)."""

    @functools.wraps(view)
    def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
        if request.method not in SAFE_METHODS:
            return view(request, *args, **kwargs)
        with replica_reads():
            return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class ReplicaRouter:
    """``DATABASE_ROUTERS``: reads inside :func:`replica_reads` to the replica, everything else (and every
    write, migration and relation check) left to Django's default — the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if _reading.get() and configured() and not _primary_busy():
            return REPLICA
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the same data on both

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db == DEFAULT_DB_ALIAS  # a standby is read-only: it gets the primary's schema by replication


def searches_from_replica(view: F) -> F:
    """A list view whose searches (a non-empty ``q`` parameter) may read from the replica; the same list
    without a search reads the primary, as any page."""

    @functools.wraps(view)
    def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
        if request.method not in SAFE_METHODS or not request.GET.get("q", "").strip():
            return view(request, *args, **kwargs)
        with replica_reads():
            return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
