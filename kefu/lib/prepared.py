"""A query built with the ORM and compiled to SQL once per process and database, then run with new values.

Building a queryset and compiling it costs Django about a millisecond for a query with joins and
subqueries (the session's, with the user, the staff profile, the bell and the live-event id): more than
the database takes to answer it. A query that every request runs with other values but the same shape is
built once as a :class:`Prepared`::

    SESSION = Prepared(
        lambda key, now: StaffSession.objects.select_related("user__staff").filter(
            session_key=key, expire_date__gt=now
        )[:1],
        key="\\x01sample-key",
        now=SAMPLE_MOMENT,
    )
    row = SESSION.first(alias, key=session_key, now=clock.now())

The first call on a database alias builds the queryset with the sample values, compiles it and finds each
sample among the statement's parameters; every later call only puts the new values in their places, runs the
SQL and turns the rows into model instances as the ORM does (its converters, ``select_related``,
annotations). Parameters may be strings, integers or aware datetimes; each sample must be distinctive: a
value no constant of the query has (every parameter equal to it is taken for it), and present (else compiling
fails with :class:`ValueError`). A query whose shape depends on a value (a filter added or not) is one
:class:`Prepared` per shape. ``prefetch_related`` is not supported."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import connections, models
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models.query import get_related_populators

M = TypeVar("M", bound=models.Model)

# a moment no real value has, for a datetime parameter's sample
SAMPLE_MOMENT = dt.datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=dt.UTC)


class _Compiled:
    __slots__ = (
        "annotations",
        "converters",
        "init_list",
        "model",
        "params",
        "related",
        "slots",
        "span",
        "sql",
    )

    def __init__(self, qs: models.QuerySet[Any], alias: str, samples: dict[str, Any]) -> None:
        if qs._prefetch_related_lookups:  # type: ignore[attr-defined]
            raise ValueError("Prepared does not support prefetch_related")
        conn = connections[alias]
        compiler = qs.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        adapted = {name: _adapt(conn, value) for name, value in samples.items()}
        self.slots: list[tuple[int, str]] = []
        for i, p in enumerate(params):
            names = [name for name, a in adapted.items() if type(p) is type(a) and p == a]
            if len(names) > 1:
                raise ValueError(f"samples {names} compile to the same parameter")
            if names:
                self.slots.append((i, names[0]))
        found = {name for _i, name in self.slots}
        for name in samples:
            if name not in found:
                raise ValueError(f"the sample of {name!r} is not among the query's parameters")
        self.sql = sql
        self.params = list(params)
        select = compiler.select
        klass_info = compiler.klass_info
        assert klass_info is not None  # a model query
        self.converters = compiler.get_converters([s[0] for s in select])
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.span = (fields[0], fields[-1] + 1)
        self.init_list = [f[0].target.attname for f in select[self.span[0] : self.span[1]]]
        self.related = get_related_populators(klass_info, select, alias)  # type: ignore[call-arg]  # Django 5.2
        self.annotations = list(compiler.annotation_col_map.items())


def _adapt(conn: Any, value: Any) -> Any:
    """The value as the ORM passes it to the database driver (a datetime: as its DateTimeField does)."""
    if isinstance(value, dt.datetime):
        return conn.ops.adapt_datetimefield_value(value)
    if isinstance(value, str | int) and not isinstance(value, bool):
        return value
    raise TypeError(f"Prepared parameters are str, int or datetime, not {type(value).__name__}")


class Prepared(Generic[M]):
    """A queryset compiled once per database alias (see the module)."""

    def __init__(self, build: Callable[..., models.QuerySet[M]], **samples: Any) -> None:
        self.build = build
        self.samples = samples
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _for(self, alias: str) -> _Compiled:
        compiled = self._compiled.get(alias)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(alias)
                if compiled is None:
                    compiled = _Compiled(self.build(**self.samples), alias, self.samples)
                    self._compiled[alias] = compiled
        return compiled

    def rows(self, alias: str, **values: Any) -> list[M]:
        """The model instances of the query run with ``values`` (one per sample name) on ``alias``."""
        if values.keys() != self.samples.keys():
            raise TypeError(f"values for {sorted(self.samples)} expected, got {sorted(values)}")
        c = self._for(alias)
        conn = connections[alias]
        params = list(c.params)
        for i, name in c.slots:
            params[i] = _adapt(conn, values[name])
        with _cursor(conn) as cur:
            cur.execute(c.sql, params)
            rows = cur.fetchall()
        if c.converters:
            rows = _apply(rows, c.converters, conn)
        out: list[M] = []
        start, end = c.span
        for row in rows:
            obj = c.model.from_db(alias, c.init_list, row[start:end])
            for populator in c.related:
                populator.populate(row, obj)
            for attr, pos in c.annotations:
                setattr(obj, attr, row[pos])
            out.append(obj)
        return out

    def first(self, alias: str, **values: Any) -> M | None:
        """The first instance of :meth:`rows`, or None."""
        found = self.rows(alias, **values)
        return found[0] if found else None


def _cursor(conn: Any) -> Any:
    """A cursor of ``conn`` (Django's wrapper: the query is logged and counted as any). On PostgreSQL, unless
    ``KEFU_DB_PREPARED_STATEMENTS`` is off, one that binds the parameters on the server: psycopg prepares the
    statement on the connection at its first run (``prepare_threshold`` 0, kefu.settings; Django's own
    cursors bind on the client and never prepare), and PostgreSQL plans it once per connection (a generic
    plan after its first five runs) instead of on every request — planning the order page's query took
    longer than running it."""
    if conn.vendor != "postgresql" or not settings.KEFU_DB_PREPARED_STATEMENTS:
        return conn.cursor()
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, ServerBindingCursor
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    conn.close_if_health_check_failed()
    conn.ensure_connection()
    with conn.wrap_database_errors:
        raw = ServerBindingCursor(conn.connection)  # type: ignore[call-arg]
        tz_loader = conn.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        if conn.timezone != tz_loader.timezone:  # as Django's own cursors
            register_tzloader(conn.timezone, raw)
        conn.validate_thread_sharing()
        if conn.queries_logged:  # a prepared run leaves no query text on the cursor: log the composed one
            return _LoggedCursor(raw, conn)
        return conn.make_cursor(raw)


class _LoggedCursor(CursorDebugWrapper):
    """Django's logging cursor (tests, ``DEBUG``) for a prepared statement: the SQL logged with its values
    composed on the client, as Django's own cursors show it."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return CursorWrapper.execute(self, sql, params)


def _apply(rows: list[Any], converters: dict[int, Any], conn: Any) -> list[list[Any]]:
    """The ORM's value converters applied to the rows (as ``SQLCompiler.apply_converters``)."""
    items = list(converters.items())
    out = []
    for row in rows:
        row = list(row)
        for pos, (convs, expression) in items:
            value = row[pos]
            for converter in convs:
                value = converter(value, expression, conn)
            row[pos] = value
        out.append(row)
    return out
